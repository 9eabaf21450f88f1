"""Lesson 06's test bench: a deep MLP of ``custom_layers`` Dense layers on MNIST, and what we
measure on it (activation spreads, gradient norms, dead units, accuracy after a budget)."""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from custom_layers import losses, training
from custom_layers.layers import Dense
from lessons import mnist_models

LOSS = losses.SparseCategoricalCrossentropy(from_logits=True)
# He for the ReLU family (units that are ~half off), Glorot for the symmetric, tanh-like ones.
INITIALIZATION = {
    "sigmoid": "glorot",
    "tanh": "glorot",
    "relu": "he",
    "leaky_relu": "he",
    "elu": "he",
    "gelu": "he",
    "swish": "he",
}


def build_deep_mlp(mean, std, activation, depth=8, width=128):
    """normalize → flatten → ``depth`` × Dense(width, activation) → Dense(10) logits.

    Every kernel starts Glorot-uniform (Keras's default); :func:`use_initialization` rescales.
    """
    layers = [
        keras.Input(mnist_models.IMAGE_SHAPE),
        keras.layers.Normalization(mean=mean, variance=std**2),
        keras.layers.Flatten(),
    ]
    layers += [Dense(width, activation=activation, name=f"hidden_{i + 1}") for i in range(depth)]
    layers.append(Dense(10, name="logits"))
    return keras.Sequential(layers)


def use_initialization(model, rule):
    """Turn the hidden kernels' Glorot-uniform draw into ``rule`` ("glorot" or "he").

    Glorot-uniform draws from ``U(−a, a)`` with ``a = √(6 / (fan_in + fan_out))``, He-uniform
    with ``a = √(6 / fan_in)``: the same draw times ``√((fan_in + fan_out) / fan_in)`` is a
    He-uniform draw. So both rules start from the same random pattern, only the scale differs.
    """
    if rule == "he":
        for layer in model.layers:
            if layer.name.startswith("hidden_"):
                fan_in, fan_out = layer.kernel.shape
                layer.kernel.assign(layer.kernel * np.sqrt((fan_in + fan_out) / fan_in))
    elif rule != "glorot":
        raise ValueError(f"rule must be 'glorot' or 'he', not {rule!r}")
    return model


def hidden_outputs(model, images):
    """The output of every hidden layer for a batch of images (input side first)."""
    outputs, x = [], images
    for layer in model.layers:
        x = layer(x)  # the batch goes through the layers one by one
        if layer.name.startswith("hidden_"):
            outputs.append(x.numpy())
    return outputs


def activation_stds(model, images):
    """The standard deviation of each hidden layer's outputs over a batch and its units."""
    return np.array([float(np.std(a)) for a in hidden_outputs(model, images)])


def dead_unit_fractions(model, images):
    """Per hidden layer: the fraction of units whose output is 0 for every image."""
    return np.array(
        [float(np.mean(np.all(a == 0.0, axis=0))) for a in hidden_outputs(model, images)]
    )


def gradient_norms(model, images, labels):
    """‖∂L/∂W_l‖ for the kernel of every Dense layer, input side first."""
    kernels = [layer.kernel for layer in model.layers if isinstance(layer, Dense)]
    with tf.GradientTape() as tape:
        loss = LOSS(labels, model(images))
    return np.array([float(tf.norm(g)) for g in tape.gradient(loss, kernels)])


def evaluate(model, images, labels, batch_size=2000):
    """(accuracy, mean cross-entropy) of ``model`` on a set of images, in batches."""
    logits = np.concatenate(
        [
            model(images[i : i + batch_size], training=False).numpy()
            for i in range(0, len(images), batch_size)
        ]
    )
    return float(np.mean(logits.argmax(axis=1) == labels)), float(LOSS(labels, logits))


class Bench:
    """Trains the bench for one seed at a time, reusing one compiled train step per
    (activation, optimizer) pair.

    Tracing a ``tf.function`` costs more here than training this small model for a few epochs,
    so each run keeps the pair's model and :class:`training.Trainer`, and only puts back the
    seed's initial weights and zeroes the optimizer's state (its step counter and slots) and
    sets its learning rate: the numbers are those of a fresh model and a fresh optimizer.
    """

    def __init__(self, data, *, epochs, batch_size=128):
        self.data, self.epochs, self.batch_size = data, epochs, batch_size
        self.trainers = {}

    def initial_model(self, activation, seed):
        """A fresh bench model for ``seed``, with ``activation``'s initialization rule."""
        keras.utils.set_random_seed(seed)
        model = build_deep_mlp(self.data["mean"], self.data["std"], activation)
        return use_initialization(model, INITIALIZATION[activation])

    def run(self, activation, optimizer_name, make_optimizer, learning_rate, seed):
        """Train from ``seed``'s start; return {"curve", "val", "test", "dead", "dead_init",
        "diverged"}. A run whose loss became NaN is kept, evaluated at its last finite weights.

        ``curve`` is the loss on 1 000 training images before training (epoch 0), then each
        epoch's mean training loss; ``dead`` / ``dead_init`` the fraction of hidden units dead
        on 1 000 validation images after / before training.
        """
        data, start = self.data, self.initial_model(activation, seed)
        key = (activation, optimizer_name)
        if key not in self.trainers:
            self.trainers[key] = training.Trainer(
                start, loss=LOSS, optimizer=make_optimizer(learning_rate)
            )
        trainer = self.trainers[key]
        trainer.model.set_weights(start.get_weights())
        for variable in trainer.optimizer.variables:  # step counter and slots back to 0
            variable.assign(tf.zeros_like(variable))
        trainer.optimizer.learning_rate = learning_rate
        model = trainer.model
        dead_init = dead_unit_fractions(model, data["x_val"][:1000])
        initial_loss = evaluate(model, data["x_train"][:1000], data["y_train"][:1000])[1]
        train_data = mnist_models.make_dataset(
            data["x_train"], data["y_train"], self.batch_size, shuffle=True, seed=seed
        )
        try:
            losses_per_epoch, diverged = (
                trainer.fit(train_data, epochs=self.epochs, verbose=0)["loss"],
                False,
            )
        except training.NonFiniteLossError:  # η too large: the loop stopped before a NaN update
            losses_per_epoch, diverged = [], True  # the model keeps its last finite weights
        return {
            "diverged": diverged,
            "curve": [initial_loss] + losses_per_epoch,
            "val": evaluate(model, data["x_val"], data["y_val"])[0],
            "test": evaluate(model, data["x_test"], data["y_test"])[0],
            "dead": dead_unit_fractions(model, data["x_val"][:1000]),
            "dead_init": dead_init,
        }
