# %% [markdown]
# # Lesson 12 — The edge: TensorFlow Lite (LiteRT) and int8 quantization
#
# The article lists **edge computing** among the trends: running the network on the
# device that holds the data (a phone, a microcontroller, a camera) instead of on a
# server. A device has little memory, a small CPU and a battery, so the model has to
# shrink and the arithmetic has to get cheaper. TensorFlow's answer is **TensorFlow
# Lite**, now called **LiteRT**: a converter that turns a trained model into one compact
# flatbuffer file, and a small interpreter that runs that file.
#
# We take the MNIST CNN of lesson 05 (built from the course's own `Conv2D` and `Dense`
# layers), convert it three ways and measure each on this machine: file size, test
# accuracy and the time to classify one image.
#
# **What you will learn**
#
# - the robust path from a Keras 3 model to a `.tflite` file: `model.export(...,
#   format="tf_saved_model")`, then `tf.lite.TFLiteConverter.from_saved_model`;
# - affine quantization, `real = scale · (q − zero_point)`, and the two common recipes:
#   **dynamic range** (weights stored as int8) and **full integer** (weights *and*
#   activations int8, calibrated on a representative set of training images);
# - running a `.tflite` file with the LiteRT interpreter: quantizing the input, reading
#   back the output, resizing the input tensor for batches;
# - what it buys on this machine, measured: the file sizes, the accuracy on the test
#   set, and the time to classify one image, next to the Keras model's.

# %%
import os
import time
import warnings

import keras
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf

from custom_layers.layers import Conv2D
from lessons import common, mnist_models

# %% [markdown]
# ## 1. The model: lesson 05's CNN
#
# If lesson 05 has been run, its trained CNN is in `outputs/lesson-05/cnn.keras` and we
# load it. A `.keras` file is a zip of the model's config (JSON) and its weights; the
# config names our layers as `custom_layers>Conv2D` and `custom_layers>Dense`, which
# Keras finds because the library registers them (`register_keras_serializable`). We
# load with `safe_mode=True`, which refuses to deserialize arbitrary Python code
# (lambdas): a registered class is not arbitrary code, so the load works.
#
# Without lesson 05's file (or with `--quick`) the lesson trains a CNN itself, with the
# same builder, our Adam and our `GradientTape` loop: 2 epochs on the 55 000 training
# images, or, with `--quick`, a narrower CNN (8 and 16 filters) on 5 120 images. Either
# way the model is saved and loaded back (again `safe_mode=True`) and we check that
# the reloaded copy predicts exactly what the original did.


# %%
def load_or_train_cnn(data, out, *, quick, epochs, seed):
    """``(model, path of its .keras file, how we got it)``."""
    if not quick and mnist_models.LESSON_05_CNN.exists():
        path = mnist_models.LESSON_05_CNN
        model = keras.saving.load_model(path, safe_mode=True)
        return model, path, f"loaded lesson 05's trained CNN from {path}"
    model = mnist_models.train_cnn(data, quick=quick, epochs=epochs, seed=seed)
    path = out / "cnn.keras"
    reloaded, difference = mnist_models.save_and_reload(model, path, data["x_test"][:256])
    trained = f"{epochs} epoch{'s' if epochs != 1 else ''} on {len(data['y_train'])} images"
    how = (
        f"trained here ({trained}; "
        + ("--quick" if quick else f"{mnist_models.LESSON_05_CNN} not found")
        + f"); saved to {path.name} and reloaded with safe_mode=True: predictions differ "
        f"by {difference:.1e}"
    )
    return reloaded, path, how


