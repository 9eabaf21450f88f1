# %% [markdown]
# # Lesson 09 — Reinforcement learning: a policy gradient on CartPole
#
# So far every lesson had labels: for each input someone told the network the right
# answer. In reinforcement learning nobody does. An *agent* acts in an *environment*,
# receives *rewards*, and must find out by itself which actions lead to more reward.
# This lesson trains a small network from `custom_layers` to balance a pole on a cart
# (gymnasium's `CartPole-v1`) with the oldest policy-gradient method, REINFORCE
# (Williams, 1992), and shows that its weight update is the supervised update you
# already know — cross-entropy — with a different weighting.
#
# **What you will learn**
#
# - the vocabulary: state, action, reward, episode, policy `π(a|s)`, return `G`;
# - how to turn an episode's rewards into discounted returns, and why we normalize them;
# - the REINFORCE loss `−log π(a|s)·G`, its gradient `(π − onehot(a))·G` with respect
#   to the logits, and why it is "cross-entropy on the sampled action, weighted by the
#   return";
# - how to make the loop fast: a vector of environments, NumPy for action sampling, a
#   `tf.function`-compiled update applied by the custom Adam;
# - how to evaluate a stochastic learner honestly: a greedy policy, 100 seeded
#   episodes, and several training seeds.

# %%
import argparse
import time

import gymnasium as gym
import keras
import numpy as np
import tensorflow as tf

from custom_layers.layers import Dense
from custom_layers.optimizers import Adam
from lessons import common

# %% [markdown]
# ## 1. The environment
#
# A cart moves on a track; a pole is hinged on top of it. The **state** the agent sees
# has four numbers: cart position `x`, cart velocity `ẋ`, pole angle `θ` (radians,
# 0 = upright) and angular velocity `θ̇`. The **action** is 0 (push left) or 1 (push
# right) with a fixed force of 10 N. Every step the pole stays up gives **reward** +1.
# The **episode** ends when `|θ| > 12°` or `|x| > 2.4` (terminated), or after 500 steps
# (truncated), so the best possible return is 500.
#
# We run several copies of the environment side by side with gymnasium's
# `SyncVectorEnv` (what `gym.make_vec(..., vectorization_mode="sync")` builds): one
# call steps all of them, and the policy network sees a batch of states at once.
# Seeding `reset(seed=s)` gives copy `i` the seed `s + i`; later resets continue each
# copy's own random generator, so a run is reproducible from its first seed.

# %%
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


# %% [markdown]
# ## 2. The policy network
#
# The **policy** is a network that maps a state `s` to two logits `z`, one per action;
# the softmax turns them into probabilities `π(a|s) = exp(z_a) / Σ_b exp(z_b)`. It is
# exactly the classifier of lesson 05, with two classes "left" and "right": a hidden
# `Dense` layer `h = tanh(W₁·s + b₁)` and a linear output `z = W₂·h + b₂`.
#
# While collecting experience we must run this network once per environment step —
# tens of thousands of times, each time on a small batch of states. Every call of even
# a compiled TensorFlow function pays a fixed overhead that dwarfs two tiny matrix
# products; NumPy pays almost none (the lesson times both and prints the numbers). So
# for *sampling* actions we read the current weights once per update and compute the
# logits with NumPy; the *training* forward pass, where the gradient is needed, stays
# in TensorFlow. The lesson also checks that both compute the same numbers.

# %%
HIDDEN_UNITS = 32


def build_policy(hidden_units=HIDDEN_UNITS):
    """State (4 numbers) → hidden layer → 2 logits, from custom_layers."""
    return keras.Sequential(
        [
            keras.Input(shape=(4,)),
            Dense(hidden_units, activation="tanh"),
            Dense(2),  # logits; the softmax is applied in the loss and when sampling
        ]
    )


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


