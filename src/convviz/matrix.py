"""The matrix view: a convolution is a (sparse) matrix, its transpose is a transposed convolution.

Flatten the input ``x`` of shape ``(C_in, *spatial)`` into a vector. Every linear
convolution is then a matrix ``C`` with ``conv(x).ravel() == C @ x.ravel()``: row
``r`` holds the weights that output cell ``r`` multiplies, placed at the columns of
the input cells they land on. The entries are the *index triples*
``(output flat index, input flat index, weight flat index)``: :func:`conv_triples`
lists them, and everything else here (the matrices, the interactive figures) is
built from that one list.

Facts the book relies on, each tested against PyTorch:

* ``C.T`` is the transposed convolution with the same weights
  (:func:`conv_transpose_matrix`), and it is the gradient of the convolution with
  respect to its input (:func:`conv_input_gradient`).
* ``C.T @ C`` is *not* the identity in general: a transposed convolution restores
  the shape of the input, not its values (:func:`transpose_roundtrip`,
  :func:`gram_is_identity`).
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import product

import numpy as np
import scipy.sparse as sp

from convviz.shapes import (
    IntOrTuple,
    Padding,
    _padding_pairs,
    _per_axis,
    conv_output_shape,
    conv_transpose_output_shape,
)

__all__ = [
    "conv_input_gradient",
    "conv_matrix",
    "conv_transpose_matrix",
    "conv_transpose_triples",
    "conv_triples",
    "conv_triples_loop",
    "gram_is_identity",
    "transpose_roundtrip",
]


def _shapes(
    input_shape: Sequence[int], weight_shape: Sequence[int], groups: int
) -> tuple[int, tuple[int, ...], tuple[int, ...]]:
    """Check channel counts; return ``(C_in, spatial, weight_shape)``."""
    input_shape = tuple(int(v) for v in input_shape)
    weight_shape = tuple(int(v) for v in getattr(weight_shape, "shape", weight_shape))
    if not 2 <= len(input_shape) <= 4:
        raise ValueError(
            f"input_shape must be (C_in, *spatial) with 1 to 3 spatial axes, "
            f"got input_shape={input_shape}"
        )
    if len(weight_shape) != len(input_shape) + 1:
        raise ValueError(
            f"weight must have shape (C_out, C_in / groups, *kernel) with "
            f"{len(input_shape) + 1} axes for input_shape={input_shape}, "
            f"got weight shape {weight_shape}"
        )
    if isinstance(groups, bool) or int(groups) != groups or groups < 1:
        raise ValueError(f"groups must be an integer >= 1, got groups={groups!r}")
    c_in, c_out = input_shape[0], weight_shape[0]
    if c_in < 1 or c_out < 1 or c_in % groups or c_out % groups:
        raise ValueError(
            f"groups must divide both channel counts, got groups={groups}, "
            f"C_in={c_in}, C_out={c_out}"
        )
    if weight_shape[1] * groups != c_in:
        raise ValueError(
            f"weight shape {weight_shape} expects C_in = {weight_shape[1]} * groups = "
            f"{weight_shape[1] * groups} input channels, got input_shape={input_shape}"
        )
    return c_in, input_shape[1:], weight_shape


def _triples(
    c_in: int,
    in_spatial: tuple[int, ...],
    weight_shape: tuple[int, ...],
    out_spatial: tuple[int, ...],
    stride: tuple[int, ...],
    left: tuple[int, ...],
    dilation: tuple[int, ...],
    groups: int,
) -> np.ndarray:
    """Vectorised triples of a convolution computing outputs on ``out_spatial``."""
    n = len(in_spatial)
    c_out, c_in_g, kernel = weight_shape[0], weight_shape[1], weight_shape[2:]
    grids = np.meshgrid(
        np.arange(c_out),
        *[np.arange(o) for o in out_spatial],
        np.arange(c_in_g),
        *[np.arange(k) for k in kernel],
        indexing="ij",
    )
    co, outs, cl, taps = grids[0], grids[1 : n + 1], grids[n + 1], grids[n + 2 :]
    # Input position of tap t of output o along each axis: o s - p_left + t d.
    pos = [
        o * s - p + t * d for o, t, s, p, d in zip(outs, taps, stride, left, dilation, strict=True)
    ]
    inside = np.ones(co.shape, dtype=bool)
    for x, size in zip(pos, in_spatial, strict=True):
        inside &= (x >= 0) & (x < size)
    ci = (co // (c_out // groups)) * c_in_g + cl
    out_flat = np.ravel_multi_index((co[inside], *[o[inside] for o in outs]), (c_out, *out_spatial))
    in_flat = np.ravel_multi_index((ci[inside], *[x[inside] for x in pos]), (c_in, *in_spatial))
    w_flat = np.ravel_multi_index(
        (co[inside], cl[inside], *[t[inside] for t in taps]), weight_shape
    )
    return _by_row(np.stack([out_flat, in_flat, w_flat], axis=1).astype(np.int64))


def _by_row(triples: np.ndarray) -> np.ndarray:
    """Triples sorted by row ``r``, then column ``c``."""
    return triples[np.lexsort((triples[:, 1], triples[:, 0]))]


def _conv_geometry(
    input_shape: Sequence[int],
    weight_shape: Sequence[int],
    stride: IntOrTuple,
    padding: Padding,
    dilation: IntOrTuple,
    groups: int,
):
    c_in, spatial, weight_shape = _shapes(input_shape, weight_shape, groups)
    n = len(spatial)
    kernel = weight_shape[2:]
    s = _per_axis("stride", stride, n, 1)
    d = _per_axis("dilation", dilation, n, 1)
    out = conv_output_shape(spatial, kernel, s, padding, d)
    left = tuple(pair[0] for pair in _padding_pairs(padding, kernel, s, d))
    return c_in, spatial, weight_shape, out, s, left, d


def _conv_entries(
    input_shape: Sequence[int],
    weight_shape: Sequence[int],
    stride: IntOrTuple,
    padding: Padding,
    dilation: IntOrTuple,
    groups: int,
) -> tuple[np.ndarray, tuple[int, int]]:
    """Sorted triples of the convolution's matrix ``C``, and the shape of ``C``."""
    c_in, spatial, wshape, out, s, left, d = _conv_geometry(
        input_shape, weight_shape, stride, padding, dilation, groups
    )
    triples = _triples(c_in, spatial, wshape, out, s, left, d, groups)
    return triples, (wshape[0] * int(np.prod(out)), c_in * int(np.prod(spatial)))


