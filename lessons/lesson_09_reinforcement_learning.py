# %% [markdown]
# # Lesson 09 — Reinforcement learning: a policy gradient on CartPole
#
# So far every lesson had labels: for each input someone told the network the right
# answer. In reinforcement learning nobody does. An *agent* acts in an *environment*,
# receives *rewards*, and must find out by itself which actions lead to more reward.
# This chapter trains a small network from `custom_layers` to balance a pole on a cart
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
import time

import keras
import numpy as np
import tensorflow as tf

from custom_layers.optimizers import Adam
from lessons import cartpole, common, reinforce, rl_plots


# %% tags=["parameters"]
def extra(parser):
    parser.add_argument(
        "--seeds",
        type=common.int_at_least(1),
        default=None,
        help="train this many seeds (seed, seed+1, ...) for a table (default 5; 1 with --quick)",
    )


args = common.setup("09", "Lesson 09: REINFORCE policy gradient on CartPole-v1", extra=extra)
seeds = args.seeds or (1 if args.quick else 5)
settings = reinforce.run_settings(args.quick)
metrics = {}

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
# `SyncVectorEnv` (`cartpole.make_envs`): one call steps all of them, and the policy
# network sees a batch of states at once. Seeding `reset(seed=s)` gives copy `i` the
# seed `s + i`; later resets continue each copy's own random generator, so a run is
# reproducible from its first seed. First, the baseline: a coin-flipping agent.

# %%
random_returns = cartpole.random_policy_returns(100, args.seed + reinforce.EVAL_SEED_OFFSET)
print(
    f"A random policy balances for {random_returns.mean():.1f} steps on average "
    f"(100 episodes; the maximum is {cartpole.MAX_RETURN})."
)
metrics["random_policy_mean_return"] = round(float(random_returns.mean()), 2)

# %% [markdown]
# ## 2. The policy network
#
# The **policy** is a network that maps a state `s` to two logits `z`, one per action;
# the softmax turns them into probabilities `π(a|s) = exp(z_a) / Σ_b exp(z_b)`. It is
# the classifier of lesson 05 with two classes, "left" and "right": a hidden `Dense`
# layer `h = tanh(W₁·s + b₁)` and a linear output `z = W₂·h + b₂`.
#
# While collecting experience we run this network once per environment step — tens of
# thousands of times, each time on a small batch of states. Every call of even a
# compiled TensorFlow function pays a fixed overhead; NumPy pays much less. So for
# *sampling* actions we read the current weights once per update and compute the
# logits with NumPy (`cartpole.numpy_logits`); the *training* forward pass, where the
# gradient is needed, stays in TensorFlow. Both must give the same numbers, and here
# is what each call costs on this machine:

# %%
model = reinforce.build_policy()
states = np.random.default_rng(args.seed).normal(size=(64, 4)).astype(np.float32)
weights = cartpole.numpy_weights(model)
numpy_difference = np.abs(cartpole.numpy_logits(weights, states) - model(states).numpy()).max()
print(f"NumPy policy vs the Keras model, 64 states: max |difference| = {numpy_difference:.1e}")
compiled_policy = tf.function(model, input_signature=[tf.TensorSpec([None, 4], tf.float32)])
compiled_policy(states[:16])  # trace once before timing
timings = {}
for name, policy in [
    ("compiled TensorFlow", lambda: compiled_policy(states[:16]).numpy()),
    ("NumPy", lambda: cartpole.numpy_logits(weights, states[:16])),
]:
    started = time.perf_counter()
    for _ in range(200):
        policy()
    timings[name] = (time.perf_counter() - started) / 200 * 1e6
print("One policy call on 16 states: " + ", ".join(f"{n} {t:.0f} µs" for n, t in timings.items()))
metrics["numpy_vs_model_max_abs_diff"] = float(numpy_difference)