# %% [markdown]
# ## 3. Returns: what an action is worth
#
# An action is good if *what follows it* is good. The **discounted return** from step
# `t` of an episode with rewards `r_t, r_{t+1}, …, r_{T-1}` is
#
# `G_t = r_t + γ·r_{t+1} + γ²·r_{t+2} + … = r_t + γ·G_{t+1}`,  with `G_T = 0`.
#
# The second form is a backward recursion: one pass from the last step to the first.
# With `γ = 0.99` a reward 100 steps ahead still counts `0.99¹⁰⁰ ≈ 0.37`; rewards far
# in the future matter less. Example: rewards `[1, 1, 1]` and `γ = 0.9` give
# `G = [1 + 0.9·1.9, 1 + 0.9·1, 1] = [2.71, 1.9, 1]`.
#
# In CartPole every step pays 1, so `G_t` just measures how long the pole survived
# after step `t`: early steps of long episodes get large returns, the last steps
# before a fall get small ones. We then **normalize** the returns of a whole batch to
# mean 0 and standard deviation 1: actions with an above-average return are made more
# likely, below-average ones less likely. Subtracting the mean is the simplest
# *baseline*: it does not change the expected gradient but removes much of its noise,
# and dividing by the standard deviation keeps the step size the same whether episodes
# last 20 steps or 500.

# %%
GAMMA = 0.99


def discounted_returns(rewards, gamma=GAMMA):
    """G_t = r_t + γ·G_{t+1} along axis 0 (time); any further axes are separate episodes.

    Rewards after an episode ended must be 0, so they add nothing to earlier returns.
    """
    rewards = np.asarray(rewards, dtype=np.float64)
    returns = np.zeros_like(rewards)
    running = np.zeros_like(rewards[0])
    for t in reversed(range(len(rewards))):
        running = rewards[t] + gamma * running
        returns[t] = running
    return returns


def normalize(returns, eps=1e-8):
    """(G − mean) / std over the whole batch: a baseline plus a fixed scale."""
    return (returns - returns.mean()) / (returns.std() + eps)


# %% [markdown]
# ## 4. The loss: supervised learning with a different weighting
#
# We want to maximize the expected return `J(W) = E[G]` of the policy with weights
# `W`. The policy-gradient theorem (REINFORCE) says
#
# `∇_W J = E[ Σ_t G_t · ∇_W log π(a_t|s_t) ]`,
#
# an expectation we estimate from the episodes we just played. An optimizer
# *minimizes*, so the loss is its negative, averaged over the `N` steps of the batch:
#
# `L = −(1/N) Σ_t log π(a_t|s_t) · G_t`.
#
# Compare it with supervised classification on examples `(x, y)`:
# `L = −(1/N) Σ log p(y|x)`. Two things change. The "label" is `a`, the action the
# agent happened to take, not a right answer given by a teacher; and each example's
# cross-entropy `−log π(a|s)` is multiplied by its return `G`. With every `G = 1` this
# would be plain supervised learning on the agent's own actions; with `G > 0` the step
# is an ordinary supervised step towards "do `a` again in `s`", larger for larger `G`;
# with `G < 0` it is a step *away* from `a`. For softmax logits `z`, the gradient of
# one term is
#
# `∂(−log π(a|s)·G)/∂z = (π − onehot(a)) · G`,
#
# the familiar "prediction minus label" of cross-entropy, scaled by `G`. Backpropagation
# and Adam do the rest exactly as in supervised learning: `GradientTape` computes
# `∂L/∂W` for every layer, and the custom Adam turns it into a weight update. Only the
# data (generated by the network itself) and the factors `G` are new. In code: Keras's
# `sparse_categorical_crossentropy(actions, logits, from_logits=True) * returns`,
# averaged, is the same loss (the lesson prints the difference).


# %%
def policy_gradient_loss(logits, actions, returns):
    """L = −mean_t(log π(a_t|s_t) · G_t), with log π from a stable log-softmax of the logits."""
    log_probs = tf.nn.log_softmax(logits)  # log π(·|s) for both actions
    log_prob_taken = tf.gather(log_probs, actions, batch_dims=1)  # log π(a_t|s_t)
    return -tf.reduce_mean(log_prob_taken * returns)


