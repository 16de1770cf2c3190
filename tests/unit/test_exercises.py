"""The exercise checker: convviz's own answers pass, typical wrong ones fail with the right hint."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import convviz as cv
from convviz import exercises as ex

NAMES = sorted(ex.EXERCISES)


def test_catalogue_lists_every_exercise_and_the_required_ones():
    cat = cv.exercises.catalogue()
    assert set(cat) == set(NAMES)
    required = {
        "conv1d",
        "conv2d",
        "conv_output_size",
        "conv_transpose2d",
        "channel_shuffle",
        "receptive_field",
    }
    assert required <= set(cat)
    assert all(line.startswith("ch") and len(line) > 20 for line in cat.values())
    chapters = {ex.EXERCISES[n].chapter for n in NAMES}
    assert chapters == {f"{c:02d}" for c in range(1, 16)}


@pytest.mark.parametrize("name", NAMES)
def test_reference_passes_its_own_check(name):
    report = cv.exercises.check(name, ex.EXERCISES[name].reference)
    assert report.passed, str(report)
    assert report.counterexample is None
    assert "passed" in str(report)


@pytest.mark.parametrize("name", NAMES)
def test_independent_reference_agrees_with_convviz(name):
    """The second reference (torch or NumPy brute force) is really the same function."""
    e = ex.EXERCISES[name]
    if e.independent is None:
        pytest.skip("no independent reference")
    report = cv.exercises.check(name, e.independent, seed=1)
    assert report.passed, str(report)


@pytest.mark.parametrize("name", NAMES)
def test_unfinished_scaffold_gets_a_report_not_an_exception(name):
    def scaffold(*args, **kwargs):
        """The learner has not written the body yet."""
        ...

    report = cv.exercises.check(name, scaffold)
    assert not report.passed
    assert "returned None" in report.problem
    assert name in str(report) and "FAILED" in str(report)
    assert "FAILED" in report._repr_html_()


def test_check_refuses_unknown_names_and_non_functions():
    with pytest.raises(ValueError, match="name must be one of"):
        cv.exercises.check("conv9d", lambda: None)
    with pytest.raises(TypeError, match="fn must be a function"):
        cv.exercises.check("conv1d", 3)


# -- typical wrong implementations ---------------------------------------------------------


def conv1d_loop(x, weight, stride=1, padding=0, dilation=1, *, flip=False, rounding=math.floor):
    n, _, i = x.shape
    c_out, _, k = weight.shape
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding)))
    o = int(rounding((i + 2 * padding - dilation * (k - 1) - 1) / stride)) + 1
    w = weight[..., ::-1] if flip else weight
    y = np.zeros((n, c_out, o))
    for t in range(o):
        for kk in range(k):
            pos = t * stride + kk * dilation
            if pos < xp.shape[-1]:
                y[:, :, t] += xp[:, :, pos] @ w[:, :, kk].T
    return y


def conv1d_no_plus_one(x, weight, stride=1, padding=0, dilation=1):
    y = conv1d_loop(x, weight, stride, padding, dilation)
    return y[..., :-1] if y.shape[-1] > 1 else y[..., :0]


CONV1D_WRONG = {
    "flipped": (lambda x, w, **k: conv1d_loop(x, w, **k, flip=True), "flipped"),
    "ceil": (lambda x, w, **k: conv1d_loop(x, w, **k, rounding=math.ceil), "ceil instead of floor"),
    "no +1": (conv1d_no_plus_one, "off by one"),
    "dilation": (lambda x, w, **k: conv1d_loop(x, w, **{**k, "dilation": 1}), "dilation"),
}


@pytest.mark.parametrize("case", CONV1D_WRONG, ids=str)
def test_conv1d_wrong_versions_fail_with_the_right_hint(case):
    fn, hint = CONV1D_WRONG[case]
    report = cv.exercises.check("conv1d", fn)
    assert not report.passed
    assert report.hint is not None and hint in report.hint, str(report)


def test_the_counterexample_is_shrunk_to_a_small_configuration():
    report = cv.exercises.check("conv1d", CONV1D_WRONG["flipped"][0])
    ce = report.counterexample
    # a flip shows with one image, one channel in and out, a kernel of 2 and no stride
    assert ce["x"].shape[:2] == (1, 1) and ce["weight"].shape == (1, 1, 2)
    assert ce["stride"] == 1 and ce["padding"] == 0 and ce["dilation"] == 1
    assert not np.allclose(report.expected, report.obtained)
    expected = F.conv1d(torch.from_numpy(ce["x"]), torch.from_numpy(ce["weight"])).numpy()
    np.testing.assert_allclose(report.expected, expected)
    text = str(report)
    assert "expected" in text and "obtained" in text and "Hint:" in text


def conv2d_torch(x, weight, bias=None, stride=(1, 1), padding=(0, 0), dilation=(1, 1)):
    t = lambda a: None if a is None else torch.from_numpy(np.array(a))  # noqa: E731
    return F.conv2d(t(x), t(weight), t(bias), stride, padding, dilation).numpy()


CONV2D_WRONG = {
    "flipped": (lambda x, w, **k: conv2d_torch(x, w[..., ::-1, ::-1], **k), "flipped"),
    "bias": (lambda x, w, **k: conv2d_torch(x, w, **{**k, "bias": None}), "bias"),
    "swapped": (
        lambda x, w, bias=None, stride=(1, 1), padding=(0, 0), dilation=(1, 1): conv2d_torch(
            x, w, bias, stride[::-1], padding[::-1], dilation[::-1]
        ),
        "swapped",
    ),
    "padding": (lambda x, w, **k: conv2d_torch(x, w, **{**k, "padding": (0, 0)}), "padding"),
}


@pytest.mark.parametrize("case", CONV2D_WRONG, ids=str)
def test_conv2d_wrong_versions_fail_with_the_right_hint(case):
    fn, hint = CONV2D_WRONG[case]
    report = cv.exercises.check("conv2d", fn)
    assert not report.passed
    assert report.hint is not None and hint in report.hint, str(report)


def size_floor(size, kernel_size, stride=1, padding=0, dilation=1):
    return (size + 2 * padding - dilation * (kernel_size - 1) - 1) // stride + 1


SIZE_WRONG = {
    "ceil": (
        lambda i, k, stride=1, padding=0, dilation=1: (
            math.ceil((i + 2 * padding - dilation * (k - 1) - 1) / stride) + 1
        ),
        "ceil instead of floor",
    ),
    "no +1": (lambda *a, **k: size_floor(*a, **k) - 1, "+ 1 is missing"),
    "dilation": (lambda i, k, dilation=1, **kw: size_floor(i, k, **kw), "dilation"),
    "padding once": (
        lambda i, k, stride=1, padding=0, dilation=1: (
            (i + padding - dilation * (k - 1) - 1) // stride + 1
        ),
        "padding is counted once",
    ),
}


@pytest.mark.parametrize("case", SIZE_WRONG, ids=str)
def test_conv_output_size_wrong_versions_fail_with_the_right_hint(case):
    fn, hint = SIZE_WRONG[case]
    report = cv.exercises.check("conv_output_size", fn)
    assert not report.passed
    assert report.hint is not None and hint in report.hint, str(report)


def test_true_division_is_a_type_problem():
    def slash(i, k, stride=1, padding=0, dilation=1):
        return (i + 2 * padding - dilation * (k - 1) - 1) / stride + 1

    report = cv.exercises.check("conv_output_size", slash)
    assert not report.passed and "expected an int" in report.problem and "//" in report.problem


def convT_torch(x, w, stride=1, padding=0, output_padding=0, dilation=1):
    return F.conv_transpose2d(
        torch.from_numpy(np.array(x)),
        torch.from_numpy(np.array(w)),
        stride=stride,
        padding=padding,
        output_padding=output_padding,
        dilation=dilation,
    ).numpy()


CONVT_WRONG = {
    "output_padding": (
        lambda x, w, **k: convT_torch(x, w, **{**k, "output_padding": 0}),
        "output_padding is ignored",
    ),
    "flipped": (lambda x, w, **k: convT_torch(x, w[..., ::-1, ::-1], **k), "flipped"),
    "not cropped": (
        lambda x, w, **k: convT_torch(x, w, **{**k, "padding": 0}),
        "not cropped",
    ),
}


@pytest.mark.parametrize("case", CONVT_WRONG, ids=str)
def test_conv_transpose2d_wrong_versions_fail_with_the_right_hint(case):
    fn, hint = CONVT_WRONG[case]
    report = cv.exercises.check("conv_transpose2d", fn)
    assert not report.passed
    assert report.hint is not None and hint in report.hint, str(report)


def shuffle_wrong_way(x, groups):
    n, c = x.shape[:2]
    return x.reshape(n, c // groups, groups, *x.shape[2:]).swapaxes(1, 2).reshape(x.shape)


def test_channel_shuffle_transposed_the_wrong_way_gets_the_hint():
    report = cv.exercises.check("channel_shuffle", shuffle_wrong_way)
    assert not report.passed and "transposed the wrong way" in report.hint
    report = cv.exercises.check("channel_shuffle", lambda x, groups: x.copy())
    assert not report.passed and "unchanged" in report.hint
    right = lambda x, groups: shuffle_wrong_way(x, x.shape[1] // groups)  # noqa: E731
    assert cv.exercises.check("channel_shuffle", right).passed


def rf(layers, *, own=False, strides=True, dilation=True):
    r, jump = 1, 1
    for layer in layers:
        if own and strides:
            jump *= layer.stride
        r += (layer.dilation if dilation else 1) * (layer.kernel_size - 1) * jump
        if not own and strides:
            jump *= layer.stride
    return r


@pytest.mark.parametrize(
    ("fn", "hint"),
    [
        (lambda layers: rf(layers, strides=False), "strides are ignored"),
        (lambda layers: rf(layers, own=True), "own stride"),
        (lambda layers: rf(layers, dilation=False), "dilation is ignored"),
    ],
)
def test_receptive_field_wrong_versions_fail_with_the_right_hint(fn, hint):
    report = cv.exercises.check("receptive_field", fn)
    assert not report.passed and hint in report.hint, str(report)


def test_receptive_field_accepts_a_receptive_field_object():
    assert cv.exercises.check("receptive_field", cv.receptive_field).passed
    assert cv.exercises.check("receptive_field", rf).passed


def grouped_interleaved(x, weight, groups):
    cig = weight.shape[1]
    perm = [c for j in range(groups) for c in range(j, x.shape[1], groups)]
    assert len(perm) == cig * groups
    return cv.conv2d(x[:, perm], weight, groups=groups)


def test_groups_sliced_wrongly_get_the_hint():
    for name in ("grouped_conv2d", "pointwise_grouped"):
        report = cv.exercises.check(name, grouped_interleaved)
        assert not report.passed and "groups are sliced wrongly" in report.hint, str(report)
    report = cv.exercises.check(
        "input_channels", lambda j, ci, co, g: list(range(j // (co // g), ci, g))
    )
    assert not report.passed and "sliced wrongly" in report.hint


def test_macs_counting_mistakes_get_their_hints():
    def macs(input_shape, out_channels, kernel_size, stride=1, padding=0, groups=1):
        n, c, h, w = input_shape
        oh = (h + 2 * padding - kernel_size) // stride + 1
        ow = (w + 2 * padding - kernel_size) // stride + 1
        return n * out_channels * oh * ow * (c // groups) * kernel_size**2

    assert cv.exercises.check("macs", macs).passed
    flops = lambda *a, **k: 2 * macs(*a, **k)  # noqa: E731
    assert "FLOPs" in cv.exercises.check("macs", flops).hint
    dense = lambda *a, groups=1, **k: macs(*a, **k)  # noqa: E731
    assert "groups are ignored" in cv.exercises.check("macs", dense).hint


def test_other_hints():
    report = cv.exercises.check("convolve1d", lambda x, w: np.correlate(x, w, "full"))
    assert "cross-correlation" in report.hint
    report = cv.exercises.check("correlate1d", lambda x, w: np.convolve(x, w, "valid"))
    assert "convolution" in report.hint
    report = cv.exercises.check(
        "conv_matrix", lambda s, w, **k: cv.conv_matrix(s, w, dense=True, **k).T
    )
    assert "transposed" in report.hint
    report = cv.exercises.check(
        "spatially_separable_macs", lambda n, m: n * (n - 2) * m + (n - 2) ** 2 * m
    )
    assert "N - 2" in report.hint
    report = cv.exercises.check(
        "conv_transpose_output_size",
        lambda i, k, stride=1, padding=0, output_padding=0, dilation=1: (
            (i - 1) * stride - 2 * padding + dilation * (k - 1) + 1
        ),
    )
    assert "output_padding is ignored" in report.hint
    report = cv.exercises.check(
        "same_padding", lambda k, dilation=1: ((k - 1) // 2 + (k - 1) % 2, (k - 1) // 2)
    )
    assert "swapped" in report.hint


# -- a learner's function that misbehaves -----------------------------------------------------


def test_a_function_that_raises_gets_a_report():
    def broken(x, weight, stride=1, padding=0, dilation=1):
        return x[:, :, 100] @ weight  # IndexError

    report = cv.exercises.check("conv1d", broken)
    assert not report.passed
    assert report.problem.startswith("raised IndexError")
    assert "FAILED" in str(report)


def test_a_wrong_signature_is_explained():
    report = cv.exercises.check("conv1d", lambda x, weight, stride=1: x)
    assert report.problem.startswith("raised TypeError")
    assert "conv1d(x, weight, stride=1, padding=0, dilation=1)" in report.hint


def test_wrong_shape_and_dtype_are_reported():
    report = cv.exercises.check("pointwise", lambda x, w: x[:, :, None])
    assert not report.passed and "shape" in report.problem
    report = cv.exercises.check("pointwise", lambda x, w: cv.conv2d(x, w).astype(int))
    assert not report.passed and "dtype int" in report.problem
    report = cv.exercises.check("pointwise", lambda x, w: cv.conv2d(x, w).tolist())
    assert not report.passed and "expected a NumPy ndarray" in report.problem


def test_a_slow_function_is_stopped_at_the_time_limit():
    def slow(x, weight, stride=1, padding=0, dilation=1):
        while True:
            pass

    start = time.perf_counter()
    report = cv.exercises.check("conv1d", slow, timeout=0.2)
    # stopped, not hung: a generous bound, since the machine may be loaded
    assert time.perf_counter() - start < 30.0
    assert not report.passed and "time limit" in report.problem


@pytest.mark.parametrize("seed", range(6))
def test_shrinking_trades_padding_for_a_larger_image(seed):
    """Greedy lowering alone stops at a 1 x 1 image padded to fit a 1 x 2 kernel."""

    def flipped(x, weight, bias=None, stride=(1, 1), padding=(0, 0), dilation=(1, 1)):
        return cv.conv2d(x, weight[..., ::-1, ::-1].copy(), bias, stride, padding, dilation)

    ce = cv.exercises.check("conv2d", flipped, seed=seed).counterexample
    assert ce["x"].shape[:2] == (1, 1) and ce["bias"] is None
    assert ce["stride"] == (1, 1) and ce["padding"] == (0, 0) and ce["dilation"] == (1, 1)
    assert ce["x"].size <= 2 and ce["weight"].size == 2


def test_a_timeout_is_reported_on_the_simplest_configuration():
    def forever(x, weight, stride=1, padding=0, dilation=1):
        while True:
            pass

    report = cv.exercises.check("conv1d", forever, timeout=0.1)
    assert report.counterexample["x"].shape == (1, 1, 1)
    assert report.counterexample["weight"].shape == (1, 1, 1)
    text = str(report)
    assert "ran too long (1 configuration run)" in text
    assert "Smallest" not in text  # a timeout is not shrunk


def test_an_error_inside_numpy_points_at_the_learners_line():
    def pads_wrongly(x, weight, stride=1, padding=0, dilation=1):
        return np.pad(x, padding, mode="zeros")  # NumPy raises, deep inside np.pad

    report = cv.exercises.check("conv1d", pads_wrongly)
    assert report.problem.startswith("raised ValueError")
    assert 'of your code: return np.pad(x, padding, mode="zeros")' in report.problem
    assert "expected" in str(report)  # the answer is shown even when the function raised


def test_right_values_of_the_wrong_type_get_no_mistake_hint():
    """An int array, a list or a float with the right values is a type problem, not a mistake."""

    def as_int(x, weight, stride=1, padding=0, dilation=1):
        out = cv.conv1d(x, weight, stride=stride, padding=padding, dilation=dilation)
        return out.astype(int)

    def as_list(x, weight, stride=1, padding=0, dilation=1):
        out = cv.conv1d(x, weight, stride=stride, padding=padding, dilation=dilation)
        return out.tolist()

    def slash(size, kernel_size, stride=1, padding=0, dilation=1):
        return (size + 2 * padding - dilation * (kernel_size - 1) - 1) / stride + 1

    for name, fn in (("conv1d", as_int), ("conv1d", as_list), ("conv_output_size", slash)):
        report = cv.exercises.check(name, fn)
        assert not report.passed and report.hint is None, str(report)


def test_an_in_place_change_of_an_argument_does_not_reach_the_references():
    def adds_bias_in_place(x, weight, bias=None, stride=(1, 1), padding=(0, 0), dilation=(1, 1)):
        y = cv.conv2d(x, weight, stride=stride, padding=padding, dilation=dilation)
        if bias is not None:
            bias *= 2  # the learner's bug, on the learner's copy
            y += bias[None, :, None, None] / 2
        x += 1
        return y

    report = cv.exercises.check("conv2d", adds_bias_in_place)
    assert report.passed, str(report)


def test_debugging_prints_do_not_flood_the_notebook(capsys):
    def noisy(x, weight, stride=1, padding=0, dilation=1):
        print("shapes", x.shape, weight.shape)
        return np.zeros((1, 1, 1))  # wrong shape on most configurations

    report = cv.exercises.check("conv1d", noisy)
    assert capsys.readouterr().out == ""  # nothing printed during the search
    shape = report.counterexample["x"].shape
    assert report.printed == f"shapes {shape} {report.counterexample['weight'].shape}\n"
    assert "Your function printed, on this configuration:\n  shapes" in str(report)


def test_a_list_of_ints_is_shown_like_the_expected_one():
    wrong = lambda c, g: [(q % (c // g)) * g + q // (c // g) for q in range(c)]  # noqa: E731
    report = cv.exercises.check("shuffle_permutation", wrong)
    assert type(report.obtained) is type(report.expected) is list


def test_an_integer_array_is_accepted_for_a_list_of_ints():
    fn = lambda c, g: np.arange(c).reshape(g, c // g).T.ravel()  # noqa: E731
    assert cv.exercises.check("shuffle_permutation", fn).passed


def test_a_torch_tensor_is_accepted():
    fn = lambda x, w: F.conv2d(torch.from_numpy(x), torch.from_numpy(w))  # noqa: E731
    assert cv.exercises.check("pointwise", fn).passed


def test_reports_print_as_text_in_every_frontend():
    report = cv.exercises.check("conv1d", CONV1D_WRONG["flipped"][0])

    class Printer:
        def __init__(self):
            self.out = ""

        def text(self, s):
            self.out += s

    p = Printer()
    report._repr_pretty_(p, False)
    assert p.out == str(report)
    assert "&" not in str(report) or "&amp;" in report._repr_html_()
    assert repr(report).startswith("<Report conv1d: failed")


def _flatw(c, v, h):
    return c[:, :, None, None] * v[:, None, :, None] * h[:, None, None, :]


def _dsm(shape, co, k, stride=1, padding=0, *, pointwise=True, depthwise=True):
    n, c, h, w = shape
    oh = (h + 2 * padding - k) // stride + 1
    ow = (w + 2 * padding - k) // stride + 1
    return n * oh * ow * (c * k * k * depthwise + c * co * pointwise)


MORE_WRONG = [
    (
        "conv3d",
        lambda x, w, **k: cv.conv3d(x, w[..., ::-1, ::-1, ::-1].copy(), **k),
        "flipped",
    ),
    (
        "conv_output_shape",
        lambda s, k, stride=1, padding=0, dilation=1: tuple(
            -(-(i + 2 * padding - dilation * (kk - 1) - 1) // stride) + 1
            for i, kk in zip(s, k, strict=True)
        ),
        "ceil",
    ),
    (
        "conv_output_shape",
        lambda s, k, stride=1, padding=0, dilation=1: tuple(
            (i + 2 * padding - kk) // stride + 1 for i, kk in zip(s, k, strict=True)
        ),
        "dilation",
    ),
    ("pointwise", lambda x, w: np.einsum("co,nchw->nohw", w[:, :, 0, 0], x), "transposed"),
    (
        "params",
        lambda ci, co, ks, groups=1, bias=True: co * ci * ks[0] * ks[1] + co * bias,
        "groups are ignored",
    ),
    (
        "params",
        lambda ci, co, ks, groups=1, bias=True: co * (ci // groups) * ks[0] * ks[1],
        "bias",
    ),
    (
        "dilate_kernel",
        lambda w, d: _dilate_trailing(w, d),
        "after the last tap",
    ),
    (
        "depthwise",
        lambda x, w, stride=1, padding=0: cv.conv2d(
            x, w[..., ::-1, ::-1].copy(), stride=stride, padding=padding, groups=x.shape[1]
        ),
        "flipped",
    ),
    (
        "depthwise_separable",
        lambda x, dw, pw, stride=1, padding=0: cv.conv2d(
            cv.conv2d(x, pw), dw, stride=stride, padding=padding, groups=pw.shape[0]
        ),
        "pointwise step ran first",
    ),
    (
        "spatially_separable",
        lambda x, col, row: cv.correlate2d(x, np.outer(col[::-1], row[::-1])),
        "flipped",
    ),
    ("flattened", lambda x, c, v, h: cv.conv2d(x, _flatw(c, h, v)), "v and h are swapped"),
    (
        "shuffle_permutation",
        lambda c, g: list(np.arange(c).reshape(c // g, g).T.ravel()),
        "transposed the wrong way",
    ),
    (
        "pointwise_grouped_macs",
        lambda shape, co, g: shape[0] * shape[2] * shape[3] * shape[1] * co,
        "groups are ignored",
    ),
    (
        "depthwise_separable_macs",
        lambda *a, **k: _dsm(*a, **k, pointwise=False),
        "pointwise step is missing",
    ),
    (
        "depthwise_separable_macs",
        lambda *a, **k: _dsm(*a, **k, depthwise=False),
        "depthwise step is missing",
    ),
    (
        "conv2d_weight",
        lambda x, ws, gy, **k: cv.grad.conv2d_weight(x, ws, gy, **k)[..., ::-1, ::-1],
        "a convolution instead of a correlation",
    ),
    (
        "conv2d_weight",
        lambda x, ws, gy, **k: cv.grad.conv2d_weight(x[:1], ws, gy[:1], **k),
        "the batch is not summed",
    ),
    (
        "conv2d_weight",
        lambda x, ws, gy, **k: cv.grad.conv2d_weight(x, ws, gy, **k).transpose(1, 0, 2, 3),
        "channel axes are swapped",
    ),
    (
        "conv2d_input",
        lambda size, w, gy, **k: cv.grad.conv2d_input(size, w[..., ::-1, ::-1].copy(), gy, **k),
        "the kernel is flipped",
    ),
]


def _dilate_trailing(w, d):
    out = np.zeros((*w.shape[:2], d * w.shape[2], d * w.shape[3]))
    out[:, :, ::d, ::d] = w
    return out


@pytest.mark.parametrize(
    ("name", "fn", "hint"), MORE_WRONG, ids=lambda v: v if isinstance(v, str) else ""
)
def test_more_wrong_versions_fail_with_the_right_hint(name, fn, hint):
    report = cv.exercises.check(name, fn)
    assert not report.passed
    assert report.hint is not None and hint in report.hint, str(report)
