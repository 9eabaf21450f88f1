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
# - `custom_layers.layers.Conv2D`: the convolution `z = Σ x·kernel + bias` as a layer;
# - what makes a small CNN reach above 99 % on a laptop CPU in a few minutes: batch
#   normalization, dropout, a cosine learning-rate schedule and small random shifts;
# - reading the results: a confusion matrix and the model's most confident mistakes.

# %%
import shutil
import time

import keras
import matplotlib.pyplot as plt
import numpy as np

from custom_layers import losses, optimizers, training
from lessons import common, mnist_models

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
def summarize_splits(data):
    """One line per split: how many images, and the class balance."""
    lines = []
    for split in ("train", "val", "test"):
        y = data[f"y_{split}"]
        counts = np.bincount(y, minlength=10)
        lines.append(f"{split:5s} {len(y):6d} images, per digit {counts.min()}–{counts.max()}")
    return lines


# %% [markdown]
# ## 2. Two models from the course's layers
#
# `mnist_models.build_mlp`: normalize → flatten (784) → `Dense(512)` + ReLU → dropout →
# `Dense(256)` + ReLU → dropout → `Dense(10)`, about 536 000 weights.
#
# `mnist_models.build_cnn`: normalize → `Conv2D(32, 5×5)` + ReLU → max-pool 2×2 → batch
# norm → `Conv2D(64, 5×5)` + ReLU → max-pool → batch norm → flatten → `Dense(128)` +
# ReLU → dropout → `Dense(10)`, about 185 000 weights — a third of the MLP's.
#
# A `Conv2D` layer computes, for every output position `(i, j)` and filter `k`,
# `z[i, j, k] = Σ_{u,v,c} x[i + u, j + v, c] · kernel[u, v, c, k] + bias[k]`: a dense
# neuron on a 5×5 window, the same weights slid over the whole image. Max-pooling keeps
# the largest value of each 2×2 block (a little shift-invariance, a 4× smaller map).
# **Batch normalization** re-centers and re-scales each channel with the batch's
# statistics during training (running averages at test time), which lets a larger
# learning rate work. **Dropout** zeroes a random 40 % of the dense features during
# training, so the network cannot lean on a few of them.
#
# Both models output 10 **logits** `z`; the loss is sparse categorical cross-entropy
# computed from the logits, `CE = −log softmax(z)[y]`, which is stable where computing
# the softmax first is not (lesson 02).

# %% [markdown]
# ## 3. Training: custom Adam, a cosine schedule, the GradientTape loop
#
# `training.fit` is the loop of lesson 04: per batch, a forward pass under
# `tf.GradientTape`, the loss, the gradients, `optimizer.apply`. The optimizer is
# `custom_layers.optimizers.Adam` with a **cosine learning-rate schedule**:
# `η_t = η_0 · ½ (1 + cos(π t / T))` over the `T` steps of the run — big steps early,
# small ones at the end to settle into a minimum. The loop runs without XLA
# (`jit_compile=False`): on the two-core CPU this course was written on, an XLA-compiled
# CNN epoch measured many times slower than with TensorFlow's default kernels.
#
# Batches of 128; after every epoch the loop evaluates the validation set, which
# gives the curves, and saves a checkpoint (weights, optimizer slots, epoch) under
# `outputs/lesson-05/checkpoints/`: stop the lesson with Ctrl-C and run it again, and
# training resumes from the last finished epoch. A run that completes deletes them.
# (The *training* accuracy in those curves is the running average
# over the epoch, measured with dropout on and on shifted images, so it sits a little
# below the validation accuracy: that is not a bug.)


