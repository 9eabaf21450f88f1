# %% [markdown]
# # Lesson 12 — The edge: TensorFlow Lite (LiteRT) and int8 quantization
#
# The article lists **edge computing** among the trends: running the network on the device
# that holds the data (a phone, a microcontroller, a camera) instead of on a server. A device
# has little memory, a small CPU and a battery, so the model has to shrink and the arithmetic
# has to get cheaper. TensorFlow's answer is **TensorFlow Lite**, now called **LiteRT**: a
# converter that turns a trained model into one compact flatbuffer file, and a small
# interpreter that runs that file.
#
# We take the MNIST CNN of lesson 05 (built from the course's own `Conv2D` and `Dense`
# layers), convert it three ways and measure each on this machine: file size, test accuracy
# and the time to classify one image.
#
# **What you will learn**
#
# - the robust path from a Keras 3 model to a `.tflite` file: `model.export(...,
#   format="tf_saved_model")`, then `tf.lite.TFLiteConverter.from_saved_model`;
# - affine quantization, `real = scale · (q − zero_point)`, and the two common recipes:
#   **dynamic range** (weights stored as int8) and **full integer** (weights *and*
#   activations int8, calibrated on a representative set of training images);
# - running a `.tflite` file with the LiteRT interpreter: quantizing the input, reading back
#   the output, resizing the input tensor for batches;
# - what it buys on this machine, measured: sizes, test accuracy and latency, next to Keras.

# %%
import os
import time

import matplotlib.pyplot as plt
import numpy as np

from custom_layers.layers import Conv2D
from lessons import common, mnist_models, saved_models, tflite_tools

# %% tags=["parameters"]
args = common.setup("12", "Lesson 12: TFLite / LiteRT conversion and int8 quantization", epochs=2)
epochs = 4 if args.quick else args.epochs  # --quick: a small CNN, a few fast epochs
metrics = {}

# %% [markdown]
# ## 1. The model: lesson 05's CNN
#
# If lesson 05 has been run, its trained CNN is in `outputs/lesson-05/cnn.keras` and we load
# it. A `.keras` file is a zip of the model's config (JSON) and its weights; the config names
# our layers `custom_layers>Conv2D` and `custom_layers>Dense`, which Keras finds because the
# library registers them. We load with `safe_mode=True`, which refuses to deserialize
# arbitrary Python code (lambdas): a registered class is not arbitrary code.
#
# Without lesson 05's file (or with `--quick`) the lesson trains a CNN itself, with the same
# builder, our Adam and our `GradientTape` loop (`--epochs` epochs on the 55 000 training
# images; with `--quick`, a narrower CNN, 8 and 16 filters, on 5 120 images), saves it, loads
# it back with `safe_mode=True` and checks that the copy predicts what the original did.

# %%
if args.quick:
    data = mnist_models.load_splits(train_limit=5120, test_limit=1000)
    calibration_size, latency_images = 200, 200
else:
    data = mnist_models.load_splits()
    calibration_size, latency_images = 500, 1000
x_test, y_test = data["x_test"], data["y_test"]
threads = os.cpu_count() or 1
model, keras_path, how = saved_models.load_or_train_cnn(
    data, args.out, quick=args.quick, epochs=epochs, seed=args.seed
)
print(f"{model.name}: {model.count_params():,} weights; {how}")
metrics["model_source"] = (
    "lesson-05" if keras_path == mnist_models.LESSON_05_CNN else "trained here"
)

# %% [markdown]
# ## 2. From Keras to a `.tflite` flatbuffer
#
# The converter reads a TensorFlow graph, not a Keras object. Keras 3's
# `model.export(path, format="tf_saved_model")` writes a SavedModel whose `serve` signature
# is the inference call (dropout off, batch norm using its moving averages);
# `TFLiteConverter.from_saved_model(path)` converts it. The float32 conversion keeps the
# weights in float32 and maps the operations to TFLite's built-in kernels, fusing what it can
# (a convolution's bias and activation into one kernel, a constant scaling into neighbouring
# weights); the list of operations printed after the conversion shows what it made of ours.
#
# The two quantized variants need only a few more converter settings:

# %%
common.show_source(tflite_tools.convert)

