"""The loss and metrics of a model with one or several outputs, as ``model.compile`` reads them.

For outputs ``i`` with losses ``L_i``, weights ``w_i`` (``loss_weights``, 1 by default)
and the model's own losses ``R`` (weight regularizers, ``add_loss``)::

    loss = Σ_i w_i · mean_batch(L_i(y_i, ŷ_i)) + R

The history reports ``loss`` and, with several outputs, each ``<output>_loss``
(unweighted) and ``<output>_<metric>``, under the names ``model.fit`` uses. Losses,
optimizers and metrics may be given by name (``"mse"``, ``"adam"``, ``"mae"``), resolved
with ``keras.losses.get`` / ``keras.optimizers.get`` / ``keras.metrics.get`` like ``compile``.
"""

import keras
import tensorflow as tf

_REDUCTIONS = (None, "none", "sum_over_batch_size", "mean")


def get_loss(loss):
    """A ``keras.losses.Loss`` from an instance, a name or a function ``f(y, ŷ)``."""
    if isinstance(loss, str):
        loss = keras.losses.get(loss)
    if not isinstance(loss, keras.losses.Loss):
        if not callable(loss):
            raise TypeError(
                f"loss must be a keras.losses.Loss, a name or a function; got {loss!r}."
            )
        loss = _FunctionLoss(loss)
    if getattr(loss, "reduction", None) not in _REDUCTIONS:
        raise ValueError(
            "The training loop averages the loss over the global batch; use a loss with "
            f'reduction="sum_over_batch_size" (the default). Received: {loss.reduction!r}'
        )
    return loss


class _FunctionLoss(keras.losses.Loss):
    """A loss function ``f(y, ŷ) -> per-example values`` as a ``Loss`` (as compile wraps it)."""

    def __init__(self, function):
        super().__init__(name=getattr(function, "__name__", None))
        self.function = function

    def call(self, y_true, y_pred):
        return self.function(y_true, y_pred)


def get_optimizer(optimizer):
    """A Keras optimizer from an instance or a name (``"adam"``), or None."""
    return keras.optimizers.get(optimizer) if isinstance(optimizer, str) else optimizer


def get_metric(metric):
    """A ``keras.metrics.Metric`` from an instance, a name (reported as given) or a function."""
    if isinstance(metric, keras.metrics.Metric):
        return metric
    found = keras.metrics.get(metric)
    name = metric if isinstance(metric, str) else found.__name__
    if isinstance(found, keras.metrics.Metric):  # "mae" -> MeanAbsoluteError(), named "mae"
        return type(found)(name=name)
    return keras.metrics.MeanMetricWrapper(found, name=name)


def _per_output(value, names, what, default):
    """One entry per output from a single value, a list (in output order) or a dict by name."""
    if isinstance(value, dict):
        unknown = set(value) - set(names)
        if unknown:
            raise ValueError(f"{what} names unknown outputs {sorted(unknown)}; outputs: {names}.")
        return [value.get(name, default) for name in names]
    if isinstance(value, list | tuple):
        if len(value) != len(names):
            raise ValueError(f"{what} has {len(value)} entries for {len(names)} outputs {names}.")
        return list(value)
    return [value] * len(names)


