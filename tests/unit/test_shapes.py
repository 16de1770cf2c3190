"""Shape arithmetic checked against the shapes PyTorch produces (and refuses)."""

from __future__ import annotations

import warnings

import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from strategies import CONV, CONV_T

from convviz.shapes import (
    RELATIONSHIPS,
    conv_output_shape,
    conv_output_size,
    conv_transpose_output_shape,
    conv_transpose_output_size,
    effective_kernel_size,
    floor_remainder,
    is_valid_conv,
    is_valid_conv_transpose,
    output_padding_cells,
    output_padding_for,
    padding_for_same,
    relationship,
    same_padding,
    unread_cells,
    valid_settings,
)


def torch_conv_shape(shape, k, s, p, d):
    """Spatial shape torch gives, or None where torch refuses."""
    n = len(shape)
    k = (k,) * n if isinstance(k, int) else k
    x = torch.zeros(1, 1, *shape)
    w = torch.zeros(1, 1, *k)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch warns about even kernels with 'same'
        try:
            return tuple(CONV[n](x, w, stride=s, padding=p, dilation=d).shape[2:])
        except (RuntimeError, ValueError):
            return None


def torch_conv_transpose_shape(shape, k, s, p, a, d):
    """Spatial shape torch gives, or None where torch refuses.

    An output size of exactly 0 is an empty axis: torch returns it on its oneDNN path
    (two float32 images here) and for an empty batch, while its slow kernels (1x1
    kernels, one image, float64) raise "Output size is too small". convviz follows the
    empty result; so where torch raises that, the shape of the empty batch (which
    skips the other checks, hence not asked first) is the answer when it has a 0.
    """
    n = len(shape)
    k = (k,) * n if isinstance(k, int) else k
    w = torch.zeros(1, 1, *k)
    args = {"stride": s, "padding": p, "output_padding": a, "dilation": d}
    try:
        return tuple(CONV_T[n](torch.zeros(2, 1, *shape), w, **args).shape[2:])
    except (RuntimeError, ValueError) as error:
        if "Output size is too small" not in str(error):
            return None
    try:
        out = tuple(CONV_T[n](torch.zeros(0, 1, *shape), w, **args).shape[2:])
    except (RuntimeError, ValueError):
        return None
    return out if 0 in out and min(out) >= 0 else None


def per_axis(n, values):
    """An int for every axis, or a tuple with one per axis."""
    return st.one_of(values, st.tuples(*[values] * n))


@st.composite
def conv_settings(draw):
    n = draw(st.integers(1, 3))
    big = 9 if n < 3 else 6
    shape = tuple(draw(st.lists(st.integers(1, big), min_size=n, max_size=n)))
    k = draw(per_axis(n, st.integers(1, 5)))
    s = draw(per_axis(n, st.integers(1, 3)))
    d = draw(per_axis(n, st.integers(1, 3)))
    p = draw(st.one_of(per_axis(n, st.integers(0, 3)), st.sampled_from(["same", "valid"])))
    return shape, k, s, p, d


@st.composite
def transpose_settings(draw):
    n = draw(st.integers(1, 3))
    shape = tuple(draw(st.lists(st.integers(1, 5), min_size=n, max_size=n)))
    k = draw(per_axis(n, st.integers(1, 4)))
    s = draw(per_axis(n, st.integers(1, 3)))
    d = draw(per_axis(n, st.integers(1, 3)))
    p = draw(per_axis(n, st.integers(0, 4)))
    a = draw(per_axis(n, st.integers(0, 3)))
    return shape, k, s, p, a, d


@settings(max_examples=300, deadline=None)
@given(conv_settings())
def test_conv_output_shape_matches_torch_including_refusals(setting):
    shape, k, s, p, d = setting
    expected = torch_conv_shape(shape, k, s, p, d)
    if expected is None:
        with pytest.raises(ValueError):
            conv_output_shape(shape, k, s, p, d)
        assert not is_valid_conv(shape, k, s, p, d)
    else:
        assert conv_output_shape(shape, k, s, p, d) == expected
        assert is_valid_conv(shape, k, s, p, d)


