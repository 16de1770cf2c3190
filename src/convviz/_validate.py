"""Argument checks shared by every operation of convviz.

Each check raises :class:`TypeError` (wrong kind of value) or :class:`ValueError`
(right kind, wrong value) with a message that names the argument and repeats the
value it received, e.g. ``stride must be >= 1, got stride=(0, 1)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = [
    "CONV_DTYPES",
    "as_array",
    "as_float_array",
    "check_choice",
    "check_conv_dtype",
    "check_ndim",
    "check_same_dtype",
    "int_tuple",
]

#: dtypes PyTorch's CPU convolution accepts that NumPy also has (no bool, no uint16+).
CONV_DTYPES: tuple[np.dtype, ...] = tuple(
    np.dtype(t)
    for t in (
        "float16",
        "float32",
        "float64",
        "complex64",
        "complex128",
        "int8",
        "uint8",
        "int16",
        "int32",
        "int64",
    )
)


def _check_int(name: str, value: object, minimum: int) -> int:
    """Return ``value`` as an ``int`` or raise naming ``name`` and the value."""
    if isinstance(value, bool) or (
        not isinstance(value, (int,)) and not hasattr(value, "__index__")
    ):
        raise TypeError(f"{name} must be an integer, got {value!r} of type {type(value).__name__}")
    value = int(value)  # type: ignore[arg-type]
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {name}={value}")
    return value


def _show(value: object) -> str:
    """``repr`` of an argument with NumPy scalars shown as plain numbers."""
    if isinstance(value, (list, tuple)):
        inner = ", ".join(_show(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, np.generic):
        return repr(value.item())
    return repr(value)


def int_tuple(name: str, value: object, n: int, minimum: int) -> tuple[int, ...]:
    """One integer per spatial dimension, as PyTorch reads ``stride=2`` or ``stride=(2, 1)``.

    An integer, or a sequence of one or ``n`` integers (a single element is
    repeated, as torch does), each at least ``minimum``.
    """
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence | np.ndarray):
        if isinstance(value, bool) or not hasattr(value, "__index__"):
            raise TypeError(
                f"{name} must be an integer or a tuple of {n} integers, "
                f"got {name}={value!r} of type {type(value).__name__}"
            )
        values = (value,) * n
    else:
        values = tuple(value)  # type: ignore[arg-type]
        if len(values) not in (1, n):
            raise ValueError(
                f"{name} must be an integer or a tuple of {n} integers, "
                f"got {name}={_show(value)} with {len(values)} entries"
            )
        if len(values) == 1:
            values = values * n
    out = []
    for v in values:
        if isinstance(v, bool) or not hasattr(v, "__index__"):
            raise TypeError(
                f"{name} must contain integers, got {name}={_show(value)} "
                f"with an entry of type {type(v).__name__}"
            )
        out.append(int(v))  # type: ignore[call-overload]
    if any(v < minimum for v in out):
        raise ValueError(f"{name} must be >= {minimum}, got {name}={_show(value)}")
    return tuple(out)


def as_array(name: str, x: object) -> np.ndarray:
    """``x`` as an ndarray; refuses object, string and other non-numeric arrays."""
    arr = np.asarray(x)
    if arr.dtype.kind not in "biufc":
        raise TypeError(
            f"{name} must be a numeric array, got {name} of dtype {arr.dtype} (shape {arr.shape})"
        )
    return arr


def as_float_array(name: str, x: object) -> np.ndarray:
    """``x`` as a real float array: ints (and bools) become float64, floats keep their dtype.

    Any other kind (complex, object, string) raises :class:`TypeError` naming ``name``.
    """
    arr = np.asarray(x)
    if arr.dtype.kind in "biu":
        return arr.astype(np.float64)
    if arr.dtype.kind != "f":
        raise TypeError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    return arr


def check_conv_dtype(name: str, arr: np.ndarray, op: str) -> None:
    """Refuse dtypes that torch's CPU convolution refuses (bool, uint16, ...)."""
    if arr.dtype not in CONV_DTYPES:
        allowed = ", ".join(str(d) for d in CONV_DTYPES)
        raise TypeError(f"{op} does not support {name} of dtype {arr.dtype}; use one of {allowed}")


def check_same_dtype(op: str, **arrays: np.ndarray | None) -> None:
    """All given arrays share one dtype (torch refuses mixed-precision convolutions)."""
    given = {k: a.dtype for k, a in arrays.items() if a is not None}
    if len(set(given.values())) > 1:
        desc = ", ".join(f"{k} of dtype {d}" for k, d in given.items())
        raise TypeError(f"{op} needs one dtype for all arrays, got {desc}")


def check_ndim(name: str, arr: np.ndarray, allowed: Sequence[int], op: str) -> None:
    """``arr.ndim`` is one of ``allowed``."""
    if arr.ndim not in allowed:
        want = " or ".join(f"{d}-d" for d in allowed)
        raise ValueError(
            f"{op} expects {name} to be {want}, got {name} with shape {arr.shape} ({arr.ndim}-d)"
        )


def check_choice(name: str, value: object, choices: Sequence[str]) -> str:
    """``value`` is one of the strings ``choices``.

    A value that is not a string is the wrong kind (:class:`TypeError`, as NumPy's
    ``np.convolve(a, v, None)``); a string outside ``choices`` is a wrong value
    (:class:`ValueError`).
    """
    if not isinstance(value, str):
        raise TypeError(
            f"{name} must be a string, one of {tuple(choices)}, "
            f"got {name}={value!r} of type {type(value).__name__}"
        )
    if value not in choices:
        raise ValueError(f"{name} must be one of {tuple(choices)}, got {name}={value!r}")
    return value


def conv_operands(
    op: str, nd: int, x: object, weight: object, bias: object | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Check the arrays of a ``conv{nd}d`` or ``conv_transpose{nd}d`` call as torch does.

    ``x`` must have ``nd + 1`` (unbatched) or ``nd + 2`` axes, ``weight`` ``nd + 2``;
    all three must have a dtype torch convolves, and the same one.
    """
    x = as_array("x", x)
    weight = as_array("weight", weight)
    bias = None if bias is None else as_array("bias", bias)
    check_ndim("x", x, (nd + 1, nd + 2), op)
    check_ndim("weight", weight, (nd + 2,), op)
    for name, arr in (("x", x), ("weight", weight), ("bias", bias)):
        if arr is not None:
            check_conv_dtype(name, arr, op)
    check_same_dtype(op, x=x, weight=weight, bias=bias)
    return x, weight, bias


def check_weight_axes(weight: np.ndarray) -> None:
    """Refuse a weight with an empty axis (torch returns odd shapes for it)."""
    if 0 in weight.shape:
        raise ValueError(f"weight must have no empty axis, got weight of shape {weight.shape}")


def require_torch(what: str) -> Any:
    """Import torch for ``what``, or say how to install it (it is an optional extra)."""
    try:
        import torch
    except ModuleNotFoundError as error:
        raise ModuleNotFoundError(
            f"{what} needs PyTorch, which is not installed: pip install 'convviz[torch]'"
        ) from error
    return torch
