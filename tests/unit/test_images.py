"""convviz.images: bundled photographs load offline; filtering matches torch; bad input."""

from __future__ import annotations

import base64
import socket

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from convviz import images


@pytest.fixture
def no_network(monkeypatch):
    """Every attempt to open a connection fails (as it would on an offline machine)."""

    def refuse(*args, **kwargs):
        raise OSError("network access is blocked in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


@pytest.mark.parametrize("name", sorted(images.SAMPLES))
def test_every_sample_loads_with_no_network_from_inside_the_wheel(name, no_network):
    import skimage
    import skimage.data
    from skimage.data import _fetchers

    raw = getattr(skimage.data, name)()  # fails if it needs a download
    assert raw.ndim in (2, 3) and raw.size > 10_000
    # the file is a part of the installed package, not a cached download
    path = _fetchers._fetch(f"data/{name}.png")
    assert path.startswith(skimage.__path__[0]), path
    # convviz reads the same file with Pillow: the same pixels
    full = images.load(name, None)
    assert np.array_equal(full, raw / 255.0)
    img = images.load(name, 32)
    assert img.shape[:2] == (32, 32) and img.dtype == np.float64
    assert 0.0 <= img.min() and img.max() <= 1.0 and img.max() - img.min() > 0.2


def test_load_grey_uses_rgb2gray():
    from skimage.color import rgb2gray

    full = images.load("astronaut", None, grey=True)
    np.testing.assert_allclose(full, rgb2gray(images.load("astronaut", None)), atol=1e-12)
    small = images.load("astronaut", 16, grey=True)
    assert small.shape == (16, 16)
    # the block mean is linear: weighting then shrinking equals shrinking then weighting
    np.testing.assert_allclose(small, images.load("astronaut", 16) @ images.LUMINANCE, atol=1e-12)
    with pytest.raises(ValueError, match="name must be one of"):
        images.load("lena")


def test_downscale_is_a_block_mean_of_the_centre_square():
    rng = np.random.default_rng(0)
    x = rng.random((13, 17, 2))
    small = images.downscale(x, 3)  # side 13 -> the centre 12x12 square, blocks of 4x4
    square = x[0:12, 2:14]
    want = np.array(
        [
            [square[4 * i : 4 * i + 4, 4 * j : 4 * j + 4].mean(axis=(0, 1)) for j in range(3)]
            for i in range(3)
        ]
    )
    np.testing.assert_allclose(small, want, atol=1e-12)
    with pytest.raises(ValueError, match=r"size must be an int in \[1, 13\]"):
        images.downscale(x, 14)


def test_uint8_codes_round_trip_within_half_a_step():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(7, 5))
    codes, lo, hi = images.to_uint8(x)
    assert codes.dtype == np.uint8 and codes.min() == 0 and codes.max() == 255
    back = lo + codes * (hi - lo) / 255
    assert np.abs(back - x).max() <= (hi - lo) / 510 + 1e-12
    raw = base64.b64decode(images.uint8_base64(codes))
    assert np.frombuffer(raw, np.uint8).reshape(7, 5).tolist() == codes.tolist()
    assert images.to_uint8(np.ones((2, 2)))[2] == 2.0  # a constant image gets a unit range
    with pytest.raises(ValueError, match="hi must be >= lo"):
        images.to_uint8(x, 1.0, 0.0)
    with pytest.raises(ValueError, match="codes must be uint8"):
        images.uint8_base64(x)


@settings(max_examples=40, deadline=None)
@given(
    h=st.integers(5, 12),
    w=st.integers(5, 12),
    k=st.integers(1, 3),
    s=st.integers(1, 3),
    d=st.integers(1, 2),
    p=st.integers(0, 2),
    rgb=st.booleans(),
    flip=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_filter_image_matches_torch(h, w, k, s, d, p, rgb, flip, seed):
    rng = np.random.default_rng(seed)
    x = rng.random((h, w, 3) if rgb else (h, w))
    weight = rng.normal(size=(2, 3, k, k) if rgb else (k, k))
    got = images.filter_image(x, weight, stride=s, padding=p, dilation=d, flip=flip)
    xt = torch.tensor(x).permute(2, 0, 1)[None] if rgb else torch.tensor(x)[None, None]
    wt = torch.tensor(weight) if rgb else torch.tensor(weight)[None, None]
    if flip:
        wt = torch.flip(wt, dims=(-2, -1))
    want = F.conv2d(xt, wt, stride=s, padding=p, dilation=d)[0]
    want = want if rgb else want[0]
    np.testing.assert_allclose(got, want.numpy(), atol=1e-10)


def test_bad_images_and_kernels_name_the_argument_and_shape():
    with pytest.raises(ValueError, match=r"image must be 2D \(H, W\) or 3D.*image.shape=\(4,\)"):
        images.filter_image(np.zeros(4), np.ones((1, 1)))
    with pytest.raises(ValueError, match=r"image.shape=\(1, 2, 3, 4\)"):
        images.to_uint8(np.zeros((1, 2, 3, 4)))
    with pytest.raises(ValueError, match=r"kernel larger than the image: kernel.shape=\(5, 5\)"):
        images.filter_image(np.zeros((4, 4)), np.ones((5, 5)))
    with pytest.raises(ValueError, match=r"span 5 with dilation=2.*image.shape=\(4, 8\)"):
        images.filter_image(np.zeros((4, 8)), np.ones((3, 3)), dilation=2)
    # padding makes room: a 5x5 kernel on a 4x4 image with padding 1 is valid (output 2x2)
    assert images.filter_image(np.zeros((4, 4)), np.ones((5, 5)), padding=1).shape == (2, 2)
    with pytest.raises(ValueError, match=r"weight of shape \(C_out, 3, k_h, k_w\)"):
        images.filter_image(np.zeros((4, 4, 3)), np.ones((3, 3)))
    with pytest.raises(ValueError, match=r"needs a 2D kernel.*weight.shape=\(1, 1, 3, 3\)"):
        images.filter_image(np.zeros((4, 4)), np.ones((1, 1, 3, 3)))
