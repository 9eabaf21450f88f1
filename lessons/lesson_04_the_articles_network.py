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
import numpy as np
import tensorflow as tf

from custom_layers import losses, optimizers, training
from custom_layers.layers import Dense
from datasets import toy
from lessons import article_plots, common


def extra(parser):
    parser.add_argument(
        "--batch-size",
        type=common.int_at_least(1),
        default=800,
        help="examples per step (default 800: the full batch, as the article)",
    )
    parser.add_argument(
        "--learning-rate", type=common.float_in(0.0, 10.0, low_open=True), default=0.01
    )


# %% tags=["parameters"]
args = common.setup("04", "Lesson 04: the article's network", epochs=100, extra=extra)
epochs = min(args.epochs, 20) if args.quick else args.epochs
metrics = {"epochs": epochs, "batch_size": args.batch_size}

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


# %%
train, test, (x_train, y_train), (x_test, y_test) = make_datasets(args.batch_size, args.seed)
scratch, builtin = from_scratch_model(), keras_model()
builtin.set_weights(scratch.get_weights())  # the same starting point


def dead_units(model):
    """Hidden units whose ReLU output is 0 on every training example (section 4 uses it)."""
    hidden = keras.Model(model.inputs, model.layers[0].output)
    return int(np.sum(np.all(hidden.predict(x_train, verbose=0) <= 0, axis=0)))


dead_at_start = dead_units(scratch)
print(
    f"Network 10 → 5 (ReLU) → 1: {scratch.count_params()} parameters; "
    f"{len(x_train)} training / {len(x_test)} test examples; batch {args.batch_size}, "
    f"{epochs} epochs, Adam(learning_rate={args.learning_rate})"
)

# %% [markdown]
# ## 3. Training, twice
#
# The from-scratch port calls `training.fit`, whose train step is the PyTorch loop's
# body: forward pass under a `GradientTape`, loss, `tape.gradient`, `optimizer.apply`.
# Here is that step as the library runs it (it also updates the metrics and reports
# whether any gradient was NaN, for the loop's guard):

# %%
# The loop's train step: Trainer.train_step (in older versions of the library, a private
# _replica_train_step), one replica's share of one batch.
train_step = getattr(training.Trainer, "train_step", None) or training.Trainer._replica_train_step
common.show_source(train_step)

# %% [markdown]
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
history = training.fit(
    scratch,
    train,
    loss=losses.MeanSquaredError(),
    optimizer=optimizers.Adam(args.learning_rate),
    epochs=epochs,
    validation_data=test,
    verbose=0,
)
# A fresh copy of the pipeline: a reshuffling dataset draws epoch k's order from its
# seed and from how many epochs it has already served, so each port gets its own.
train, test, _, _ = make_datasets(args.batch_size, args.seed)
builtin.compile(optimizer=keras.optimizers.Adam(args.learning_rate), loss="mse")
keras_history = builtin.fit(
    train,
    validation_data=test,
    epochs=epochs,
    shuffle=False,
    verbose=0,
    steps_per_epoch=int(train.cardinality()),
).history

# %% [markdown]
# The two ports, side by side: final losses, the largest difference over every epoch's
# losses, and between the final weights.

# %%
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
print(
    f"final training loss: from scratch {history['loss'][-1]:.8f}, "
    f"Keras built-ins {keras_history['loss'][-1]:.8f}, |difference| {loss_difference:.1e}"
)
print(
    f"final test loss:     from scratch {history['val_loss'][-1]:.8f}, "
    f"Keras built-ins {keras_history['val_loss'][-1]:.8f}"
)
print(
    f"largest |difference| over all epochs' losses: {curve_difference:.1e}; "
    f"between the final weights: {weight_difference:.1e}"
)
metrics.update(
    final_loss_from_scratch=history["loss"][-1],
    final_loss_keras=keras_history["loss"][-1],
    final_loss_abs_diff=loss_difference,
    max_loss_curve_abs_diff=curve_difference,
    max_weight_abs_diff=weight_difference,
    final_test_loss_from_scratch=history["val_loss"][-1],
)

# %% [markdown]
# ## 4. What the accuracy means
#
# The network is a **regressor**: trained with MSE on targets 0 and 1, its output
# estimates the mean of `y` given `x` — the probability of class 1 — though nothing keeps
# it inside `[0, 1]`. Thresholding at 0.5 turns it into a classifier: predict 1 where the
# output is above 0.5. Accuracy is the fraction of test examples classified right.
#
# An accuracy means little without a **baseline**: always predicting the class that is
# most common in the training set scores that class's share of the test set.


# %%
def accuracy(model, x, y, threshold=0.5):
    predicted = (model.predict(x, verbose=0) > threshold).astype("float32")
    return float(np.mean(predicted == y))


