# %% [markdown]
# # Lesson 05 — Image recognition: handwritten digits (MNIST)
#
# The article's first application is image recognition. Here it is for real: 70 000
# scanned handwritten digits (LeCun & Cortes' MNIST), 28×28 grey pixels each,
# and two networks built from the course's own layers, trained with the course's own
# Adam in the course's own `GradientTape` loop.
#
# The first network is a **multilayer perceptron** (MLP): it flattens the image into 784
# numbers and feeds them to dense layers, `a = f(W·x + b)`, exactly the neuron of
# lesson 01. It has no idea that pixel (3, 4) is next to pixel (3, 5). The second is a
# **convolutional network** (CNN): its neurons look at small windows of the image and
# share their weights across positions, so a stroke detector learned in one corner
# works everywhere. Same data, same optimizer, same loop: the difference in the test
# error is the architecture.
#
# **What you will learn**
#
# - an honest split: a validation set held out of the training set for the curves and
#   model choices, the test set touched once, at the end;
# - normalizing inputs with statistics computed on the training set only;
# - a convolution by hand — an edge kernel slid over a digit — equal to `Conv2D`'s, and
#   what padding, stride and pooling do to the shapes;
# - `custom_layers.layers.Conv2D`: the convolution `z = Σ x·kernel + bias` as a layer;
# - the ingredients of a small CNN trained on a CPU: batch normalization, dropout, a
#   cosine learning-rate schedule and small random shifts;
# - reading the results: a confusion matrix and the model's most confident mistakes.

# %%
import shutil
import time

import keras
import numpy as np
import tensorflow as tf

from custom_layers import losses, optimizers, training
from custom_layers.layers import Conv2D
from lessons import common, conv_by_hand, mnist_models, mnist_plots, mnist_results


def extra(parser):
    parser.add_argument("--full", action="store_true", help="train longer (at least 15 epochs)")


# %% tags=["parameters"]
args = common.setup("05", "Lesson 05: image recognition on MNIST", epochs=6, extra=extra)
if args.full:
    args.epochs = max(args.epochs, 15)
if args.quick:  # 3 000 training, 1 000 validation, 2 000 test images, 2 epochs: a smoke test
    args.epochs = min(args.epochs, 2)
verbose = 0 if args.quick else 1
metrics = {"epochs": args.epochs}

# %% [markdown]
# ## 1. The data and an honest split
#
# `datasets.mnist.load_data()` gives the 60 000 training and 10 000 test images as
# uint8 arrays, checked against the original files' checksums. We keep the **last
# 5 000 training images as a validation set**: the training curves, and any choice you
# make (architecture, epochs, learning rate), are judged on it. The 10 000 test images
# are used once, for the final accuracy, so that number is not flattered by the
# choices.
#
# Pixels are scaled to `[0, 1]` and then **normalized**, `x' = (x − mean) / std`, with
# the mean and standard deviation of the *training* pixels (computed, not copied from
# a book: about 0.13 and 0.31). Centered inputs of unit scale keep the first layer's
# pre-activations `W·x + b` in a sensible range at initialization. The normalization is
# the models' first layer (`keras.layers.Normalization` holding those two numbers), so a
# saved model takes plain `x / 255` images and later lessons can reuse it as is.
#
# `mnist_models.load_splits` and `make_dataset` (in `lessons/mnist_models.py`, shared
# with later lessons) do this; the training pipeline shuffles every epoch and, for
# augmentation, shifts each image by up to 2 pixels in each direction (a shifted "7" is
# still a 7; the model learns not to care where the digit sits).


# %%
if args.quick:
    data = mnist_models.load_splits(train_limit=3000, test_limit=2000)
    data["x_val"], data["y_val"] = data["x_val"][:1000], data["y_val"][:1000]
else:
    data = mnist_models.load_splits()
for split in ("train", "val", "test"):
    counts = np.bincount(data[f"y_{split}"], minlength=10)
    print(f"{split:5s} {counts.sum():6d} images, per digit {counts.min()}–{counts.max()}")
print(f"training pixels (x/255): mean {data['mean']:.4f}, std {data['std']:.4f}")
metrics.update(
    train_examples=len(data["y_train"]),
    val_examples=len(data["y_val"]),
    test_examples=len(data["y_test"]),
    pixel_mean=data["mean"],
    pixel_std=data["std"],
)

