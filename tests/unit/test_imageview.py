"""The image view: panels carry uint8 pixels and window geometry; the renderer ships image.js."""

from __future__ import annotations

import numpy as np
import pytest

from convviz.figures import imageview
from convviz.figures.engine import check_frame, renderer_source, view


def test_image_panel_round_trips_pixels_within_half_a_code():
    rng = np.random.default_rng(0)
    x = rng.random((5, 7))
    p = imageview.image_panel("x", "x", x)
    assert (p["rows"], p["cols"], p["values"], p["kind"]) == (0, 0, [], "image")
    back = imageview.decode(p)
    assert back.shape == (5, 7)
    assert np.abs(back - x).max() <= (x.max() - x.min()) / 510 + 1e-12
    d = imageview.image_panel("y", "y", x - 0.5, scale="diverging")
    assert d["image"]["lo"] == -d["image"]["hi"]  # zero sits at the middle code
    rgb = imageview.image_panel("c", "c", rng.random((4, 4, 3)), lo=0.0, hi=1.0)
    assert rgb["image"]["c"] == 3 and imageview.decode(rgb).shape == (4, 4, 3)


def test_bad_pictures_name_the_argument_and_shape():
    with pytest.raises(ValueError, match=r"image must be 2D \(H, W\) or 3D.*image.shape=\(3,\)"):
        imageview.image_panel("x", "x", np.zeros(3))
    with pytest.raises(ValueError, match=r"1 or 3 channels, got image.shape=\(2, 2, 2\)"):
        imageview.image_panel("x", "x", np.zeros((2, 2, 2)))
    with pytest.raises(ValueError, match="scale must be"):
        imageview.image_panel("x", "x", np.zeros((2, 2)), scale="grey")
    with pytest.raises(ValueError, match=r"stride must be >= 1, got stride=\[0, 0\]"):
        imageview.window((2, 2), 3, stride=0)
    with pytest.raises(ValueError, match="padding must be >= 0"):
        imageview.window((2, 2), 3, padding=-1)


def test_a_frame_of_image_panels_passes_both_checks_and_a_bad_window_fails():
    x = np.linspace(0, 1, 36).reshape(6, 6)
    win = imageview.window((2, 2), 3, stride=2, padding=1)  # o = (6 + 2 - 3) // 2 + 1 = 3
    frame = {
        "views": [
            view("v", [imageview.image_panel("x", "x", x, win=win)], imageview.image_steps((2, 2)))
        ],
        "formula": [],
        "code": "F.conv2d(x, w)",
    }
    check_frame(frame)  # no cells: the engine's check passes over the picture
    imageview.check_image_frame(frame)
    too_far = imageview.window((4, 4), 3, stride=2, padding=1)
    frame["views"][0] = view(
        "v", [imageview.image_panel("x", "x", x, win=too_far)], imageview.image_steps((4, 4))
    )
    with pytest.raises(ValueError, match="leaves the picture"):
        imageview.check_image_frame(frame)


def test_the_renderer_includes_the_image_drawer_first():
    src = renderer_source()
    assert src.index("convvizPanels.image") < src.index("function plugin(p)")
