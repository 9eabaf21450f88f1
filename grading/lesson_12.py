"""Checkers for lesson 12: quantization against its defining properties and NumPy formulas."""

import numpy as np

from grading import check, close, exercise

RANGES = {
    "[−1, 3]": (-1.0, 3.0),
    "positive only [0.5, 2]": (0.5, 2.0),
    "negative only [−2.5, −0.5]": (-2.5, -0.5),
    "symmetric [−1.27, 1.27]": (-1.27, 1.27),
    "constant tensor [0.7, 0.7]": (0.7, 0.7),
    "tiny [−1e−6, 2e−6]": (-1e-6, 2e-6),
}


def _round_trip(values, scale, zero_point):
    q = np.clip(np.round(values / scale) + zero_point, -128, 127)
    return scale * (q - zero_point)


@exercise(
    "quantization_params",
    hint="Widen the range to hold 0 first; scale = (hi − lo) / 255; "
    "zero_point = round(−128 − lo / scale) is an integer.",
)
def check_quantization_params(quantization_params):
    rng = np.random.default_rng(12)
    for name, (low, high) in RANGES.items():
        scale, zero_point = quantization_params(low, high)
        lo, hi = min(low, 0.0), max(high, 0.0)
        yield close(f"{name}: scale = (hi − lo) / 255", scale, (hi - lo) / 255, rtol=1e-6, atol=0)
        yield check(
            f"{name}: zero_point is an integer in [−128, 127]",
            float(zero_point) == round(float(zero_point)) and -128 <= zero_point <= 127,
            "an integer in [−128, 127]",
            repr(zero_point),
        )
        values = np.concatenate([[low, high, 0.0], rng.uniform(low, high, 200)])
        error = np.abs(_round_trip(values, scale, zero_point) - values).max()
        yield check(
            f"{name}: every value in the range comes back within scale / 2",
            error <= scale / 2 * (1 + 1e-6),
            f"at most {scale / 2:.3g}",
            f"{error:.3g}",
        )
    scale, zero_point = quantization_params(0.0, 0.0)
    yield check(
        "all zeros [0, 0]: a positive, finite scale and 0 stored exactly",
        np.isfinite(scale) and scale > 0 and -128 <= zero_point <= 127,
        "a positive scale and a zero point in [−128, 127]",
        f"scale {scale!r}, zero_point {zero_point!r}",
    )


def _quantize_reference(x, scale, zero_point):
    return np.clip(np.round(np.asarray(x, np.float64) / scale) + zero_point, -128, 127)


@exercise(
    "quantize",
    hint="Round (np.round), add the zero point, clip to [−128, 127], then cast to np.int8.",
)
def check_quantize(quantize):
    rng = np.random.default_rng(121)
    cases = {
        "inside the range (scale 0.02, zero point 7)": (rng.uniform(-2.6, 2.4, 50), 0.02, 7),
        "far outside: clipped to −128 and 127": (np.array([-1000.0, -3.0, 3.0, 1000.0]), 0.02, 7),
        "a single value": (np.array([0.37]), 0.1, -5),
        "zero point −128 (an input in [0, 1])": (rng.uniform(0, 1, 20), 1 / 255, -128),
        "no values": (np.zeros(0), 0.5, 0),
    }
    for name, (x, scale, zero_point) in cases.items():
        q = quantize(x, scale, zero_point)
        yield check(f"{name}: dtype int8", np.asarray(q).dtype == np.int8, "int8", str(q.dtype))
        yield close(name, q, _quantize_reference(x, scale, zero_point), atol=0, rtol=0)


@exercise(
    "dequantize",
    hint="Convert q to float before subtracting the zero point: int8 arithmetic wraps around.",
)
def check_dequantize(dequantize):
    q = np.array([-128, -1, 0, 1, 127], np.int8)
    for name, scale, zero_point in [
        ("scale 0.5, zero point −3", 0.5, -3),
        ("zero point −128: 127 − (−128) = 255 leaves int8", 1 / 255, -128),
        ("zero point 127", 0.01, 127),
    ]:
        got = dequantize(q, scale, zero_point)
        expected = scale * (q.astype(np.float64) - zero_point)
        yield check(
            f"{name}: dtype float32", np.asarray(got).dtype == np.float32, "float32", str(got.dtype)
        )
        yield close(name, got, expected, rtol=1e-6, atol=1e-7)


def _stored(shape, scheme, rng):
    """Store real arrays the way the scheme says and count their bytes."""
    weights = rng.normal(size=shape).astype(np.float32)
    if scheme == "float32" or weights.ndim < 2:
        return weights.nbytes
    scales = (np.abs(weights).max(axis=tuple(range(weights.ndim - 1))) / 127).astype(np.float32)
    q = np.clip(np.round(weights / scales), -127, 127).astype(np.int8)
    return q.nbytes + scales.nbytes


@exercise(
    "parameter_bytes",
    hint="float32: 4 bytes a number. int8 kernels: 1 byte a number + 4 bytes per output channel "
    "(the last axis); biases stay float32.",
)
def check_parameter_bytes(parameter_bytes):
    rng = np.random.default_rng(122)
    models = {
        "lesson 05's CNN": [(5, 5, 1, 32), (32,), (5, 5, 32, 64), (64,), (1024, 128), (128,)],
        "one dense layer 784 → 10": [(784, 10), (10,)],
        "a bias only": [(7,)],
        "no weights": [],
    }
    for name, shapes in models.items():
        for scheme in ("float32", "int8"):
            expected = sum(_stored(shape, scheme, rng) for shape in shapes)
            got = parameter_bytes(shapes, scheme)
            yield close(f"{name}, {scheme}", got, expected, atol=0, rtol=0)