@settings(max_examples=300, deadline=None)
@given(transpose_settings())
def test_conv_transpose_output_shape_matches_torch_including_refusals(setting):
    shape, k, s, p, a, d = setting
    expected = torch_conv_transpose_shape(shape, k, s, p, a, d)
    if expected is None:
        with pytest.raises(ValueError):
            conv_transpose_output_shape(shape, k, s, p, a, d)
        assert not is_valid_conv_transpose(shape, k, s, p, a, d)
    else:
        assert conv_transpose_output_shape(shape, k, s, p, a, d) == expected
        assert is_valid_conv_transpose(shape, k, s, p, a, d)


def test_hand_derived_sizes():
    # 3x3 kernel sliding over a 4x4 input fits in 2 positions per axis.
    assert conv_output_shape((4, 4), 3) == (2, 2)
    # 5 cells, kernel 3, padding 1, stride 2: windows start at -1, 1, 3 -> 3 outputs.
    assert conv_output_size(5, 3, 2, 1) == 3
    # kernel 3 with dilation 2 covers cells 0, 2, 4: extent 5.
    assert effective_kernel_size(3, 2) == 5
    # transposing 3 -> 2 (k=2, s=1) goes back to 3.
    assert conv_transpose_output_size(2, 2) == 3
    # 'same' with an even kernel puts the extra cell on the right.
    assert same_padding(4) == (1, 2)


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: conv_output_shape((5, 5), 3, stride=0), "stride"),
        (lambda: conv_output_shape((5, 5), 3, dilation=(1, 0)), "dilation"),
        (lambda: conv_output_shape((5, 5), (3, 3, 3)), "kernel_size"),
        (lambda: conv_output_shape((5, 5), 3, padding=-1), "padding"),
        (lambda: conv_output_shape((5, 5), 3, stride=2, padding="same"), "same"),
        (lambda: conv_output_shape((5, 5), 3, padding="full"), "padding"),
        (lambda: conv_output_shape((0, 5), 3), "input_shape"),
        (lambda: conv_output_shape((2, 5), 3), "kernel_size"),
        (lambda: conv_transpose_output_shape((2,), 3, 1, 0, 1), "output_padding"),
        (lambda: conv_transpose_output_shape((2,), 2, 1, 2), "size"),
        (lambda: output_padding_for(3, 9, 3, 2, 1), "output_padding"),
        (lambda: padding_for_same(2), "kernel_size"),
    ],
)
def test_errors_name_the_argument(call, name):
    with pytest.raises(ValueError, match=name):
        call()


def test_non_integer_is_a_type_error():
    with pytest.raises(TypeError, match="kernel_size"):
        conv_output_shape((5,), 2.5)


# --- Dumoulin and Visin ----------------------------------------------------


def test_relationships_follow_the_papers_numbering():
    # arXiv:1603.07285 v2: 1-6 convolution, 7 pooling, 8-14 transposed, 15 dilated.
    assert [r.label for r in RELATIONSHIPS] == [str(n) for n in range(1, 16)] + ["15T"]
    assert [r.number for r in RELATIONSHIPS] == [*range(1, 16), None]
    assert all(r.formula and r.conditions and r.name for r in RELATIONSHIPS)
    ops = [r.operation for r in RELATIONSHIPS]
    assert ops == ["convolution"] * 6 + ["pooling"] + ["transposed"] * 7 + [
        "convolution",
        "transposed",
    ]
    assert relationship(7).name == "pooling" and relationship("15").name == "dilated convolution"
    assert relationship("15T").transposed and not relationship(15).transposed
    with pytest.raises(ValueError, match="label"):
        relationship(16)