# %% [markdown]
# ## 2. A convolution by hand
#
# A convolutional layer slides a small **kernel** over the image and, at every position,
# multiplies the window under it by the kernel and sums:
#
# `z[i, j, f] = Σ_{u, v, c} x[i·s + u, j·s + v, c] · kernel[u, v, c, f]  (+ bias[f])`
#
# (deep learning's "convolution" does not flip the kernel: strictly, a cross-correlation).
# Before any learning, take a hand-made kernel: the **Sobel** filter, which responds to a
# change of brightness from left to right, and its transpose, which responds to a change
# from top to bottom. We apply both to the first test image twice: with the loops of
# `lessons/conv_by_hand.py`, and with the course's `Conv2D` holding those two kernels.

# %%
image = data["x_test"][0]  # (28, 28, 1)
kernel = np.stack([conv_by_hand.SOBEL_X, conv_by_hand.SOBEL_X.T], axis=-1)[:, :, None, :]
by_loops = conv_by_hand.conv2d_loops(image, kernel)  # kernel: (3, 3, 1 channel, 2 filters)
sobel = Conv2D(2, 3, padding="valid")
sobel.build((None, 28, 28, 1))
sobel.set_weights([kernel, np.zeros(2, np.float32)])
by_layer = np.asarray(sobel(image[None]))[0]
conv_difference = float(np.max(np.abs(by_loops - by_layer)))
print(f"kernel {kernel.shape}; output by loops {by_loops.shape}, by Conv2D {by_layer.shape}")
print(f"max |loops − Conv2D| = {conv_difference:.1e}")
metrics["conv_by_hand_max_abs_diff"] = conv_difference
edges = np.hypot(by_layer[..., 0], by_layer[..., 1])  # the gradient's magnitude
common.show(
    mnist_plots.plot_feature_maps(
        image[..., 0],
        [by_layer[..., 0], by_layer[..., 1], edges],
        ["Sobel x (left–right)", "Sobel y (top–bottom)", "magnitude"],
    ),
    "sobel_feature_maps.png",
)

# %% [markdown]
# Red is positive, blue negative: the x-kernel lights up on the left and right edges of
# each stroke with opposite signs, the y-kernel on the top and bottom edges. A CNN's first
# layer learns kernels like these from the data instead of being handed them.
#
# ### Shapes: padding, stride, pooling
#
# With `'valid'` padding only whole windows are used, so a `k×k` kernel shrinks an `n`-pixel
# side; `'same'` pads the border with zeros so that the output has `⌈n/s⌉` pixels; a
# stride `s` moves the window `s` pixels at a time; a 2×2 max-pool keeps the largest value
# of each 2×2 block. One formula covers them all, with `P` the total padding of a side:
#
# `out = ⌊(n + P − k) / s⌋ + 1`
#
# Each row below runs the layer on the image and compares its shape with the formula:

# %%
shape_rows = [
    ("Conv2D 3×3, valid, stride 1", Conv2D(1, 3), 3, 1, "valid"),
    ("Conv2D 3×3, same, stride 1", Conv2D(1, 3, padding="same"), 3, 1, "same"),
    ("Conv2D 3×3, valid, stride 2", Conv2D(1, 3, strides=2), 3, 2, "valid"),
    ("Conv2D 3×3, same, stride 2", Conv2D(1, 3, strides=2, padding="same"), 3, 2, "same"),
    ("Conv2D 5×5, valid (the CNN's)", Conv2D(1, 5), 5, 1, "valid"),
    ("MaxPooling2D 2×2 (stride 2)", keras.layers.MaxPooling2D(2), 2, 2, "valid"),
]
shapes_agree = True
for label, layer, k, stride, padding in shape_rows:
    side = int(layer(image[None]).shape[1])
    expected, total = conv_by_hand.output_size(28, k, stride, padding)
    shapes_agree &= side == expected
    print(f"{label:32s} 28 → {side:2d}   formula ⌊(28 + {total} − {k})/{stride}⌋ + 1 = {expected}")
metrics["conv_shapes_match_formula"] = bool(shapes_agree)

# %% [markdown]
# ## 3. Two models from the course's layers
#
# `mnist_models.build_mlp`: normalize → flatten (784) → `Dense(512)` + ReLU → dropout →
# `Dense(256)` + ReLU → dropout → `Dense(10)`.
#
# `mnist_models.build_cnn`: normalize → `Conv2D(32, 5×5)` + ReLU → max-pool 2×2 → batch
# norm → `Conv2D(64, 5×5)` + ReLU → max-pool → batch norm → flatten → `Dense(128)` +
# ReLU → dropout → `Dense(10)`.
#
# Max-pooling gives a little shift-invariance and a 4× smaller map. **Batch
# normalization** re-centers and re-scales each channel with the batch's statistics during
# training (running averages at test time), which lets a larger learning rate work.
# **Dropout** zeroes a random fraction of the dense features during training (the rates
# are printed below), so the network cannot lean on a few of them. Both models output 10
# **logits** `z`; the loss is sparse categorical cross-entropy from the logits,
# `CE = −log softmax(z)[y]`, stable where computing the softmax first is not (lesson 02).

