"""Layers written from scratch, drop-in compatible with their ``keras.layers`` namesakes.

Each layer keeps Keras's argument names, defaults and weight names/shapes, so weights
copy across with ``get_weights``/``set_weights`` and the outputs agree. One layer per
module, as in ``keras/src/layers/``:

* :class:`Dense` (``dense.py``): ``a = f(x·W + b)``, the neuron of lesson 01, many at once.
* :class:`PReLU` (``prelu.py``): a ReLU whose negative slope ``α`` is learned.
* :class:`Conv2D` (``conv2d.py``): ``a = f(conv(x, kernel) + b)``, one small dense neuron
  slid over an image.
* :class:`Embedding` (``embedding.py``): token ids → rows of a learned table (a gather;
  sparse gradients).
* :class:`MaskedGlobalAveragePooling1D` (``pooling.py``): the mean over a sequence's
  unmasked steps.

All are registered as ``"custom_layers>ClassName"``, so saved ``.keras`` files find them.
"""

from custom_layers.layers.conv2d import Conv2D
from custom_layers.layers.dense import Dense
from custom_layers.layers.embedding import Embedding
from custom_layers.layers.pooling import MaskedGlobalAveragePooling1D
from custom_layers.layers.prelu import PReLU

__all__ = ["Conv2D", "Dense", "Embedding", "MaskedGlobalAveragePooling1D", "PReLU"]
