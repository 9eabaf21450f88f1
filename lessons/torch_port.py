"""The article's PyTorch program beside its Keras port, from the same weights (needs ``torch``).

Only lesson 16 imports this, and only when PyTorch is installed: the course never requires it.
Both sides train ``10 → 5 ReLU → 1`` with mean squared error and Adam(0.01, ε = 1e-8) on the
course's toy data, full batch. PyTorch stores a ``Linear`` weight as ``(out, in)`` and Keras a
``Dense`` kernel as ``(in, out)``, hence the transposes.
"""

from __future__ import annotations

import keras
import numpy as np
import torch

from custom_layers import losses, optimizers
from custom_layers.layers import Dense
from datasets import toy


def compare(seed: int, steps: int = 100) -> dict:
    """Train both ports in lockstep; return their final losses and the largest gap between them."""
    (x, y), _ = toy.load_data()
    keras.utils.set_random_seed(seed)
    port = keras.Sequential([keras.Input((10,)), Dense(5, activation="relu"), Dense(1)])
    original = torch.nn.Sequential(torch.nn.Linear(10, 5), torch.nn.ReLU(), torch.nn.Linear(5, 1))
    with torch.no_grad():  # copy the Keras initial weights into PyTorch
        for linear, dense in zip((original[0], original[2]), port.layers, strict=True):
            linear.weight.copy_(torch.from_numpy(dense.kernel.numpy().T.copy()))
            linear.bias.copy_(torch.from_numpy(dense.bias.numpy().copy()))
    criterion, optimizer = torch.nn.MSELoss(), torch.optim.Adam(original.parameters(), lr=0.01)
    port.compile(optimizer=optimizers.Adam(0.01, epsilon=1e-8), loss=losses.MeanSquaredError())
    x_torch, y_torch = torch.from_numpy(x), torch.from_numpy(y.reshape(-1, 1))
    torch_losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = criterion(original(x_torch), y_torch)
        loss.backward()
        optimizer.step()
        torch_losses.append(float(loss))
    history = port.fit(
        x, y.reshape(-1, 1), batch_size=len(x), epochs=steps, verbose=0, shuffle=False
    )
    keras_losses = history.history["loss"]
    return {
        "torch_loss": torch_losses[-1],
        "keras_loss": keras_losses[-1],
        "max_loss_diff": float(np.max(np.abs(np.array(torch_losses) - np.array(keras_losses)))),
    }