# %%
models = {
    "MLP": mnist_models.build_mlp(data["mean"], data["std"]),
    "CNN": mnist_models.build_cnn(data["mean"], data["std"]),
}
for name, model in models.items():
    dropouts = [
        f"{layer.rate:g}" for layer in model.layers if isinstance(layer, keras.layers.Dropout)
    ]
    print(f"{name}: {model.count_params():,} weights, dropout rate(s) {', '.join(dropouts)}")
    metrics[f"{name.lower()}_params"] = model.count_params()
share = models["CNN"].count_params() / models["MLP"].count_params()
print(f"the CNN has {share:.0%} of the MLP's weights")

# %% [markdown]
# The `Conv2D` in the CNN is the sum above as a layer. Here is what it runs: the bias is
# added and the activation applied after TensorFlow's convolution kernel, the one the hand
# computation was just checked against.

# %%
common.show_source(Conv2D.call)

# %% [markdown]
# ## 4. Training: custom Adam, a cosine schedule, the GradientTape loop
#
# `training.fit` is the loop of lesson 04: per batch, a forward pass under
# `tf.GradientTape`, the loss, the gradients, `optimizer.apply`. The optimizer is
# `custom_layers.optimizers.Adam` with a **cosine learning-rate schedule**:
# `η_t = η_0 · ½ (1 + cos(π t / T))` over the `T` steps of the run — big steps early,
# small ones at the end. The loop runs without XLA (`jit_compile=False`), TensorFlow's
# default kernels.
#
# Batches of 128; after every epoch the loop evaluates the validation set, which gives
# the curves, and saves a checkpoint (weights, optimizer slots, epoch) under
# `outputs/lesson-05/checkpoints/`: stop the chapter with Ctrl-C and run it again, and
# training resumes from the last finished epoch (it says "Resuming from …"). A finished
# run deletes its checkpoints. (The *training* accuracy in the curves is the running
# average over the epoch, measured with dropout on and on shifted images, so it can sit
# below the validation accuracy.)


# %%
def train(model, *, learning_rate, checkpoint_dir):
    """Train ``model`` with the custom Adam + cosine decay; resume from ``checkpoint_dir``."""
    train_data = mnist_models.make_dataset(
        data["x_train"], data["y_train"], 128, shuffle=True, seed=args.seed, augment=True
    )
    val_data = mnist_models.make_dataset(data["x_val"], data["y_val"], 1000)
    steps = args.epochs * int(train_data.cardinality())
    schedule = keras.optimizers.schedules.CosineDecay(learning_rate, decay_steps=steps)
    latest = tf.train.latest_checkpoint(checkpoint_dir) if checkpoint_dir.exists() else None
    if latest and not verbose:  # with verbose=1 the loop says so itself
        print(f"   Resuming from {latest}.")
    return training.fit(
        model,
        train_data,
        loss=losses.SparseCategoricalCrossentropy(from_logits=True),
        optimizer=optimizers.Adam(schedule),
        epochs=args.epochs,
        validation_data=val_data,
        metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
        verbose=verbose,
        checkpoint_dir=checkpoint_dir,
    )


learning_rates = {"MLP": 1e-3, "CNN": 3e-3}
checkpoints = args.out / "checkpoints"
histories = {}
for name, model in models.items():
    print(f"{name}: η0 = {learning_rates[name]:g}, {args.epochs} epochs")
    # One folder per model and settings, so a rerun only resumes the same run.
    run = f"{name.lower()}-seed{args.seed}-epochs{args.epochs}{'-quick' if args.quick else ''}"
    started = time.perf_counter()
    histories[name] = train(
        model, learning_rate=learning_rates[name], checkpoint_dir=checkpoints / run
    )
    seconds = time.perf_counter() - started
    shutil.rmtree(checkpoints / run)  # finished: the next run trains afresh
    print(
        f"   {seconds:.1f} s; validation accuracy per epoch: "
        + " ".join(f"{100 * a:.2f}" for a in histories[name]["val_accuracy"])
    )
    metrics[f"{name.lower()}_train_seconds"] = round(seconds, 2)
if checkpoints.exists() and not any(checkpoints.iterdir()):
    checkpoints.rmdir()  # nothing left to resume: leave no empty folder behind

# %% [markdown]
# ## 5. Results on the test set (used once, here)

