"""A catalogue of malformed calls: each must raise, naming the argument and its value."""

from __future__ import annotations

import numpy as np
import pytest

from convviz import (
    channel_shuffle,
    conv1d,
    conv2d,
    conv3d,
    conv_transpose2d,
    pad,
)

X = np.zeros((1, 4, 6, 6), dtype=np.float32)
W = np.zeros((8, 4, 3, 3), dtype=np.float32)
WT = np.zeros((4, 2, 3, 3), dtype=np.float32)

CASES = [
    # (call, exception, match)
    (lambda: conv2d(X[0, 0], W), ValueError, r"x to be 3-d or 4-d, got x with shape \(6, 6\)"),
    (lambda: conv2d(X[None], W), ValueError, r"x .*shape \(1, 1, 4, 6, 6\)"),
    (lambda: conv1d(X, W), ValueError, r"x to be 2-d or 3-d"),
    (lambda: conv3d(X[0], W), ValueError, r"x to be 4-d or 5-d"),
    (lambda: conv2d(X, W[0]), ValueError, r"weight to be 4-d, got weight with shape \(4, 3, 3\)"),
    (lambda: conv2d(X[:, :3], W), ValueError, r"x has 3 channels .* expects 4 input channels"),
    (lambda: conv2d(X, W[:, :2], groups=3), ValueError, r"groups=3 .*divide the output"),
    (lambda: conv2d(X, W[:6, :1], groups=4), ValueError, r"x has 4 channels .*expects 4|groups"),
    (lambda: conv2d(X, W[:7, :2], groups=2), ValueError, r"groups=2 must divide the output.*7"),
    (lambda: conv2d(X, W, groups=0), ValueError, r"groups must be >= 1, got groups=0"),
    (lambda: conv2d(X, W, stride=0), ValueError, r"stride must be >= 1, got stride=0"),
    (lambda: conv2d(X, W, stride=(0, 1)), ValueError, r"stride must be >= 1, got stride=\(0, 1\)"),
    (lambda: conv2d(X, W, stride=-2), ValueError, r"stride must be >= 1, got stride=-2"),
    (lambda: conv2d(X, W, stride=(1, 1, 1)), ValueError, r"stride .* 2 integers.*\(1, 1, 1\)"),
    (lambda: conv2d(X, W, stride=1.5), TypeError, r"stride must be an integer.*1\.5"),
    (lambda: conv2d(X, W, dilation=0), ValueError, r"dilation must be >= 1, got dilation=0"),
    (lambda: conv2d(X, W, dilation=(1, -1)), ValueError, r"dilation must be >= 1.*\(1, -1\)"),
    (lambda: conv2d(X, W, padding=-1), ValueError, r"padding must be >= 0, got padding=-1"),
    (lambda: conv2d(X, W, padding=(1, -2)), ValueError, r"padding must be >= 0.*\(1, -2\)"),
    (lambda: conv2d(X, W, padding="full"), ValueError, r"padding must be one of .*'full'"),
    (
        lambda: conv2d(X, W, stride=2, padding="same"),
        ValueError,
        r"padding='same' is not supported for strided convolutions, got stride=\(2, 2\)",
    ),
    (lambda: conv2d(X, W, padding_mode="mirror"), ValueError, r"padding_mode .*'mirror'"),
    (
        lambda: conv2d(X, np.zeros((8, 4, 7, 7), np.float32)),
        ValueError,
        r"kernel of size 7 .*larger than the padded input .*6 cells",
    ),
    (
        lambda: conv2d(X, W, dilation=4),
        ValueError,
        r"kernel of size 3 with dilation=4 spans 9 cells",
    ),
    (
        lambda: conv2d(X, W, padding=7, padding_mode="reflect"),
        ValueError,
        r"mode='reflect' needs each pad < the size .*pad=\(7, 7\)",
    ),
    (lambda: conv2d(X, W, np.zeros(7, np.float32)), ValueError, r"bias must have shape \(8,\)"),
    (lambda: conv2d(X, W, np.zeros((8, 1), np.float32)), ValueError, r"bias .*\(8, 1\)"),
    (lambda: conv2d(X.astype(object), W), TypeError, r"x must be a numeric array.*object"),
    (lambda: conv2d(X.astype(str), W), TypeError, r"x must be a numeric array"),
    (lambda: conv2d(X, W.astype(bool)), TypeError, r"weight of dtype bool"),
    (lambda: conv2d(X.astype(np.uint16), W.astype(np.uint16)), TypeError, r"x of dtype uint16"),
    (lambda: conv2d(X.astype(np.float64), W), TypeError, r"x of dtype float64, weight of dtype"),
    (
        lambda: conv2d(X, W, np.zeros(8, np.float64)),
        TypeError,
        r"weight of dtype float32, bias of dtype float64",
    ),
    (
        lambda: conv2d(np.zeros((1, 4, 0, 6), np.float32), W, padding=3),
        ValueError,
        r"x must have non-empty spatial axes, got x of shape \(1, 4, 0, 6\)",
    ),
    (
        lambda: conv_transpose2d(X, WT, stride=2, output_padding=2),
        ValueError,
        r"output_padding must be smaller than either stride or dilation, got output_padding=2",
    ),
    (
        lambda: conv_transpose2d(X, WT, output_padding=1),
        ValueError,
        r"output_padding must be smaller .*stride=1, dilation=1",
    ),
    (
        lambda: conv_transpose2d(X, WT, output_padding=-1),
        ValueError,
        r"output_padding must be >= 0",
    ),
    (lambda: conv_transpose2d(X, WT, padding=5), ValueError, r"output size is -2 .*padding=5"),
    (lambda: conv_transpose2d(X, WT, padding="same"), TypeError, r"padding must be an integer"),
    (lambda: conv_transpose2d(X[:, :3], WT), ValueError, r"x has 3 channels .*expects 4"),
    (lambda: conv_transpose2d(X, WT, groups=3), ValueError, r"groups=3 must divide the input"),
    (lambda: conv_transpose2d(X, WT, np.zeros(3, np.float32)), ValueError, r"bias .*\(2,\)"),
    (lambda: pad(X, (1,)), ValueError, r"pad must have an even length, got pad=\(1,\)"),
    (lambda: pad(X, (1, 1) * 5), ValueError, r"pads 5 axes but x has only 4"),
    (lambda: pad(X, (6, 0), mode="reflect"), ValueError, r"mode='reflect' pads the last"),
    (lambda: pad(X, (6, 0, 0, 0), mode="reflect"), ValueError, r"pad=\(6, 0\) for axis 3"),
    (lambda: pad(X, (7, 0, 0, 0), mode="circular"), ValueError, r"pad=\(7, 0\)"),
    (lambda: pad(X, (1, 1), mode="wrap"), ValueError, r"mode must be one of .*'wrap'"),
    (lambda: pad(X, (1, 1, 1, 1), mode="reflect", value=2), ValueError, r"takes no value.*2"),
    (lambda: pad(X, (-4, -3)), ValueError, r"pad=\(-4, -3\) crops more than axis 3"),
    (lambda: pad(X, (1.5, 1)), TypeError, r"pad must contain integers"),
    (lambda: pad(X.astype(bool)[0], (1, 1), mode="reflect"), TypeError, r"dtype bool"),
    (lambda: pad(X.astype(np.uint8), (1, 1), value=-1), ValueError, r"value=-1 .*uint8"),
    (lambda: channel_shuffle(X, 3), ValueError, r"groups=3 must divide the 4 channels"),
    (lambda: channel_shuffle(X, 0), ValueError, r"groups must be >= 1, got groups=0"),
    (lambda: channel_shuffle(X[0, 0], 2), ValueError, r"at least 3 axes.*\(6, 6\)"),
]


@pytest.mark.parametrize(("call", "error", "match"), CASES)
def test_malformed_call_is_refused_with_a_message(call, error, match):
    with pytest.raises(error, match=match):
        call()
