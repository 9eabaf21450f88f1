"""The README's lesson table, generated from the recorded default runs (never typed).

Each row's headline is a template filled from ``notebooks/metrics/lesson-NN.json`` (the
metrics of the executed notebook, committed beside it); the options column is read from the
chapter's own ``common.setup(...)`` call and ``add_argument`` lines, so it always says exactly
which options a lesson takes. ``python -m book.readme_table`` rewrites the table between the
README's markers; ``--check`` only reports whether the README is up to date (a test runs it).
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
README = REPO_ROOT / "README.md"
START, END = "<!-- lesson-table:start -->", "<!-- lesson-table:end -->"

# One headline per lesson: a format string over that lesson's metrics.json keys.
HEADLINES = {
    "01": "`f(W·x+b)` by hand = custom `Dense` (difference {neuron_abs_diff_numpy_vs_dense:.0e}); "
    "every derivative vs float64 finite differences within {derivative_vs_fd_max_abs:.0e}; "
    "σ′(10) = {grad_sigmoid_at_10:.1e} vs ReLU′ = {grad_relu_at_10:g}",
    "02": "hand-written backprop of the article's 10→5→1 net vs `GradientTape`: "
    "{max_abs_grad_diff_tape_vs_manual:.1e}; vs float64 finite differences "
    "{max_rel_error_finite_difference:.1e} relative",
    "03": "custom SGD / momentum / RMSprop / Adam trajectories vs the Keras built-ins: "
    "{max_abs_diff_vs_keras:.1e}; Adam without bias correction takes a "
    "{first_step_ratio_no_correction:.2f}× longer first step",
    "04": "GradientTape loop vs `model.fit`: final loss difference {final_loss_abs_diff:.1e}; "
    "test accuracy {test_accuracy_from_scratch:.1%} (majority {majority_baseline_accuracy:.1%}, "
    "least-squares linear {linear_baseline_accuracy:.1%}: {epochs} full-batch steps underfit)",
    "05": "CNN **{cnn_test_accuracy:.2%}**, MLP **{mlp_test_accuracy:.2%}** on the 10k test set; "
    "convolution by hand = `Conv2D` within {conv_by_hand_max_abs_diff:.0e}",
    "06": "8-layer MLP, {seed_count} seeds with 95 % intervals: sigmoid "
    "{activation_accuracy_sigmoid:.1%} ± {activation_interval_sigmoid:.1%} vs ReLU "
    "{activation_accuracy_relu:.1%} ± "
    "{activation_interval_relu:.1%} (sigmoid's first-layer gradient "
    "{grad_norm_ratio_first_to_last_hidden_sigmoid:.0e} of its last); Adam "
    "{optimizer_accuracy_adam:.1%}, SGD {optimizer_accuracy_sgd:.1%}",
    "07": "NBSVM as a network (1–3-grams, naive-Bayes ratios, custom `Dense` + Adam; settings "
    "chosen on validation) **{test_accuracy_nbsvm:.2%}** on the 25k test reviews; embedding model "
    "{embedding_model_test_accuracy:.2%}",
    "08": "real human voices ({real_voice_speakers} speakers, {real_voice_clips} clips, never "
    "trained on): **{real_voice_accuracy:.0%}**, PocketSphinx "
    "{pocketsphinx_real_voice_accuracy:.0%}; held-out synthetic voices {test_accuracy:.2%}",
    "09": "greedy policy averages **{eval_mean_return:.1f}** over {eval_episodes} unseen episodes "
    "(sampled actions {sampled_eval_mean_return:.1f}; "
    "random policy {random_policy_mean_return:.1f})",
    "10": "one device, `MirroredStrategy` (2 logical CPUs) and 2 worker processes end at losses "
    "{single_loss:.7f} / {mirrored_loss:.7f} / {multiworker_loss:.7f}; a killed 2-worker job "
    "resumes to weights within {resume_weight_diff:.0e} of an uninterrupted one",
    "11": "FedAvg over {clients} clients: non-IID {fedavg_noniid_accuracy:.1%}, IID "
    "{fedavg_iid_accuracy:.1%}, centralized {centralized_accuracy:.1%} (same budget)",
    "12": "lesson 05's CNN as full-int8 TFLite: {tflite_int8_bytes:,} bytes (float32 "
    "{tflite_float32_bytes:,}), test accuracy {tflite_int8_accuracy:.2%} vs Keras "
    "{keras_accuracy:.2%}, {tflite_int8_latency_ms:.2f} ms per image",
    "13": "integrated-gradients completeness error {ig_completeness_error_mnist:.1e} (MNIST CNN), "
    "{ig_completeness_error_imdb:.1e} (IMDB); deleting the top 20 % IG pixels to a blurred copy "
    "drops the logit {deletion_logit_before_ig:.1f} → {deletion_blurred_logit_after_20pct_ig:.1f} "
    "(random pixels {deletion_blurred_logit_after_20pct_random:.1f})",
    "14": "2-qubit circuit: {test_accuracy:.1%} test accuracy on two moons (a classical net with "
    "{classical_params} parameters: {classical_test_accuracy:.1%}); parameter-shift gradient = "
    "tape gradient within {max_param_shift_grad_diff:.0e}",
    "15": "scalar autograd engine = `tf.GradientTape` within {engine_vs_tape_max_abs_diff:.0e} "
    "(float64) on an expression and a 2-4-1 tanh network; {steps} descent steps agree",
    "16": "3 linear layers = 1 (difference {linear_collapse_max_abs_diff:.0e}); XOR: no activation "
    "{xor_accuracy_linear:.1%} vs one ReLU layer {xor_accuracy_hidden:.1%}; two moons: "
    "{moons_accuracy_linear:.1%} vs {moons_accuracy_hidden:.1%}",
}


def options(script: Path) -> list[str]:
    """The command-line options a chapter takes, from its source (no TensorFlow import)."""
    tree = ast.parse(script.read_text())
    found = ["--quick", "--seed", "--out"]
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        if node.func.attr == "setup" and any(k.arg == "epochs" for k in node.keywords):
            found.insert(2, "--epochs")
        if (
            node.func.attr == "add_argument"
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            found.append(node.args[0].value)
    return found


def title(script: Path) -> str:
    heading = re.search(r"^# # (.+)$", script.read_text(), re.M).group(1)
    return re.sub(r"^Lesson \d+ — ", "", heading)


def table() -> str:
    """The whole table, from the recorded metrics; raises naming any missing figure."""
    rows = [
        "| # | Lesson | Headline result (recorded default run, 2 CPU cores) | Options |",
        "|---|---|---|---|",
    ]
    for script in sorted((REPO_ROOT / "lessons").glob("lesson_[0-9][0-9]_*.py")):
        number = script.stem.split("_")[1]
        path = REPO_ROOT / "notebooks" / "metrics" / f"lesson-{number}.json"
        metrics = json.loads(path.read_text())
        try:
            headline = HEADLINES[number].format(**metrics)
        except KeyError as missing:
            raise KeyError(f"lesson {number}: {path.name} has no figure {missing}") from None
        link = f"[{title(script)}](notebooks/{script.stem}.ipynb)"
        flags = " ".join(f"`{flag}`" for flag in options(script))
        rows.append(f"| {number} | {link} | {headline} | {flags} |")
    return "\n".join(rows)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="only say whether README is current")
    args = parser.parse_args(argv)
    text = README.read_text()
    before, rest = text.split(START)
    _, after = rest.split(END)
    lines = [line for line in rest.split(END)[0].strip().splitlines() if not line.startswith("|")]
    wanted = f"{before}{START}\n{table()}\n" + "\n".join(lines) + f"\n{END}{after}"
    if args.check:
        if wanted != text:
            print(
                "README.md's lesson table differs from the recorded metrics: run "
                "python -m book.readme_table",
                file=sys.stderr,
            )
            return 1
        return 0
    README.write_text(wanted)
    return 0


if __name__ == "__main__":
    sys.exit(main())
