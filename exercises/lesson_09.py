"""Lesson 09 exercises: REINFORCE's returns, loss and gradient; grade with ``make exercise-09``.

Replace each ``raise NotImplementedError`` with your code (NumPy is enough), then run
``make exercise-09``: it checks every function on small named cases and says what is
right. The solutions are in ``solutions/lesson_09.py``; try first.
"""

import numpy as np  # noqa: F401 (for your answers)


def discounted_returns(rewards, dones, gamma):
    """Discounted returns of a flat stream of steps that holds several episodes one after another.

    ``rewards[t]`` is the reward of step t; ``dones[t]`` is True when step t is the last step
    of its episode. The return of step t adds the rewards that follow *in the same episode*:

        G_t = r_t + γ · G_{t+1} · (1 − done_t),     G_T = 0 after the last step,

    i.e. ``G_t = Σ_k γ^k r_{t+k}`` up to the end of t's episode (or of the stream, if the
    last episode is unfinished). Return a float array of the same length (empty for empty
    input).
    """
    raise NotImplementedError


def reinforce_loss(logits, actions, returns):
    """The REINFORCE loss of a batch, as a float.

    ``logits`` [N, A]: the policy's logits z for N steps and A actions; ``actions`` [N]: the
    actions taken (integers in 0 … A−1); ``returns`` [N]: their returns G. With
    ``log π(a|s) = z_a − log Σ_b exp(z_b)``:

        L = −(1/N) Σ_t log π(a_t|s_t) · G_t

    It must stay finite for logits as large as ±1000 (compute log Σ exp stably: subtract
    the row's maximum first).
    """
    raise NotImplementedError


def reinforce_logit_gradient(logits, actions, returns):
    """∂L/∂z of :func:`reinforce_loss`: an [N, A] array.

    For each step t, ``(π_t − onehot(a_t)) · G_t / N``, where ``π_t = softmax(z_t)``.
    """
    raise NotImplementedError