# %% [markdown]
# ## 3. Returns: what an action is worth
#
# An action is good if *what follows it* is good. The **discounted return** from step
# `t` of an episode with rewards `r_t, r_{t+1}, …, r_{T-1}` is
#
# `G_t = r_t + γ·r_{t+1} + γ²·r_{t+2} + … = r_t + γ·G_{t+1}`,  with `G_T = 0`.
#
# The second form is a backward recursion: one pass from the last step to the first.
# With `γ = 0.99` a reward 100 steps ahead still counts `0.99¹⁰⁰ ≈ 0.37`. Several
# episodes side by side are columns; a column's rewards after its episode ended are 0,
# so they add nothing to its earlier returns.
#
# In CartPole every step pays 1, so `G_t` measures how long the pole survived after
# step `t`. We then **normalize** the returns of a whole batch to mean 0 and standard
# deviation 1: actions with an above-average return are made more likely,
# below-average ones less likely. Subtracting the mean is the simplest *baseline*: it
# does not change the expected gradient but removes much of its noise, and dividing by
# the standard deviation keeps the step size the same whether episodes last 20 steps
# or 500.

# %%
common.show_source(reinforce.discounted_returns)
print(f"Rewards [1, 1, 1], γ = 0.9: G = {reinforce.discounted_returns([1, 1, 1], 0.9).round(6)}")
two_episodes = np.array([[1.0, 1.0], [1.0, 0.0], [1.0, 0.0]])  # the second ended after 1 step
print(f"Two episodes as columns, γ = 0.9:\n{reinforce.discounted_returns(two_episodes, 0.9)}")

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
# cross-entropy `−log π(a|s)` is multiplied by its return `G`. With `G > 0` the step
# is an ordinary supervised step towards "do `a` again in `s`", larger for larger `G`;
# with `G < 0` it is a step *away* from `a`. For softmax logits `z`, the gradient of
# one term is
#
# `∂(−log π(a|s)·G)/∂z = (π − onehot(a)) · G`,
#
# the familiar "prediction minus label" of cross-entropy, scaled by `G`. Below, the
# loss is compared with Keras's `sparse_categorical_crossentropy × G` and its tape
# gradient with that formula (divided by `N`, because the loss is a mean):

# %%
common.show_source(reinforce.policy_gradient_loss)
rng = np.random.default_rng(args.seed)
logits = tf.constant(rng.normal(size=(6, 2)), tf.float32)
actions = tf.constant(rng.integers(0, 2, 6), tf.int32)
returns = tf.constant(rng.normal(size=6), tf.float32)
with tf.GradientTape() as tape:
    tape.watch(logits)
    loss = reinforce.policy_gradient_loss(logits, actions, returns)
cross_entropy = keras.losses.sparse_categorical_crossentropy(actions, logits, from_logits=True)
loss_difference = abs(float(loss) - float(tf.reduce_mean(cross_entropy * returns)))
formula = (cartpole.softmax(logits.numpy()) - np.eye(2)[actions.numpy()]) * returns.numpy()[:, None]
gradient_difference = np.abs(tape.gradient(loss, logits).numpy() - formula / 6).max()
print(f"Loss vs Keras cross-entropy × G:        max |difference| = {loss_difference:.1e}")
print(f"Tape gradient vs (π − onehot(a))·G / N: max |difference| = {gradient_difference:.1e}")
metrics["loss_vs_cross_entropy_max_abs_diff"] = float(loss_difference)
metrics["gradient_vs_formula_max_abs_diff"] = float(gradient_difference)

# %% [markdown]
# ## 5. Playing a batch of episodes, and the compiled update
#
# One update of REINFORCE needs complete episodes, because `G_t` depends on every
# reward until the end. We play `episodes_per_update` episodes at once, one per
# environment copy. At each step the NumPy policy gives `π(right|s)` for every copy and
# a seeded NumPy generator draws the actions. A copy whose episode has ended keeps
# being stepped (the vector steps all copies together) but its steps are masked out:
# not recorded, and their rewards zeroed, which makes `discounted_returns` stop at the
# episode's end. The recorded `(state, action, return)` triples form one training
# batch — mini-batch learning, where the batch is whatever the agent just lived through.

# %%
common.show_source(cartpole.play_episodes)

# %% [markdown]
# The environment runs in Python, but the update is pure TensorFlow, so it is compiled
# with `tf.function`: the forward pass over *all* states of the batch at once, the
# loss of section 4, `GradientTape` for `∂L/∂W`, and the custom Adam from
# `custom_layers.optimizers` for the update — the Adam of lesson 03:

# %%
common.show_source(reinforce.make_update_step)
common.show_source(Adam.update_step)

