"""Shared test fixtures (kept small: most test files are self-contained).

The whole suite runs sealed from the network: :func:`tests._netguard.seal` is called here,
before any test module is imported, and every subprocess inherits the seal (see
``tests/_sealed/``). Only loopback can be reached.
"""

import os
import re

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # hide TensorFlow's start-up chatter

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from tests._netguard import seal  # noqa: E402

seal()


@pytest.fixture
def rng():
    """A fresh NumPy generator with a fixed seed, so every test sees the same numbers."""
    return np.random.default_rng(1234)


@pytest.fixture
def fault_seen(request):
    """``fault_seen(message)`` records the one-line message a fault test observed.

    ``python -m tests.fault_table`` shows it in its "observed" column.
    """

    def record(message) -> None:
        text = " ".join(str(message).split())
        text = re.sub(r"/\S*/pytest-\d+/[^/\s]+/", "<tmp>/", text)  # pytest's long tmp paths
        request.node.user_properties.append(("observed", text))

    return record