def check_loss_is_weighted_cross_entropy(seed):
    """Compare the loss with Keras's cross-entropy × G, and its gradient with (π − onehot)·G."""
    rng = np.random.default_rng(seed)
    logits = tf.constant(rng.normal(size=(6, 2)), tf.float32)
    actions = tf.constant(rng.integers(0, 2, 6), tf.int32)
    returns = tf.constant(rng.normal(size=6), tf.float32)
    cross_entropy = keras.losses.sparse_categorical_crossentropy(actions, logits, from_logits=True)
    loss_difference = abs(
        float(policy_gradient_loss(logits, actions, returns))
        - float(tf.reduce_mean(cross_entropy * returns))
    )
    with tf.GradientTape() as tape:
        tape.watch(logits)
        loss = policy_gradient_loss(logits, actions, returns)
    tape_gradient = tape.gradient(loss, logits).numpy()
    # The formula per step, divided by N because the loss is a mean over the batch.
    formula = (softmax(logits.numpy()) - np.eye(2)[actions.numpy()]) * returns.numpy()[:, None]
    gradient_difference = np.abs(tape_gradient - formula / len(formula)).max()
    return loss_difference, gradient_difference


# %% [markdown]
# ## 5. Playing a batch of episodes
#
# One update of REINFORCE needs complete episodes, because `G_t` depends on every
# reward until the end. We play `episodes_per_update` episodes at once, one per
# environment copy. At each step the NumPy policy gives `π(right|s)` for every copy and
# a seeded NumPy generator draws the actions (`right` with that probability). A copy
# whose episode has ended keeps being stepped (the vector steps all copies together)
# but its steps are masked out: they are not recorded and their rewards are zeroed,
# which also makes `discounted_returns` stop at the episode's end. When every copy is
# done, the recorded `(state, action, return)` triples form one training batch —
# mini-batch learning, where the batch is whatever the agent just lived through.


# %%
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
        else:
            action = (rng.random(num_envs) < probs[:, 1]).astype(np.int64)
        next_observations, reward, terminated, truncated, _ = envs.step(action)
        states.append(observations)
        actions.append(action)
        rewards.append(reward * alive)
        alive_steps.append(alive.copy())
        alive &= ~(terminated | truncated)
        observations = next_observations
    return np.array(states), np.array(actions), np.array(rewards), np.array(alive_steps)


def evaluate_greedy(weights, num_episodes, seed):
    """Average return of the greedy policy (argmax π) over `num_episodes` seeded episodes."""
    envs = make_envs(num_episodes)
    envs.reset(seed=seed)  # copy i starts from seed + i: the same episodes on every call
    _, _, rewards, _ = play_episodes(envs, weights, rng=None, greedy=True)
    envs.close()
    return rewards.sum(axis=0)


# %% [markdown]
# ## 6. The compiled update step
#
# The environment runs in Python, but the update is pure TensorFlow, so we compile it
# with `tf.function`. The input signature has an unknown batch size (`None`) because
# every batch has a different number of steps; without it TensorFlow would trace a new
# graph for every new length. Inside: the forward pass over *all* states of the batch
# at once, the loss of section 4, `GradientTape` for `∂L/∂W`, and the custom Adam
# from `custom_layers.optimizers` for the update.


# %%
def make_update_step(model, optimizer):
    """A compiled REINFORCE update: one gradient step on a batch of (s, a, G)."""

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


# %% [markdown]
# ## 7. The training loop
#
# REINFORCE is noisy: one unlucky batch can undo a lot of progress, and a policy that
# already balances for 500 steps keeps being pushed around (its returns are still
# normalized to mean 0, so some of its actions are always "below average"). Three
# levers keep it under control:
#
# - **several episodes per update** (a larger batch averages out noise);
# - a **greedy checkpoint**: every few updates we evaluate the greedy policy (always
#   the action with the larger probability) on a fixed set of seeded episodes and keep
#   the best weights seen so far — the same idea as keeping the checkpoint with the
#   best validation accuracy;
# - **early stopping** once the moving average of the training returns reaches 490,
#   or the greedy check scores a perfect 500 on every check episode.
#
# The training environments, the check episodes and the final evaluation episodes use
# three disjoint ranges of seeds, so the final score is measured on episodes the agent
# never trained or was selected on.

