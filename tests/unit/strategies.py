"""Hypothesis strategies and helpers shared by the convolution tests.

Configurations are drawn so that a fair share of them is invalid (zero stride,
negative padding, groups that do not divide, ...): the tests then require convviz
to refuse exactly when torch refuses.
"""

from __future__ import annotations

import re

import numpy as np
import torch
import torch.nn.functional as F
from hypothesis import strategies as st

#: a refusal must name one of these
ARG_NAMES = re.compile(
    r"\b(x|weight|bias|stride|padding|dilation|groups|output_padding|padding_mode|kernel|"
    r"kernel_size|output_size|pad|mode|value)\b"
)

#: torch's convolutions and transposed convolutions by number of spatial axes
CONV = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}
CONV_T = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}

DTYPES = {
    "float32": (np.float32, torch.float32),
    "float64": (np.float64, torch.float64),
    "float16": (np.float16, torch.float16),
    "complex128": (np.complex128, torch.complex128),
    "int64": (np.int64, torch.int64),
    "int32": (np.int32, torch.int32),
    "bool": (np.bool_, torch.bool),
}

#: mostly the float types the book uses, sometimes the others torch also has an opinion on
dtypes = st.sampled_from(["float32", "float64"] * 4 + ["float16", "complex128", "int64", "bool"])


def random_array(rng: np.random.Generator, shape: tuple[int, ...], dtype: str) -> np.ndarray:
    """Values in [-1, 1] (floats, complex) or small integers, of the given dtype."""
    np_dtype = DTYPES[dtype][0]
    if dtype == "bool":
        return rng.integers(0, 2, size=shape).astype(bool)
    if dtype.startswith("int"):
        return rng.integers(-3, 4, size=shape).astype(np_dtype)
    real = rng.uniform(-1, 1, size=shape)
    if dtype.startswith("complex"):
        real = real + 1j * rng.uniform(-1, 1, size=shape)
    return real.astype(np_dtype)


def per_axis(nd: int, low: int, high: int, invalid: int | None = None):
    """An int or a tuple of ``nd`` ints in [low, high]; sometimes the ``invalid`` value."""
    value = st.integers(low, high)
    if invalid is not None:
        value = st.one_of(value, value, value, st.just(invalid))
    return st.one_of(value, st.tuples(*[value] * nd))


def tolerance(dtype: str, fan_in: int) -> dict:
    """``assert_allclose`` tolerances for a sum of ``fan_in`` products of values in [-1, 1]."""
    fan_in = max(fan_in, 1)
    if dtype in ("float32", "complex64"):
        return {"rtol": 1e-4, "atol": 1e-5 * fan_in}
    if dtype == "float16":
        return {"rtol": 1e-2, "atol": 2e-3 * fan_in}
    if dtype.startswith("int") or dtype == "bool":
        return {"rtol": 0, "atol": 0}
    return {"rtol": 1e-10, "atol": 1e-12 * fan_in}


def outcome(fn, *args, **kwargs):
    """``(result, None)`` or ``(None, exception)``."""
    try:
        return fn(*args, **kwargs), None
    except Exception as error:
        return None, error


def assert_same_acceptance(
    torch_result, torch_error, ours, our_error, *, empty: bool = False
) -> bool:
    """Both refuse (ours with a ValueError/TypeError naming the argument), or both accept.

    ``empty``: the input or torch's result has no elements; torch then skips some
    of its checks (it accepts dilation 0 on an empty batch, an output size of 0 on
    some paths), while convviz still validates, so a refusal by convviz alone is
    allowed. Returns True when both accepted, so the
    caller goes on to compare values.
    """
    if torch_error is not None:
        assert our_error is not None, f"torch refused ({torch_error!r}) but convviz accepted"
        assert isinstance(our_error, (ValueError, TypeError)), repr(our_error)
        assert ARG_NAMES.search(str(our_error)), f"message names no argument: {our_error}"
        return False
    if our_error is not None and empty:
        assert isinstance(our_error, (ValueError, TypeError)), repr(our_error)
        return False
    if our_error is not None:
        raise AssertionError(f"torch accepted but convviz refused: {our_error!r}") from our_error
    return True


def assert_matches(ours: np.ndarray, reference: torch.Tensor, dtype: str, fan_in: int) -> None:
    """Same shape, same dtype, values within the tolerance of ``dtype``."""
    expected = reference.detach().numpy()
    assert ours.shape == expected.shape
    assert ours.dtype == expected.dtype
    np.testing.assert_allclose(
        ours.astype(np.complex128 if dtype.startswith("complex") else np.float64),
        expected.astype(np.complex128 if dtype.startswith("complex") else np.float64),
        **tolerance(dtype, fan_in),
    )