class Objective:
    """Per-output losses, loss weights and metrics, and the running means the history reports.

    Args:
        model: the Keras model (its ``output_names`` name a list of outputs).
        targets_spec: the dataset's ``y`` spec: a tensor, a list or a dict (by output name).
        loss, loss_weights, metrics: as for ``model.compile``.
    """

    def __init__(self, model, targets_spec, loss, loss_weights=None, metrics=None):
        self.model = model
        if isinstance(targets_spec, dict):
            self.names = sorted(targets_spec)  # tf.nest's order of a dict
        else:
            count = len(tf.nest.flatten(targets_spec))
            names = list(getattr(model, "output_names", None) or [])
            self.names = names if len(names) == count else [f"output_{i}" for i in range(count)]
        many = len(self.names) > 1
        self.losses = [get_loss(item) for item in _per_output(loss, self.names, "loss", None)]
        self.weights = [
            1.0 if w is None else float(w)
            for w in _per_output(loss_weights, self.names, "loss_weights", 1.0)
        ]
        nested = (list, tuple, dict, type(None))
        if many and isinstance(metrics, list | tuple) and metrics:
            if not all(isinstance(m, nested) for m in metrics):
                raise ValueError(
                    f"A model with outputs {self.names} needs metrics per output: a list of "
                    "lists or a dict by output name, like model.compile."
                )
        per_output = _per_output(metrics, self.names, "metrics", None) if many else [metrics]
        self.metrics = [[get_metric(m) for m in (items or [])] for items in per_output]
        self.loss_tracker = keras.metrics.Mean(name="loss")
        self.output_trackers = [keras.metrics.Mean(name=f"{n}_loss") for n in self.names]
        if not many:
            self.output_trackers = []

    # -- names and results -------------------------------------------------------------

    def result_names(self):
        """The history's names, without the ``val_`` prefix."""
        names = ["loss"] + [t.name for t in self.output_trackers]
        if len(self.names) == 1:
            return names + [m.name for m in self.metrics[0]]
        return names + [
            f"{n}_{m.name}" for n, ms in zip(self.names, self.metrics, strict=True) for m in ms
        ]

    def results(self, prefix=""):
        trackers = [self.loss_tracker] + self.output_trackers
        values = [float(t.result()) for t in trackers]
        values += [float(m.result()) for ms in self.metrics for m in ms]
        return {prefix + n: v for n, v in zip(self.result_names(), values, strict=True)}

    def reset(self):
        for tracker in [self.loss_tracker] + self.output_trackers:
            tracker.reset_state()
        for metric in (m for ms in self.metrics for m in ms):
            metric.reset_state()

    # -- the maths -----------------------------------------------------------------------

    def values(self, y, predictions):
        """Per-example losses per output (unreduced): ``loss.call``, as ``Loss`` defines it."""
        values = []
        for loss, y_i, p_i in zip(
            self.losses, tf.nest.flatten(y), tf.nest.flatten(predictions), strict=True
        ):
            # Cast as keras.losses.Loss.__call__ does (float16 outputs -> the loss's float32).
            values.append(loss.call(tf.cast(y_i, loss.dtype), tf.cast(p_i, loss.dtype)))
        return values

    def regularization(self):
        """The model's own losses (weight regularizers, ``add_loss``), or None."""
        # Read them once per step: Keras evaluates weight regularizers on the current weights.
        return tf.add_n(self.model.losses) if self.model.losses else None

    def replica_loss(self, values, sample_weight, regularization):
        """This replica's share of the global batch's loss (the replicas' shares sum to it)."""
        replica = tf.distribute.get_replica_context()
        total = 0.0
        for weight, v in zip(self.weights, values, strict=True):
            # Divide by the GLOBAL count: the optimizer sums the replicas' gradients.
            global_count = replica.all_reduce(tf.distribute.ReduceOp.SUM, tf.size(v))
            total += weight * tf.nn.compute_average_loss(v, sample_weight, global_count)
        if regularization is not None:  # added once in total, over all replicas
            total += regularization / replica.num_replicas_in_sync
        return total

    def update(self, y, predictions, sample_weight, values, regularization):
        """Update the running means: the loss as Keras reports it, and the metrics."""
        # This replica's means, weighted by its number of examples.
        means = [tf.nn.compute_average_loss(v, sample_weight, tf.size(v)) for v in values]
        total = tf.add_n([w * m for w, m in zip(self.weights, means, strict=True)])
        if regularization is not None:
            total += regularization
        count = tf.shape(values[0])[0]
        self.loss_tracker.update_state(total, sample_weight=count)
        for tracker, mean in zip(self.output_trackers, means, strict=False):  # none for one output
            tracker.update_state(mean, sample_weight=count)
        for metrics, y_i, p_i in zip(
            self.metrics, tf.nest.flatten(y), tf.nest.flatten(predictions), strict=True
        ):
            for metric in metrics:
                metric.update_state(y_i, p_i, sample_weight=sample_weight)
