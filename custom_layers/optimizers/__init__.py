"""SGD (momentum, Nesterov), RMSprop and Adam (AMSGrad), written from scratch.

Each optimizer is a ``keras.optimizers.Optimizer`` subclass with the four methods Keras
asks for: ``__init__`` (same argument names and defaults as the Keras built-in),
``build`` (one slot variable per weight and per moment), ``update_step`` (the update
rule, for one weight) and ``get_config``. Everything else -- weight decay, ``clipnorm``,
``clipvalue``, ``global_clipnorm``, the EMA of the weights, learning-rate schedules,
gradient accumulation, loss scaling -- lives in the base class and keeps working. They
run on the TensorFlow and the JAX backends (``keras.ops`` throughout).

Notation used in the docstrings: ``w`` a weight, ``g`` its gradient, ``η`` the learning
rate, ``t`` the step number (1, 2, ...), all operations elementwise.

Sparse gradients. An ``Embedding`` layer's gradient arrives as ``tf.IndexedSlices``
(the rows used by the batch), and a row used twice arrives twice. The textbook update
is defined on the *dense* gradient, in which repeated rows are summed and every row
absent from the batch has gradient 0 -- Adam and RMSprop still decay those rows'
moments and keep moving them. The optimizers here compute exactly that update without
building the dense gradient: they merge repeated rows (``sparse.merge_duplicate_rows``),
scatter what only the batch's rows receive, and use whole-table operations only where
the maths moves every row (each class's docstring says which). The Keras 3.15 built-ins
instead apply the slices element by element, which is wrong for repeated indices (see
the tests). ``Adam(lazy=True)`` is the non-textbook "lazy" variant that skips the other
rows.
"""

from custom_layers.optimizers.adam import Adam
from custom_layers.optimizers.rmsprop import RMSprop
from custom_layers.optimizers.sgd import SGD

__all__ = ["SGD", "RMSprop", "Adam"]
