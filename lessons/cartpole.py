"""Lesson 09's environment side: CartPole copies stepped together, and a NumPy policy to play.

Playing needs the policy once per environment step, tens of thousands of times, on a few
states each time: NumPy (a few µs a call) instead of TensorFlow (a fixed overhead per call).
The chapter times both and checks that they compute the same logits.
"""

from __future__ import annotations

import gymnasium as gym
import numpy as np

MAX_RETURN = 500  # CartPole-v1 truncates episodes after 500 steps


def make_envs(num_envs):
    """`num_envs` copies of CartPole-v1 stepped together (no rendering window)."""
    return gym.make_vec("CartPole-v1", num_envs=num_envs, vectorization_mode="sync")


def random_policy_returns(num_episodes, seed):
    """Returns of a coin-flipping agent: the baseline any learning must beat."""
    envs = make_envs(num_episodes)
    rng = np.random.default_rng(seed)
    envs.reset(seed=seed)
    returns = np.zeros(num_episodes)
    alive = np.ones(num_episodes, dtype=bool)
    while alive.any():
        _, rewards, terminated, truncated, _ = envs.step(rng.integers(0, 2, num_episodes))
        returns += rewards * alive
        alive &= ~(terminated | truncated)
    envs.close()
    return returns


def numpy_weights(model):
    """The model's (kernel, bias) pairs as NumPy arrays, one pair per Dense layer."""
    return [tuple(layer.get_weights()) for layer in model.layers]


def numpy_logits(weights, states):
    """The policy's forward pass in NumPy: h = tanh(s·W₁ + b₁), z = h·W₂ + b₂."""
    (w1, b1), (w2, b2) = weights
    hidden = np.tanh(states @ w1 + b1)
    return hidden @ w2 + b2


def softmax(logits):
    """Row-wise softmax; subtracting the row maximum keeps exp() from overflowing."""
    shifted = logits - logits.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=-1, keepdims=True)


def play_episodes(envs, weights, rng, greedy=False):
    """Play one episode in every copy of `envs` with the NumPy policy.

    Returns (states [T, n, 4], actions [T, n], rewards [T, n], alive [T, n]); `alive`
    marks the steps that belong to an episode. greedy=True takes argmax π instead of
    sampling.
    """
    num_envs = envs.num_envs
    observations, _ = envs.reset()  # starts a fresh episode in every copy
    alive = np.ones(num_envs, dtype=bool)
    states, actions, rewards, alive_steps = [], [], [], []
    while alive.any():
        probs = softmax(numpy_logits(weights, observations))
        if greedy:
            action = probs.argmax(axis=1)
        else:  # "right" with probability π(right|s)
            action = (rng.random(num_envs) < probs[:, 1]).astype(np.int64)
        next_observations, reward, terminated, truncated, _ = envs.step(action)
        states.append(observations)
        actions.append(action)
        rewards.append(reward * alive)  # a finished copy's steps earn nothing
        alive_steps.append(alive.copy())
        alive &= ~(terminated | truncated)
        observations = next_observations
    return np.array(states), np.array(actions), np.array(rewards), np.array(alive_steps)


def evaluate(weights, num_episodes, seed, rng=None):
    """Returns of `num_episodes` seeded episodes: greedy (argmax π), or sampled with `rng`."""
    envs = make_envs(num_episodes)
    envs.reset(seed=seed)  # copy i starts from seed + i: the same episodes on every call
    _, _, rewards, _ = play_episodes(envs, weights, rng, greedy=rng is None)
    envs.close()
    return rewards.sum(axis=0)


def record_episode(weights, seed):
    """Play one greedy episode and return its states [T, 4] and actions [T]."""
    env = gym.make("CartPole-v1")
    observation, _ = env.reset(seed=seed)
    states, actions = [], []
    done = False
    while not done:
        action = int(softmax(numpy_logits(weights, observation[None]))[0].argmax())
        states.append(observation)
        actions.append(action)
        observation, _, terminated, truncated, _ = env.step(action)
        done = terminated or truncated
    env.close()
    return np.array(states), np.array(actions)
