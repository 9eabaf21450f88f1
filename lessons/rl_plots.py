"""Lesson 09's figures: the learning curve, and one evaluated episode drawn from its states."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from lessons.cartpole import MAX_RETURN


def plot_learning_curve(history, eval_returns, moving_average, window, check_episodes):
    """Every training episode's return, its moving average, the greedy checks, the evaluation."""
    returns = history["episode_returns"]
    eval_mean = eval_returns.mean()
    episodes = np.arange(1, len(returns) + 1)
    fig, ax = plt.subplots(figsize=(8, 4))
    ax.plot(episodes, returns, color="0.75", lw=0.8, label="training episode (sampled actions)")
    ax.plot(
        episodes,
        moving_average(returns),
        color="C0",
        lw=2,
        label=f"moving average ({window} episodes)",
    )
    if history["checks"]:
        check_x, check_y = zip(*history["checks"], strict=True)
        ax.plot(
            check_x,
            check_y,
            "o",
            color="C1",
            ms=4,
            label=f"greedy check ({check_episodes} episodes)",
        )
    evaluated = f"final greedy evaluation: {eval_mean:.1f} ({len(eval_returns)} episodes)"
    ax.axhline(eval_mean, color="C2", ls="--", label=evaluated)
    ax.set_xlabel("training episode")
    ax.set_ylabel("return (steps balanced)")
    ax.set_ylim(0, MAX_RETURN * 1.05)
    ax.set_title("REINFORCE on CartPole-v1")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=2, fontsize=8)
    return fig


def plot_episode(states, actions, num_frames=8):
    """Cart position and pole angle against time, and snapshots drawn from the states."""
    time_s = np.arange(len(states)) * 0.02  # CartPole advances 0.02 s per step
    fig = plt.figure(figsize=(10, 5.5))
    grid = fig.add_gridspec(2, num_frames, height_ratios=[2.2, 1])
    ax = fig.add_subplot(grid[0, :])
    ax.plot(time_s, states[:, 0], color="C0", label="cart position x (m)")
    ax.axhline(2.4, color="C0", ls=":", lw=0.8)
    ax.axhline(-2.4, color="C0", ls=":", lw=0.8)
    ax.set_xlabel("time (s)")
    ax.set_ylabel("x (m); limits ±2.4", color="C0")
    angle = ax.twinx()
    angle.plot(time_s, np.degrees(states[:, 2]), color="C3", label="pole angle θ (°)")
    angle.set_ylabel("θ (degrees); limits ±12", color="C3")
    angle.set_ylim(-12, 12)
    ax.set_title(
        f"one greedy evaluation episode: {len(states)} steps, "
        f"{actions.mean():.0%} of pushes to the right"
    )
    for k, step in enumerate(np.linspace(0, len(states) - 1, num_frames).astype(int)):
        frame = fig.add_subplot(grid[1, k])
        x, theta = states[step, 0], states[step, 2]
        frame.add_patch(plt.Rectangle((x - 0.25, -0.15), 0.5, 0.3, color="0.3"))
        # the pole is 1 m long (gymnasium's `length` is half of it), hinged on the cart
        frame.plot([x, x + np.sin(theta)], [0.15, 0.15 + np.cos(theta)], color="C1", lw=3)
        frame.axhline(-0.15, color="0.6", lw=0.8)
        frame.set_xlim(x - 1.2, x + 1.2)
        frame.set_ylim(-0.3, 1.3)
        frame.set_aspect("equal")
        frame.set_xticks([])
        frame.set_yticks([])
        frame.set_title(f"t={step * 0.02:.1f}s\nx={x:+.2f}", fontsize=7)
    fig.tight_layout()
    return fig
