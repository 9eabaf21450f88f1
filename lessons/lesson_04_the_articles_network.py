# %% [markdown]
# # Lesson 04 — The article's network, ported twice
#
# The article this course follows ends with a small PyTorch program: a network with 10
# inputs, 5 ReLU units and 1 output, trained with mean squared error and Adam, then
# scored by accuracy at a threshold of 0.5. This lesson ports it to Keras and TensorFlow
# twice, and checks that the two ports agree to the last digits:
#
# 1. **from scratch**: the course's own layers (`custom_layers.layers.Dense`), loss
#    (`custom_layers.losses.MeanSquaredError`) and Adam (`custom_layers.optimizers.Adam`),
#    trained by the course's `tf.GradientTape` loop (`custom_layers.training.fit`);
# 2. **with Keras built-ins**: `keras.layers.Dense`, `"mse"`, `keras.optimizers.Adam`
#    and `model.fit`.
#
# **What you will learn**
#
# - how a PyTorch model, loss, optimizer and training loop map onto Keras;
# - what it takes for two training runs to be *identical*: the same initial weights,
#   the same batches in the same order, the same loss reduction;
# - what the accuracy of a regressor thresholded at 0.5 means, and what it must beat:
#   the majority-class baseline.

# %% [markdown]
# ## 1. The original
#
# The article's example, in essence (written out here in full; the article's data was not
# given, and the course's toy problem, `datasets.toy`, has the same shape: 10 features, a
# 0/1 target):
#
# ```python
# import torch
# import torch.nn as nn
# import torch.optim as optim
#
# class SimpleNN(nn.Module):
#     def __init__(self):
#         super().__init__()
#         self.fc1 = nn.Linear(10, 5)   # 10 inputs -> 5 hidden units
#         self.relu = nn.ReLU()
#         self.fc2 = nn.Linear(5, 1)    # 5 hidden units -> 1 output
#
#     def forward(self, x):
#         return self.fc2(self.relu(self.fc1(x)))
#
# model = SimpleNN()
# criterion = nn.MSELoss()
# optimizer = optim.Adam(model.parameters(), lr=0.01)
#
# for epoch in range(100):
#     optimizer.zero_grad()
#     outputs = model(X_train)              # the whole training set at once
#     loss = criterion(outputs, y_train)
#     loss.backward()
#     optimizer.step()
#
# with torch.no_grad():
#     predicted = (model(X_test) > 0.5).float()
#     accuracy = (predicted == y_test).float().mean()
# ```
#
# The translation table:
#
# | PyTorch | Keras / TensorFlow |
# |---|---|
# | `nn.Linear(10, 5)` + `nn.ReLU()` | `Dense(5, activation="relu")` (kernel `10×5`, bias `5`) |
# | `nn.MSELoss()` (mean over the batch) | `MeanSquaredError()` (`"sum_over_batch_size"`: a mean) |
# | `optim.Adam(params, lr=0.01)` | `Adam(learning_rate=0.01)` (ε: PyTorch 1e-8, Keras 1e-7) |
# | `zero_grad`, `backward`, `step` | `tf.GradientTape`, `tape.gradient`, `optimizer.apply` |
# | one epoch = one full-batch step | one epoch over a dataset of one batch of all 800 examples |
#
# PyTorch initializes `Linear` weights uniformly in `±1/√fan_in`, Keras uses Glorot
# uniform; neither is "the" answer, so both ports here start from the *same* Glorot
# weights and the comparison is exact.

# %%
import keras
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf

from custom_layers import losses, optimizers, training
from custom_layers.layers import Dense
from datasets import toy
from lessons import common

# %% [markdown]
# ## 2. The data and the two models
#
# `toy.load_data()` gives 800 training and 200 test examples: `x` has 10 standard normal
# features and `y` is 1 when a fixed rule of the features is positive (see
# `datasets/toy.py`). The same `tf.data` pipeline (built twice, from the same seed) feeds
# both ports, so the batches are the same tensors in the same order; with the article's
# full batch there is nothing to shuffle, and with `--batch-size 32` the shuffle is
# seeded and identical for both.


# %%
def make_datasets(batch_size, seed):
    (x_train, y_train), (x_test, y_test) = toy.load_data()
    train = tf.data.Dataset.from_tensor_slices((x_train, y_train))
    if batch_size < len(x_train):
        train = train.shuffle(len(x_train), seed=seed, reshuffle_each_iteration=True)
    train = train.batch(batch_size)
    test = tf.data.Dataset.from_tensor_slices((x_test, y_test)).batch(len(x_test))
    return train, test, (x_train, y_train), (x_test, y_test)


def from_scratch_model():
    return keras.Sequential(
        [keras.Input((10,)), Dense(5, activation="relu"), Dense(1)], name="from_scratch"
    )


def keras_model():
    return keras.Sequential(
        [keras.Input((10,)), keras.layers.Dense(5, activation="relu"), keras.layers.Dense(1)],
        name="keras_builtins",
    )