# %% [markdown]
# ## 3. Quantization: 8-bit integers instead of 32-bit floats
#
# An int8 number `q ∈ {−128 … 127}` stands for the real number `real = scale · (q −
# zero_point)`, and back, `q = clip(round(real / scale) + zero_point, −128, 127)`, so 256
# evenly spaced values cover a range `[min, max]` with `scale = (max − min) / 255`. Rounding
# moves a value by at most `scale / 2`. TFLite quantizes a layer's **weights** symmetrically
# (`zero_point = 0`, `scale = max|w| / 127`), one scale per output channel, and its
# **activations** (the tensors between layers) with one scale and zero point per tensor.
#
# - **Dynamic range** (`optimizations = [tf.lite.Optimize.DEFAULT]`): the weights are stored
#   as int8, activations stay float32; the kernels quantize each layer's input on the fly
#   (its range measured per inference). No data needed. Biases and small tensors stay float32.
# - **Full integer**: activations too. Their ranges must be known in advance, so the
#   converter runs a **representative dataset** through the float model and records each
#   tensor's min and max (*calibration*). We use a few hundred *training* images: the test set
#   stays untouched. With int8 input and output types the model takes int8 pixels and returns
#   int8 logits, which we quantize and dequantize with the parameters stored in the file.

# %%
common.show_source(tflite_tools.quantize)
common.show_source(tflite_tools.dequantize)

# %% [markdown]
# The three conversions (the SavedModel export first), with the size of each file:

# %%
saved_model = tflite_tools.export_saved_model(model, args.out / "saved_model")
rng = np.random.default_rng(args.seed)
calibration = data["x_train"][rng.choice(len(data["x_train"]), calibration_size, replace=False)]
files = {}
for variant in tflite_tools.VARIANTS:
    started = time.perf_counter()
    model_bytes = tflite_tools.convert(saved_model, variant, calibration)
    path = args.out / f"cnn_{variant}.tflite"
    path.write_bytes(model_bytes)
    files[f"tflite_{variant}"] = path
    print(f"{path.name:26s} {len(model_bytes):>9,d} bytes ({time.perf_counter() - started:.1f} s)")
ops = tflite_tools.op_names(files["tflite_float32"].read_bytes())
print(f"the float32 file's {len(ops)} operations: {' '.join(ops)}")

# %% [markdown]
# The rounding on real weights: our first `Conv2D`'s kernel, quantized per output channel the
# way the converter does it, must be within half a step of the original everywhere. Then what
# the dynamic-range file stored as int8, and the scale and zero point the calibration chose for
# the full-integer model's input and output.

# %%
kernel = next(layer for layer in model.layers if isinstance(layer, Conv2D)).kernel.numpy()
q, scales = tflite_tools.quantize_kernel_per_channel(kernel)
rounding = np.abs(tflite_tools.dequantize(q, scales, 0) - kernel)
print(
    f"first Conv2D kernel {kernel.shape} as int8, one scale per filter: largest rounding error "
    f"{rounding.max():.2e} ≤ max(scale)/2 = {scales.max() / 2:.2e} "
    f"(weights span ±{np.abs(kernel).max():.3f})"
)
tensors, share = tflite_tools.int8_weight_share(
    files["tflite_dynamic_range"].read_bytes(), model.count_params()
)
shapes = ", ".join("×".join(str(d) for d in t["shape"]) for t in tensors)
print(
    f"dynamic range: {len(tensors)} tensors stored as int8 ({shapes}), {share:.1%} of the weights"
)
probe = tflite_tools.make_interpreter(files["tflite_int8"].read_bytes())
in_scale, in_zero = probe.get_input_details()[0]["quantization"]
out_scale, out_zero = probe.get_output_details()[0]["quantization"]
print(
    f"full int8: input scale {in_scale:.6f} (1/255 = {1 / 255:.6f}), zero point {in_zero}; "
    f"output scale {out_scale:.4f}, zero point {out_zero}; calibrated on {calibration_size} "
    "training images"
)
pixels = np.round(x_test * 255).astype(np.int16)  # the original 8-bit pixels, 0 … 255
same = np.array_equal(tflite_tools.quantize(x_test, in_scale, in_zero), pixels - 128)
print(f"the int8 input of every test image equals its 8-bit pixels − 128: {same}")
metrics.update(
    calibration_images=calibration_size,
    dynamic_range_int8_weight_share=share,
    int8_input_is_pixels_minus_128=bool(same),
)

