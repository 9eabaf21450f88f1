"""Lesson 12 (TFLite / LiteRT): the quantization arithmetic, and the --quick chapter end to end."""

import numpy as np
import pytest

from datasets import mnist
from lessons import mnist_models, tflite_tools
from tests._netguard import real_data
from tests.lesson_run import run_lesson


def test_quantize_by_hand():
    # scale 0.5, zero point −3: q = round(x / 0.5) − 3
    q = tflite_tools.quantize([1.2, -0.74, 0.0, 1000.0, -1000.0], 0.5, -3)
    np.testing.assert_array_equal(q, [-1, -4, -3, 127, -128])  # the last two are clipped
    assert q.dtype == np.int8
    np.testing.assert_allclose(tflite_tools.dequantize(q[:3], 0.5, -3), [1.0, -0.5, 0.0])


def test_round_trip_error_is_at_most_half_a_step(rng):
    scale, zero_point = 0.02, 7
    low, high = scale * (-128 - zero_point), scale * (127 - zero_point)  # the representable range
    values = rng.uniform(low, high, size=10_000)
    q = tflite_tools.quantize(values, scale, zero_point)
    error = np.abs(tflite_tools.dequantize(q, scale, zero_point) - values)
    assert error.max() <= scale / 2 + 1e-6
    assert error.max() > 0.4 * scale  # and it really does round


def test_per_channel_kernel_quantization(rng):
    # four output channels of very different scales
    kernel = rng.normal(size=(5, 5, 3, 4)) * np.array([0.01, 0.1, 1.0, 10.0])
    q, scales = tflite_tools.quantize_kernel_per_channel(kernel)
    assert q.dtype == np.int8 and scales.shape == (4,)
    np.testing.assert_array_equal(np.abs(q).reshape(-1, 4).max(axis=0), [127] * 4)
    error = np.abs(tflite_tools.dequantize(q, scales, 0) - kernel).reshape(-1, 4).max(axis=0)
    assert np.all(error <= scales / 2 * (1 + 1e-5))  # (dequantize returns float32)
    # one scale per channel: the small channel keeps its precision (1000× smaller weights,
    # ~1000× smaller error); one scale for the whole kernel would give it the large one's
    assert error[0] < 1e-2 * error[3]


def test_convert_rejects_unknown_variant(tmp_path):
    with pytest.raises(ValueError, match="variant"):
        tflite_tools.convert(tmp_path, "float16")


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    real_data(mnist)  # prepares the cache (offline sources only) if a bare machine lacks it
    out = tmp_path_factory.mktemp("lesson12")
    metrics, printed, _ = run_lesson(12, "--quick", out=out)
    return out, metrics, printed


def test_quick_run_writes_its_files(quick_run):
    out, metrics, printed = quick_run
    for name in ["edge_comparison.png", "cnn.keras"] + [
        f"cnn_{v}.tflite" for v in tflite_tools.VARIANTS
    ]:
        assert (out / name).stat().st_size > 0, name
    assert metrics["keras_bytes"] == (out / "cnn.keras").stat().st_size
    for variant in tflite_tools.VARIANTS:
        assert metrics[f"tflite_{variant}_bytes"] == (out / f"cnn_{variant}.tflite").stat().st_size
        assert metrics[f"tflite_{variant}_latency_ms"] > 0
    assert metrics["keras_latency_ms"] > 0
    assert metrics["test_images"] >= 1000 and metrics["model_source"] == "trained here"
    assert "trained here" in printed and "--quick" in printed
    # the verdict sentence is printed from the run's numbers
    assert f"{metrics['tflite_float32_bytes'] / metrics['tflite_int8_bytes']:.1f}× smaller" in (
        printed
    )


def test_int8_accuracy_within_one_point_of_float(quick_run):
    _, metrics, _ = quick_run
    assert metrics["keras_accuracy"] > 0.9  # well above chance, so the comparison means something
    assert abs(metrics["tflite_int8_accuracy"] - metrics["keras_accuracy"]) <= 0.01
    assert abs(metrics["tflite_dynamic_range_accuracy"] - metrics["keras_accuracy"]) <= 0.01


def test_float32_conversion_keeps_the_math(quick_run):
    _, metrics, _ = quick_run
    assert metrics["tflite_float32_max_logit_diff"] < 1e-4
    assert metrics["tflite_float32_agreement"] == 1.0
    assert metrics["tflite_float32_accuracy"] == metrics["keras_accuracy"]


def test_quantized_files_are_smaller(quick_run):
    _, metrics, _ = quick_run
    for variant in ["tflite_dynamic_range", "tflite_int8"]:
        assert metrics[f"{variant}_bytes"] < 0.5 * metrics["tflite_float32_bytes"]
    assert metrics["dynamic_range_int8_weight_share"] > 0.9


def test_int8_model_takes_int8_pixels(quick_run):
    out, metrics, _ = quick_run
    interpreter = tflite_tools.make_interpreter((out / "cnn_int8.tflite").read_bytes())
    details = interpreter.get_input_details()[0]
    assert details["dtype"] == np.int8 and interpreter.get_output_details()[0]["dtype"] == np.int8
    scale, zero_point = details["quantization"]
    # calibrated on [0, 1] pixels: 256 levels from 0 to 1, i.e. q = 255·x − 128
    assert scale == pytest.approx(1 / 255, rel=1e-3) and zero_point == -128
    assert metrics["int8_input_is_pixels_minus_128"] is True


def test_batched_interpreter_matches_batch_of_one(quick_run):
    out, _, _ = quick_run
    images = mnist_models.load_splits(test_limit=7)["x_test"]
    model_bytes = (out / "cnn_int8.tflite").read_bytes()
    batched = tflite_tools.tflite_logits(model_bytes, images, batch_size=4)  # 4 + 3 (zero-padded)
    interpreter = tflite_tools.make_interpreter(model_bytes)
    for image, row in zip(images, batched, strict=True):
        tflite_tools.set_input(interpreter, image[None])
        interpreter.invoke()
        np.testing.assert_array_equal(tflite_tools.get_logits(interpreter)[0], row)
