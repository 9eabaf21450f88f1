"""What the layer tests share: run a layer forward and backward, to compare with Keras's."""

import tensorflow as tf


def outputs_and_gradients(layer, x, upstream):
    """Output, and gradients of sum(output · upstream) w.r.t. the input and each weight."""
    x = tf.convert_to_tensor(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = layer(x)
        loss = tf.reduce_sum(y * upstream)
    grads = tape.gradient(loss, [x, *layer.trainable_variables])
    return y.numpy(), [g.numpy() for g in grads]
