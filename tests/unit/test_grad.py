"""convviz.grad against torch.nn.grad and autograd on random configurations."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from convviz import grad as G
from convviz.shapes import conv_output_size, same_padding

CONV = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}
MAX_SIZE = {1: 9, 2: 7, 3: 4}


def fn(kind: str, nd: int, loop: bool = False):
    return getattr(G, f"conv{nd}d_{kind}" + ("_loop" if loop else ""))


@st.composite
def configs(draw, max_nd=3):
    """A valid convolution: shapes, stride, padding (int, tuple, 'same', 'valid'), etc."""
    nd = draw(st.integers(1, max_nd))
    groups = draw(st.integers(1, 3))
    c_in_g, c_out_g = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    kernel = tuple(draw(st.integers(1, 3)) for _ in range(nd))
    dilation = tuple(draw(st.integers(1, 3)) for _ in range(nd))
    mode = draw(st.sampled_from(["int", "int", "tuple", "same", "valid"]))
    if mode == "same":
        stride = (1,) * nd
        padding = "same"
        pairs = [same_padding(k, d) for k, d in zip(kernel, dilation, strict=True)]
    else:
        stride = tuple(draw(st.integers(1, 4)) for _ in range(nd))  # s > k leaves cells unread
        padding = {
            "int": draw(st.integers(0, 2)),
            "tuple": tuple(draw(st.integers(0, 2)) for _ in range(nd)),
            "valid": "valid",
        }[mode]
        per = (0,) * nd if padding == "valid" else padding
        per = per if isinstance(per, tuple) else (per,) * nd
        pairs = [(p, p) for p in per]
    size = []
    for k, d, (left, right) in zip(kernel, dilation, pairs, strict=True):
        low = max(1, d * (k - 1) + 1 - left - right)
        size.append(draw(st.integers(low, max(low, MAX_SIZE[nd]))))
    batch = draw(st.integers(1, 2))
    seed = draw(st.integers(0, 2**16))
    return dict(
        nd=nd,
        x_shape=(batch, c_in_g * groups, *size),
        w_shape=(c_out_g * groups, c_in_g, *kernel),
        args=dict(stride=stride, padding=padding, dilation=dilation, groups=groups),
        seed=seed,
    )


def autograd(cfg):
    """x, w, gy and torch's dL/dx, dL/dw, dL/db for L = sum(gy * conv(x, w, b))."""
    rng = np.random.default_rng(cfg["seed"])
    x = rng.uniform(-1, 1, cfg["x_shape"])
    w = rng.uniform(-1, 1, cfg["w_shape"])
    b = rng.uniform(-1, 1, cfg["w_shape"][0])
    xt, wt, bt = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch: 'same' with even kernels copies the input
        y = CONV[cfg["nd"]](xt, wt, bt, **cfg["args"])
    gy = rng.uniform(-1, 1, tuple(y.shape))
    y.backward(torch.tensor(gy))
    return x, w, gy, xt.grad.numpy(), wt.grad.numpy(), bt.grad.numpy()


@settings(max_examples=60, deadline=None)
@given(configs())
def test_fast_matches_backward(cfg):
    x, w, gy, dx, dw, db = autograd(cfg)
    nd, args = cfg["nd"], cfg["args"]
    np.testing.assert_allclose(fn("input", nd)(x.shape, w, gy, **args), dx, atol=1e-12)
    np.testing.assert_allclose(fn("weight", nd)(x, w.shape, gy, **args), dw, atol=1e-12)
    np.testing.assert_allclose(G.conv_bias(gy), db, atol=1e-12)


@settings(max_examples=50, deadline=None)
@given(configs())
def test_matches_torch_nn_grad(cfg):
    """Same arguments, positionally, as torch.nn.grad (which has no 'same'/'valid')."""
    x, w, gy, *_ = autograd(cfg)
    nd, args = cfg["nd"], dict(cfg["args"])
    if isinstance(args["padding"], str):
        args["padding"] = 0 if args["padding"] == "valid" else None
        if args["padding"] is None:
            return
    pos = (args["stride"], args["padding"], args["dilation"], args["groups"])
    xt, wt, gyt = (torch.tensor(a) for a in (x, w, gy))
    want_dx = getattr(torch.nn.grad, f"conv{nd}d_input")(x.shape, wt, gyt, *pos).numpy()
    want_dw = getattr(torch.nn.grad, f"conv{nd}d_weight")(xt, w.shape, gyt, *pos).numpy()
    np.testing.assert_allclose(fn("input", nd)(x.shape, w, gy, *pos), want_dx, atol=1e-12)
    np.testing.assert_allclose(fn("weight", nd)(x, w.shape, gy, *pos), want_dw, atol=1e-12)


