"""Posterior: clicked points get their q(z|x) ellipses on the plane; eps resamples z = mu + sigma * eps."""

from __future__ import annotations

import numpy as np

from gui_lab import train_until
from latentlab.core.posterior import encode_posterior


def test_clicked_points_get_ellipses_and_resampling_moves_z_within_them(qtbot, window, tmp_path):
    train_until(qtbot, window, steps=5)
    window.stop()
    qtbot.waitUntil(lambda: window.scatter.plane_points is not None, timeout=20_000)
    window.tools.show_tool("Posterior")
    tool = window.tools.tool("Posterior")
    picks = [int(window.scatter.drawn_indices[k]) for k in (3, 11)]
    for i in picks:
        window.scatter.pick_at(window.scatter.plane_points[i])
    assert tool.selected == picks
    tool.zoom_to_current()
    low, high = np.array(window.scatter.view_box().viewRange()).T
    mu_xy_last = window.scatter.plane_points[picks[-1]]
    assert np.all(low < mu_xy_last) and np.all(mu_xy_last < high)
    images = window.run_info.subset_images[picks]
    expected = encode_posterior(window.decoder.model, images)
    np.testing.assert_allclose(tool.posterior.mu, expected.mu, atol=1e-6)
    np.testing.assert_allclose(tool.posterior.sigma, expected.sigma, atol=1e-6)

    # two ellipses per selected point, centred on its mean; the 2-sigma one is twice as wide
    shown = [c for c in tool._curves if c.isVisible()]
    assert len(shown) == 4
    one, two = (np.stack(c.getData(), axis=1) for c in shown[2:4])
    mu_xy = window.scatter.plane.to_plane(expected.mu[1])[0]
    np.testing.assert_allclose(one[:-1].mean(0), mu_xy, atol=1e-6)  # the ring repeats its first point last
    np.testing.assert_allclose(two - mu_xy, 2 * (one - mu_xy), atol=1e-9)

    # the panel: mu, sigma, eps and z = mu + sigma * eps of the last pick, decoded
    table = np.array([[float(tool.table.item(r, c).text().replace("−", "-")) for c in range(4)] for r in range(tool.table.rowCount())])
    np.testing.assert_allclose(table[:, 0], expected.mu[1], atol=1e-3)
    np.testing.assert_allclose(table[:, 3], table[:, 0] + table[:, 1] * table[:, 2], atol=3e-3)
    z_before = tool.z.copy()
    tool.resample()
    assert not np.allclose(tool.z, z_before)
    np.testing.assert_allclose(tool.z, expected.mu[1] + expected.sigma[1] * tool.eps, atol=1e-6)
    np.testing.assert_allclose(window.tools_host.picked, tool.z)  # shown on the canvas too
    np.testing.assert_allclose(tool.sample_image.image(), window.decoder.decode(tool.z)[0], atol=1e-6)
    assert "q(z|x) itself" in tool.plane_note.text()  # the tiny run has a 2-D latent

    window.tools.show_tool("Bookmarks")  # another tab: the overlay goes away
    assert not any(c.isVisible() for c in tool._curves)
    window.grab().save(str(tmp_path / "posterior.png"))
    tool.clear()
    assert tool.selected == [] and tool.table.rowCount() == 0
    assert not window.errors
