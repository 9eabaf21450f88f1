"""Lesson 09's REINFORCE: returns, the policy-gradient loss, the compiled update, the loop.

The chapter explains each piece and shows its source here; the tests import them.
"""

from __future__ import annotations

import time

import keras
import numpy as np
import tensorflow as tf

from custom_layers.layers import Dense
from custom_layers.optimizers import Adam
from lessons import cartpole

GAMMA = 0.99
HIDDEN_UNITS = 32
EPISODES_PER_UPDATE = 16
LEARNING_RATE = 1e-2
MAX_EPISODES = 3000
MOVING_AVERAGE = 50  # episodes in the moving average of training returns
STOP_AT = 490.0
CHECK_EVERY = 5  # updates between greedy checkpoint evaluations
CHECK_EPISODES = 20
CHECK_SEED_OFFSET = 10_000  # check episodes: seeds seed+10000 ...
EVAL_SEED_OFFSET = 20_000  # final evaluation episodes: seeds seed+20000 ...


def build_policy(hidden_units=HIDDEN_UNITS):
    """State (4 numbers) → hidden layer → 2 logits, from custom_layers."""
    return keras.Sequential(
        [
            keras.Input(shape=(4,)),
            Dense(hidden_units, activation="tanh"),
            Dense(2),  # logits; the softmax is applied in the loss and when sampling
        ]
    )


def discounted_returns(rewards, gamma=GAMMA):
    """G_t = r_t + γ·G_{t+1} along axis 0 (time); any further axes are separate episodes.

    Rewards after an episode ended must be 0, so they add nothing to earlier returns.
    """
    rewards = np.asarray(rewards, dtype=np.float64)
    returns = np.zeros_like(rewards)
    running = np.zeros_like(rewards[0])
    for t in reversed(range(len(rewards))):  # one pass from the last step to the first
        running = rewards[t] + gamma * running
        returns[t] = running
    return returns


def normalize(returns, eps=1e-8):
    """(G − mean) / std over the whole batch: a baseline plus a fixed scale."""
    return (returns - returns.mean()) / (returns.std() + eps)


def policy_gradient_loss(logits, actions, returns):
    """L = −mean_t(log π(a_t|s_t) · G_t), with log π from a stable log-softmax of the logits."""
    log_probs = tf.nn.log_softmax(logits)  # log π(·|s) for both actions
    log_prob_taken = tf.gather(log_probs, actions, batch_dims=1)  # log π(a_t|s_t)
    return -tf.reduce_mean(log_prob_taken * returns)


def make_update_step(model, optimizer):
    """A compiled REINFORCE update: one gradient step on a batch of (s, a, G)."""

    # The batch size is None: every batch has another number of steps, and a fixed shape
    # would make TensorFlow trace a new graph for every new length.
    @tf.function(
        input_signature=[
            tf.TensorSpec([None, 4], tf.float32),
            tf.TensorSpec([None], tf.int32),
            tf.TensorSpec([None], tf.float32),
        ]
    )
    def update_step(states, actions, returns):
        with tf.GradientTape() as tape:
            logits = model(states, training=True)
            loss = policy_gradient_loss(logits, actions, returns)
        gradients = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(gradients, model.trainable_variables, strict=True))
        return loss

    return update_step


def moving_average(values, window=MOVING_AVERAGE):
    """Mean of the last `window` values at every position (fewer at the start)."""
    values = np.asarray(values, dtype=np.float64)
    sums = np.cumsum(np.insert(values, 0, 0.0))
    counts = np.minimum(np.arange(1, len(values) + 1), window)
    return (sums[1:] - sums[np.arange(1, len(values) + 1) - counts]) / counts


def train_agent(
    seed,
    max_episodes=MAX_EPISODES,
    episodes_per_update=EPISODES_PER_UPDATE,
    learning_rate=LEARNING_RATE,
    verbose=True,
):
    """Train a policy with REINFORCE; returns the best checkpoint's weights and a history."""
    started = time.perf_counter()
    keras.utils.set_random_seed(seed)  # the network's initial weights
    model = build_policy()
    update_step = make_update_step(model, Adam(learning_rate=learning_rate))
    rng = np.random.default_rng(seed)  # action sampling
    envs = cartpole.make_envs(episodes_per_update)
    envs.reset(seed=seed)  # training episodes: seeds seed, seed+1, ...

    episode_returns, checks = [], []
    best_weights, best_check = cartpole.numpy_weights(model), -1.0
    updates = 0
    while len(episode_returns) < max_episodes:
        weights = cartpole.numpy_weights(model)  # read once per update, for NumPy sampling
        states, actions, rewards, alive = cartpole.play_episodes(envs, weights, rng)
        returns = normalize(discounted_returns(rewards)[alive])
        update_step(
            tf.constant(states[alive], tf.float32),
            tf.constant(actions[alive], tf.int32),
            tf.constant(returns, tf.float32),
        )
        updates += 1
        episode_returns.extend(rewards.sum(axis=0).tolist())
        average = moving_average(episode_returns)[-1]

        stop = average >= STOP_AT
        last = len(episode_returns) >= max_episodes
        if updates % CHECK_EVERY == 0 or stop or last:  # the greedy checkpoint
            weights = cartpole.numpy_weights(model)
            check = cartpole.evaluate(weights, CHECK_EPISODES, seed + CHECK_SEED_OFFSET).mean()
            checks.append((len(episode_returns), check))
            if check > best_check:
                best_check, best_weights = check, weights
            if verbose:
                print(
                    f"  update {updates:3d}  episodes {len(episode_returns):4d}  "
                    f"moving average {average:6.1f}  greedy check {check:6.1f}"
                )
            stop = stop or check >= cartpole.MAX_RETURN
        if stop:
            break
    envs.close()
    history = {
        "episode_returns": episode_returns,
        "checks": checks,
        "best_check": best_check,
        "updates": updates,
        "seconds": time.perf_counter() - started,
    }
    return model, best_weights, history


def run_settings(quick):
    """Training budget and evaluation size: the lesson's defaults, or a tiny --quick run."""
    if quick:
        return {"max_episodes": 24, "episodes_per_update": 8, "eval_episodes": 10}
    return {
        "max_episodes": MAX_EPISODES,
        "episodes_per_update": EPISODES_PER_UPDATE,
        "eval_episodes": 100,
    }


def train_and_evaluate(seed, settings, verbose):
    """Train one seed, then evaluate its best checkpoint greedily on unseen seeded episodes."""
    model, best_weights, history = train_agent(
        seed,
        max_episodes=settings["max_episodes"],
        episodes_per_update=settings["episodes_per_update"],
        verbose=verbose,
    )
    eval_returns = cartpole.evaluate(
        best_weights, settings["eval_episodes"], seed + EVAL_SEED_OFFSET
    )
    return model, best_weights, history, eval_returns