# %% [markdown]
# ## 2. From Keras to a `.tflite` flatbuffer
#
# The converter reads a TensorFlow graph, not a Keras object. Keras 3's
# `model.export(path, format="tf_saved_model")` writes a SavedModel whose `serve`
# signature is the inference call (dropout off, batch norm using its moving averages);
# `tf.lite.TFLiteConverter.from_saved_model(path)` converts it. (With Keras 3,
# `TFLiteConverter.from_keras_model` also works in TF 2.21, by doing this export
# internally; the SavedModel path is the one that works with any Keras version and
# lets us see the intermediate step.)
#
# The float32 conversion changes the file format, not the math: the same weights in
# float32, the operations mapped to TFLite's built-in kernels, fused where possible (our
# `Conv2D`'s `ops.conv`, its bias and its ReLU become one `CONV_2D`; the normalization
# layer in front is folded into the first convolution's weights). Its logits should
# equal Keras's up to float32 rounding.


# %%
def export_saved_model(model, directory):
    """Write ``model``'s inference function as a TensorFlow SavedModel."""
    model.export(str(directory), format="tf_saved_model", verbose=False)
    return directory


# %% [markdown]
# ## 3. Quantization: 8-bit integers instead of 32-bit floats
#
# An int8 number `q ∈ {−128 … 127}` stands for the real number
#
# `real = scale · (q − zero_point)`,  and back:
# `q = clip(round(real / scale) + zero_point, −128, 127)`
#
# so 256 evenly spaced values cover a range `[min, max]` with `scale = (max − min) / 255`.
# Rounding moves a value by at most `scale / 2`. TFLite quantizes a layer's **weights**
# symmetrically (`zero_point = 0`, `scale = max|w| / 127`), one scale per output channel
# of a convolution or dense layer, and its **activations** (the tensors between layers)
# with one scale and zero point per tensor.
#
# - **Dynamic range** (`optimizations = [tf.lite.Optimize.DEFAULT]`): the weights are
#   stored as int8 (4× smaller), activations stay float32; the kernels quantize each
#   layer's input on the fly ("dynamic": its range is measured per inference) and
#   compute in integers, or dequantize the weights. No data needed. Biases and very
#   small weight tensors stay float32 (not worth it); the run prints the share of the
#   weights that became int8.
# - **Full integer**: activations too. Their ranges must be known in advance, so the
#   converter runs a **representative dataset** through the float model and records
#   each tensor's min and max (*calibration*). We use a few hundred *training* images:
#   the test set stays untouched, as in every lesson. With
#   `inference_input_type = inference_output_type = tf.int8` the model takes int8
#   pixels and returns int8 logits; we quantize the input and dequantize the output
#   with the parameters stored in the file. (The calibration images span [0, 1], so
#   the input gets `scale = 1/255`: the int8 input is just the original 8-bit pixel
#   shifted by −128, which the run checks.)
#
# First, the rounding on real weights: our first `Conv2D`'s kernel, quantized per
# output channel the way the converter does it.


# %%
def quantize(values, scale, zero_point, dtype=np.int8):
    """``q = clip(round(values / scale) + zero_point)`` in the range of ``dtype``."""
    info = np.iinfo(dtype)
    q = np.round(np.asarray(values, np.float64) / scale) + zero_point
    return np.clip(q, info.min, info.max).astype(dtype)


def dequantize(q, scale, zero_point):
    """``real = scale · (q − zero_point)``, as float32."""
    return (scale * (np.asarray(q, np.float64) - zero_point)).astype(np.float32)


def quantize_kernel_per_channel(kernel):
    """Symmetric int8 per output channel (the last axis): ``scale_k = max|w_k| / 127``.

    Returns ``(q, scales)``; ``dequantize(q, scales, 0)`` is within ``scales / 2`` of ``kernel``.
    """
    kernel = np.asarray(kernel, np.float64)
    reduce_axes = tuple(range(kernel.ndim - 1))
    scales = np.abs(kernel).max(axis=reduce_axes) / 127.0
    scales = np.where(scales > 0, scales, 1.0)  # an all-zero channel: any scale works
    return quantize(kernel, scales, 0), scales


