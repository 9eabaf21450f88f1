"""From a Keras model to a ``.tflite`` flatbuffer and back to predictions (lesson 12).

Conversion (``model.export`` → SavedModel → ``TFLiteConverter``) in three variants, the int8
affine arithmetic ``real = scale · (q − zero_point)``, the LiteRT interpreter (quantizing the
input, dequantizing the output, batches), and per-image latency measured the same way for a
``.tflite`` file and for the Keras model.
"""

from __future__ import annotations

import time
import warnings

import numpy as np
import tensorflow as tf

from lessons import mnist_models

VARIANTS = ("float32", "dynamic_range", "int8")


def export_saved_model(model, directory):
    """Write ``model``'s inference function (the ``serve`` signature) as a SavedModel."""
    model.export(str(directory), format="tf_saved_model", verbose=False)
    return directory


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
    scales = np.abs(kernel).max(axis=tuple(range(kernel.ndim - 1))) / 127.0
    scales = np.where(scales > 0, scales, 1.0)  # an all-zero channel: any scale works
    return quantize(kernel, scales, 0), scales


def convert(saved_model_dir, variant, representative_images=None):
    """Convert a SavedModel to a ``.tflite`` flatbuffer (bytes).

    ``variant``: ``"float32"``, ``"dynamic_range"`` (int8 weights) or ``"int8"`` (full
    integer, int8 input and output, calibrated on ``representative_images``).
    """
    if variant not in VARIANTS:
        raise ValueError(f'variant must be "float32", "dynamic_range" or "int8", not {variant!r}')
    converter = tf.lite.TFLiteConverter.from_saved_model(str(saved_model_dir))
    if variant in ("dynamic_range", "int8"):
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    if variant == "int8":

        def representative_dataset():
            for image in representative_images:  # one image at a time, one array per input
                yield [image[None].astype(np.float32)]

        converter.representative_dataset = representative_dataset
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        converter.inference_input_type = tf.int8
        converter.inference_output_type = tf.int8
    return converter.convert()


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


def op_names(model_bytes):
    """The operations of a ``.tflite`` file in execution order, as the interpreter lists them."""
    interpreter = make_interpreter(model_bytes)
    return [op["op_name"] for op in interpreter._get_ops_details()]  # (no public API for this)


def int8_weight_share(model_bytes, total_weights):
    """The int8 tensors of a dynamic-range model and their share of ``total_weights``."""
    interpreter = make_interpreter(model_bytes)
    tensors = [t for t in interpreter.get_tensor_details() if t["dtype"] == np.int8]
    return tensors, sum(int(np.prod(t["shape"])) for t in tensors) / total_weights


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


def keras_latency_ms(model, images):
    """The Keras model run the same way: one image per call of a compiled ``tf.function``."""
    predict = tf.function(lambda x: model(x, training=False))
    return median_latency_ms(lambda image: predict(tf.constant(image)).numpy(), images)


def keras_logits(model, images, batch_size=1000):
    """The Keras model's logits of every image, ``batch_size`` at a time."""
    predict = tf.function(lambda x: model(x, training=False))
    return np.concatenate(
        [predict(images[i : i + batch_size]).numpy() for i in range(0, len(images), batch_size)]
    )
