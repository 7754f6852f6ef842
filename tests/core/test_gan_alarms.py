"""GAN failure alarms on constructed runs: each failure raises its alarm once, a healthy run raises none."""

import numpy as np
import pytest
import torch

from latentlab.core.config import ModelConfig
from latentlab.core.gan_alarms import (
    DISCRIMINATOR_WINNING,
    MODE_COLLAPSE,
    OSCILLATION,
    AlarmSettings,
    GanAlarmDetector,
    GanWatch,
    mean_pairwise_distance,
)
from latentlab.core.models import GAN
from latentlab.core.training import images_to_tensor


def feed(detector, stream):
    """Run a detector over (step, metrics) pairs; return every alarm started, in order, and the cleared names."""
    started, cleared = [], []
    for step, metrics in stream:
        changes = detector.observe(step, metrics)
        started += changes.started
        cleared += changes.cleared
    return started, cleared


def healthy_stream(steps=3000, seed=0):
    """Losses that settle with minibatch noise; D near 0.5-0.7, as in a working GAN."""
    rng = np.random.default_rng(seed)
    for step in range(1, steps + 1):
        settle = np.exp(-step / 400)
        yield step, {
            "d_loss": 1.2 + 0.3 * settle + rng.normal(0, 0.15),
            "g_loss": 0.9 + 0.8 * settle + rng.normal(0, 0.25),
            "d_real": float(np.clip(0.6 + rng.normal(0, 0.08), 0, 1)),
            "d_fake": float(np.clip(0.35 + rng.normal(0, 0.08), 0, 1)),
        }


def test_a_healthy_run_raises_no_alarm():
    detector = GanAlarmDetector("ns", real_diversity=9.0)
    started, _ = feed(detector, healthy_stream())
    for step in range(400, 3001, 50):
        started += detector.observe_diversity(step, 8.0 + np.sin(step) * 0.5).started
    assert started == []


def test_discriminator_winning_starts_once_and_clears_when_g_catches_up():
    rng = np.random.default_rng(1)
    detector = GanAlarmDetector("ns")

    def d_wins(steps):
        for step in steps:
            yield step, {"d_loss": 0.02, "g_loss": 6.0, "d_real": 0.99 - abs(rng.normal(0, 0.01)), "d_fake": 0.01}

    started, _ = feed(detector, d_wins(range(1, 150)))
    assert started == []  # not yet a sustained window
    started, _ = feed(detector, d_wins(range(150, 600)))
    assert [a.name for a in started] == [DISCRIMINATOR_WINNING]
    alarm = started[0]
    assert alarm.step == 200
    assert "D(x) averaged 0.9" in alarm.message and "D(G(z)) 0.01" in alarm.message
    assert "--spectral-norm" in alarm.message
    assert DISCRIMINATOR_WINNING in detector.active

    _, cleared = feed(detector, ((s, m) for s, m in healthy_stream(400) if True))
    assert cleared == [DISCRIMINATOR_WINNING] and not detector.active


def test_hinge_discriminator_winning_reads_the_hinge_loss():
    detector = GanAlarmDetector("hinge")
    started, _ = feed(detector, ((s, {"d_loss": 0.0, "g_loss": 3.0, "critic_real": 2.5, "critic_fake": -2.4}) for s in range(1, 300)))
    assert [a.name for a in started] == [DISCRIMINATOR_WINNING]
    assert "hinge loss averaged 0.000" in started[0].message


def test_wgan_critic_far_ahead_is_not_called_winning():
    detector = GanAlarmDetector("wgan-gp")
    started, _ = feed(detector, ((s, {"d_loss": -5.0, "g_loss": 4.0, "critic_real": 3.0, "critic_fake": -4.0}) for s in range(1, 600)))
    assert started == []