def int8_weight_share(model_bytes, total_weights):
    """The int8 tensors of a dynamic-range model (its quantized weights) and their share
    of ``total_weights``."""
    interpreter = make_interpreter(model_bytes)
    tensors = [t for t in interpreter.get_tensor_details() if t["dtype"] == np.int8]
    count = sum(int(np.prod(t["shape"])) for t in tensors)
    return tensors, count / total_weights


def convert(saved_model_dir, variant, representative_images=None):
    """Convert a SavedModel to a ``.tflite`` flatbuffer (bytes).

    ``variant``: ``"float32"``, ``"dynamic_range"`` (int8 weights) or ``"int8"`` (full
    integer, int8 input and output, calibrated on ``representative_images``).
    """
    if variant not in ("float32", "dynamic_range", "int8"):
        raise ValueError(f'variant must be "float32", "dynamic_range" or "int8", not {variant!r}')
    converter = tf.lite.TFLiteConverter.from_saved_model(str(saved_model_dir))
    if variant in ("dynamic_range", "int8"):
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    if variant == "int8":

        def representative_dataset():
            # One image at a time, as a list with one array per model input.
            for image in representative_images:
                yield [image[None].astype(np.float32)]

        converter.representative_dataset = representative_dataset
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        converter.inference_input_type = tf.int8
        converter.inference_output_type = tf.int8
    return converter.convert()


# %% [markdown]
# ## 4. Running a `.tflite` file
#
# The interpreter is LiteRT's `ai_edge_litert.interpreter.Interpreter` (the
# `ai-edge-litert` package); TF 2.21 still ships the same interpreter as
# `tf.lite.Interpreter`, deprecated in its favour, which we use if the package is
# missing. Its API is low level on purpose (it is what a phone app calls):
# `allocate_tensors()` plans the memory once, then, per inference, `set_tensor` the
# input, `invoke()`, `get_tensor` the output. The input has a fixed shape, batch 1 by
# default; `resize_tensor_input` changes it, and we evaluate the test set in batches of
# 500 (the latency is measured with batch 1, one image at a time, as a device would
# classify a camera frame).
#
# Each tensor's details carry its `quantization` pair `(scale, zero_point)`; for a
# float tensor it is `(0.0, 0)`. The helpers below quantize int8 inputs and dequantize
# int8 outputs with those numbers, so all three files are used the same way.


# %%
def interpreter_class():
    """LiteRT's interpreter if ``ai-edge-litert`` is installed, else TF's (same engine)."""
    try:
        from ai_edge_litert.interpreter import Interpreter

        return Interpreter, "ai_edge_litert.interpreter.Interpreter"
    except ImportError:
        return tf.lite.Interpreter, "tf.lite.Interpreter"


def make_interpreter(model_bytes, batch_size=1, num_threads=None):
    """An interpreter for ``model_bytes`` with its input resized to ``batch_size`` images."""
    interpreter_type, _ = interpreter_class()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tf.lite.Interpreter's deprecation notice
        interpreter = interpreter_type(model_content=model_bytes, num_threads=num_threads)
    input_index = interpreter.get_input_details()[0]["index"]
    interpreter.resize_tensor_input(input_index, [batch_size, *mnist_models.IMAGE_SHAPE])
    interpreter.allocate_tensors()
    return interpreter


def set_input(interpreter, images):
    """Copy float images into the input tensor, quantizing them if it is int8."""
    details = interpreter.get_input_details()[0]
    if details["dtype"] == np.int8:
        scale, zero_point = details["quantization"]
        images = quantize(images, scale, zero_point)
    interpreter.set_tensor(details["index"], images.astype(details["dtype"]))


def get_logits(interpreter):
    """The output tensor as float logits, dequantized if it is int8."""
    details = interpreter.get_output_details()[0]
    output = interpreter.get_tensor(details["index"])
    if details["dtype"] == np.int8:
        scale, zero_point = details["quantization"]
        output = dequantize(output, scale, zero_point)
    return output