def conv_triples(
    input_shape: Sequence[int],
    weight_shape: Sequence[int],
    stride: IntOrTuple = 1,
    padding: Padding = 0,
    dilation: IntOrTuple = 1,
    groups: int = 1,
) -> np.ndarray:
    """Index triples of the matrix of a convolution (``conv1d``, ``conv2d`` or ``conv3d``).

    Parameters
    ----------
    input_shape : tuple of int
        ``(C_in, *spatial)``, one image without the batch axis.
    weight_shape : tuple of int or ndarray
        ``(C_out, C_in / groups, *kernel)`` (OIHW); a weight array stands for its shape.
    stride, dilation : int or tuple of int
        As in ``torch.nn.functional.conv2d``.
    padding : int, tuple of int, 'same' or 'valid'
        Zero padding, as in ``torch.nn.functional.conv2d``.
    groups : int, default 1
        Output channel ``c`` reads input channels of group ``c // (C_out / groups)``.

    Returns
    -------
    ndarray of int64, shape (nnz, 3)
        Rows ``(r, c, w)``: output cell ``r`` (flat index into ``(C_out, *out_spatial)``)
        takes input cell ``c`` (flat into ``(C_in, *spatial)``) times weight ``w`` (flat
        into ``weight_shape``). Output cell ``(o, j_1..j_n)`` and tap ``(i, t_1..t_n)``
        read input position ``j s - p_left + t d`` on each axis; taps landing in the
        zero padding give no triple. Sorted by ``r``, then ``c``.
    """
    return _conv_entries(input_shape, weight_shape, stride, padding, dilation, groups)[0]