# %%
EPISODES_PER_UPDATE = 16
LEARNING_RATE = 1e-2
MAX_EPISODES = 3000
MOVING_AVERAGE = 50  # episodes in the moving average of training returns
STOP_AT = 490.0
CHECK_EVERY = 5  # updates between greedy checkpoint evaluations
CHECK_EPISODES = 20
CHECK_SEED_OFFSET = 10_000  # check episodes: seeds seed+10000 ...
EVAL_SEED_OFFSET = 20_000  # final evaluation episodes: seeds seed+20000 ...


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
    optimizer = Adam(learning_rate=learning_rate)
    update_step = make_update_step(model, optimizer)
    rng = np.random.default_rng(seed)  # action sampling
    envs = make_envs(episodes_per_update)
    envs.reset(seed=seed)  # training episodes: seeds seed, seed+1, ...

    episode_returns, checks = [], []
    best_weights, best_check = numpy_weights(model), -1.0
    updates = 0
    while len(episode_returns) < max_episodes:
        weights = numpy_weights(model)
        states, actions, rewards, alive = play_episodes(envs, weights, rng)
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
        if updates % CHECK_EVERY == 0 or stop or last:
            weights = numpy_weights(model)
            check = evaluate_greedy(weights, CHECK_EPISODES, seed + CHECK_SEED_OFFSET).mean()
            checks.append((len(episode_returns), check))
            if check > best_check:
                best_check, best_weights = check, weights
            if verbose:
                print(
                    f"  update {updates:3d}  episodes {len(episode_returns):4d}  "
                    f"moving average {average:6.1f}  greedy check {check:6.1f}"
                )
            stop = stop or check >= MAX_RETURN
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


# %% [markdown]
# ## 8. Plots: learning curve and one evaluated episode
#
# The learning curve shows every training episode's return (sampled actions, so noisy)
# with its moving average, and the greedy checks. For one evaluation episode of the
# trained greedy policy we record the state at every step and plot the cart position
# and the pole angle against time, plus a few snapshots of the cart and pole drawn from
# the recorded state (no rendering window needed).


# %%
def plot_learning_curve(history, eval_returns):
    import matplotlib.pyplot as plt

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
        label=f"moving average ({MOVING_AVERAGE} episodes)",
    )
    if history["checks"]:
        check_x, check_y = zip(*history["checks"], strict=True)
        ax.plot(
            check_x,
            check_y,
            "o",
            color="C1",
            ms=4,
            label=f"greedy check ({CHECK_EPISODES} episodes)",
        )
    ax.axhline(
        eval_mean,
        color="C2",
        ls="--",
        label=f"final greedy evaluation: {eval_mean:.1f} ({len(eval_returns)} episodes)",
    )
    ax.set_xlabel("training episode")
    ax.set_ylabel("return (steps balanced)")
    ax.set_ylim(0, MAX_RETURN * 1.05)
    ax.set_title("REINFORCE on CartPole-v1")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=2, fontsize=8)
    return fig


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


def plot_episode(states, actions, num_frames=8):
    import matplotlib.pyplot as plt

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


# %% [markdown]
# ## 9. Several seeds
#
# One good run can be luck. A reinforcement-learning result means something only when
# the same recipe, unchanged, works for several seeds — each seed changes the initial
# weights, the sampled actions and the episodes' start states. `--seeds N` (default 5)
# trains seeds `seed, seed+1, …, seed+N−1` one after another, each evaluated on its own
# 100 unseen episodes, and prints a table.

# %%
SOLVED_AT = 475.0  # the usual bar for CartPole-v1: average return over 100 episodes


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
    eval_returns = evaluate_greedy(best_weights, settings["eval_episodes"], seed + EVAL_SEED_OFFSET)
    return model, best_weights, history, eval_returns