def tflite_logits(model_bytes, images, batch_size=500):
    """Logits of every image, ``batch_size`` at a time (the last batch zero-padded)."""
    interpreter = make_interpreter(model_bytes, batch_size)
    logits = []
    for start in range(0, len(images), batch_size):
        batch = images[start : start + batch_size]
        padded = np.zeros((batch_size, *batch.shape[1:]), np.float32)
        padded[: len(batch)] = batch
        set_input(interpreter, padded)
        interpreter.invoke()
        logits.append(get_logits(interpreter)[: len(batch)])
    return np.concatenate(logits)


def median_latency_ms(run_one, images):
    """Median wall time (ms) of ``run_one(image_batch_of_1)`` over ``images``, after a warm-up."""
    for image in images[:20]:
        run_one(image[None])
    times = []
    for image in images:
        started = time.perf_counter()
        run_one(image[None])
        times.append(time.perf_counter() - started)
    return 1000 * float(np.median(times))


def tflite_latency_ms(model_bytes, images, num_threads):
    """Per-image latency with batch 1: set the input, invoke, read the output."""
    interpreter = make_interpreter(model_bytes, 1, num_threads)

    def run_one(image):
        set_input(interpreter, image)
        interpreter.invoke()
        return get_logits(interpreter)

    return median_latency_ms(run_one, images)


# %% [markdown]
# ## 5. The Keras baseline
#
# For a fair comparison the Keras model runs the same way: one image per call, through
# a compiled `tf.function` (no `model.predict`, whose per-call setup would dominate), the
# result copied back to NumPy. TensorFlow uses its default thread pools (as many
# threads as cores). Its size is the `.keras` file on disk.


# %%
def keras_latency_ms(model, images):
    predict = tf.function(lambda x: model(x, training=False))

    def run_one(image):
        return predict(tf.constant(image)).numpy()

    return median_latency_ms(run_one, images)


def keras_logits(model, images, batch_size=1000):
    predict = tf.function(lambda x: model(x, training=False))
    return np.concatenate(
        [predict(images[i : i + batch_size]).numpy() for i in range(0, len(images), batch_size)]
    )


# %% [markdown]
# ## 6. The comparison, in a chart


# %%
VARIANTS = ["keras", "tflite_float32", "tflite_dynamic_range", "tflite_int8"]
LABELS = {
    "keras": "Keras (.keras)",
    "tflite_float32": "TFLite float32",
    "tflite_dynamic_range": "TFLite dynamic range",
    "tflite_int8": "TFLite full int8",
}


def plot_comparison(metrics, threads):
    """Three bar charts: file size, test accuracy, per-image latency."""
    fig, axes = plt.subplots(1, 3, figsize=(14, 4))
    positions = np.arange(len(VARIANTS))
    colours = ["tab:gray", "tab:blue", "tab:orange", "tab:green"]
    sizes = [metrics[f"{v}_bytes"] / 1024 for v in VARIANTS]
    axes[0].bar(positions, sizes, color=colours)
    axes[0].set(ylabel="KiB", title="file size")
    accuracies = [100 * metrics[f"{v}_accuracy"] for v in VARIANTS]
    axes[1].bar(positions, accuracies, color=colours)
    low = min(accuracies)
    axes[1].set_ylim(max(0.0, low - 1.0), min(100.0, max(accuracies) + 0.3))
    axes[1].set(ylabel="%", title=f"test accuracy ({metrics['test_images']} images)")
    for x, a in zip(positions, accuracies, strict=True):
        axes[1].text(x, a, f"{a:.2f}", ha="center", va="bottom", fontsize=8)
    width = 0.4
    many = [metrics[f"{v}_latency_ms"] for v in VARIANTS]
    one = [metrics.get(f"{v}_latency_1thread_ms", np.nan) for v in VARIANTS]
    axes[2].bar(positions - width / 2, many, width, color=colours, label=f"{threads} threads")
    axes[2].bar(
        positions + width / 2, one, width, color=colours, alpha=0.45, hatch="//", label="1 thread"
    )
    axes[2].set(ylabel="ms per image (median, batch 1)", title="latency on this CPU")
    axes[2].legend(fontsize=8)
    for ax in axes:
        ax.set_xticks(positions, [LABELS[v] for v in VARIANTS], rotation=20, ha="right", fontsize=8)
        ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    return fig


