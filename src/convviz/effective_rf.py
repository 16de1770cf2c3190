"""The effective receptive field: how much each input pixel actually matters.

The receptive field of an output cell is every input cell it *can* depend on.
Luo et al. measure how much it *does*: put a gradient of 1 on the centre cell
of the output (0 everywhere else), back-propagate it to the input, and look at
the magnitude of the input gradient. For stacks of convolutions with random
weights that map is concentrated near the centre, roughly Gaussian, and covers
only part of the theoretical field.

The backward pass here is convviz's own: the gradient of a convolution with
respect to its input is a transposed convolution with the same weights
(:func:`convviz.transposed.conv_transpose2d`), and a ReLU passes the gradient only where
its input was positive.

References
----------
W. Luo, Y. Li, R. Urtasun and R. Zemel, "Understanding the Effective Receptive
Field in Deep Convolutional Neural Networks", NIPS 2016, arXiv:1701.04128.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from convviz._validate import _check_int, as_float_array
from convviz.conv import conv2d
from convviz.transposed import conv_transpose2d

__all__ = ["central_mass_fraction", "effective_receptive_field", "stack_input_gradient"]


def _check(x: object, weights: Sequence[np.ndarray]) -> tuple[np.ndarray, list[np.ndarray]]:
    x = as_float_array("x", x)
    if x.ndim != 4:
        raise ValueError(f"x must have shape (N, C_in, H, W), got x of shape {x.shape}")
    if len(weights) == 0:
        raise ValueError("weights must hold at least one (C_out, C_in, k, k) array, got []")
    ws = [
        as_float_array(f"weights[{n}]", w).astype(x.dtype, copy=False)
        for n, w in enumerate(weights)
    ]
    channels = x.shape[1]
    for n, w in enumerate(ws):
        if w.ndim != 4 or w.shape[2] != w.shape[3] or w.shape[2] % 2 == 0:
            raise ValueError(
                f"weights[{n}] must have shape (C_out, C_in, k, k) with k odd, got {w.shape}"
            )
        if w.shape[1] != channels:
            raise ValueError(
                f"weights[{n}] expects {w.shape[1]} input channels, but the layer before "
                f"gives {channels} (weights[{n}].shape={w.shape})"
            )
        channels = w.shape[0]
    return x, ws


def stack_input_gradient(
    x: np.ndarray, weights: Sequence[np.ndarray], relu: bool = True
) -> np.ndarray:
    """Gradient of the centre output cells of a convolution stack with respect to its input.

    The stack is ``conv -> ReLU -> conv -> ... -> conv``: stride 1, 'same'
    padding ``k // 2``, no bias, a ReLU between layers (none after the last one)
    when ``relu`` is True.

    Parameters
    ----------
    x : ndarray, shape (N, C_in, H, W)
        Inputs at which the gradient is taken (it depends on them through the ReLUs).
    weights : sequence of ndarray, shape (C_out, C_in, k, k)
        The layers from input to output; ``k`` odd.
    relu : bool, default True
        ReLU between the layers; False gives a linear stack.

    Returns
    -------
    ndarray, shape (N, C_in, H, W)
        ``d (sum_c y[n, c, H // 2, W // 2]) / d x``: the gradient of the loss that
        is 1 on the centre cell of every output channel and 0 elsewhere.

    Raises
    ------
    ValueError
        ``x`` not 4-d, no weights, an even or non-square kernel, or channel counts
        that do not chain.
    TypeError
        Arrays that are not real numbers.

    References
    ----------
    Luo et al., NIPS 2016, arXiv:1701.04128, section 2 (gradient signal of 1 at the
    output's centre).
    """
    x, ws = _check(x, weights)
    positive = []  # where each hidden ReLU let the signal through
    a = x
    for n, w in enumerate(ws):
        z = conv2d(a, w, padding=w.shape[2] // 2)
        if relu and n < len(ws) - 1:
            positive.append(z > 0)
            z = np.maximum(z, 0)
        a = z
    grad = np.zeros_like(a)
    grad[:, :, a.shape[2] // 2, a.shape[3] // 2] = 1
    for n in range(len(ws) - 1, -1, -1):
        if relu and n < len(ws) - 1:
            grad = grad * positive[n]
        grad = conv_transpose2d(grad, ws[n], padding=ws[n].shape[2] // 2)
    return grad


def effective_receptive_field(
    x: np.ndarray, weights: Sequence[np.ndarray], relu: bool = True
) -> np.ndarray:
    """The effective receptive field: input-gradient magnitude, normalised to sum 1.

    Parameters
    ----------
    x, weights, relu
        As :func:`stack_input_gradient`.

    Returns
    -------
    ndarray, shape (H, W)
        ``|g|`` summed over the input channels, averaged over the batch, divided
        by its total, where ``g`` is :func:`stack_input_gradient`: a distribution
        over the input pixels.

    Raises
    ------
    ValueError, TypeError
        As :func:`stack_input_gradient`; also a ``ValueError`` when the gradient is
        zero everywhere (every path through the stack closed by a ReLU), since no
        distribution can be formed.

    References
    ----------
    Luo et al., NIPS 2016, arXiv:1701.04128.
    """
    magnitude = np.abs(stack_input_gradient(x, weights, relu)).sum(axis=1).mean(axis=0)
    total = magnitude.sum()
    if total == 0:
        raise ValueError(
            "the input gradient is zero everywhere for these x and weights "
            "(every path closed by a ReLU); no field to normalise"
        )
    return magnitude / total


def central_mass_fraction(field: np.ndarray, side: int) -> float:
    """Share of a field's mass inside the centred ``side x side`` square.

    Parameters
    ----------
    field : ndarray, shape (H, W)
        Non-negative weights (e.g. :func:`effective_receptive_field`); H and W odd.
    side : int
        Odd side of the square, at most ``min(H, W)``.

    Returns
    -------
    float
        ``field[square].sum() / field.sum()``, in ``[0, 1]``.

    Raises
    ------
    ValueError
        ``field`` not 2-d with odd sides, with a negative value or a total of 0;
        ``side`` even or larger than ``min(H, W)``.
    TypeError
        ``field`` not real numbers, ``side`` not an int.

    References
    ----------
    Luo et al., NIPS 2016, arXiv:1701.04128 (the effective field occupies only a
    fraction of the theoretical one).
    """
    field = as_float_array("field", field)
    side = _check_int("side", side, 1)
    if field.ndim != 2 or field.shape[0] % 2 == 0 or field.shape[1] % 2 == 0:
        raise ValueError(f"field must be 2-d with odd sides, got shape {field.shape}")
    if (field < 0).any() or not field.sum() > 0:
        raise ValueError(
            f"field must be non-negative with a positive total, got min {field.min():g} "
            f"and total {field.sum():g}"
        )
    if side % 2 == 0 or side > min(field.shape):
        raise ValueError(f"side must be odd and at most {min(field.shape)}, got side={side}")
    cy, cx, h = field.shape[0] // 2, field.shape[1] // 2, side // 2
    return float(field[cy - h : cy + h + 1, cx - h : cx + h + 1].sum() / field.sum())
