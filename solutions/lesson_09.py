"""Lesson 09 reference solutions (``python -m grading 09 --answers solutions/lesson_09.py``)."""

import numpy as np


def discounted_returns(rewards, dones, gamma):
    """One backward pass; a done step starts the running return afresh."""
    rewards = np.asarray(rewards, dtype=np.float64)
    dones = np.asarray(dones, dtype=bool)
    returns = np.zeros_like(rewards)
    running = 0.0
    for t in reversed(range(len(rewards))):
        if dones[t]:
            running = 0.0  # step t ends its episode: nothing after it counts
        running = rewards[t] + gamma * running
        returns[t] = running
    return returns


def _log_softmax(logits):
    shifted = logits - logits.max(axis=1, keepdims=True)  # the largest exponent is e^0 = 1
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def reinforce_loss(logits, actions, returns):
    """−mean(log π(a|s) · G)."""
    logits = np.asarray(logits, dtype=np.float64)
    actions = np.asarray(actions)
    log_taken = _log_softmax(logits)[np.arange(len(actions)), actions]
    return float(-np.mean(log_taken * np.asarray(returns, dtype=np.float64)))


def reinforce_logit_gradient(logits, actions, returns):
    """(softmax(z) − onehot(a)) · G / N, row by row."""
    logits = np.asarray(logits, dtype=np.float64)
    probs = np.exp(_log_softmax(logits))
    onehot = np.eye(logits.shape[1])[np.asarray(actions)]
    returns = np.asarray(returns, dtype=np.float64)
    return (probs - onehot) * returns[:, None] / len(logits)
