"""custom_layers: the course's neural-network building blocks, written from scratch for Keras 3.

Every piece is a drop-in for its Keras built-in (same arguments, same numbers) and is
registered for saving, so it works in your own models::

    import keras
    import custom_layers

    model = keras.Sequential([
        keras.Input((10,)),
        custom_layers.layers.Dense(16, activation="gelu"),   # our Dense, our gelu
        custom_layers.layers.Dense(1),
    ])
    model.compile(optimizer="adam", loss=custom_layers.losses.BinaryCrossentropy(from_logits=True))

Modules: ``activations`` (functions and their derivatives), ``layers`` (a package, one
module per layer: Dense, PReLU, Conv2D, Embedding, masked pooling), ``audio`` (log-mel
spectrogram front end; SpecAugment and FrequencyWarp, perturbations for training;
FormantShift, one fixed warp for test-time averaging), ``losses`` (MSE, binary and sparse
categorical cross-entropy), ``optimizers`` (SGD, RMSprop, Adam:
``keras.optimizers.Optimizer`` subclasses), ``training`` (the ``GradientTape`` loop:
``fit``, ``evaluate``, ``Trainer``).
``activations``, ``layers`` and ``losses`` use ``keras.ops`` only and also run on the JAX
backend; ``audio`` and ``training`` are TensorFlow by design.
"""

from custom_layers import activations, audio, layers, losses, optimizers, training

__all__ = ["activations", "audio", "layers", "losses", "optimizers", "training"]
