"""Plausible wrong answers to lesson 09's exercises; each must be rejected by its checker."""

import numpy as np


def returns_ignore_boundaries(rewards, dones, gamma):
    """The backward recursion straight through episode ends (the next episode leaks in)."""
    returns, running = np.zeros(len(rewards)), 0.0
    for t in reversed(range(len(rewards))):
        running = rewards[t] + gamma * running
        returns[t] = running
    return returns


def returns_discount_off_by_one(rewards, dones, gamma):
    """Discounts the step's own reward too: G_t = Σ_k γ^(k+1) r_{t+k}."""
    returns, running = np.zeros(len(rewards)), 0.0
    for t in reversed(range(len(rewards))):
        running = gamma * (rewards[t] + (0.0 if dones[t] else running))
        returns[t] = running
    return returns


def returns_reset_one_step_late(rewards, dones, gamma):
    """Resets on the *next* step's done flag: each episode's last step takes the next one's."""
    returns, running = np.zeros(len(rewards)), 0.0
    for t in reversed(range(len(rewards))):
        if t + 1 < len(rewards) and dones[t + 1]:
            running = 0.0
        running = rewards[t] + gamma * running
        returns[t] = running
    return returns


def _log_softmax_stable(logits):
    logits = np.asarray(logits, dtype=np.float64)
    shifted = logits - logits.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def loss_sum_not_mean(logits, actions, returns):
    """−Σ log π(a|s)·G: the batch size changes the step size."""
    taken = _log_softmax_stable(logits)[np.arange(len(actions)), actions]
    return float(-np.sum(taken * np.asarray(returns)))


def loss_without_minus(logits, actions, returns):
    """+mean(log π·G): minimizing it makes good actions *less* likely."""
    taken = _log_softmax_stable(logits)[np.arange(len(actions)), actions]
    return float(np.mean(taken * np.asarray(returns)))


def loss_naive_softmax(logits, actions, returns):
    """log(exp(z_a) / Σ exp(z)): exp(1000) overflows to inf, and the loss turns NaN."""
    logits = np.asarray(logits, dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        taken = np.log(probs[np.arange(len(actions)), actions])
    return float(-np.mean(taken * np.asarray(returns)))


def gradient_wrong_sign(logits, actions, returns):
    """(onehot(a) − π)·G / N: the gradient of the return, not of the loss."""
    probs = np.exp(_log_softmax_stable(logits))
    onehot = np.eye(probs.shape[1])[np.asarray(actions)]
    return (onehot - probs) * np.asarray(returns)[:, None] / len(probs)


def gradient_not_divided_by_n(logits, actions, returns):
    """(π − onehot(a))·G: the gradient of the sum, not of the mean."""
    probs = np.exp(_log_softmax_stable(logits))
    onehot = np.eye(probs.shape[1])[np.asarray(actions)]
    return (probs - onehot) * np.asarray(returns)[:, None]


def gradient_without_returns(logits, actions, returns):
    """(π − onehot(a)) / N: plain cross-entropy's gradient, forgetting the weighting by G."""
    probs = np.exp(_log_softmax_stable(logits))
    onehot = np.eye(probs.shape[1])[np.asarray(actions)]
    return (probs - onehot) / len(probs)


WRONG = {
    "discounted_returns": [
        returns_ignore_boundaries,
        returns_discount_off_by_one,
        returns_reset_one_step_late,
    ],
    "reinforce_loss": [loss_sum_not_mean, loss_without_minus, loss_naive_softmax],
    "reinforce_logit_gradient": [
        gradient_wrong_sign,
        gradient_not_divided_by_n,
        gradient_without_returns,
    ],
}