def build(label, i, k, s, p, d, m):
    """Forward settings (i, k, s, p, d) meeting the paper's conditions of a relationship."""
    n = int(label.rstrip("T"))
    base = n - 7 if 8 <= n <= 13 else n  # 8-13 transpose 1-6
    if label == "15T":
        base = 0
    if base in (1, 2, 3, 4):
        s, d = 1, 1
    if base in (1, 5, 7):
        p = 0
    if base == 3:
        k = 2 * (k // 2) + 1
        p = k // 2
    if base == 4:
        p = k - 1
    if base in (5, 6, 7, 14):
        d = 1
    if n == 12:
        i = k + s * m
    if n == 13:
        i = k - 2 * p + s * m
    return i, k, s, p, d


@pytest.mark.parametrize("rel", RELATIONSHIPS, ids=lambda r: f"relationship{r.label}")
@settings(max_examples=25, deadline=None)
@given(
    st.integers(1, 12),
    st.integers(1, 5),
    st.integers(1, 4),
    st.integers(0, 3),
    st.integers(1, 3),
    st.integers(0, 3),
)
def test_relationship_against_torch(rel, i, k, s, p, d, m):
    i, k, s, p, d = build(rel.label, i, k, s, p, d, m)
    assume(i >= 1 and i + 2 * p >= d * (k - 1) + 1)  # the forward convolution exists
    assert rel.applies(i, k, s, p, d)
    if rel.operation == "pooling":
        o = torch.nn.functional.max_pool1d(torch.zeros(1, 1, i), k, s).shape[-1]
        assert rel.output(i, k, s, p, d, 0) == o
        return
    (o,) = torch_conv_shape((i,), k, s, p, d)
    if not rel.transposed:
        assert rel.output(i, k, s, p, d, 0) == o
        return
    # The transposed convolution takes the forward output o back to the input size i.
    a = 0
    if rel.label == "14":
        a = (i + 2 * p - k) % s
    if rel.label == "15T":
        a = (i + 2 * p - d * (k - 1) - 1) % s
    assume(a < s or a < d)
    (back,) = torch_conv_transpose_shape((o,), k, s, p, a, d)
    assert rel.output(o, k, s, p, d, a) == back == i


def test_relationship_conditions_reject_other_settings():
    assert not relationship(1).applies(5, 3, 2, 0, 1)  # strided
    assert not relationship(3).applies(5, 4, 1, 2, 1)  # even kernel
    assert not relationship(12).applies(6, 3, 2, 0, 1)  # i - k = 3 not a multiple of 2
    assert not relationship(6).applies(6, 3, 2, 0, 2)  # dilated
    assert not relationship(7).applies(6, 3, 2, 1, 1)  # the paper's pooling has no padding


# --- what the floor drops, and what output_padding adds ----------------------------


@settings(max_examples=60, deadline=None)
@given(
    st.integers(1, 14), st.integers(1, 4), st.integers(1, 4), st.integers(0, 3), st.integers(1, 3)
)
def test_unread_cells_and_floor_remainder_against_torch_gradients(i, k, s, p, d):
    assume(i + 2 * p >= d * (k - 1) + 1)
    x = torch.zeros(1, 1, i, requires_grad=True)
    torch.nn.functional.conv1d(
        x, torch.ones(1, 1, k), stride=s, padding=p, dilation=d
    ).sum().backward()
    unread = [c for c in range(i) if x.grad[0, 0, c] == 0]
    assert unread_cells(i, k, s, p, d) == unread
    r = floor_remainder(i, k, s, p, d)
    assert 0 <= r < s
    (o,) = torch_conv_shape((i,), k, s, p, d)
    # r is the output_padding that takes the transposed convolution back to i
    assert torch_conv_transpose_shape((o,), k, s, p, r, d) == (i,)
    # the last r cells of the padded input are read by no window
    last_read = (o - 1) * s + d * (k - 1)
    assert i + 2 * p - 1 - last_read == r


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 6), st.integers(1, 4), st.integers(2, 4), st.integers(0, 3), st.data())
def test_output_padding_cells_against_torch(i, k, s, p, data):
    a = data.draw(st.integers(0, s - 1))
    y = torch.randn(1, 1, i)
    w = torch.randn(1, 1, k)
    bias = torch.tensor([100.0])
    try:
        z = torch.nn.functional.conv_transpose1d(y, w, bias, stride=s, padding=p, output_padding=a)
    except RuntimeError:
        return  # non-positive size
    computed, bias_only = output_padding_cells(p, a)
    assert computed + bias_only == a
    full = torch.nn.functional.conv_transpose1d(y, w, bias, stride=s)[0, 0]  # uncropped
    o = z.shape[-1]
    assume(o >= a)  # an output shorter than a has no "added cells" to speak of
    added = range(o - a, o)  # the cells output_padding adds
    past = [c for c in added if c + p >= len(full)]
    assert len(past) == bias_only
    assert all(z[0, 0, c] == 100.0 for c in past)
    for c in added:
        if c + p < len(full):
            assert z[0, 0, c] == full[c + p]
    with pytest.raises(ValueError, match="output_padding"):
        output_padding_cells(1, -1)


