"""Shared test fixtures (kept small: most test files are self-contained)."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # hide TensorFlow's start-up chatter

import numpy as np  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture
def rng():
    """A fresh NumPy generator with a fixed seed, so every test sees the same numbers."""
    return np.random.default_rng(1234)