def seed_table(rows):
    """Print (seed, episodes trained, seconds, evaluation mean) rows; return how many solved."""
    print(f"\n{'seed':>6} {'episodes':>9} {'seconds':>8} {'eval mean return':>17}")
    for seed, episodes, seconds, mean in rows:
        print(f"{seed:>6} {episodes:>9} {seconds:>8.1f} {mean:>17.1f}")
    solved = int(sum(mean >= SOLVED_AT for *_, mean in rows))
    print(f"{solved} of {len(rows)} seeds reach an average evaluation return ≥ {SOLVED_AT:.0f}.")
    return solved


# %% [markdown]
# ## 10. Run the lesson
#
# `main` checks the building blocks, trains the default seed (printing its greedy
# checks), evaluates the best checkpoint on 100 seeded episodes, draws the plots, and
# then trains the other seeds for the table. `--quick` trains a few updates of one seed
# only (for the tests: it does not learn to balance).
#
# Compare two numbers in the log: the moving average of the *training* episodes when
# training stopped, and the greedy check. The sampled policy still takes the "wrong"
# action now and then, and a few such mistakes in a row topple the pole; the greedy
# policy built from the same network never does. That is why we select and evaluate
# the greedy policy — and why the learning curve's grey line lies well below the
# final evaluation.


# %%
def extra_options(parser: argparse.ArgumentParser):
    parser.add_argument(
        "--seeds",
        type=int,
        default=None,
        help="train this many seeds (seed, seed+1, ...) and print a table "
        "(default 5; 1 with --quick)",
    )


def check_building_blocks(seed):
    """Print and return the lesson's sanity checks: returns, loss, gradient, NumPy policy."""
    print(
        f"Returns of rewards [1, 1, 1] with γ = 0.9: "
        f"{np.round(discounted_returns([1.0, 1.0, 1.0], 0.9), 6).tolist()}"
    )
    loss_difference, gradient_difference = check_loss_is_weighted_cross_entropy(seed)
    print(
        f"Policy-gradient loss vs Keras cross-entropy × G: max |difference| = {loss_difference:.1e}"
    )
    print(
        f"Its tape gradient vs (π − onehot(a))·G / N:      max |difference| = "
        f"{gradient_difference:.1e}"
    )
    model = build_policy()
    states = np.random.default_rng(seed).normal(size=(64, 4)).astype(np.float32)
    numpy_difference = np.abs(
        numpy_logits(numpy_weights(model), states) - model(states).numpy()
    ).max()
    print(
        f"NumPy policy vs the Keras model, 64 states:      max |difference| = "
        f"{numpy_difference:.1e}"
    )
    # Why NumPy for sampling: time one policy call on 16 states both ways.
    compiled_policy = tf.function(model, input_signature=[tf.TensorSpec([None, 4], tf.float32)])
    few_states = states[:16]
    weights = numpy_weights(model)  # read once per update in the training loop
    compiled_policy(few_states)  # trace once before timing
    timings = {}
    for name, policy in [
        ("TensorFlow", lambda: compiled_policy(few_states).numpy()),
        ("NumPy", lambda: numpy_logits(weights, few_states)),
    ]:
        started = time.perf_counter()
        for _ in range(200):
            policy()
        timings[name] = (time.perf_counter() - started) / 200 * 1e6
    print(
        f"One policy call on 16 states: compiled TensorFlow {timings['TensorFlow']:.0f} µs, "
        f"NumPy {timings['NumPy']:.0f} µs."
    )
    return {
        "loss_vs_cross_entropy_max_abs_diff": float(loss_difference),
        "gradient_vs_formula_max_abs_diff": float(gradient_difference),
        "numpy_vs_model_max_abs_diff": float(numpy_difference),
    }