def conv_triples_loop(
    input_shape: Sequence[int],
    weight_shape: Sequence[int],
    stride: IntOrTuple = 1,
    padding: Padding = 0,
    dilation: IntOrTuple = 1,
    groups: int = 1,
) -> np.ndarray:
    """:func:`conv_triples` written as loops over output cells and kernel taps."""
    c_in, spatial, wshape, out, s, left, d = _conv_geometry(
        input_shape, weight_shape, stride, padding, dilation, groups
    )
    c_out, c_in_g, kernel = wshape[0], wshape[1], wshape[2:]
    rows = []
    for co in range(c_out):
        group = co // (c_out // groups)
        for j in product(*[range(o) for o in out]):
            r = np.ravel_multi_index((co, *j), (c_out, *out))
            for cl in range(c_in_g):
                for t in product(*[range(k) for k in kernel]):
                    x = [
                        jj * ss - pp + tt * dd
                        for jj, ss, pp, tt, dd in zip(j, s, left, t, d, strict=True)
                    ]
                    if all(0 <= xx < size for xx, size in zip(x, spatial, strict=True)):
                        c = np.ravel_multi_index((group * c_in_g + cl, *x), (c_in, *spatial))
                        w = np.ravel_multi_index((co, cl, *t), wshape)
                        rows.append((r, c, w))
    return _by_row(np.array(rows, dtype=np.int64).reshape(-1, 3))


def _sparse(triples: np.ndarray, weight: np.ndarray, shape: tuple[int, int], dense: bool):
    data = weight.ravel()[triples[:, 2]]
    m = sp.csr_matrix((data, (triples[:, 0], triples[:, 1])), shape=shape)
    return m.toarray() if dense else m


def conv_matrix(
    input_shape: Sequence[int],
    weight: np.ndarray,
    stride: IntOrTuple = 1,
    padding: Padding = 0,
    dilation: IntOrTuple = 1,
    groups: int = 1,
    dense: bool = False,
) -> sp.csr_matrix | np.ndarray:
    """The matrix ``C`` of a convolution: ``conv(x).ravel() == C @ x.ravel()``.

    Parameters
    ----------
    input_shape : tuple of int
        ``(C_in, *spatial)`` with 1 to 3 spatial axes.
    weight : ndarray, shape (C_out, C_in / groups, *kernel)
        The kernels (OIHW).
    stride, padding, dilation, groups
        As in ``torch.nn.functional.conv{1,2,3}d``.
    dense : bool, default False
        Return a dense ``ndarray`` instead (for small examples).

    Returns
    -------
    scipy.sparse.csr_matrix or ndarray, shape (C_out * prod(out_spatial), C_in * prod(spatial))
        ``C[r, c] = weight.ravel()[w]`` for every triple ``(r, c, w)`` of
        :func:`conv_triples`, zero elsewhere.

    Examples
    --------
    A 3x3 kernel on a 4x4 input has 2x2 outputs: ``C`` is 4 x 16.

    >>> conv_matrix((1, 4, 4), np.ones((1, 1, 3, 3))).shape
    (4, 16)
    """
    weight = np.asarray(weight)
    triples, shape = _conv_entries(input_shape, weight.shape, stride, padding, dilation, groups)
    return _sparse(triples, weight, shape, dense)


def _transpose_geometry(
    input_shape: Sequence[int],
    weight_shape: Sequence[int],
    stride: IntOrTuple,
    padding: IntOrTuple,
    output_padding: IntOrTuple,
    groups: int,
    dilation: IntOrTuple,
):
    input_shape = tuple(int(v) for v in input_shape)
    weight_shape = tuple(int(v) for v in getattr(weight_shape, "shape", weight_shape))
    if not 2 <= len(input_shape) <= 4 or len(weight_shape) != len(input_shape) + 1:
        raise ValueError(
            f"input_shape must be (C_in, *spatial) and weight (C_in, C_out / groups, *kernel), "
            f"got input_shape={input_shape}, weight shape {weight_shape}"
        )
    n = len(input_shape) - 1
    kernel = weight_shape[2:]
    s = _per_axis("stride", stride, n, 1)
    p = _per_axis("padding", padding, n, 0)
    d = _per_axis("dilation", dilation, n, 1)
    out = conv_transpose_output_shape(input_shape[1:], kernel, s, p, output_padding, d)
    # The convolution being transposed maps (C_out_t, *out) to (C_in_t, *input spatial);
    # its weight in OIHW layout is this weight as it is.
    c_out_t = weight_shape[1] * groups
    c_in, spatial, wshape = _shapes((c_out_t, *out), weight_shape, groups)
    if weight_shape[0] != input_shape[0]:
        raise ValueError(
            f"weight shape {weight_shape} expects {weight_shape[0]} input channels, "
            f"got input_shape={input_shape}"
        )
    return c_in, spatial, wshape, input_shape, s, p, d