# %% [markdown]
# ## 6. The training loop
#
# REINFORCE is noisy: one unlucky batch can undo a lot of progress, and a policy that
# already balances for 500 steps keeps being pushed around (its returns are still
# normalized to mean 0, so some of its actions are always "below average"). Three
# levers keep it under control:
#
# - **several episodes per update** (a larger batch averages out noise);
# - a **greedy checkpoint**: every few updates we evaluate the greedy policy (always
#   the action with the larger probability) on a fixed set of seeded episodes and keep
#   the best weights seen so far — like keeping the checkpoint with the best
#   validation accuracy;
# - **early stopping** once the moving average of the training returns reaches 490,
#   or the greedy check scores a perfect 500 on every check episode.
#
# The training environments, the check episodes and the final evaluation episodes use
# three disjoint ranges of seeds, so the final score is measured on episodes the agent
# never trained or was selected on. `--quick` trains a few updates only (it does not
# learn to balance).

# %%
common.show_source(reinforce.train_agent)
print(
    f"Training seed {args.seed}: {settings['episodes_per_update']} episodes per update, "
    f"γ = {reinforce.GAMMA}, Adam(learning_rate={reinforce.LEARNING_RATE}), "
    f"{reinforce.HIDDEN_UNITS} hidden units."
)
model, best_weights, history, eval_returns = reinforce.train_and_evaluate(args.seed, settings, True)
episodes_trained = len(history["episode_returns"])
last_average = reinforce.moving_average(history["episode_returns"])[-1]
print(
    f"Trained on {episodes_trained} episodes ({history['updates']} updates) in "
    f"{history['seconds']:.1f} s; best greedy check {history['best_check']:.1f}."
)

# %% [markdown]
# ## 7. Evaluating: greedy against sampled actions
#
# The best checkpoint is evaluated on episodes it has never seen, twice: greedily
# (always the likelier action) and by sampling its actions, as it did in training.
# The sampled policy takes the less likely action now and then, and a few such
# mistakes in a row can topple the pole; how often that happens with *these* weights,
# compared with the greedy policy on the same start states, is measured here.

# %%
eval_rng = np.random.default_rng(args.seed + reinforce.EVAL_SEED_OFFSET)
eval_seed = args.seed + reinforce.EVAL_SEED_OFFSET
sampled_returns = cartpole.evaluate(best_weights, len(eval_returns), eval_seed, rng=eval_rng)
for name, values in (("greedy", eval_returns), ("sampled", sampled_returns)):
    full = (values == cartpole.MAX_RETURN).mean()
    print(
        f"{name:>7} policy, {len(values)} unseen episodes: mean return {values.mean():.1f} "
        f"(min {values.min():.0f}; {full:.0%} reach {cartpole.MAX_RETURN})."
    )
gap = eval_returns.mean() - sampled_returns.mean()
print(
    f"Greedy minus sampled: {gap:+.1f} steps; at the end of training the moving average of "
    f"the sampled training episodes was {last_average:.1f}."
)
metrics.update(
    eval_mean_return=round(float(eval_returns.mean()), 2),
    eval_min_return=float(eval_returns.min()),
    eval_full_fraction=float((eval_returns == cartpole.MAX_RETURN).mean()),
    eval_episodes=len(eval_returns),
    sampled_eval_mean_return=round(float(sampled_returns.mean()), 2),
    sampled_eval_full_fraction=float((sampled_returns == cartpole.MAX_RETURN).mean()),
    episodes_trained=episodes_trained,
    updates=history["updates"],
    train_seconds=round(history["seconds"], 2),
    train_last_moving_average=round(float(last_average), 2),
    best_check_return=float(history["best_check"]),
)

# %% [markdown]
# The learning curve: every training episode's return (sampled actions, so noisy), its
# moving average, the greedy checks, and the final greedy evaluation.

# %%
fig = rl_plots.plot_learning_curve(
    history,
    eval_returns,
    reinforce.moving_average,
    reinforce.MOVING_AVERAGE,
    reinforce.CHECK_EPISODES,
)
common.show(fig, "learning_curve.png")

# %% [markdown]
# One evaluation episode of the greedy policy, recorded state by state: the cart
# position and the pole angle against time, and snapshots of the cart and pole drawn
# from the recorded states (no rendering window needed). The NumPy copy of the policy
# drove it; the Keras model with the same weights must pick the same actions.