# %% [markdown]
# ## 4. Running a `.tflite` file: accuracy
#
# The interpreter is LiteRT's `ai_edge_litert.interpreter.Interpreter` (the `ai-edge-litert`
# package); TF 2.21 still ships the same engine as `tf.lite.Interpreter`, used if the package
# is missing. Its API is low level on purpose (it is what a phone app calls):
# `allocate_tensors()` plans the memory once, then per inference `set_tensor` the input,
# `invoke()`, `get_tensor` the output. Each tensor's details carry its `(scale, zero_point)`;
# for a float tensor it is `(0.0, 0)`. The input has a fixed shape, batch 1 by default;
# `resize_tensor_input` changes it, and we evaluate the test set in batches of 500:

# %%
common.show_source(tflite_tools.tflite_logits)
interpreter_name = tflite_tools.interpreter_class()[1]
logits = {"keras": tflite_tools.keras_logits(model, x_test)}
for variant, path in files.items():
    logits[variant] = tflite_tools.tflite_logits(path.read_bytes(), x_test)
VARIANTS = ["keras", *files]
predictions = {v: logits[v].argmax(axis=1) for v in VARIANTS}
for v in VARIANTS:
    metrics[f"{v}_accuracy"] = float(np.mean(predictions[v] == y_test))
for v in files:
    metrics[f"{v}_agreement"] = float(np.mean(predictions[v] == predictions["keras"]))
    metrics[f"{v}_max_logit_diff"] = float(np.abs(logits[v] - logits["keras"]).max())
print(
    f"{interpreter_name}, {len(y_test)} test images: "
    + ", ".join(f"{v} {metrics[f'{v}_accuracy']:.2%}" for v in VARIANTS)
)
metrics.update(test_images=int(len(y_test)), interpreter=interpreter_name)

# %% [markdown]
# ## 5. Latency: one image at a time
#
# A device classifies one camera frame at a time, so we time batch 1: the median over a few
# hundred test images, after a warm-up, each `.tflite` file with all cores and with one
# thread. For a fair comparison the Keras model runs the same way, one image per call of a
# compiled `tf.function` (`model.predict`'s per-call setup would dominate), on TensorFlow's
# default thread pools. Its size is the `.keras` file on disk.

# %%
latency_set = x_test[:latency_images]
metrics["keras_latency_ms"] = tflite_tools.keras_latency_ms(model, latency_set)
for variant, path in files.items():
    model_bytes = path.read_bytes()
    metrics[f"{variant}_latency_ms"] = tflite_tools.tflite_latency_ms(
        model_bytes, latency_set, threads
    )
    metrics[f"{variant}_latency_1thread_ms"] = tflite_tools.tflite_latency_ms(
        model_bytes, latency_set, 1
    )
sizes = {"keras": keras_path.stat().st_size, **{v: p.stat().st_size for v, p in files.items()}}
for v in VARIANTS:
    metrics[f"{v}_bytes"] = int(sizes[v])
metrics.update(threads=threads, latency_images=latency_images)
print(
    f"{'variant':22s} {'bytes':>9s} {'of f32':>7s} {'accuracy':>9s} {'agrees':>7s} "
    f"{f'ms ({threads} thr)':>11s} {'ms (1 thr)':>10s}"
)
for v in VARIANTS:
    agrees = f"{metrics[v + '_agreement']:7.2%}" if v != "keras" else f"{'—':>7s}"
    one = f"{metrics[v + '_latency_1thread_ms']:10.3f}" if v != "keras" else f"{'—':>10s}"
    print(
        f"{v:22s} {sizes[v]:9,d} {sizes[v] / sizes['tflite_float32']:7.0%} "
        f"{metrics[v + '_accuracy']:9.2%} {agrees} {metrics[v + '_latency_ms']:11.3f} {one}"
    )
print("(of f32: size relative to the float32 .tflite; agrees: predicts the same digit as Keras)")

# %% [markdown]
# What the quantization cost and bought, computed from the table:

# %%
drop = 100 * (metrics["keras_accuracy"] - metrics["tflite_int8_accuracy"])
shrink = sizes["tflite_float32"] / sizes["tflite_int8"]
speedup = metrics["keras_latency_ms"] / metrics["tflite_int8_latency_ms"]
print(
    f"TFLite float32 logits differ from Keras's by at most "
    f"{metrics['tflite_float32_max_logit_diff']:.1e}. Full int8 is {shrink:.1f}× smaller than "
    f"float32, changes the accuracy by {-drop:+.2f} points (logits within "
    f"{metrics['tflite_int8_max_logit_diff']:.2f}) and classifies an image {speedup:.1f}× "
    f"{'faster' if speedup >= 1 else 'slower'} than Keras on this CPU."
)
metrics["int8_accuracy_drop_points"] = round(drop, 4)
metrics["keras_to_int8_latency_ratio"] = speedup

# %% [markdown]
# The same in a chart: file size, test accuracy, and latency with all threads (solid) and
# one thread (hatched).

# %%
fig, axes = plt.subplots(1, 3, figsize=(14, 4))
positions = np.arange(len(VARIANTS))
colours = ["tab:gray", "tab:blue", "tab:orange", "tab:green"]
axes[0].bar(positions, [sizes[v] / 1024 for v in VARIANTS], color=colours)
axes[0].set(ylabel="KiB", title="file size")
accuracies = [100 * metrics[f"{v}_accuracy"] for v in VARIANTS]
axes[1].bar(positions, accuracies, color=colours)
axes[1].set_ylim(max(0.0, min(accuracies) - 1.0), min(100.0, max(accuracies) + 0.3))
axes[1].set(ylabel="%", title=f"test accuracy ({len(y_test)} images)")
for x, a in zip(positions, accuracies, strict=True):
    axes[1].text(x, a, f"{a:.2f}", ha="center", va="bottom", fontsize=8)
many = [metrics[f"{v}_latency_ms"] for v in VARIANTS]
one = [metrics.get(f"{v}_latency_1thread_ms", np.nan) for v in VARIANTS]
axes[2].bar(positions - 0.2, many, 0.4, color=colours, label=f"{threads} threads")
axes[2].bar(positions + 0.2, one, 0.4, color=colours, alpha=0.45, hatch="//", label="1 thread")
axes[2].set(ylabel="ms per image (median, batch 1)", title="latency on this CPU")
axes[2].legend(fontsize=8)
for ax in axes:
    ax.set_xticks(positions, VARIANTS, rotation=20, ha="right", fontsize=8)
    ax.grid(axis="y", alpha=0.3)
fig.tight_layout()
common.show(fig, "edge_comparison.png")

# %% [markdown]
# ## Summary
#
# - A Keras 3 model reaches TFLite through a SavedModel: `model.export(...,
#   format="tf_saved_model")`, then `TFLiteConverter.from_saved_model`. The float32 file
#   computes the same function (the logit difference above is float32 rounding).
# - int8 affine quantization stores `q` with `real = scale · (q − zero_point)`; rounding moves
#   each value by at most `scale / 2` (checked on a real kernel above). Dynamic range
#   quantizes the weights only; full integer calibrates the activations' ranges on training
#   images and computes in int8 end to end.
# - The table above is this machine's answer to "what does it buy": size, accuracy and
#   latency, measured on the same test images.

# %%
common.finish(args, metrics)

# %% [markdown]
# ## Exercises
#
# 1. **(graded)** `quantization_params(low, high)`: the int8 `scale` and `zero_point` of a
#    tensor whose values span `[low, high]` (the range widened to hold 0, which must be exactly
#    representable). `make exercise-12`
# 2. **(graded)** `quantize(x, scale, zero_point)` and `dequantize(q, scale, zero_point)`:
#    the affine maps of §3, with rounding and clipping to −128 … 127. `make exercise-12`
# 3. **(graded)** `parameter_bytes(shapes, scheme)`: a model's weight storage in bytes from
#    its weight shapes, as float32 or with int8 kernels (plus one float32 scale per output
#    channel) and float32 biases. Compare with the file sizes printed above: what else is in a
#    `.tflite` file? `make exercise-12`
# 4. Calibrate the full-integer model on 10 training images instead of a few hundred (change
#    `calibration_size`). Predict first: does the accuracy change? Then measure it.
# 5. Calibrate on images that are all black except one pixel. What happens to the input's and
#    the output's scales, and to the accuracy, and why?
#
# Solutions: [solutions/lesson_12.py](../solutions/lesson_12.py).