# %%
def train(
    model,
    data,
    *,
    epochs,
    learning_rate,
    seed,
    augment=True,
    batch_size=128,
    verbose=1,
    checkpoint_dir=None,
):
    """Train ``model`` with the custom Adam + cosine decay; return (history, seconds).

    With ``checkpoint_dir``, an interrupted run resumes there from its last epoch.
    """
    train_data = mnist_models.make_dataset(
        data["x_train"], data["y_train"], batch_size, shuffle=True, seed=seed, augment=augment
    )
    val_data = mnist_models.make_dataset(data["x_val"], data["y_val"], 1000)
    steps = epochs * int(train_data.cardinality())
    schedule = keras.optimizers.schedules.CosineDecay(learning_rate, decay_steps=steps)
    started = time.perf_counter()
    history = training.fit(
        model,
        train_data,
        loss=losses.SparseCategoricalCrossentropy(from_logits=True),
        optimizer=optimizers.Adam(schedule),
        epochs=epochs,
        validation_data=val_data,
        metrics=[keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
        verbose=verbose,
        checkpoint_dir=checkpoint_dir,
    )
    return history, time.perf_counter() - started


# %% [markdown]
# ## 4. Reading the results
#
# Accuracy is one number; two pictures say where the errors are. The **confusion
# matrix** `C[i, j]` counts test images of digit `i` predicted as `j`: the diagonal is
# right, everything else is a specific confusion (4 ↔ 9 and 3 ↔ 5 are the classics). The
# **most confident mistakes** are the wrong predictions with the highest softmax
# probability `max_j softmax(z)_j`: often badly written or mislabelled digits, sometimes
# a real blind spot.


# %%
def predict_probabilities(model, images):
    """Softmax probabilities, shape (n, 10), computed from the model's logits."""
    logits = model.predict(images, batch_size=1000, verbose=0)
    logits = logits - logits.max(axis=1, keepdims=True)  # stable softmax
    exp = np.exp(logits)
    return exp / exp.sum(axis=1, keepdims=True)


def confusion_matrix(y_true, y_pred, num_classes=10):
    """C[i, j] = number of examples of class i predicted as class j."""
    matrix = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(matrix, (y_true, y_pred), 1)
    return matrix


def most_confused_pairs(matrix, k=3):
    """The k largest off-diagonal entries as (true, predicted, count)."""
    off = matrix.copy()
    np.fill_diagonal(off, 0)
    order = np.argsort(off, axis=None)[::-1][:k]
    rows, cols = np.unravel_index(order, off.shape)
    return [(int(i), int(j), int(off[i, j])) for i, j in zip(rows, cols, strict=True)]


def most_confident_mistakes(probabilities, y_true, k=16):
    """Indices of the k wrong predictions with the highest predicted probability."""
    predicted = probabilities.argmax(axis=1)
    wrong = np.flatnonzero(predicted != y_true)
    confidence = probabilities[wrong, predicted[wrong]]
    return wrong[np.argsort(-confidence, kind="stable")[:k]]


# %% [markdown]
# ## 5. Plots


# %%
def plot_curves(histories):
    """Loss and accuracy per epoch, training vs validation, for each model."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for (name, history), color in zip(histories.items(), ["tab:blue", "tab:red"], strict=False):
        epochs = np.arange(1, len(history["loss"]) + 1)
        for key, style, label in [("", "--", "train"), ("val_", "-", "validation")]:
            axes[0].plot(epochs, history[key + "loss"], style, color=color, label=f"{name} {label}")
            axes[1].plot(
                epochs,
                100 * np.array(history[key + "accuracy"]),
                style,
                color=color,
                label=f"{name} {label}",
            )
    axes[0].set(xlabel="epoch", ylabel="cross-entropy loss", yscale="log", title="Loss")
    axes[1].set(xlabel="epoch", ylabel="accuracy (%)", title="Accuracy")
    # Zoom on the interesting range: everything but the first epoch's training accuracy.
    low = min(100 * min(h["val_accuracy"] + h["accuracy"][1:]) for h in histories.values())
    axes[1].set_ylim(max(low - 0.5, 80), 100)
    for ax in axes:
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_confusion(matrices):
    """One confusion matrix per model (log colour scale: the off-diagonal is tiny)."""
    from matplotlib.colors import LogNorm

    fig, axes = plt.subplots(1, len(matrices), figsize=(5.5 * len(matrices), 5))
    axes = np.atleast_1d(axes)
    for ax, (name, matrix) in zip(axes, matrices.items(), strict=True):
        ax.imshow(matrix + 0.5, cmap="Blues", norm=LogNorm())
        for i in range(10):
            for j in range(10):
                if matrix[i, j]:
                    color = "white" if i == j else "black"
                    ax.text(
                        j, i, str(matrix[i, j]), ha="center", va="center", fontsize=7, color=color
                    )
        errors = matrix.sum() - np.trace(matrix)
        ax.set(
            xticks=range(10),
            yticks=range(10),
            xlabel="predicted",
            ylabel="true digit",
            title=f"{name}: {errors} errors of {matrix.sum()}",
        )
    fig.tight_layout()
    return fig


def plot_mistakes(images, y_true, probabilities, indices, title):
    """A grid of test images with 'true → predicted (probability)'."""
    cols = 8
    rows = max(1, int(np.ceil(len(indices) / cols)))
    fig, axes = plt.subplots(rows, cols, figsize=(1.6 * cols, 1.9 * rows))
    for ax in np.ravel(axes):
        ax.axis("off")
    for ax, i in zip(np.ravel(axes), indices, strict=False):
        predicted = int(probabilities[i].argmax())
        ax.imshow(images[i, :, :, 0], cmap="gray_r")
        ax.set_title(f"{y_true[i]} → {predicted} ({probabilities[i, predicted]:.2f})", fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


# %% [markdown]
# ## 6. Run it
#
# Default: both models for 6 epochs on 55 000 images (a few minutes on two CPU
# cores). `--full` trains for (at least) 15 epochs; `--quick` uses 3 000 training,
# 1 000 validation and 2 000 test images for 2 epochs (a smoke test, not a result).


# %%
def main(argv=None):
    def extra(parser):
        parser.add_argument("--full", action="store_true", help="train longer (at least 15 epochs)")

    args = common.parse_args(argv, "Lesson 05: image recognition on MNIST", epochs=6, extra=extra)
    if args.full:
        args.epochs = max(args.epochs, 15)
    out = common.start("05", args)
    if args.quick:
        args.epochs = min(args.epochs, 2)
        data = mnist_models.load_splits(train_limit=3000, test_limit=2000)
        data["x_val"], data["y_val"] = data["x_val"][:1000], data["y_val"][:1000]
    else:
        data = mnist_models.load_splits()
    verbose = 0 if args.quick else 1

    print("1. MNIST, split")
    for line in summarize_splits(data):
        print("   " + line)
    print(f"   training pixels (x/255): mean {data['mean']:.4f}, std {data['std']:.4f}")

    models = {
        "MLP": mnist_models.build_mlp(data["mean"], data["std"]),
        "CNN": mnist_models.build_cnn(data["mean"], data["std"]),
    }
    learning_rates = {"MLP": 1e-3, "CNN": 3e-3}
    metrics = {
        "epochs": args.epochs,
        "train_examples": len(data["y_train"]),
        "val_examples": len(data["y_val"]),
        "test_examples": len(data["y_test"]),
        "pixel_mean": data["mean"],
        "pixel_std": data["std"],
    }
    histories, probabilities, matrices = {}, {}, {}
    print(f"\n2. Training, {args.epochs} epochs each: custom Adam, cosine decay, GradientTape loop")
    for name, model in models.items():
        print(
            f"   {name}: {model.count_params():,} weights, "
            f"η0 = {learning_rates[name]:g}, {len(data['y_train'])} training images"
        )
        # One folder per model and settings, so a rerun only resumes the same run.
        run = f"{name.lower()}-seed{args.seed}-epochs{args.epochs}{'-quick' if args.quick else ''}"
        checkpoint_dir = out / "checkpoints" / run
        history, seconds = train(
            model,
            data,
            epochs=args.epochs,
            learning_rate=learning_rates[name],
            seed=args.seed,
            verbose=verbose,
            checkpoint_dir=checkpoint_dir,
        )
        shutil.rmtree(checkpoint_dir)  # finished: the next run trains afresh
        histories[name] = history
        probabilities[name] = predict_probabilities(model, data["x_test"])
        predicted = probabilities[name].argmax(axis=1)
        test_accuracy = float(np.mean(predicted == data["y_test"]))
        matrices[name] = confusion_matrix(data["y_test"], predicted)
        key = name.lower()
        model.save(out / f"{key}.keras")
        metrics.update(
            {
                f"{key}_params": model.count_params(),
                f"{key}_train_seconds": round(seconds, 2),
                f"{key}_val_accuracy": history["val_accuracy"][-1],
                f"{key}_best_val_accuracy": max(history["val_accuracy"]),
                f"{key}_test_accuracy": test_accuracy,
                f"{key}_test_errors": int(np.sum(predicted != data["y_test"])),
            }
        )
        print(
            f"   {seconds:.1f} s; validation accuracy per epoch: "
            + " ".join(f"{100 * a:.2f}" for a in history["val_accuracy"])
        )

    print("\n3. Results on the test set (used once, here)")
    print(
        f"   {'model':5s} {'weights':>9s} {'train s':>8s} {'val acc':>8s} {'test acc':>9s} "
        f"{'errors':>7s}"
    )
    for name in models:
        key = name.lower()
        print(
            f"   {name:5s} {metrics[key + '_params']:9,d} {metrics[key + '_train_seconds']:8.1f} "
            f"{100 * metrics[key + '_val_accuracy']:7.2f}% "
            f"{100 * metrics[key + '_test_accuracy']:8.2f}% {metrics[key + '_test_errors']:7d}"
        )
    ratio = metrics["mlp_test_errors"] / max(metrics["cnn_test_errors"], 1)
    share = metrics["cnn_params"] / metrics["mlp_params"]
    print(
        f"   Test errors MLP / CNN = {ratio:.1f}, with the CNN holding {share:.0%} of the "
        "MLP's weights."
    )
    metrics["mlp_to_cnn_error_ratio"] = ratio
    for name in models:
        pairs = ", ".join(f"{i}→{j} ×{n}" for i, j, n in most_confused_pairs(matrices[name]))
        print(f"   {name} most frequent confusions (true→predicted): {pairs}")

    mistakes = most_confident_mistakes(probabilities["CNN"], data["y_test"])
    if len(mistakes):
        top = mistakes[0]
        print(
            f"   CNN's most confident mistake: test image {top}, a {data['y_test'][top]} read as "
            f"{probabilities['CNN'][top].argmax()} with probability "
            f"{probabilities['CNN'][top].max():.3f}"
        )

    common.save_figure(plot_curves(histories), out, "training_curves.png")
    common.save_figure(plot_confusion(matrices), out, "confusion_matrix.png")
    common.save_figure(
        plot_mistakes(
            data["x_test"],
            data["y_test"],
            probabilities["CNN"],
            mistakes,
            "CNN: the most confident mistakes (true → predicted (probability))",
        ),
        out,
        "confident_mistakes.png",
    )
    print(f"   Saved the trained models: {out / 'mlp.keras'}, {out / 'cnn.keras'}")
    return common.finish(args, metrics)


if __name__ == "__main__":
    main()
