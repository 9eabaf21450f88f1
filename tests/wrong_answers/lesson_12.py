"""Plausible wrong answers to lesson 12's exercises; the checkers must reject every one."""

import numpy as np


def params_without_zero_in_range(low, high):
    scale = (high - low) / 255 if high > low else 1.0  # the range is not widened to hold 0
    return scale, int(np.clip(np.round(-128 - low / scale), -128, 127))


def params_256_levels(low, high):
    lo, hi = min(low, 0.0), max(high, 0.0)
    if hi == lo:
        return 1.0, 0
    scale = (hi - lo) / 256  # 256 values but 255 steps between them
    return scale, int(np.clip(np.round(-128 - lo / scale), -128, 127))


def params_forget_all_zeros(low, high):
    lo, hi = min(low, 0.0), max(high, 0.0)
    scale = (hi - lo) / 255  # 0 for a tensor of zeros: division by zero next
    return scale, int(np.clip(np.round(-128 - lo / scale), -128, 127))


def quantize_without_clipping(x, scale, zero_point):
    return (np.round(np.asarray(x) / scale) + zero_point).astype(np.int8)  # wraps around


def quantize_truncates(x, scale, zero_point):
    return np.clip((np.asarray(x) / scale).astype(np.int64) + zero_point, -128, 127).astype(np.int8)


def quantize_subtracts_zero_point(x, scale, zero_point):
    return np.clip(np.round(np.asarray(x) / scale) - zero_point, -128, 127).astype(np.int8)


def dequantize_in_int8(q, scale, zero_point):
    return (scale * (np.asarray(q) - zero_point)).astype(np.float32)  # int8 arithmetic wraps


def dequantize_adds_zero_point(q, scale, zero_point):
    return (scale * (np.asarray(q, np.float64) + zero_point)).astype(np.float32)


def bytes_bits_not_bytes(shapes, scheme):
    per_number = 4 if scheme == "float32" else 8  # int8 is 8 bits, not 8 bytes
    return sum(per_number * int(np.prod(s, dtype=np.int64)) for s in shapes)


def bytes_without_scales(shapes, scheme):
    size = {"float32": 4, "int8": 1}[scheme]
    return sum(
        (size if len(s) >= 2 else 4) * int(np.prod(s, dtype=np.int64)) for s in shapes
    )  # the per-channel scales are forgotten


def bytes_one_scale_per_tensor(shapes, scheme):
    total = 0
    for s in shapes:
        count = int(np.prod(s, dtype=np.int64))
        total += count + 4 if scheme == "int8" and len(s) >= 2 else 4 * count
    return total


def bytes_biases_int8_too(shapes, scheme):
    if scheme == "float32":
        return sum(4 * int(np.prod(s, dtype=np.int64)) for s in shapes)
    return sum(int(np.prod(s, dtype=np.int64)) + 4 * s[-1] for s in shapes)


WRONG = {
    "quantization_params": [
        params_without_zero_in_range,
        params_256_levels,
        params_forget_all_zeros,
    ],
    "quantize": [quantize_without_clipping, quantize_truncates, quantize_subtracts_zero_point],
    "dequantize": [dequantize_in_int8, dequantize_adds_zero_point],
    "parameter_bytes": [
        bytes_bits_not_bytes,
        bytes_without_scales,
        bytes_one_scale_per_tensor,
        bytes_biases_int8_too,
    ],
}
