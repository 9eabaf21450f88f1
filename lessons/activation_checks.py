"""Lesson 01's helpers: the activations side by side, three ways to get a derivative, plots.

A derivative can come from three independent places, and lesson 01 compares them:

* the formula written by hand (``custom_layers.activations.DERIVATIVES``);
* central finite differences ``(f(z + h) − f(z − h)) / 2h`` in float64 (no calculus at all);
* ``tf.GradientTape`` on the library's function, and on the Keras built-in of the same name.
"""

from __future__ import annotations

import inspect
import re

import keras
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf

from custom_layers import activations

PLOTTED = ["sigmoid", "tanh", "relu", "leaky_relu", "elu", "gelu", "swish", "softplus"]

# The Keras built-in of each name (keras.activations.leaky_relu's default slope is 0.2 too).
KERAS = {name: getattr(keras.activations, name) for name in PLOTTED}


def softmax_pair(z, softmax=activations.softmax):
    """First entry of softmax((z, 0)) — the two-class softmax is σ(z) — and ∂s₀/∂z."""
    pairs = tf.stack([z, tf.zeros_like(z)], axis=-1)
    probability = softmax(pairs)[:, 0]
    slope = activations.softmax_jacobian(pairs)[:, 0, 0]
    return probability, slope


def function(name, library="ours"):
    """The activation ``name`` (``"softmax"``: its first entry on (z, 0)) from ours or Keras."""
    if name == "softmax":
        softmax = activations.softmax if library == "ours" else keras.activations.softmax
        return lambda z: softmax_pair(z, softmax)[0]
    return activations.ACTIVATIONS[name] if library == "ours" else KERAS[name]


def hand_derivative(name, z):
    """The derivative formula written by hand in the library."""
    if name == "softmax":
        return np.asarray(softmax_pair(z)[1])
    return np.asarray(activations.DERIVATIVES[name](z))


def tape_derivative(name, z, library="ours"):
    """f'(z) as tf.GradientTape computes it (each output depends on its own input only)."""
    with tf.GradientTape() as tape:
        tape.watch(z)
        values = function(name, library)(z)
    return np.asarray(tape.gradient(values, z))


def finite_difference(name, z, h=1e-5):
    """Central difference (f(z + h) − f(z − h)) / 2h in float64: error about h²·f'''/6."""
    z = tf.cast(z, tf.float64)
    f = function(name)
    return (np.asarray(f(z + h)) - np.asarray(f(z - h))) / (2 * h)


def hand_written_gradients():
    """The activations whose tape gradient is hand-written (an ``ops.custom_gradient`` helper).

    Read from the library's source, so the list follows the library if it changes.
    """
    source = inspect.getsource(activations)
    decorated = re.findall(r"@(?:tf|ops|keras\.ops)\.custom_gradient\s*\ndef (\w+)\(", source)
    return [
        name
        for name in PLOTTED
        if any(
            f"{helper}(" in inspect.getsource(activations.ACTIVATIONS[name]) for helper in decorated
        )
    ]


def private_helpers(function, skip=("_on_placeholder",)):
    """The library's private functions that ``function`` runs (recursively), to show them.

    A ``custom_gradient`` function is unwrapped to the code that was written.
    """
    found, queue = [], [function]
    while queue:
        body = inspect.getsource(inspect.unwrap(queue.pop(0)))
        for name in re.findall(r"\b(_[a-z]\w*)\(", body):
            helper = getattr(activations, name, None)
            if callable(helper) and name not in skip and all(h is not helper for h in found):
                found.append(helper)
                queue.append(helper)
    return [inspect.unwrap(helper) for helper in found]


def plot_activations(z, table):
    """A 3×3 grid: each activation (solid) and its hand-written derivative (dashed)."""
    fig, axes = plt.subplots(3, 3, figsize=(12, 10), sharex=True)
    for axis, (name, (values, slope)) in zip(axes.flat, table.items(), strict=True):
        axis.plot(z, values, label="f(z)", linewidth=2)
        axis.plot(z, slope, label="f'(z)", linestyle="--")
        axis.axhline(0, color="grey", linewidth=0.5)
        axis.axvline(0, color="grey", linewidth=0.5)
        axis.set_title("softmax((z, 0))[0]" if name == "softmax" else name)
        axis.set_ylim(-1.5, 3.0)
        axis.legend(loc="upper left", fontsize=8)
    for axis in axes[-1]:
        axis.set_xlabel("z")
    fig.suptitle("Activation functions (solid) and their derivatives (dashed)")
    fig.tight_layout()
    return fig


def plot_saturation():
    """f'(z) of sigmoid, tanh and ReLU on a log scale: two of them vanish."""
    z = tf.constant(np.linspace(0.05, 12.0, 240), dtype=tf.float64)
    fig, axis = plt.subplots(figsize=(7, 4))
    for name in ("sigmoid", "tanh", "relu"):
        axis.semilogy(z, activations.DERIVATIVES[name](z), label=name)
    axis.set_xlabel("z")
    axis.set_ylabel("f'(z) (log scale)")
    axis.set_title("Saturation: the slope of sigmoid and tanh vanishes; ReLU's stays 1")
    axis.legend()
    return fig