def _transpose_entries(
    input_shape: Sequence[int],
    weight_shape: Sequence[int],
    stride: IntOrTuple,
    padding: IntOrTuple,
    output_padding: IntOrTuple,
    groups: int,
    dilation: IntOrTuple,
) -> tuple[np.ndarray, tuple[int, int]]:
    """Triples ``(r, c, w)`` of ``C.T``, in ``C``'s order, and the shape of ``C.T``.

    They are the triples of ``C`` (the convolution being transposed) with ``r`` and ``c``
    swapped.
    """
    c_in, spatial, wshape, y_shape, s, p, d = _transpose_geometry(
        input_shape, weight_shape, stride, padding, output_padding, groups, dilation
    )
    fwd = _triples(c_in, spatial, wshape, y_shape[1:], s, p, d, groups)
    shape = (c_in * int(np.prod(spatial)), y_shape[0] * int(np.prod(y_shape[1:])))
    return fwd[:, [1, 0, 2]], shape


def conv_transpose_triples(
    input_shape: Sequence[int],
    weight_shape: Sequence[int],
    stride: IntOrTuple = 1,
    padding: IntOrTuple = 0,
    output_padding: IntOrTuple = 0,
    groups: int = 1,
    dilation: IntOrTuple = 1,
) -> np.ndarray:
    """Index triples of a transposed convolution: those of ``C`` seen from the other side.

    Parameters
    ----------
    input_shape : tuple of int
        ``(C_in, *spatial)`` of the transposed convolution's input ``y``.
    weight_shape : tuple of int
        ``(C_in, C_out / groups, *kernel)``, PyTorch's ``conv_transpose`` layout, which
        is the OIHW layout of the convolution being transposed.
    stride, padding, output_padding, groups, dilation
        As in ``torch.nn.functional.conv_transpose{1,2,3}d`` (same order).

    Returns
    -------
    ndarray of int64, shape (nnz, 3)
        Rows ``(r, c, w)``: output cell ``r`` of the transposed convolution (flat into
        ``(C_out, *out_spatial)``, ``out_spatial`` from
        :func:`~convviz.shapes.conv_transpose_output_shape`) receives input cell ``c``
        times weight ``w``. These are the triples ``(c, r, w)`` of the convolution
        from ``(C_out, *out_spatial)`` to ``input_shape`` with the same weight, that is
        of ``C.T``; sorted by ``r``, then ``c``.
    """
    triples, _ = _transpose_entries(
        input_shape, weight_shape, stride, padding, output_padding, groups, dilation
    )
    return _by_row(triples)


def conv_transpose_matrix(
    input_shape: Sequence[int],
    weight: np.ndarray,
    stride: IntOrTuple = 1,
    padding: IntOrTuple = 0,
    output_padding: IntOrTuple = 0,
    groups: int = 1,
    dilation: IntOrTuple = 1,
    dense: bool = False,
) -> sp.csr_matrix | np.ndarray:
    """The matrix ``T`` with ``conv_transpose(y).ravel() == T @ y.ravel()``.

    Parameters
    ----------
    input_shape : tuple of int
        ``(C_in, *spatial)`` of ``y``.
    weight : ndarray, shape (C_in, C_out / groups, *kernel)
        PyTorch's ``conv_transpose`` weight layout.
    stride, padding, output_padding, groups, dilation
        As in ``torch.nn.functional.conv_transpose{1,2,3}d``.
    dense : bool, default False
        Return a dense ``ndarray`` instead.

    Returns
    -------
    scipy.sparse.csr_matrix or ndarray, shape (C_out * prod(out_spatial), C_in * prod(spatial))
        ``T = C.T`` where ``C`` is the convolution with the same weight, stride, padding,
        dilation and groups from the output shape back to ``input_shape``.
    """
    weight = np.asarray(weight)
    triples, shape = _transpose_entries(
        input_shape, weight.shape, stride, padding, output_padding, groups, dilation
    )
    return _sparse(triples, weight, shape, dense)