# %%
probabilities, matrices = {}, {}
print(f"{'model':5s} {'val acc':>8s} {'test acc':>9s} {'errors':>7s}")
for name, model in models.items():
    key = name.lower()
    probabilities[name] = mnist_results.predict_probabilities(model, data["x_test"])
    predicted = probabilities[name].argmax(axis=1)
    matrices[name] = mnist_results.confusion_matrix(data["y_test"], predicted)
    metrics.update(
        {
            f"{key}_val_accuracy": histories[name]["val_accuracy"][-1],
            f"{key}_best_val_accuracy": max(histories[name]["val_accuracy"]),
            f"{key}_test_accuracy": float(np.mean(predicted == data["y_test"])),
            f"{key}_test_errors": int(np.sum(predicted != data["y_test"])),
        }
    )
    print(
        f"{name:5s} {100 * metrics[key + '_val_accuracy']:7.2f}% "
        f"{100 * metrics[key + '_test_accuracy']:8.2f}% {metrics[key + '_test_errors']:7d}"
    )
    model.save(args.out / f"{key}.keras")
ratio = metrics["mlp_test_errors"] / max(metrics["cnn_test_errors"], 1)
print(f"test errors MLP / CNN = {ratio:.1f}")
metrics["mlp_to_cnn_error_ratio"] = ratio
common.show(mnist_plots.plot_curves(histories), "training_curves.png")

# %% [markdown]
# Accuracy is one number; two pictures say where the errors are. The **confusion
# matrix** `C[i, j]` counts test images of digit `i` predicted as `j`: the diagonal is
# right, everything else is a specific confusion.

# %%
for name, matrix in matrices.items():
    pairs = mnist_results.most_confused_pairs(matrix)
    print(
        f"{name} most frequent confusions (true→predicted): "
        + ", ".join(f"{i}→{j} ×{n}" for i, j, n in pairs)
    )
common.show(mnist_plots.plot_confusion(matrices), "confusion_matrix.png")

# %% [markdown]
# The **most confident mistakes** are the wrong predictions with the highest softmax
# probability `max_j softmax(z)_j`: look at them and judge whether the digit is badly
# written, mislabelled, or a real blind spot of the model.

# %%
mistakes = mnist_results.most_confident_mistakes(probabilities["CNN"], data["y_test"])
if len(mistakes):
    top = mistakes[0]
    print(
        f"CNN's most confident mistake: test image {top}, a {data['y_test'][top]} read as "
        f"{probabilities['CNN'][top].argmax()} with probability "
        f"{probabilities['CNN'][top].max():.3f}"
    )
common.show(
    mnist_plots.plot_mistakes(
        data["x_test"],
        data["y_test"],
        probabilities["CNN"],
        mistakes,
        "CNN: the most confident mistakes (true → predicted (probability))",
    ),
    "confident_mistakes.png",
)
print(f"Saved the trained models: {args.out / 'mlp.keras'}, {args.out / 'cnn.keras'}")

# %% [markdown]
# ## Summary
#
# - A convolution is a dense neuron on a small window, the same weights slid over the
#   image; by hand and as a `Conv2D` layer it gives the same numbers.
# - `⌊(n + P − k)/s⌋ + 1` gives every output side: padding, stride and pooling.
# - Hold out a validation set for choices; touch the test set once.
# - Read a classifier's errors, not only its accuracy: the confusion matrix and the most
#   confident mistakes.

# %%
print(
    f"This run: |loops − Conv2D| {conv_difference:.1e}; test accuracy MLP "
    f"{100 * metrics['mlp_test_accuracy']:.2f} %, CNN {100 * metrics['cnn_test_accuracy']:.2f} % "
    f"({metrics['test_examples']} images, {args.epochs} epochs); "
    + (
        "the two made as many errors."
        if metrics["mlp_test_errors"] == metrics["cnn_test_errors"]
        else f"the {'CNN' if ratio > 1 else 'MLP'} made fewer errors."
    )
)
metrics = common.finish(args, metrics)

# %% [markdown]
# ## Exercises
#
# Implementation exercises are in `exercises/lesson_05.py`; grade them with
# `make exercise-05` (solutions: [solutions/lesson_05.py](../solutions/lesson_05.py)).
#
# 1. **Convolution** (`conv2d`): a batch of images, several channels and filters, stride
#    `s`, `'valid'` or `'same'` padding, with loops or `np.einsum`; checked against
#    `tf.nn.conv2d`.
# 2. **Max-pooling** (`max_pool2d`): the largest value of each `k×k` window, stride `s`.
# 3. **Confusion matrix** (`confusion_matrix`): `C[i, j]` = examples of class `i`
#    predicted as `j` (repeated pairs count each time).
# 4. *Experiment.* Train the CNN without batch normalization or without the random shifts
#    (edit `mnist_models.build_cnn` / `augment=`). Predict the change in test errors first,
#    then measure it with two seeds: is the difference larger than the seeds' spread?
