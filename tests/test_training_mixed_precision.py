"""custom_layers.training under mixed precision: loss scaling like model.fit."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from custom_layers import optimizers, training


@pytest.fixture
def mixed_float16():
    keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        yield
    finally:
        keras.mixed_precision.set_global_policy("float32")


def _model():
    keras.utils.set_random_seed(0)
    return keras.Sequential(
        [
            keras.Input((10,)),
            keras.layers.Dense(32, activation="relu"),
            keras.layers.Dense(1, dtype="float32"),  # float32 outputs, as Keras recommends
        ]
    )


def _dataset():
    rng = np.random.RandomState(1)
    x = rng.normal(size=(96, 10)).astype("float32")
    # Large targets: the float16 gradients times the initial scale 2**15 overflow.
    y = 300.0 * x[:, :1] + 200.0
    return tf.data.Dataset.from_tensor_slices((x, y)).batch(16)


def test_loss_scaling_follows_model_fit(mixed_float16):
    """fault: float16 gradients overflow at the initial loss scale | expected: the
    LossScaleOptimizer skips those steps and halves its scale, as in model.fit; no stop."""
    ours = _model()
    trainer = training.Trainer(
        ours,
        loss=keras.losses.MeanSquaredError(),
        optimizer=keras.optimizers.LossScaleOptimizer(optimizers.Adam(0.01)),
    )
    scales = []
    step = trainer.train_step

    def recording_step(batch):
        results = step(batch)
        scales.append(float(trainer.optimizer.dynamic_scale.numpy()))
        return results

    trainer.train_step = recording_step
    history = trainer.fit(_dataset(), epochs=3, verbose=0)

    reference = _model()
    reference.compile(
        optimizer=keras.optimizers.LossScaleOptimizer(optimizers.Adam(0.01)), loss="mse"
    )
    expected_scales = []
    record = keras.callbacks.LambdaCallback(
        on_train_batch_end=lambda batch, logs: expected_scales.append(
            float(reference.optimizer.dynamic_scale.numpy())
        )
    )
    expected = reference.fit(_dataset(), epochs=3, verbose=0, shuffle=False, callbacks=[record])

    assert scales[0] == 2.0**14 and min(scales) < 2.0**10  # it did overflow, several times
    assert scales == expected_scales
    np.testing.assert_allclose(history["loss"], expected.history["loss"], rtol=1e-5)
    weights = zip(ours.get_weights(), reference.get_weights(), strict=True)
    assert max(float(np.abs(a - b).max()) for a, b in weights) < 1e-5