# %%
states, actions = cartpole.record_episode(best_weights, eval_seed)
common.show(rl_plots.plot_episode(states, actions), "episode_trace.png")
model.set_weights([array for pair in best_weights for array in pair])
same_actions = int((model(states.astype(np.float32)).numpy().argmax(axis=1) == actions).sum())
print(
    f"Traced episode: {len(states)} steps, max |x| = {np.abs(states[:, 0]).max():.2f} m, "
    f"max |θ| = {np.degrees(np.abs(states[:, 2])).max():.2f}°; the Keras model picks the same "
    f"action in {same_actions} of its {len(states)} states."
)
metrics.update(traced_episode_steps=len(states), traced_episode_same_actions_keras=same_actions)

# %% [markdown]
# ## 8. Several seeds
#
# One good run can be luck. A reinforcement-learning result means something only when
# the same recipe, unchanged, works for several seeds — each seed changes the initial
# weights, the sampled actions and the episodes' start states. `--seeds N` (default 5)
# trains seeds `seed, seed+1, …, seed+N−1`, each evaluated on its own 100 unseen
# episodes. The usual bar for CartPole-v1 is an average return ≥ 475 over 100 episodes.

# %%
SOLVED_AT = 475.0
rows = [(args.seed, episodes_trained, history["seconds"], eval_returns.mean())]
for seed in range(args.seed + 1, args.seed + seeds):
    _, _, seed_history, seed_returns = reinforce.train_and_evaluate(seed, settings, False)
    rows.append(
        (seed, len(seed_history["episode_returns"]), seed_history["seconds"], seed_returns.mean())
    )
print(f"{'seed':>6} {'episodes':>9} {'seconds':>8} {'eval mean return':>17}")
for seed, episodes, seconds, mean in rows:
    print(f"{seed:>6} {episodes:>9} {seconds:>8.1f} {mean:>17.1f}")
    metrics[f"seed_{seed}_episodes_trained"] = episodes
    metrics[f"seed_{seed}_train_seconds"] = round(seconds, 2)
    metrics[f"seed_{seed}_eval_mean_return"] = round(float(mean), 2)
solved = int(sum(mean >= SOLVED_AT for *_, mean in rows))
print(f"{solved} of {len(rows)} seeds reach an average evaluation return ≥ {SOLVED_AT:.0f}.")
metrics.update(seeds_run=len(rows), seeds_solved=solved)

# %% [markdown]
# ## Summary
#
# - Reinforcement learning learns from rewards, not labels. The discounted return
#   `G_t = r_t + γ·G_{t+1}` says what an action was worth; normalizing the batch's
#   returns is a baseline that cuts the gradient's noise.
# - REINFORCE's loss `−mean(log π(a|s)·G)` is cross-entropy on the agent's own actions,
#   weighted by their returns; its logit gradient is `(π − onehot(a))·G / N`, and
#   GradientTape and the custom Adam do the rest as in supervised learning.
# - Speed comes from playing many environments at once with a NumPy copy of the policy,
#   and from one compiled update per batch.
# - An honest score: a greedy policy, unseen seeded episodes, several training seeds —
#   the numbers above are this run's.

# %%
metrics = common.finish(args, metrics)

# %% [markdown]
# ## Exercises
#
# The implementation exercises are in `exercises/lesson_09.py`; grade them with
# `make exercise-09` (solutions: [solutions/lesson_09.py](../solutions/lesson_09.py)).
#
# 1. **Returns with episode boundaries** (implementation, `discounted_returns`): for a
#    flat stream of steps where `dones[t]` marks the last step of an episode, compute
#    `G_t = r_t + γ·G_{t+1}·(1 − done_t)`: the return never crosses into the next episode.
# 2. **The REINFORCE loss** (implementation, `reinforce_loss`): in NumPy,
#    `L = −(1/N) Σ_t log π(a_t|s_t)·G_t` from logits, with a log-softmax that stays
#    finite for logits of ±1000.
# 3. **Its gradient** (implementation, `reinforce_logit_gradient`): `∂L/∂z`, the
#    `(π − onehot(a))·G / N` of section 4, for any number of actions.
# 4. **How many seeds?** (experiment): run `make lesson-09 ARGS="--seeds 10"`. Before
#    you look, predict how many of the 10 seeds reach 475; then compare the spread of
#    "episodes trained" between seeds.
# 5. **Without a baseline** (question): if the returns are not normalized, every
#    CartPole return is positive. Which way does every update push each sampled
#    action's probability, and why does learning still work (slowly) in expectation?