# %% [markdown]
# ## 7. Run it
#
# Default: lesson 05's CNN (or one trained here for 2 epochs), the 10 000 test images,
# latency over 1 000 of them. `--quick`: a small CNN trained on 5 120 images (40 batches) for 4
# epochs, 1 000 test images, latency over 200.


# %%
def main(argv=None):
    args = common.parse_args(
        argv, "Lesson 12: TFLite / LiteRT conversion and int8 quantization", epochs=2
    )
    out = common.start("12", args)
    if args.quick:
        args.epochs = 4
        data = mnist_models.load_splits(train_limit=5120, test_limit=1000)
        calibration_size, latency_images = 200, 200
    else:
        data = mnist_models.load_splits()
        calibration_size, latency_images = 500, 1000
    x_test, y_test = data["x_test"], data["y_test"]
    threads = os.cpu_count() or 1

    print("1. The model")
    model, keras_path, how = load_or_train_cnn(
        data, out, quick=args.quick, epochs=args.epochs, seed=args.seed
    )
    print(f"   {model.name}: {model.count_params():,} weights; {how}")

    print("\n2. Conversion (model.export → SavedModel → TFLiteConverter.from_saved_model)")
    saved_model = export_saved_model(model, out / "saved_model")
    rng = np.random.default_rng(args.seed)
    calibration = data["x_train"][rng.choice(len(data["x_train"]), calibration_size, replace=False)]
    files, convert_seconds = {}, {}
    for variant in ["float32", "dynamic_range", "int8"]:
        started = time.perf_counter()
        model_bytes = convert(saved_model, variant, calibration)
        convert_seconds[variant] = time.perf_counter() - started
        path = out / f"cnn_{variant}.tflite"
        path.write_bytes(model_bytes)
        files[f"tflite_{variant}"] = path
        print(
            f"   {path.name:28s} {len(model_bytes):>9,d} bytes ({convert_seconds[variant]:.1f} s)"
        )

    kernel = next(layer for layer in model.layers if isinstance(layer, Conv2D)).kernel.numpy()
    q, scales = quantize_kernel_per_channel(kernel)
    rounding = np.abs(dequantize(q, scales, 0) - kernel)
    print(
        f"   First Conv2D kernel {kernel.shape} as int8, one scale per filter: largest "
        f"rounding error {rounding.max():.2e} ≤ max(scale)/2 = {scales.max() / 2:.2e} "
        f"(weights span ±{np.abs(kernel).max():.3f})"
    )
    tensors, share = int8_weight_share(
        files["tflite_dynamic_range"].read_bytes(), model.count_params()
    )
    shapes = ", ".join("×".join(str(d) for d in t["shape"]) for t in tensors)
    print(
        f"   dynamic range: {len(tensors)} weight tensors stored as int8 ({shapes}), "
        f"{share:.1%} of the weights"
    )
    int8_model = files["tflite_int8"].read_bytes()
    probe = make_interpreter(int8_model)
    (in_scale, in_zero), (out_scale, out_zero) = (
        probe.get_input_details()[0]["quantization"],
        probe.get_output_details()[0]["quantization"],
    )
    print(
        f"   int8 model: input scale {in_scale:.6f} (1/255 = {1 / 255:.6f}), zero point "
        f"{in_zero}; output (logits) scale {out_scale:.4f}, zero point {out_zero}; "
        f"calibrated on {calibration_size} training images"
    )
    pixels = np.round(x_test * 255).astype(np.int16)  # the original 8-bit pixels, 0 … 255
    same = np.array_equal(quantize(x_test, in_scale, in_zero), pixels - 128)
    print(f"   so the int8 input of every test image is its 8-bit pixels − 128: {same}")

    interpreter_name = interpreter_class()[1]
    print(f"\n3. Accuracy on {len(y_test)} test images ({interpreter_name}, batches of 500)")
    logits = {"keras": keras_logits(model, x_test)}
    for variant, path in files.items():
        logits[variant] = tflite_logits(path.read_bytes(), x_test)
    metrics = {
        "test_images": int(len(y_test)),
        "interpreter": interpreter_name,
        "model_source": "lesson-05" if keras_path == mnist_models.LESSON_05_CNN else "trained here",
        "threads": threads,
        "calibration_images": calibration_size,
        "dynamic_range_int8_weight_share": share,
        "latency_images": latency_images,
    }
    predictions = {v: logits[v].argmax(axis=1) for v in VARIANTS}
    for v in VARIANTS:
        metrics[f"{v}_accuracy"] = float(np.mean(predictions[v] == y_test))
    for v in ["tflite_float32", "tflite_dynamic_range", "tflite_int8"]:
        metrics[f"{v}_agreement"] = float(np.mean(predictions[v] == predictions["keras"]))
        metrics[f"{v}_max_logit_diff"] = float(np.abs(logits[v] - logits["keras"]).max())

    print(f"\n4. Per-image latency (batch 1, median over {latency_images} images)")
    latency_set = x_test[:latency_images]
    metrics["keras_latency_ms"] = keras_latency_ms(model, latency_set)
    for variant, path in files.items():
        model_bytes = path.read_bytes()
        metrics[f"{variant}_latency_ms"] = tflite_latency_ms(model_bytes, latency_set, threads)
        metrics[f"{variant}_latency_1thread_ms"] = tflite_latency_ms(model_bytes, latency_set, 1)
    sizes = {"keras": keras_path.stat().st_size}
    sizes.update({v: path.stat().st_size for v, path in files.items()})
    for v in VARIANTS:
        metrics[f"{v}_bytes"] = int(sizes[v])

    print(
        f"\n   {'variant':22s} {'bytes':>9s} {'of f32':>7s} {'accuracy':>9s} {'agrees':>7s} "
        f"{f'ms ({threads} thr)':>11s} {'ms (1 thr)':>10s}"
    )
    for v in VARIANTS:
        share = f"{sizes[v] / sizes['tflite_float32']:7.0%}"
        agrees = (
            f"{100 * metrics[v + '_agreement']:6.2f}%" if v + "_agreement" in metrics else "      —"
        )
        one = metrics.get(f"{v}_latency_1thread_ms")
        print(
            f"   {LABELS[v]:22s} {sizes[v]:9,d} {share} {100 * metrics[v + '_accuracy']:8.2f}% "
            f"{agrees} {metrics[v + '_latency_ms']:11.3f} "
            + (f"{one:10.3f}" if one is not None else f"{'—':>10s}")
        )
    print(
        "   (of f32: size relative to the float32 .tflite; agrees: predicts the same digit as "
        "Keras; Keras runs on TensorFlow's default threads)"
    )
    drop = 100 * (metrics["keras_accuracy"] - metrics["tflite_int8_accuracy"])
    print(
        f"   TFLite float32 logits differ from Keras's by at most "
        f"{metrics['tflite_float32_max_logit_diff']:.1e}; full int8 costs {drop:+.2f} "
        f"percentage points of accuracy (logits within "
        f"{metrics['tflite_int8_max_logit_diff']:.2f}) and is "
        f"{sizes['tflite_float32'] / sizes['tflite_int8']:.1f}× smaller."
    )
    metrics["int8_accuracy_drop_points"] = round(drop, 4)
    metrics["keras_to_int8_latency_ratio"] = (
        metrics["keras_latency_ms"] / metrics["tflite_int8_latency_ms"]
    )

    common.save_figure(plot_comparison(metrics, threads), out, "edge_comparison.png")
    return common.finish(args, metrics)


if __name__ == "__main__":
    main()
