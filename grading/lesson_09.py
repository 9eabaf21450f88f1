"""Checkers for lesson 09's exercises: discounted returns with episode boundaries, the REINFORCE
loss and its logit gradient. References: the sum Σ_k γ^k r_{t+k} written out per episode, a
log-sum-exp in NumPy, and central finite differences of that reference loss."""

from __future__ import annotations

import numpy as np

from grading import close, exercise


def _returns_by_sum(rewards, dones, gamma):
    """G_t = Σ_k γ^k r_{t+k}, summed forward until t's episode ends (a different algorithm)."""
    returns = np.zeros(len(rewards))
    for t in range(len(rewards)):
        for k, u in enumerate(range(t, len(rewards))):
            returns[t] += gamma**k * rewards[u]
            if dones[u]:
                break
    return returns


@exercise(
    "discounted_returns",
    hint="Go backwards: running = r_t + γ·running, but reset running to 0 before adding r_t "
    "whenever done_t is True (step t ends its episode).",
)
def check_discounted_returns(discounted_returns):
    rng = np.random.default_rng(0)
    dones = rng.random(30) < 0.2
    cases = {
        "one episode [1, 1, 1], γ = 0.9": ([1, 1, 1], [False, False, True], 0.9),
        "two episodes, the first 2 steps long": ([1, 2, 3, 4], [False, True, False, True], 0.5),
        "episodes of one step each": ([1, 2, 3], [True, True, True], 0.9),
        "γ = 0: each return is its reward": ([3, -1, 2], [False, False, True], 0.0),
        "γ = 1: the rewards still to come": ([1, 1, 1, 1], [False, True, False, False], 1.0),
        "the stream ends mid-episode": ([1, 1, 1], [False, False, False], 0.9),
        "a single step": ([5.0], [True], 0.99),
        "30 random steps and boundaries, γ = 0.99": (rng.normal(size=30), dones, 0.99),
        "an empty stream": ([], [], 0.9),
    }
    for name, (rewards, episode_ends, gamma) in cases.items():
        rewards = np.asarray(rewards, dtype=np.float64)
        episode_ends = np.asarray(episode_ends, dtype=bool)
        got = discounted_returns(rewards.copy(), episode_ends.copy(), gamma)
        yield close(name, got, _returns_by_sum(rewards, episode_ends, gamma), atol=1e-9)


def _reference_loss(logits, actions, returns):
    logits = np.asarray(logits, dtype=np.float64)
    log_norm = np.logaddexp.reduce(logits, axis=1)  # log Σ_b exp(z_b), computed stably
    log_taken = logits[np.arange(len(actions)), actions] - log_norm
    return -np.mean(log_taken * np.asarray(returns, dtype=np.float64))


def _loss_cases():
    rng = np.random.default_rng(1)
    return {
        "2 actions, hand-sized": ([[2.0, -1.0], [0.5, 0.5]], [1, 0], [3.0, -1.0]),
        "5 steps, 2 actions": (rng.normal(size=(5, 2)), rng.integers(0, 2, 5), rng.normal(size=5)),
        "4 steps, 3 actions": (rng.normal(size=(4, 3)), [2, 0, 2, 1], rng.normal(size=4)),
        "a single step": ([[0.3, -0.2]], [0], [2.0]),
        "every G = 1: the mean cross-entropy": (rng.normal(size=(3, 2)), [0, 1, 1], np.ones(3)),
        "logits of ±1000": ([[1000.0, -1000.0], [-1000.0, 1000.0]], [1, 1], [1.0, 2.0]),
    }


@exercise(
    "reinforce_loss",
    hint="log π(a|s) = z_a − log Σ exp(z): subtract each row's maximum before exp, take the "
    "minus sign and the mean (not the sum) over the N steps.",
)
def check_reinforce_loss(reinforce_loss):
    for name, (logits, actions, returns) in _loss_cases().items():
        logits, actions = np.asarray(logits, np.float64), np.asarray(actions)
        got = reinforce_loss(logits.copy(), actions.copy(), np.asarray(returns, np.float64))
        yield close(name, got, _reference_loss(logits, actions, returns), rtol=1e-6, atol=1e-9)


def _finite_difference_gradient(logits, actions, returns, h=1e-5):
    gradient = np.zeros_like(logits)
    for index in np.ndindex(*logits.shape):
        up, down = logits.copy(), logits.copy()
        up[index] += h
        down[index] -= h
        loss_up = _reference_loss(up, actions, returns)
        gradient[index] = (loss_up - _reference_loss(down, actions, returns)) / (2 * h)
    return gradient


@exercise(
    "reinforce_logit_gradient",
    hint="Row t is (softmax(z_t) − onehot(a_t)) · G_t, and the loss is a mean: divide by N.",
)
def check_reinforce_logit_gradient(reinforce_logit_gradient):
    cases = _loss_cases()
    cases["every G = 0: no gradient"] = ([[1.0, 2.0], [3.0, -1.0]], [0, 1], [0.0, 0.0])
    for name, (logits, actions, returns) in cases.items():
        logits, actions = np.asarray(logits, np.float64), np.asarray(actions)
        returns = np.asarray(returns, np.float64)
        got = reinforce_logit_gradient(logits.copy(), actions.copy(), returns)
        expected = _finite_difference_gradient(logits, actions, returns)
        yield close(name, got, expected, rtol=1e-5, atol=1e-8)
