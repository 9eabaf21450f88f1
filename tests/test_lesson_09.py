"""Lesson 09 (REINFORCE on CartPole): returns and the policy-gradient loss (lessons/reinforce.py),
playing episodes (lessons/cartpole.py), and the chapter run top to bottom with --quick."""

import math

import numpy as np
import pytest
import tensorflow as tf

from lessons import cartpole
from lessons import reinforce as lesson
from tests.lesson_run import run_lesson


def test_discounted_returns_hand_worked():
    # G_2 = 1, G_1 = 1 + 0.9·1 = 1.9, G_0 = 1 + 0.9·1.9 = 2.71
    np.testing.assert_allclose(
        lesson.discounted_returns([1.0, 1.0, 1.0], gamma=0.9), [2.71, 1.9, 1.0], rtol=1e-12
    )


def test_discounted_returns_per_episode_with_masked_steps():
    # Two episodes side by side (time on axis 0); the second ended after one step, so its
    # later rewards are zero and its return is just that one reward.
    rewards = np.array([[1.0, 1.0], [2.0, 0.0], [3.0, 0.0]])
    returns = lesson.discounted_returns(rewards, gamma=0.5)
    np.testing.assert_allclose(returns[:, 0], [1 + 0.5 * 2 + 0.25 * 3, 2 + 0.5 * 3, 3.0])
    np.testing.assert_allclose(returns[:, 1], [1.0, 0.0, 0.0])


def test_normalize_gives_zero_mean_unit_std():
    normalized = lesson.normalize(np.array([1.0, 2.0, 3.0, 10.0]))
    assert abs(normalized.mean()) < 1e-12
    assert abs(normalized.std() - 1.0) < 1e-6


def test_policy_gradient_matches_the_softmax_formula():
    # A linear softmax policy z = s·W. Per step ∂(−log π(a|s)·G)/∂z = (π − onehot(a))·G,
    # so for the batch-mean loss ∂L/∂W = sᵀ·((π − onehot(a))·G) / N.
    rng = np.random.default_rng(0)
    states = rng.normal(size=(5, 4))
    weights = rng.normal(size=(4, 2))
    actions = np.array([0, 1, 1, 0, 1])
    returns = rng.normal(size=5)

    w = tf.Variable(weights, dtype=tf.float32)
    with tf.GradientTape() as tape:
        loss = lesson.policy_gradient_loss(
            tf.constant(states, tf.float32) @ w,
            tf.constant(actions, tf.int32),
            tf.constant(returns, tf.float32),
        )
    tape_gradient = tape.gradient(loss, w).numpy()

    logits = states @ weights
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    dlogits = (probs - np.eye(2)[actions]) * returns[:, None]
    expected = states.T @ dlogits / len(states)
    np.testing.assert_allclose(tape_gradient, expected, atol=1e-6, rtol=1e-5)
    # the loss itself: −mean(log π(a|s)·G)
    expected_loss = -np.mean(np.log(probs[np.arange(5), actions]) * returns)
    assert abs(float(loss) - expected_loss) < 1e-6


def test_single_step_gradient_is_prediction_minus_label_times_return():
    logits = tf.constant([[2.0, -1.0]])
    with tf.GradientTape() as tape:
        tape.watch(logits)
        loss = lesson.policy_gradient_loss(logits, tf.constant([1]), tf.constant([3.0]))
    probs = np.exp([2.0, -1.0]) / np.exp([2.0, -1.0]).sum()
    np.testing.assert_allclose(
        tape.gradient(loss, logits).numpy()[0], (probs - [0.0, 1.0]) * 3.0, atol=1e-6
    )


def test_numpy_policy_matches_the_model():
    model = lesson.build_policy()
    states = np.random.default_rng(2).normal(size=(16, 4)).astype(np.float32)
    np.testing.assert_allclose(
        cartpole.numpy_logits(cartpole.numpy_weights(model), states),
        model(states).numpy(),
        atol=1e-5,
    )


def test_play_episodes_masks_finished_episodes():
    envs = cartpole.make_envs(3)
    envs.reset(seed=0)
    weights = cartpole.numpy_weights(lesson.build_policy())
    states, actions, rewards, alive = cartpole.play_episodes(
        envs, weights, np.random.default_rng(0)
    )
    envs.close()
    assert states.shape[1:] == (3, 4) and actions.shape == rewards.shape == alive.shape
    lengths = alive.sum(axis=0)
    # each episode is one unbroken run of steps from t = 0, rewarded 1 per step
    for i, length in enumerate(lengths):
        assert alive[:length, i].all() and not alive[length:, i].any()
    np.testing.assert_array_equal(rewards.sum(axis=0), lengths)
    assert lengths.max() == len(states)


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("lesson09")
    metrics, stdout, _ = run_lesson(9, "--quick", out=out)
    return out, metrics, stdout


def test_quick_run_writes_metrics_and_plots(quick_run):
    out, metrics, stdout = quick_run
    for key in ("eval_mean_return", "seconds", "episodes_trained", "train_last_moving_average"):
        assert math.isfinite(metrics[key]), key
    assert 0 < metrics["eval_mean_return"] <= cartpole.MAX_RETURN
    assert 0 < metrics["sampled_eval_mean_return"] <= cartpole.MAX_RETURN
    assert metrics["episodes_trained"] == 24 and metrics["eval_episodes"] == 10
    assert metrics["seeds_run"] == 1 and metrics["quick"] is True
    # the chapter's own checks: the loss is weighted cross-entropy, the gradient the formula
    assert metrics["loss_vs_cross_entropy_max_abs_diff"] < 1e-6
    assert metrics["gradient_vs_formula_max_abs_diff"] < 1e-6
    assert metrics["numpy_vs_model_max_abs_diff"] < 1e-5
    # the NumPy policy that drove the traced episode and the Keras model agree on every action
    assert metrics["traced_episode_same_actions_keras"] == metrics["traced_episode_steps"] > 0
    for name in ("learning_curve.png", "episode_trace.png"):
        assert (out / name).stat().st_size > 10_000, name
    # what the text says is what the run measured
    gap = metrics["eval_mean_return"] - metrics["sampled_eval_mean_return"]
    assert f"Greedy minus sampled: {gap:+.1f} steps" in stdout
    assert "G = [2.71 1.9  1.  ]" in stdout
    assert "def discounted_returns(" in stdout  # the chapter shows the code that runs
    assert f"{metrics['seeds_solved']} of 1 seeds reach" in stdout


def test_quick_run_is_deterministic(quick_run, tmp_path):
    _, first, _ = quick_run
    second, _, _ = run_lesson(9, "--quick", out=tmp_path)
    timings = {"seconds", "train_seconds", "seed_42_train_seconds"}
    assert {k: v for k, v in first.items() if k not in timings} == {
        k: v for k, v in second.items() if k not in timings
    }