def main(argv=None):
    args = common.parse_args(
        argv, "Lesson 09: REINFORCE policy gradient on CartPole-v1", extra=extra_options
    )
    out = common.start("09", args)
    if args.seeds is None:
        args.seeds = 1 if args.quick else 5
    settings = run_settings(args.quick)

    print("CartPole-v1: state (x, ẋ, θ, θ̇), actions {0: left, 1: right}, reward +1 per step.")
    random_returns = random_policy_returns(100, args.seed + EVAL_SEED_OFFSET)
    print(
        f"A random policy balances for {random_returns.mean():.1f} steps on average "
        f"(100 episodes; the maximum is {MAX_RETURN}).\n"
    )
    metrics = check_building_blocks(args.seed)

    print(
        f"\nTraining seed {args.seed}: {settings['episodes_per_update']} episodes per update, "
        f"γ = {GAMMA}, Adam(learning_rate={LEARNING_RATE}), {HIDDEN_UNITS} hidden units."
    )
    model, best_weights, history, eval_returns = train_and_evaluate(args.seed, settings, True)
    episodes_trained = len(history["episode_returns"])
    last_average = moving_average(history["episode_returns"])[-1]
    print(
        f"Trained on {episodes_trained} episodes ({history['updates']} updates) in "
        f"{history['seconds']:.1f} s. At the end the sampled policy's moving average was "
        f"{last_average:.1f}; the best greedy check {history['best_check']:.1f}."
    )
    print(
        f"Greedy evaluation of the best checkpoint, {len(eval_returns)} unseen episodes: "
        f"mean return {eval_returns.mean():.1f} (min {eval_returns.min():.0f}; "
        f"{(eval_returns == MAX_RETURN).mean():.0%} reach {MAX_RETURN})."
    )

    common.save_figure(plot_learning_curve(history, eval_returns), out, "learning_curve.png")
    states, actions = record_episode(best_weights, args.seed + EVAL_SEED_OFFSET)
    common.save_figure(plot_episode(states, actions), out, "episode_trace.png")
    # The NumPy copy drove the episode; the Keras model with the same weights agrees.
    model.set_weights([array for pair in best_weights for array in pair])
    keras_actions = model(states.astype(np.float32)).numpy().argmax(axis=1)
    same_actions = int((keras_actions == actions).sum())
    print(
        f"One evaluation episode traced: {len(states)} steps, max |x| = "
        f"{np.abs(states[:, 0]).max():.2f} m, max |θ| = "
        f"{np.degrees(np.abs(states[:, 2])).max():.2f}°. The Keras model with the same "
        f"weights picks the same action in {same_actions} of its {len(states)} states."
    )

    metrics.update(
        {
            "eval_mean_return": round(float(eval_returns.mean()), 2),
            "eval_min_return": float(eval_returns.min()),
            "eval_episodes": len(eval_returns),
            "episodes_trained": episodes_trained,
            "updates": history["updates"],
            "train_seconds": round(history["seconds"], 2),
            "train_last_moving_average": round(float(last_average), 2),
            "best_check_return": float(history["best_check"]),
            "random_policy_mean_return": round(float(random_returns.mean()), 2),
            "traced_episode_steps": len(states),
            "traced_episode_same_actions_keras": same_actions,
        }
    )

    if args.seeds > 1:
        print(f"\nThe same recipe with {args.seeds - 1} more training seeds:")
        rows = [(args.seed, episodes_trained, history["seconds"], eval_returns.mean())]
        for seed in range(args.seed + 1, args.seed + args.seeds):
            _, _, seed_history, seed_returns = train_and_evaluate(seed, settings, verbose=False)
            rows.append(
                (
                    seed,
                    len(seed_history["episode_returns"]),
                    seed_history["seconds"],
                    seed_returns.mean(),
                )
            )
            print(
                f"  seed {seed}: trained on {rows[-1][1]} episodes in {rows[-1][2]:.1f} s, "
                f"greedy evaluation {rows[-1][3]:.1f}"
            )
        metrics["seeds_run"] = len(rows)
        metrics["seeds_solved"] = seed_table(rows)
        for seed, episodes, seconds, mean in rows:
            metrics[f"seed_{seed}_episodes_trained"] = episodes
            metrics[f"seed_{seed}_train_seconds"] = round(seconds, 2)
            metrics[f"seed_{seed}_eval_mean_return"] = round(float(mean), 2)

    return common.finish(args, metrics)


if __name__ == "__main__":
    main()