test_accuracy = accuracy(scratch, x_test, y_test)
keras_accuracy = accuracy(builtin, x_test, y_test)
train_accuracy = accuracy(scratch, x_train, y_train)
majority = float(np.mean(y_train) >= 0.5)  # the most common training label
baseline = float(np.mean(y_test == majority))
print(
    f"test accuracy: from scratch {test_accuracy:.3f}, Keras built-ins "
    f"{keras_accuracy:.3f} (training set: {train_accuracy:.3f})"
)
print(
    f"baseline: always predict class {int(majority)} (the training majority, "
    f"{np.mean(y_train == majority):.1%} of it) → {baseline:.3f} on the test set"
)
gap = 100 * (test_accuracy - baseline)
print(f"the network {'beats' if gap > 0 else 'does not beat'} it by {gap:.1f} percentage points")
metrics.update(
    test_accuracy_from_scratch=test_accuracy,
    test_accuracy_keras=keras_accuracy,
    train_accuracy_from_scratch=train_accuracy,
    majority_class=int(majority),
    majority_baseline_accuracy=baseline,
)

# %% [markdown]
# A second, harder baseline: the best **linear** model, `ŷ = x·w + b` fitted by least
# squares (the same MSE, solved exactly with `np.linalg.lstsq`). The toy target is mostly
# linear (see `datasets/toy.py`), so this baseline is strong.

# %%
with_bias = lambda x: np.hstack([x, np.ones((len(x), 1), x.dtype)])  # noqa: E731
linear_weights, *_ = np.linalg.lstsq(with_bias(x_train), y_train, rcond=None)
linear = float(np.mean((with_bias(x_test) @ linear_weights > 0.5) == y_test))
gap = 100 * abs(test_accuracy - linear)
verdict = "beats it by" if test_accuracy > linear else "falls short of it by"
print(f"best linear model (least squares) → {linear:.3f}; the network {verdict} {gap:.1f} points")
metrics["linear_baseline_accuracy"] = linear

# %% [markdown]
# Why could a network that contains the linear model do worse than it? Two candidate
# causes, both measured here. **Dead units**: a ReLU unit that outputs 0 for every
# training example gets no gradient and never recovers. With Glorot weights, a zero bias
# and centred inputs each unit starts out firing on about half of the examples, so none
# starts dead; the count below checks that, at the start and at the end. **Too few
# steps**: the article's recipe takes one full-batch step per epoch; if the training loss
# is still falling at the last epoch, training stopped early.

# %%
last = min(10, len(history["loss"]) - 1)
drop = 100 * (history["loss"][-last - 1] - history["loss"][-1]) / history["loss"][-last - 1]
print(
    f"dead hidden units: {dead_at_start} of 5 before training, "
    f"{dead_units(scratch)} of 5 after training"
)
print(f"training loss fell {drop:.1f} % over the last {last} epochs")
metrics.update(
    dead_units_start=dead_at_start,
    dead_units_end=dead_units(scratch),
    loss_drop_last_epochs_percent=drop,
)
common.show(
    article_plots.plot_training(
        history, keras_history, scratch.predict(x_test, verbose=0)[:, 0], y_test
    ),
    "training.png",
)

# %% [markdown]
# ## Summary
#
# - PyTorch's `Linear`/`MSELoss`/`Adam`/`backward`/`step` map onto `Dense`, a mean-reduced
#   MSE, `Adam`, `GradientTape` and `optimizer.apply`.
# - Two training runs are identical only with the same initial weights, the same batches
#   in the same order, and the same loss reduction; then the loop and `model.fit` agree.
# - An accuracy is read against baselines: the majority class and the best linear model.

# %%
print(
    f"This run: |loop − model.fit| final loss {loss_difference:.1e}, weights "
    f"{weight_difference:.1e}; test accuracy {test_accuracy:.3f} vs majority {baseline:.3f} "
    f"and linear {linear:.3f}; loss still falling {drop:.1f} % over the last {last} epochs."
)
metrics = common.finish(args, metrics)

# %% [markdown]
# ## Exercises
#
# Implementation exercises are in `exercises/lesson_04.py`; grade them with
# `make exercise-04` (solutions: [solutions/lesson_04.py](../solutions/lesson_04.py)).
#
# 1. **Accuracy at a threshold** (`accuracy_at_threshold`): the fraction of examples whose
#    `output > threshold` equals the 0/1 target.
# 2. **One training step** (`train_step`): forward under `tf.GradientTape`, the mean
#    squared error, `tape.gradient`, `optimizer.apply`; return the loss.
# 3. **The majority baseline** (`majority_baseline`): the accuracy of always predicting
#    the training set's most common label on the test labels.
# 4. *Experiment.* Rerun with `--epochs 1000`, then with `--batch-size 32`. Predict first
#    how the test accuracy compares with the linear baseline; then measure, with two or
#    three `--seed`s.