# %% [markdown]
# ## 3. Training, twice
#
# The from-scratch port calls `training.fit`, whose train step is the PyTorch loop's
# body: forward pass under a `GradientTape`, loss, `tape.gradient`, `optimizer.apply`.
# The Keras port compiles and calls `model.fit`. Both average the squared error over
# each batch, and both report per epoch the training loss (the mean over the epoch's
# batches, measured while the weights change) and the test loss.
#
# One trap for exact comparisons: a dataset that reshuffles draws each epoch's order
# from its seed *and from how many iterators it has already opened*. The course's loop
# opens one per epoch; `model.fit` in Keras 3.15 opens one more at each epoch's start
# unless it is given `steps_per_epoch`, which would skip every other order. Hence the
# `steps_per_epoch` below (try `--batch-size 32` without it to see the runs drift apart).


# %%
def train_from_scratch(model, train, test, epochs, learning_rate):
    return training.fit(
        model,
        train,
        loss=losses.MeanSquaredError(),
        optimizer=optimizers.Adam(learning_rate),
        epochs=epochs,
        validation_data=test,
        verbose=0,
    )


def train_with_keras(model, train, test, epochs, learning_rate):
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="mse")
    # steps_per_epoch: without it, Keras 3.15 opens one extra iterator per epoch, which
    # skips one shuffle order each time (the batches would differ from epoch 2 on).
    history = model.fit(
        train,
        validation_data=test,
        epochs=epochs,
        shuffle=False,
        verbose=0,
        steps_per_epoch=int(train.cardinality()),
    )
    return history.history


# %% [markdown]
# ## 4. What the accuracy means
#
# The network is a **regressor**: trained with MSE on targets 0 and 1, its output
# estimates the mean of `y` given `x` — the probability of class 1 — though nothing keeps
# it inside `[0, 1]`. Thresholding at 0.5 turns it into a classifier: predict 1 where the
# output is above 0.5. Accuracy is the fraction of test examples classified right.
#
# An accuracy means little without a **baseline**: always predicting the class that is
# most common in the training set scores that class's share of the test set. The toy
# classes are nearly balanced, so the baseline is near 50 %; a useful network must beat
# it by a clear margin.
#
# A second, harder baseline: the best **linear** model, `ŷ = x·w + b` fitted by least
# squares (the same MSE, solved exactly with `np.linalg.lstsq`). The toy target is mostly
# linear (see `datasets/toy.py`), so this baseline is strong. The article's recipe — 5
# hidden units, 100 full-batch Adam steps — may land below it: 100 steps is little, and
# a ReLU unit that starts dead never recovers. Compare the two numbers the lesson prints,
# then try `--batch-size 32` (25 steps per epoch instead of 1) and other `--seed`s.


# %%
def accuracy(model, x, y, threshold=0.5):
    predicted = (model.predict(x, verbose=0) > threshold).astype("float32")
    return float(np.mean(predicted == y))


def majority_baseline(y_train, y_test):
    majority = float(np.mean(y_train) >= 0.5)  # the most common training label
    return majority, float(np.mean(y_test == majority))


def linear_baseline(x_train, y_train, x_test, y_test, threshold=0.5):
    """Test accuracy of the least-squares linear model ŷ = [x, 1]·w, thresholded."""
    with_bias = lambda x: np.hstack([x, np.ones((len(x), 1), x.dtype)])  # noqa: E731
    weights, *_ = np.linalg.lstsq(with_bias(x_train), y_train, rcond=None)
    predicted = (with_bias(x_test) @ weights > threshold).astype("float32")
    return float(np.mean(predicted == y_test))


def plot_training(history, keras_history, model, x_test, y_test):
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4))
    epochs = np.arange(1, len(history["loss"]) + 1)
    ax1.plot(epochs, history["loss"], "C0-", label="from scratch: train")
    ax1.plot(epochs, history["val_loss"], "C1-", label="from scratch: test")
    ax1.plot(epochs, keras_history["loss"], "k:", label="Keras built-ins: train")
    ax1.plot(epochs, keras_history["val_loss"], "k--", label="Keras built-ins: test")
    ax1.set(xlabel="epoch", ylabel="mean squared error", title="Loss: the two ports overlap")
    ax1.legend()
    outputs = model.predict(x_test, verbose=0)[:, 0]
    bins = np.linspace(outputs.min(), outputs.max(), 30)
    for label, color in ((0, "C3"), (1, "C2")):
        ax2.hist(
            outputs[y_test[:, 0] == label],
            bins=bins,
            alpha=0.6,
            color=color,
            label=f"true class {label}",
        )
    ax2.axvline(0.5, color="k", linestyle="--", label="threshold 0.5")
    ax2.set(
        xlabel="network output",
        ylabel="test examples",
        title="Outputs by true class (right of the line: predicted 1)",
    )
    ax2.legend()
    return fig


