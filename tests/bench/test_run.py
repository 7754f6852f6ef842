"""bench/run.py's bookkeeping: medians, spread, budgets and skips (no timing is asserted)."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import run as bench_run  # noqa: E402


def test_a_figure_is_the_median_of_its_runs_judged_against_its_budget():
    lag = bench_run.figure([30.0, 70.0, 40.0], ("<=", 50.0))
    assert (lag["median"], lag["min"], lag["max"], lag["budget"], lag["pass"]) == (40.0, 30.0, 70.0, "<= 50", True)
    ratio = bench_run.figure([0.85, 0.95, 0.88], (">=", 0.9))
    assert ratio["median"] == 0.88 and ratio["pass"] is False


def test_mnist_figures_are_skipped_with_the_reason_when_the_data_is_missing(monkeypatch):
    monkeypatch.setattr(bench_run, "run_json", lambda script, args, timeout: {"skipped": "MNIST not found at /x"})
    figures, details = bench_run.mnist_figures(1, "cpu", None)
    assert set(figures) == set(bench_run.MNIST_FIGURES)
    assert all(f["skipped"] == "MNIST not found at /x" and f["pass"] is None for f in figures.values())


def test_mnist_figures_judge_latentlab_against_five_percent_below_the_classic_vae(monkeypatch):
    def run(latentlab, reference, ratio):
        return {"latentlab": {"neg_elbo_final": latentlab}, "reference": {"neg_elbo_final": reference}, "time_ratio": ratio}

    result = run(110.0, 119.0, 0.6) | {
        "runs": [run(110.0, 119.0, 0.6), run(109.0, 119.2, 0.7), run(111.0, 118.8, 0.5)],
        "threshold_nats": 120.0, "improvement_pct": 7.6, "time_ratio_clock": 0.6, "threads": 2,
    }
    result["latentlab"]["images_per_s"] = result["reference"]["images_per_s"] = 1.0
    monkeypatch.setattr(bench_run, "run_json", lambda script, args, timeout: result)
    figures, _ = bench_run.mnist_figures(3, "cpu", None)
    neg_elbo = figures["vae_mnist_neg_elbo_10ep"]
    assert (neg_elbo["median"], neg_elbo["min"], neg_elbo["max"]) == (110.0, 109.0, 111.0)
    assert neg_elbo["pass"] is True and "113.05" in neg_elbo["budget"]
    assert figures["vae_mnist_vs_reference_time_ratio"]["median"] == pytest.approx(0.6)


def test_class_accuracy_figures_judge_each_kind_and_skip_mnist_when_it_is_absent(monkeypatch):
    measured = {"vae_shapes": {"class_accuracy": 0.95, "worst_class": 0.9},
                "gan_shapes": {"class_accuracy": 0.8, "worst_class": 0.5}, "mnist_skipped": "no MNIST at /x"}
    monkeypatch.setattr(bench_run, "run_json", lambda script, args, timeout: measured)
    figures = bench_run.class_accuracy_figures(quick=False)
    assert figures["class_accuracy_cvae_shapes"]["pass"] is True
    assert figures["class_accuracy_cgan_shapes"]["pass"] is False
    assert figures["class_accuracy_cvae_mnist"]["skipped"] == "no MNIST at /x"
