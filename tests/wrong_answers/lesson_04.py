"""Plausible wrong answers to lesson 04's exercises; each must be rejected by its checker."""

import numpy as np
import tensorflow as tf


def accuracy_greater_equal(outputs, targets, threshold=0.5):
    return float(np.mean((np.ravel(outputs) >= threshold) == np.ravel(targets)))  # ≥ at the tie


def accuracy_broadcasts(outputs, targets, threshold=0.5):
    return float(np.mean((np.asarray(outputs) > threshold) == np.asarray(targets)))  # (n,1)==(n,)


def accuracy_rounds(outputs, targets, threshold=0.5):
    return float(np.mean(np.round(np.ravel(outputs)) == np.ravel(targets)))  # ignores threshold


def step_sum_loss(model, optimizer, x, y):
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.square(model(x, training=True) - y))  # a sum, not a mean
    optimizer.apply(tape.gradient(loss, model.trainable_variables), model.trainable_variables)
    return float(loss)


def step_no_update(model, optimizer, x, y):
    predictions = model(x, training=True)
    return float(tf.reduce_mean(tf.square(predictions - y)))  # forgot the update


def step_loss_after_update(model, optimizer, x, y):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(model(x, training=True) - y))
    optimizer.apply(tape.gradient(loss, model.trainable_variables), model.trainable_variables)
    return float(tf.reduce_mean(tf.square(model(x) - y)))  # the loss after the step


def majority_of_test(y_train, y_test):
    majority = 1.0 if np.mean(y_test) >= 0.5 else 0.0  # peeks at the test labels
    return float(np.mean(np.ravel(y_test) == majority))


def majority_tie_zero(y_train, y_test):
    majority = 1.0 if np.mean(y_train) > 0.5 else 0.0  # a tie goes to 0
    return float(np.mean(np.ravel(y_test) == majority))


def majority_share(y_train, y_test):
    return float(max(np.mean(y_train), 1 - np.mean(y_train)))  # the training share


WRONG = {
    "accuracy_at_threshold": [accuracy_greater_equal, accuracy_broadcasts, accuracy_rounds],
    "train_step": [step_sum_loss, step_no_update, step_loss_after_update],
    "majority_baseline": [majority_of_test, majority_tie_zero, majority_share],
}