# %% [markdown]
# ## 5. Run the lesson
#
# `main` builds the from-scratch model, copies its initial weights into the Keras
# model, trains both on the same batches and prints: the final losses of the two ports
# and their difference, the largest difference between their weights, the test
# accuracy at threshold 0.5 and the majority-class baseline.


# %%
def main(argv=None):
    def extra(parser):
        parser.add_argument(
            "--batch-size",
            type=int,
            default=800,
            help="examples per step (default 800: the full batch, as the article)",
        )
        parser.add_argument("--learning-rate", type=float, default=0.01)

    args = common.parse_args(argv, "Lesson 04: the article's network", epochs=100, extra=extra)
    out = common.start("04", args)
    epochs = min(args.epochs, 20) if args.quick else args.epochs
    train, test, (x_train, y_train), (x_test, y_test) = make_datasets(args.batch_size, args.seed)

    scratch, builtin = from_scratch_model(), keras_model()
    builtin.set_weights(scratch.get_weights())  # the same starting point
    print(
        f"Network 10 → 5 (ReLU) → 1: {scratch.count_params()} parameters; "
        f"{len(x_train)} training / {len(x_test)} test examples; batch {args.batch_size}, "
        f"{epochs} epochs, Adam(learning_rate={args.learning_rate})"
    )

    history = train_from_scratch(scratch, train, test, epochs, args.learning_rate)
    # A fresh copy of the pipeline: a reshuffling dataset draws epoch k's order from its
    # seed and from how many epochs it has already served, so each port gets its own.
    train, test, _, _ = make_datasets(args.batch_size, args.seed)
    keras_history = train_with_keras(builtin, train, test, epochs, args.learning_rate)

    loss_difference = abs(history["loss"][-1] - keras_history["loss"][-1])
    curve_difference = max(
        abs(a - b)
        for name in ("loss", "val_loss")
        for a, b in zip(history[name], keras_history[name], strict=True)
    )
    weight_difference = max(
        float(np.max(np.abs(a - b)))
        for a, b in zip(scratch.get_weights(), builtin.get_weights(), strict=True)
    )
    print("\n1. The two ports, side by side")
    print(
        f"   final training loss: from scratch {history['loss'][-1]:.8f}, "
        f"Keras built-ins {keras_history['loss'][-1]:.8f}, |difference| {loss_difference:.1e}"
    )
    print(
        f"   final test loss:     from scratch {history['val_loss'][-1]:.8f}, "
        f"Keras built-ins {keras_history['val_loss'][-1]:.8f}"
    )
    print(
        f"   largest |difference| over all epochs' losses: {curve_difference:.1e}; "
        f"between the final weights: {weight_difference:.1e}"
    )

    test_accuracy = accuracy(scratch, x_test, y_test)
    keras_accuracy = accuracy(builtin, x_test, y_test)
    train_accuracy = accuracy(scratch, x_train, y_train)
    majority, baseline = majority_baseline(y_train, y_test)
    print("\n2. Accuracy at threshold 0.5")
    print(
        f"   test accuracy: from scratch {test_accuracy:.3f}, Keras built-ins "
        f"{keras_accuracy:.3f} (training set: {train_accuracy:.3f})"
    )
    print(
        f"   baseline: always predict class {int(majority)} (the training majority, "
        f"{np.mean(y_train == majority):.1%} of it) → {baseline:.3f} on the test set"
    )
    print(f"   the network beats it by {100 * (test_accuracy - baseline):.1f} percentage points")
    linear = linear_baseline(x_train, y_train, x_test, y_test)
    print(f"   the best linear model (least squares, no training loop) → {linear:.3f}")
    gap = 100 * abs(test_accuracy - linear)
    verdict = (
        f"beats it by {gap:.1f} points"
        if test_accuracy > linear
        else (
            f"falls {gap:.1f} points short of it: with 5 hidden units and {epochs} steps of "
            "the full batch it underfits this mostly linear target (try --batch-size 32)"
        )
    )
    print(f"   the article's network {verdict}")

    common.save_figure(
        plot_training(history, keras_history, scratch, x_test, y_test), out, "training.png"
    )
    return common.finish(
        args,
        {
            "epochs": epochs,
            "batch_size": args.batch_size,
            "final_loss_from_scratch": history["loss"][-1],
            "final_loss_keras": keras_history["loss"][-1],
            "final_loss_abs_diff": loss_difference,
            "max_loss_curve_abs_diff": curve_difference,
            "max_weight_abs_diff": weight_difference,
            "final_test_loss_from_scratch": history["val_loss"][-1],
            "test_accuracy_from_scratch": test_accuracy,
            "test_accuracy_keras": keras_accuracy,
            "train_accuracy_from_scratch": train_accuracy,
            "majority_class": int(majority),
            "majority_baseline_accuracy": baseline,
            "linear_baseline_accuracy": linear,
        },
    )


if __name__ == "__main__":
    main()