def conv_input_gradient(
    grad_output: np.ndarray,
    input_shape: Sequence[int],
    weight: np.ndarray,
    stride: IntOrTuple = 1,
    padding: Padding = 0,
    dilation: IntOrTuple = 1,
    groups: int = 1,
) -> np.ndarray:
    """Gradient of ``<conv(x), g>`` with respect to ``x``: ``C.T @ g``.

    Because ``conv(x) = C x`` is linear, ``d<C x, g>/dx = C^T g``: back-propagating
    through a convolution *is* a transposed convolution.

    Parameters
    ----------
    grad_output : ndarray, shape (C_out, *out_spatial)
        The upstream gradient ``g``.
    input_shape : tuple of int
        ``(C_in, *spatial)`` of ``x``.
    weight : ndarray, shape (C_out, C_in / groups, *kernel)
    stride, padding, dilation, groups
        As in ``torch.nn.functional.conv{1,2,3}d``.

    Returns
    -------
    ndarray, shape input_shape
    """
    c = conv_matrix(input_shape, weight, stride, padding, dilation, groups)
    g = np.asarray(grad_output)
    if g.size != c.shape[0]:
        raise ValueError(
            f"grad_output must have {c.shape[0]} entries (the convolution's output), "
            f"got grad_output of shape {g.shape}"
        )
    return (c.T @ g.ravel()).reshape(tuple(input_shape))


def transpose_roundtrip(
    x: np.ndarray,
    weight: np.ndarray,
    stride: IntOrTuple = 1,
    padding: Padding = 0,
    dilation: IntOrTuple = 1,
    groups: int = 1,
) -> np.ndarray:
    """``C.T @ C @ x``: convolve, then apply the transposed convolution.

    The result has the shape of ``x`` but, unless ``C.T @ C`` is the identity (see
    :func:`gram_is_identity`), not its values: a transposed convolution is not an
    inverse.

    Parameters
    ----------
    x : ndarray, shape (C_in, *spatial)
    weight : ndarray, shape (C_out, C_in / groups, *kernel)
    stride, padding, dilation, groups
        As in ``torch.nn.functional.conv{1,2,3}d``.

    Returns
    -------
    ndarray, shape (C_in, *spatial)
    """
    x = np.asarray(x)
    c = conv_matrix(x.shape, weight, stride, padding, dilation, groups)
    return (c.T @ (c @ x.ravel())).reshape(x.shape)


def gram_is_identity(
    input_shape: Sequence[int],
    weight: np.ndarray,
    stride: IntOrTuple = 1,
    padding: Padding = 0,
    dilation: IntOrTuple = 1,
    groups: int = 1,
    atol: float = 1e-10,
) -> bool:
    """Whether ``C.T @ C`` is the identity, i.e. the transposed convolution undoes ``C``.

    Parameters
    ----------
    input_shape : tuple of int
        ``(C_in, *spatial)``.
    weight : ndarray, shape (C_out, C_in / groups, *kernel)
    stride, padding, dilation, groups
        As in ``torch.nn.functional.conv{1,2,3}d``.
    atol : float, default 1e-10
        Tolerance on every entry of ``C.T @ C - I``.

    Returns
    -------
    bool
        False in general (for example whenever ``C`` has fewer rows than columns, as
        for a 3x3 kernel on a 4x4 input: 4 x 16); True for, e.g., a 1x1 convolution
        whose channel-mixing matrix is orthogonal.
    """
    c = conv_matrix(input_shape, weight, stride, padding, dilation, groups)
    gram = (c.T @ c).toarray()
    return bool(np.allclose(gram, np.eye(gram.shape[0]), rtol=0, atol=atol))