@settings(max_examples=30, deadline=None)
@given(configs(max_nd=2))
def test_loop_equals_fast(cfg):
    x, w, gy, *_ = autograd(cfg)
    nd, args = cfg["nd"], cfg["args"]
    np.testing.assert_allclose(
        fn("input", nd, loop=True)(x.shape, w, gy, **args),
        fn("input", nd)(x.shape, w, gy, **args),
        atol=1e-12,
    )
    np.testing.assert_allclose(
        fn("weight", nd, loop=True)(x, w.shape, gy, **args),
        fn("weight", nd)(x, w.shape, gy, **args),
        atol=1e-12,
    )


def test_loop_3d_once():
    cfg = dict(
        nd=3,
        x_shape=(1, 4, 4, 3, 5),
        w_shape=(4, 2, 2, 1, 3),
        args=dict(stride=(2, 1, 3), padding=(1, 0, 1), dilation=(1, 2, 1), groups=2),
        seed=3,
    )
    x, w, gy, dx, dw, _ = autograd(cfg)
    np.testing.assert_allclose(G.conv3d_input_loop(x.shape, w, gy, **cfg["args"]), dx, atol=1e-12)
    np.testing.assert_allclose(G.conv3d_weight_loop(x, w.shape, gy, **cfg["args"]), dw, atol=1e-12)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(
    ("nd", "x_shape", "w_shape", "kwargs"),
    [
        (2, (3, 4, 5, 4), (8, 4, 3, 3), {"padding": 1}),
        (
            2,
            (2, 6, 4, 3),
            (8, 3, 3, 2),
            {"stride": (2, 1), "padding": (1, 2), "dilation": (1, 2), "groups": 2},
        ),
        (1, (3, 4, 7), (6, 4, 3), {"stride": 2}),
        (3, (2, 3, 3, 3, 2), (8, 3, 2, 2, 2), {"padding": 1}),
    ],
)
def test_weight_on_tiny_images_matches_torch_and_the_loop(nd, x_shape, w_shape, kwargs, dtype):
    """Tiny images (at most 64 cells, at most 4 C_out/groups) take the 0/1 selection product."""
    from convviz import _fast

    assert _fast._tiny(x_shape[2:], 4 * w_shape[0] // kwargs.get("groups", 1))
    rng = np.random.default_rng(sum(x_shape))
    x = rng.standard_normal(x_shape).astype(dtype)
    y = CONV[nd](torch.from_numpy(x), torch.zeros(w_shape, dtype=getattr(torch, dtype)), **kwargs)
    gy = rng.standard_normal(tuple(y.shape)).astype(dtype)
    ours = getattr(G, f"conv{nd}d_weight")(x, w_shape, gy, **kwargs)
    theirs = getattr(torch.nn.grad, f"conv{nd}d_weight")(
        torch.from_numpy(x), w_shape, torch.from_numpy(gy), **kwargs
    ).numpy()
    tol = 1e-4 if dtype == "float32" else 1e-10
    np.testing.assert_allclose(ours, theirs, rtol=tol, atol=tol)
    if dtype == "float64":
        loop = getattr(G, f"conv{nd}d_weight_loop")(x, w_shape, gy, **kwargs)
        np.testing.assert_allclose(ours, loop, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(
    ("x_shape", "w_shape", "kwargs"),
    [
        ((2, 16, 9, 10), (16, 16, 3, 3), {"padding": 1}),
        ((3, 32, 7, 12), (32, 16, 3, 3), {"padding": (2, 0), "groups": 2}),  # odd outputs
        ((1, 16, 11, 9), (24, 16, 3, 3), {"padding": "valid"}),
        ((2, 20, 9, 9), (16, 20, 3, 3), {"padding": "same", "stride": 1, "dilation": 1}),
    ],
)
def test_weight_by_winograd_matches_torch_and_the_loop(
    x_shape, w_shape, kwargs, dtype, monkeypatch
):
    """On one thread, 3x3 at stride 1 with C_in/g x C_out/g >= 256 products takes
    Winograd's F(3, 2)."""
    from convviz import _fast

    monkeypatch.setattr(_fast, "threads", lambda: 1)
    monkeypatch.setattr(_fast, "_POOL", None)  # a pool an earlier test started would be reused
    groups = kwargs.get("groups", 1)
    method = _fast.choose_weight(x_shape, w_shape, (1, 1), (1, 1), groups, dtype)
    assert method == "winograd"
    rng = np.random.default_rng(sum(x_shape))
    x = rng.standard_normal(x_shape).astype(dtype)
    padding = {"same": 1, "valid": 0}.get(kwargs["padding"], kwargs["padding"])
    y = F.conv2d(torch.from_numpy(x), torch.zeros(w_shape, dtype=getattr(torch, dtype)),
                 padding=padding, groups=groups)  # fmt: skip
    gy = rng.standard_normal(tuple(y.shape)).astype(dtype)
    ours = G.conv2d_weight(x, w_shape, gy, **kwargs)
    assert ours.dtype == x.dtype and ours.shape == w_shape
    theirs = torch.nn.grad.conv2d_weight(
        torch.from_numpy(x).double(), w_shape, torch.from_numpy(gy).double(),
        padding=padding, groups=groups,
    ).numpy()  # fmt: skip
    scale = np.abs(theirs).max()
    tol = 1e-5 if dtype == "float32" else 1e-13
    np.testing.assert_allclose(ours / scale, theirs / scale, rtol=0, atol=tol)
    if dtype == "float64" and x_shape[0] == 1:
        loop = G.conv2d_weight_loop(x, w_shape, gy, **kwargs)
        np.testing.assert_allclose(ours, loop, rtol=1e-12, atol=1e-12)


@st.composite
def winograd_cases(draw):
    """Any 3x3 stride-1 convolution, small: shapes, padding per side, groups, chunk size."""
    groups = draw(st.integers(1, 2))
    c_in, c_out = groups * draw(st.integers(1, 3)), groups * draw(st.integers(1, 3))
    pads = [(draw(st.integers(0, 3)), draw(st.integers(0, 3))) for _ in range(2)]
    size = [draw(st.integers(max(1, 3 - sum(p)), 9)) for p in pads]
    return dict(
        x_shape=(draw(st.integers(1, 3)), c_in, *size),
        w_shape=(c_out, c_in // groups, 3, 3),
        groups=groups,
        pads=tuple(pads),
        cells=draw(st.sampled_from([1, 100, 1000, None])),
        seed=draw(st.integers(0, 2**16)),
    )


@settings(max_examples=40, deadline=None)
@given(winograd_cases())
def test_winograd_formulation_equals_the_correlation(case):
    """_fast.weight_winograd on its own, whatever the dispatcher picks: uneven padding
    (torch has none; the loop's sum is the reference), odd sizes, chunks of images."""
    from convviz import _fast

    rng = np.random.default_rng(case["seed"])
    x = rng.uniform(-1, 1, case["x_shape"])
    pads = case["pads"]
    out = [i + left + right - 2 for i, (left, right) in zip(x.shape[2:], pads, strict=True)]
    gy = rng.uniform(-1, 1, (x.shape[0], case["w_shape"][0], *out))
    padded = np.pad(x, [(0, 0), (0, 0), *pads])
    want = G.conv2d_weight_loop(padded, case["w_shape"], gy, groups=case["groups"])
    got = _fast.weight_winograd(x, case["w_shape"], gy, case["groups"], pads, case["cells"])
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_weight_methods_are_named(monkeypatch):
    """The dispatcher's rule for the weight gradient, case by case."""
    from convviz import _fast

    vgg = ((8, 64, 56, 56), (64, 64, 3, 3))
    assert _fast.choose_weight(*vgg, (1, 1), (1, 1), 1, "float32") == "winograd"
    assert _fast.choose_weight(*vgg, (1, 1), (1, 1), 1, "float64") == "winograd"
    assert _fast.choose_weight(*vgg, (2, 2), (1, 1), 1, "float32") == "im2col"
    assert _fast.choose_weight(*vgg, (1, 1), (2, 1), 1, "float32") == "im2col"
    assert _fast.choose_weight(*vgg, (1, 1), (1, 1), 1, "float16") == "im2col"
    assert _fast.choose_weight((0, 64, 56, 56), vgg[1], (1, 1), (1, 1), 1, "float32") == "im2col"
    assert _fast.choose_weight(vgg[0], (64, 64, 5, 5), (1, 1), (1, 1), 1, "float32") == "im2col"
    few = ((8, 8, 56, 56), (8, 8, 3, 3))  # 64 products: the transforms would cost more
    assert _fast.choose_weight(*few, (1, 1), (1, 1), 1, "float32") == "im2col"
    tiny = ((32, 16, 8, 8), (32, 16, 3, 3))  # chapter 15's second layer
    assert _fast.choose_weight(*tiny, (1, 1), (1, 1), 1, "float32") == "selection"
    assert set(_fast.WEIGHT_METHODS) == {"im2col", "selection", "winograd"}


@pytest.mark.parametrize("n_batch", [1, 3])
def test_winograd_shared_among_threads(monkeypatch, n_batch):
    """With a pool of two threads: three images are split between the threads (each runs
    its share through on one BLAS thread), one image has its channels and its 16 products
    shared instead. Both give the loop's gradient, and the BLAS thread count is restored."""
    from concurrent.futures import ThreadPoolExecutor

    from threadpoolctl import threadpool_info

    from convviz import _fast

    calls = []
    real = _fast._products_on_the_pool
    monkeypatch.setattr(_fast, "_products_on_the_pool", lambda *a: calls.append(1) or real(*a))
    with ThreadPoolExecutor(2) as executor:
        monkeypatch.setattr(_fast, "_POOL", (executor, 2))
        rng = np.random.default_rng(3)
        x = rng.uniform(-1, 1, (n_batch, 16, 9, 7))
        gy = rng.uniform(-1, 1, (n_batch, 32, 9, 7))
        before = [(i["filepath"], i["num_threads"]) for i in threadpool_info()]
        got = _fast.weight_winograd(x, (32, 16, 3, 3), gy, 1, ((1, 1), (1, 1)))
        assert [(i["filepath"], i["num_threads"]) for i in threadpool_info()] == before
    assert bool(calls) == (n_batch == 1)  # the products are shared only for one image
    want = G.conv2d_weight_loop(np.pad(x, [(0, 0), (0, 0), (1, 1), (1, 1)]), (32, 16, 3, 3), gy)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def _poison_scratch(pool) -> None:
    """NaN in every float work array of ``_fast._scratch``, in this thread and in each
    thread of ``pool``: a cell the next call reads without writing it shows up."""
    import threading

    from convviz import _fast

    def poison(_=None) -> None:
        for buf in vars(_fast._SCRATCH).values():
            if buf.dtype.kind == "f":
                buf[...] = np.nan

    poison()
    if pool is not None:
        everyone = threading.Barrier(pool[1])  # one call per thread of the pool
        list(pool[0].map(lambda _: everyone.wait(10) or poison(), range(pool[1])))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("pool_size", [None, 2, 8])
@pytest.mark.parametrize(
    ("size", "pads"),
    [((7, 6), ((1, 1), (1, 1))), ((1, 4), ((3, 0), (0, 3)))],  # the second: an empty plane
)
def test_winograd_last_chunk_and_stale_work_arrays(monkeypatch, pool_size, dtype, size, pads):
    """Chunks of two images out of five (or out of a thread's share of two and three):
    the last chunk is short, and its empty image slots still hold the images before it;
    the reused work arrays start out as NaN; uneven padding that leaves a parity plane
    without a cell of the input. No pool, a pool of two (the images split between its
    threads) and a pool of eight (more threads than images: the channels of each chunk
    split among them) all give the loop's gradient."""
    from concurrent.futures import ThreadPoolExecutor

    from convviz import _fast

    rng = np.random.default_rng(5)
    x = rng.uniform(-1, 1, (5, 4, *size)).astype(dtype)
    out = [i + left + right - 2 for i, (left, right) in zip(size, pads, strict=True)]
    gy = rng.uniform(-1, 1, (5, 6, *out)).astype(dtype)
    plane = math.prod(-(-o // 2) + 1 for o in out)  # (tiles + 1) per axis
    cells = 2 * 16 * plane  # two images a chunk
    want = G.conv2d_weight_loop(
        np.pad(x, [(0, 0), (0, 0), *pads]).astype(np.float64), (6, 2, 3, 3), gy.astype(np.float64),
        groups=2,
    )  # fmt: skip
    with ThreadPoolExecutor(pool_size or 1) as executor:
        pool = None if pool_size is None else (executor, pool_size)
        monkeypatch.setattr(_fast, "_POOL", pool)
        for _ in range(2):  # the second time, the arrays of the first are reused
            _poison_scratch(pool)
            got = _fast.weight_winograd(x, (6, 2, 3, 3), gy, 2, pads, cells)
            tol = 1e-5 if dtype == "float32" else 1e-12
            np.testing.assert_allclose(got, want, rtol=tol, atol=tol)
            assert got.dtype == np.dtype(dtype)


def _blas_threads() -> list[int]:
    from threadpoolctl import threadpool_info

    return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]


def test_one_blas_thread_for_two_threads_in_turn():
    """Two Python threads want one BLAS thread at once: the second waits until the first
    has left, each runs with one BLAS thread, and the count from before comes back even
    while the first thread is still alive (overlapping threadpoolctl limits, one per
    thread, left BLAS on one thread for good)."""
    import threading
    import time

    from convviz import _fast

    before = _blas_threads()
    first_inside, second_asks, release = (threading.Event() for _ in range(3))
    seen, overlapped = {}, []

    def first() -> None:
        with _fast._blas_one_thread():
            first_inside.set()
            seen["first"] = _blas_threads()
            second_asks.wait(10)
            time.sleep(0.2)  # the second thread is at the door meanwhile
            overlapped.append("second" in seen)
        release.wait(10)  # stays alive after leaving

    def second() -> None:
        first_inside.wait(10)
        second_asks.set()
        with _fast._blas_one_thread():
            seen["second"] = _blas_threads()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    threads[1].join(20)
    after = _blas_threads()
    release.set()
    threads[0].join(20)
    assert overlapped == [False]
    assert set(seen["first"]) <= {1} and set(seen["second"]) <= {1}
    assert after == before
    assert _blas_threads() == before


@pytest.mark.parametrize("n_batch", [1, 3])
def test_winograd_from_two_threads_at_once(monkeypatch, n_batch):
    """Two Python threads compute Winograd weight gradients at the same time on a pool of
    two, each with its own per-thread scratch arrays: each gets torch's gradient, and the
    BLAS thread count is the one from before (whether the calls overlap is up to the
    scheduler; the test above makes the overlap of the BLAS limits certain)."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from convviz import _fast

    rng = np.random.default_rng(n_batch)
    cases = []
    for c_in, c_out, size, groups in [(16, 32, (9, 11), 1), (32, 32, (12, 9), 2)]:
        x = rng.uniform(-1, 1, (n_batch, c_in, *size))
        w_shape = (c_out, c_in // groups, 3, 3)
        gy = rng.uniform(-1, 1, (n_batch, c_out, *size))
        want = torch.nn.grad.conv2d_weight(
            torch.from_numpy(x), w_shape, torch.from_numpy(gy), padding=1, groups=groups
        ).numpy()
        assert _fast.choose_weight(x.shape, w_shape, (1, 1), (1, 1), groups, x.dtype) == (
            "winograd"
        )
        cases.append((x, w_shape, gy, groups, want))
    before = _blas_threads()
    start, wrong = threading.Barrier(2), []

    def run(which: int) -> None:
        x, w_shape, gy, groups, want = cases[which]
        for _ in range(6):
            start.wait(timeout=30)  # both calls begin together
            got = G.conv2d_weight(x, w_shape, gy, padding=1, groups=groups)
            if not np.allclose(got, want, rtol=1e-12, atol=1e-12):
                wrong.append(which)

    with ThreadPoolExecutor(2) as executor:
        monkeypatch.setattr(_fast, "_POOL", (executor, 2))
        callers = [threading.Thread(target=run, args=(t,)) for t in range(2)]
        for caller in callers:
            caller.start()
        for caller in callers:
            caller.join()
    assert wrong == []
    assert _blas_threads() == before


def test_unread_cells_get_zero():
    """Stride 3, kernel 2: every third input cell is read by no window; its gradient is 0."""
    rng = np.random.default_rng(0)
    w = rng.standard_normal((1, 1, 2))
    o = conv_output_size(9, 2, 3)
    dx = G.conv1d_input((1, 1, 9), w, rng.standard_normal((1, 1, o)), stride=3)
    assert np.all(dx[0, 0, 2::3] == 0)
    assert np.all(dx[0, 0, 0::3] != 0)


def test_float32_stays_float32():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 3, 6, 6)).astype(np.float32)
    w = rng.standard_normal((4, 3, 3, 3)).astype(np.float32)
    gy = rng.standard_normal((2, 4, 6, 6)).astype(np.float32)
    assert G.conv2d_input(x.shape, w, gy, padding=1).dtype == np.float32
    assert G.conv2d_weight(x, w.shape, gy, padding=1).dtype == np.float32


@pytest.mark.parametrize(
    ("call", "match"),
    [
        # grad_output one column short of the forward output (2, 4, 5, 5)
        (
            lambda w, gy: G.conv2d_input((2, 3, 7, 7), w, gy[..., :-1]),
            r"grad_output of shape \(2, 4, 5, 4\).*\(2, 4, 5, 5\).*\(2, 3, 7, 7\)",
        ),
        # no forward convolution maps a 2x2 input to anything with a 3x3 kernel
        (
            lambda w, gy: G.conv2d_input((2, 3, 2, 2), w, gy),
            r"input of shape \(2, 3, 2, 2\).*grad_output of shape \(2, 4, 5, 5\)",
        ),
        # an input of 8 maps to 6, not 5
        (
            lambda w, gy: G.conv2d_weight(np.zeros((2, 3, 8, 7)), w.shape, gy),
            r"grad_output of shape \(2, 4, 5, 5\).*\(2, 4, 6, 5\).*\(2, 3, 8, 7\)",
        ),
        (lambda w, gy: G.conv2d_input((2, 3, 7, 7), w, gy, groups=2), r"groups=2"),
        (lambda w, gy: G.conv2d_input((2, 3, 7), w, gy), r"input_size"),
        (lambda w, gy: G.conv2d_input((2, 3, 7, 7), w, gy[0]), r"grad_output of shape"),
        (lambda w, gy: G.conv2d_input((2, 3, 7, 7), w, gy, stride=2, padding="same"), "same"),
        (lambda w, gy: G.conv2d_input((2, 3, 7, 7), w, gy, stride=0), r"stride"),
        (lambda w, gy: G.conv_bias(gy[0, 0, 0]), r"grad_output"),
    ],
)
def test_bad_input_names_the_shapes(call, match):
    w, gy = np.zeros((4, 3, 3, 3)), np.zeros((2, 4, 5, 5))
    with pytest.raises(ValueError, match=match):
        call(w, gy)


def test_type_errors():
    w, gy = np.zeros((4, 3, 3, 3)), np.zeros((2, 4, 5, 5))
    with pytest.raises(TypeError, match="dtype"):
        G.conv2d_input((2, 3, 7, 7), w.astype(np.float32), gy)
    with pytest.raises(TypeError, match="grad_output"):
        G.conv2d_weight(np.zeros((2, 3, 7, 7)), w.shape, gy.astype(complex))
    with pytest.raises(TypeError, match="weight_size"):
        G.conv2d_weight(np.zeros((2, 3, 7, 7)), w, gy)


def test_names_and_signatures_mirror_torch():
    import inspect

    for nd in (1, 2, 3):
        for kind in ("input", "weight"):
            ours = inspect.signature(fn(kind, nd)).parameters
            theirs = inspect.signature(getattr(torch.nn.grad, f"conv{nd}d_{kind}")).parameters
            assert list(ours) == list(theirs)
            assert [p.default for p in ours.values()] == [p.default for p in theirs.values()]


def _left_padding(cfg) -> tuple[int, ...]:
    nd, padding = cfg["nd"], cfg["args"]["padding"]
    if padding == "same":
        kernel, dilation = cfg["w_shape"][2:], cfg["args"]["dilation"]
        return tuple(same_padding(k, d)[0] for k, d in zip(kernel, dilation, strict=True))
    if padding == "valid":
        return (0,) * nd
    return padding if isinstance(padding, tuple) else (padding,) * nd


@settings(max_examples=40, deadline=None)
@given(configs())
def test_cells_no_window_reads_get_exactly_zero(cfg):
    """Brute force over windows and taps: an input cell that no tap of any window reads
    (a stride larger than the dilated kernel skips some) gets exactly zero gradient."""
    x, w, gy, dx, *_ = autograd(cfg)
    nd, args = cfg["nd"], cfg["args"]
    s, d, left = args["stride"], args["dilation"], _left_padding(cfg)
    read = np.zeros(x.shape[2:], dtype=bool)
    for p in np.ndindex(*gy.shape[2:]):
        for k in np.ndindex(*w.shape[2:]):
            cell = tuple(
                sj * pj + dj * kj - lj for sj, pj, dj, kj, lj in zip(s, p, d, k, left, strict=True)
            )
            if all(0 <= c < i for c, i in zip(cell, x.shape[2:], strict=True)):
                read[cell] = True
    for loop in (False, True) if nd < 3 else (False,):
        ours = fn("input", nd, loop)(x.shape, w, gy, **args)
        assert np.all(ours[:, :, ~read] == 0)
    np.testing.assert_array_equal(dx[:, :, ~read], 0)  # torch agrees


TRANSPOSE = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}


@settings(max_examples=40, deadline=None)
@given(configs())
def test_input_gradient_is_the_documented_transposed_convolution(cfg):
    """The docstring's claim, with torch's conv_transpose: output_padding
    a = i + 2p - ((o - 1) s + d (k - 1) + 1) per axis, for symmetric padding."""
    if cfg["args"]["padding"] == "same":
        return
    x, w, gy, dx, *_ = autograd(cfg)
    nd, args = cfg["nd"], cfg["args"]
    s, d, p = args["stride"], args["dilation"], _left_padding(cfg)
    a = tuple(
        i + 2 * pj - ((o - 1) * sj + dj * (k - 1) + 1)
        for i, pj, o, sj, dj, k in zip(x.shape[2:], p, gy.shape[2:], s, d, w.shape[2:], strict=True)
    )
    got = TRANSPOSE[nd](torch.tensor(gy), torch.tensor(w), None, s, p, a, args["groups"], d).numpy()
    np.testing.assert_allclose(got, dx, atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(configs(max_nd=2))
def test_weight_gradient_is_the_documented_correlation(cfg):
    """The docstring's claim, with torch's conv: dw[o, c] correlates x_pad[:, c] with
    gy[:, o] (summed over the batch), gy's taps s apart, sliding with step d."""
    if cfg["args"]["groups"] != 1:
        return
    x, w, gy, _, dw, _ = autograd(cfg)
    nd, args = cfg["nd"], cfg["args"]
    left = _left_padding(cfg)
    pairs = [(lj, lj) for lj in left]
    if args["padding"] == "same":  # the odd cell of 'same' goes on the right
        pairs = [same_padding(k, d) for k, d in zip(w.shape[2:], args["dilation"], strict=True)]
    pad = np.pad(x, [(0, 0), (0, 0), *pairs])
    # batch as the channel axis: input (C_in, N, ...), "weight" (C_out, N, ...)
    corr = CONV[nd](
        torch.tensor(pad).transpose(0, 1),
        torch.tensor(gy).transpose(0, 1),
        stride=args["dilation"],
        dilation=args["stride"],
    ).transpose(0, 1)  # (C_out, C_in, taps that fit)
    taps = tuple(slice(0, k) for k in w.shape[2:])
    np.testing.assert_allclose(corr[(..., *taps)].numpy(), dw, atol=1e-12)
