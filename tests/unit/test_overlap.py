"""Tests for convviz.overlap: overlap maps against torch, interiors, evenness by brute force."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from strategies import CONV, CONV_T

from convviz.overlap import (
    TransposedLayer,
    interior_slices,
    interior_slices_stack,
    is_even,
    overlap_map,
    overlap_map_loop,
    overlap_map_stack,
    phase_counts,
    resize_conv_interior_slices,
    resize_conv_overlap,
    unevenness,
)

SETTINGS = settings(max_examples=40, deadline=None)


def torch_stack(size: tuple[int, ...], layers: list[TransposedLayer]) -> np.ndarray:
    """All-ones input through all-ones transposed convolutions, in torch (float64)."""
    x = torch.ones(1, 1, *size, dtype=torch.float64)
    for layer in layers:
        k = layer.kernel_size
        k = tuple(k) if isinstance(k, tuple) else (k,) * len(size)
        w = torch.ones(1, 1, *k, dtype=torch.float64)
        x = CONV_T[len(size)](
            x,
            w,
            stride=layer.stride,
            padding=layer.padding,
            output_padding=layer.output_padding,
            dilation=layer.dilation,
        )
    y = x[0, 0].numpy()
    assert np.array_equal(y, np.round(y))
    return y.astype(np.int64)


@st.composite
def layer_for(draw, size: tuple[int, ...]):
    """One transposed layer valid for ``size``, and its output size."""
    dims = len(size)
    k = tuple(draw(st.integers(1, 5)) for _ in range(dims))
    s = tuple(draw(st.integers(1, 4)) for _ in range(dims))
    d = tuple(draw(st.integers(1, 3)) for _ in range(dims))
    a = tuple(draw(st.integers(0, max(si, di) - 1)) for si, di in zip(s, d, strict=True))
    p = tuple(draw(st.integers(0, 2)) for _ in range(dims))
    out = tuple(
        (i - 1) * si - 2 * pi + di * (ki - 1) + ai + 1
        for i, ki, si, pi, ai, di in zip(size, k, s, p, a, d, strict=True)
    )
    assume(all(o >= 1 for o in out))
    return TransposedLayer(k, s, p, a, d), out


@st.composite
def single(draw, max_dims: int = 3, max_size: int = 6):
    dims = draw(st.integers(1, max_dims))
    size = tuple(draw(st.integers(1, max_size)) for _ in range(dims))
    layer, _ = draw(layer_for(size))
    return size, layer


@st.composite
def stacks(draw):
    dims = draw(st.integers(1, 2))
    size = tuple(draw(st.integers(1, 5)) for _ in range(dims))
    layers, current = [], size
    for _ in range(draw(st.integers(1, 3))):
        layer, current = draw(layer_for(current))
        assume(math.prod(current) <= 4000)
        layers.append(layer)
    return size, layers


def args(layer: TransposedLayer) -> dict:
    return dict(
        kernel_size=layer.kernel_size, stride=layer.stride, padding=layer.padding,
        dilation=layer.dilation, output_padding=layer.output_padding,
    )  # fmt: skip


# --------------------------------------------------------------------------- #
# The map itself
# --------------------------------------------------------------------------- #


@SETTINGS
@given(single())
def test_overlap_map_is_conv_transpose_of_ones(setting):
    size, layer = setting
    expected = torch_stack(size, [layer])
    got = overlap_map(size if len(size) > 1 else size[0], **args(layer))
    assert got.dtype == np.int64
    np.testing.assert_array_equal(got, expected)


@settings(max_examples=25, deadline=None)
@given(single(max_dims=2, max_size=4))
def test_loop_and_vectorised_agree(setting):
    size, layer = setting
    np.testing.assert_array_equal(
        overlap_map_loop(size, **args(layer)), overlap_map(size, **args(layer))
    )


@SETTINGS
@given(stacks())
def test_overlap_map_stack_is_a_stack_of_conv_transposes(setting):
    size, layers = setting
    np.testing.assert_array_equal(overlap_map_stack(size, layers), torch_stack(size, layers))


def test_layers_can_be_tuples_or_mappings():
    a = overlap_map_stack(4, [TransposedLayer(3, 2, 1), TransposedLayer(4, 2)])
    b = overlap_map_stack(4, [(3, 2, 1), {"kernel_size": 4, "stride": 2}])
    np.testing.assert_array_equal(a, b)


def test_hand_derived_k3_s2():
    # five inputs, copies of [1 1 1] pasted every 2 cells: the middle cells are hit twice
    m = overlap_map(5, 3, 2)
    np.testing.assert_array_equal(m, [1, 1, 2, 1, 2, 1, 2, 1, 2, 1, 1])
    assert interior_slices(5, 3, 2) == (slice(2, 9),)
    assert unevenness(m, interior_slices(5, 3, 2)) == 2.0
    # k = 4, s = 2: every interior cell is hit twice
    m4 = overlap_map(5, 4, 2)
    assert set(m4[interior_slices(5, 4, 2)]) == {2}
    # 2D: products of the per-axis counts, so 1, 2 and 4 appear in the interior
    m2 = overlap_map((5, 5), 3, 2)
    assert set(m2[interior_slices((5, 5), 3, 2)].ravel()) == {1, 2, 4}
    assert unevenness(m2, interior_slices((5, 5), 3, 2)) == 4.0


# --------------------------------------------------------------------------- #
# The interior
# --------------------------------------------------------------------------- #


def grow(size: tuple[int, ...], margin: int) -> tuple[int, ...]:
    return tuple(i + 2 * margin for i in size)


@SETTINGS
@given(stacks())
def test_interior_has_no_border_effect(setting):
    """On the interior the map equals that of a much larger input, shifted."""
    size, layers = setting
    margin = 3
    small = torch_stack(size, layers)
    big = torch_stack(grow(size, margin), layers)
    # margin extra input cells on the left shift the output by margin * s_1 * s_2 ...
    shift = [margin] * len(size)
    for layer in layers:
        s = layer.stride
        shift = [sh * si for sh, si in zip(shift, s, strict=True)]
    region = interior_slices_stack(size, layers)
    moved = tuple(slice(r.start + sh, r.stop + sh) for r, sh in zip(region, shift, strict=True))
    np.testing.assert_array_equal(small[region], big[moved])


@SETTINGS
@given(single(max_dims=1, max_size=12))
def test_interior_values_are_the_phase_counts(setting):
    size, layer = setting
    ((k,), (s,), (p,), (d,)) = layer.kernel_size, layer.stride, layer.padding, layer.dilation
    m = torch_stack(size, [layer])
    (region,) = interior_slices(size, **args(layer))
    counts = phase_counts(k, s, d)
    assert counts.sum() == k
    for o in range(region.start, region.stop):
        assert m[o] == counts[(o + p) % s]


def test_interior_is_empty_for_tiny_inputs():
    # one input cell with k = 3, s = 1: every output cell is a border cell
    assert interior_slices(1, 3) == (slice(0, 0),)
    with pytest.raises(ValueError, match="region"):
        unevenness(overlap_map(1, 3), interior_slices(1, 3))


# --------------------------------------------------------------------------- #
# Evenness: the claim checked by brute force
# --------------------------------------------------------------------------- #


def brute_force_even(k: int, s: int, d: int) -> bool:
    size = d * k + 2 * s + 2  # interior longer than one period
    layer = TransposedLayer((k,), (s,), (0,), (0,), (d,))
    m = torch_stack((size,), [layer])
    (region,) = interior_slices(size, k, s, dilation=d)
    assert region.stop - region.start >= s
    return len(set(m[region])) == 1


@pytest.mark.parametrize("s", [1, 2, 3, 4])
@pytest.mark.parametrize("k", range(1, 9))
def test_even_iff_stride_divides_kernel_without_dilation(k, s):
    assert brute_force_even(k, s, 1) == (k % s == 0) == is_even(k, s)


@pytest.mark.parametrize("d", [2, 3, 4])
@pytest.mark.parametrize("s", [1, 2, 3, 4])
@pytest.mark.parametrize("k", range(1, 9))
def test_even_with_dilation_by_brute_force(k, s, d):
    brute = brute_force_even(k, s, d)
    assert brute == is_even(k, s, d)
    assert brute == (len(set(phase_counts(k, s, d))) == 1)


def test_dilation_sharing_a_factor_with_the_stride_leaves_holes():
    m = overlap_map(8, 4, 2, dilation=2)
    assert unevenness(m, interior_slices(8, 4, 2, dilation=2)) == math.inf


@pytest.mark.parametrize(
    ("k", "s", "expected"),
    [((4, 3), (2, 1), True), ((4, 3), (2, 2), False), ((3, 4), 2, False), (6, (2, 3), True)],
)
def test_is_even_2d_needs_every_axis(k, s, expected):
    assert is_even(k, s) == expected
    size = (12, 12)
    m = overlap_map(size, k, s)
    assert (unevenness(m, interior_slices(size, k, s)) == 1.0) == expected


# --------------------------------------------------------------------------- #
# The remedy: resize then convolve
# --------------------------------------------------------------------------- #


@SETTINGS
@given(
    st.integers(1, 2),
    st.data(),
)
def test_resize_conv_overlap_matches_torch(dims, data):
    size = tuple(data.draw(st.integers(1, 5)) for _ in range(dims))
    f = tuple(data.draw(st.integers(1, 3)) for _ in range(dims))
    k = tuple(data.draw(st.integers(1, 5)) for _ in range(dims))
    d = tuple(data.draw(st.integers(1, 2)) for _ in range(dims))
    p = tuple(data.draw(st.integers(0, 2)) for _ in range(dims))
    for i, fi, ki, di, pi in zip(size, f, k, d, p, strict=True):
        assume(i * fi + 2 * pi >= di * (ki - 1) + 1)
    x = F.interpolate(torch.ones(1, 1, *size, dtype=torch.float64), scale_factor=f, mode="nearest")
    y = CONV[dims](x, torch.ones(1, 1, *k, dtype=torch.float64), padding=p, dilation=d)[0, 0]
    m = resize_conv_overlap(size, f, k, p, d)
    np.testing.assert_array_equal(m, y.numpy().astype(np.int64))
    region = resize_conv_interior_slices(size, f, k, p, d)
    inner = m[region]
    if inner.size:
        assert set(inner.ravel()) == {math.prod(k)}
        assert unevenness(m, region) == 1.0


def test_resize_conv_is_even_where_the_transposed_conv_is_not():
    # same 2x upsampling, same 3x3 kernel
    tr = overlap_map((6, 6), 3, 2)
    assert unevenness(tr, interior_slices((6, 6), 3, 2)) > 1.0
    rc = resize_conv_overlap((6, 6), 2, 3, padding=1)
    assert rc.shape == (12, 12)
    assert unevenness(rc, resize_conv_interior_slices((6, 6), 2, 3, padding=1)) == 1.0


# --------------------------------------------------------------------------- #
# Arguments
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize(
    ("call", "exc", "words"),
    [
        (lambda: overlap_map(0, 3, 2), ValueError, "input_size=0"),
        (lambda: overlap_map(5, 3, 0), ValueError, "stride=0"),
        (lambda: overlap_map((5, 5), (3, 3, 3), 2), ValueError, "kernel_size"),
        (lambda: overlap_map(5, 3, 2, output_padding=2), ValueError, "output_padding"),
        (lambda: overlap_map(5, 2.0, 2), TypeError, "kernel_size"),
        (lambda: overlap_map_stack(5, []), ValueError, "layers"),
        (lambda: overlap_map_stack(5, [3]), TypeError, "layer"),
        (lambda: is_even(3, 0), ValueError, "stride=0"),
        (lambda: resize_conv_overlap(5, 0, 3), ValueError, "scale_factor=0"),
    ],
)
def test_bad_arguments_are_named(call, exc, words):
    with pytest.raises(exc, match=words):
        call()


def test_every_public_name_has_a_numpy_docstring():
    from convviz import overlap

    for name in overlap.__all__:
        doc = getattr(overlap, name).__doc__ or ""
        assert "Returns" in doc or "Attributes" in doc, name