# --- inverse questions -----------------------------------------------------


@settings(max_examples=80, deadline=None)
@given(st.integers(1, 12), st.integers(1, 6), st.integers(1, 4))
def test_padding_for_same_keeps_the_size_in_torch(i, k, d):
    if (d * (k - 1)) % 2:
        with pytest.raises(ValueError, match="same"):
            padding_for_same(k, d)
        left, right = same_padding(k, d)
        assert left + right == d * (k - 1)
        return
    p = padding_for_same(k, d)
    assert torch_conv_shape((i,), k, 1, p, d) == (i,)
    assert torch_conv_shape((i,), k, 1, "same", d) == (i,)
    assert padding_for_same((k, k), d) == (p, p)


@settings(max_examples=150, deadline=None)
@given(
    st.integers(1, 12),
    st.integers(1, 5),
    st.integers(1, 4),
    st.integers(0, 3),
    st.integers(1, 3),
)
def test_output_padding_for_recovers_the_input_size(i, k, s, p, d):
    fwd = torch_conv_shape((i,), k, s, p, d)
    assume(fwd is not None)
    (o,) = fwd
    a = output_padding_for(o, i, k, s, p, d)
    assert torch_conv_transpose_shape((o,), k, s, p, a, d) == (i,)
    assert output_padding_for((o, o), (i, i), k, s, p, d) == (a, a)


@settings(max_examples=150, deadline=None)
@given(
    st.integers(1, 6),
    st.integers(1, 20),
    st.integers(1, 4),
    st.integers(1, 3),
    st.integers(0, 3),
    st.integers(1, 3),
)
def test_output_padding_for_raises_exactly_when_no_padding_reaches(i, target, k, s, p, d):
    reachable = {
        a for a in range(0, 4) if torch_conv_transpose_shape((i,), k, s, p, a, d) == (target,)
    }
    if reachable:
        assert output_padding_for(i, target, k, s, p, d) in reachable
    else:
        with pytest.raises(ValueError, match="output_padding"):
            output_padding_for(i, target, k, s, p, d)


def test_valid_settings_is_exactly_what_torch_accepts():
    size = 4
    ks, ss, ps, ds = range(1, 6), range(1, 4), range(0, 3), range(1, 4)
    found = valid_settings(size, ks, ss, ps, ds)
    assert found == sorted(found)
    got = {(c.kernel_size, c.stride, c.padding, c.dilation): c.output_size for c in found}
    for k in ks:
        for s in ss:
            for p in ps:
                for d in ds:
                    shape = torch_conv_shape((size,), k, s, p, d)
                    if shape is None:
                        assert (k, s, p, d) not in got
                    else:
                        assert got[(k, s, p, d)] == shape[0]


def test_unread_cells_docstring_examples():
    # stride 1 reads every cell between the first and the last window, whatever d
    assert unread_cells(10, 3, stride=1, dilation=3) == []
    # s = d = 2: every second cell is skipped although s < d (k - 1) + 1
    assert unread_cells(9, 3, stride=2, dilation=2) == [1, 3, 5, 7]
    # s > d (k - 1) + 1: gaps between windows
    assert unread_cells(10, 2, stride=4) == [2, 3, 6, 7]