def test_oscillation_with_growing_amplitude_raises_the_alarm():
    rng = np.random.default_rng(2)

    def swinging(steps=2000):
        for step in range(1, steps + 1):
            amplitude = 0.05 * np.exp(step / 450)  # 0.05 -> ~4 nats
            swing = amplitude * np.sin(2 * np.pi * step / 150)
            yield step, {"d_loss": 1.3 - 0.3 * swing + rng.normal(0, 0.1), "g_loss": 1.0 + swing + rng.normal(0, 0.2),
                         "d_real": 0.6, "d_fake": 0.4}

    detector = GanAlarmDetector("ns")
    started, _ = feed(detector, swinging())
    assert [a.name for a in started] == [OSCILLATION]
    assert "G loss swings with growing amplitude" in started[0].message
    assert "lower learning rate" in started[0].message


def test_a_steady_swing_is_not_an_oscillation_alarm():
    """Losses that swing by a constant amount (a GAN's usual tug of war) are not growing."""
    detector = GanAlarmDetector("ns")
    stream = ((s, {"d_loss": 1.2 + 0.8 * np.sin(s / 30), "g_loss": 1.0 + 0.8 * np.cos(s / 30)}) for s in range(1, 3000))
    assert feed(detector, stream)[0] == []


def test_a_loss_that_drifts_faster_and_faster_is_not_an_oscillation():
    """G's loss climbing ever faster (D slowly winning) grows per window, but it does not swing."""
    rng = np.random.default_rng(3)
    stream = ((s, {"d_loss": 1.2 - 0.3 * s / 3000 + rng.normal(0, 0.1), "g_loss": 0.8 + 5 * (s / 3000) ** 3 + rng.normal(0, 0.2)})
              for s in range(1, 3000))
    assert feed(GanAlarmDetector("ns"), stream)[0] == []


def test_mean_pairwise_distance_leaves_out_self_pairs():
    points = np.array([[0.0, 0.0], [3.0, 4.0]])
    assert mean_pairwise_distance(points) == pytest.approx(5.0)
    assert mean_pairwise_distance(np.zeros((10, 4))) == 0.0


def test_a_generator_forced_to_one_output_raises_mode_collapse(tiny_set):
    torch.manual_seed(0)
    gan = GAN(ModelConfig(kind="gan", arch="mlp", latent_dim=8, hidden=32))
    real = images_to_tensor(tiny_set.test_images, torch.device("cpu"))
    settings = AlarmSettings(warmup_steps=0)
    watch = GanWatch(gan, real, every=10, settings=settings)
    with torch.no_grad():  # G ignores z: every sample is the same image
        last = gan.generator.net[0][0][-1]
        last.weight.zero_()
        last.bias.copy_(torch.linspace(-1, 1, last.bias.numel()))
    started = []
    for step in range(1, 31):
        started += watch.after_step(step, {"d_loss": 1.3, "g_loss": 0.8, "d_real": 0.55, "d_fake": 0.45}).started
    assert [a.name for a in started] == [MODE_COLLAPSE]
    assert started[0].step == 20  # the second low measurement in a row
    assert "0% as diverse as real images" in started[0].message


def test_a_diverse_generator_keeps_the_collapse_alarm_off(tiny_set):
    """Real images as 'samples' are exactly as diverse as real images."""
    real = images_to_tensor(tiny_set.test_images, torch.device("cpu"))
    detector = GanAlarmDetector("ns", real_diversity=mean_pairwise_distance(real), settings=AlarmSettings(warmup_steps=0))
    assert not detector.observe_diversity(10, mean_pairwise_distance(real[:32]))
    assert not detector.observe_diversity(20, mean_pairwise_distance(real[32:]))
    assert detector.active == {}


def test_collapse_is_not_judged_during_warmup():
    detector = GanAlarmDetector("ns", real_diversity=9.0)
    for step in (50, 100, 150, 200, 250):
        assert not detector.observe_diversity(step, 0.1)
    assert not detector.observe_diversity(300, 0.1)  # the first low measurement after warm-up
    assert [a.name for a in detector.observe_diversity(350, 0.1).started] == [MODE_COLLAPSE]
