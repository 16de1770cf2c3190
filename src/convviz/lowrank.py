"""Rank-1 filters: a filter over channels and space as an outer product of three vectors.

A filter ``W`` of shape ``(C, k_h, k_w)`` is rank 1 when ``W[c, m, n] = a[c] v[m] h[n]``.
Jin, Dundar and Culurciello (2014) train layers of such filters directly (as a
cascade of 1D convolutions); :func:`fit_rank1` finds the closest rank-1 filter to a
given one, the starting point of low-rank approximations of trained filters
(Denton et al., 2014; Jaderberg et al., 2014).
"""

from __future__ import annotations

import numpy as np

from convviz._validate import _check_int

__all__ = ["fit_rank1", "rank1_filter"]


def rank1_filter(a: np.ndarray, v: np.ndarray, h: np.ndarray) -> np.ndarray:
    """The rank-1 filter ``W[c, m, n] = a[c] v[m] h[n]``.

    Parameters
    ----------
    a : ndarray, shape (C,)
        Weights across the input channels.
    v : ndarray, shape (k_h,)
        Vertical profile.
    h : ndarray, shape (k_w,)
        Horizontal profile.

    Returns
    -------
    ndarray, shape (C, k_h, k_w)
        The outer product; ``C k_h k_w`` entries from ``C + k_h + k_w`` numbers.

    Raises
    ------
    ValueError
        If an argument is not a non-empty 1D array.

    References
    ----------
    J. Jin, A. Dundar and E. Culurciello, "Flattened convolutional neural
    networks for feedforward acceleration", arXiv:1412.5474 (2014).
    """
    parts = []
    for name, vec in (("a", a), ("v", v), ("h", h)):
        arr = np.asarray(vec, dtype=float)
        if arr.ndim != 1 or arr.size == 0:
            raise ValueError(f"{name} must be a non-empty 1D array, got shape {arr.shape}")
        parts.append(arr)
    return np.einsum("c,y,x->cyx", *parts)


def fit_rank1(w: np.ndarray, iters: int = 100) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The rank-1 filter closest to ``w`` (Frobenius norm), by alternating least squares.

    Starts from the leading singular vectors of the channels-by-space unfolding and
    of its spatial part, then updates each factor in turn with the other two fixed:
    ``a = W ×_y v ×_x h / (|v|^2 |h|^2)`` and likewise for ``v`` and ``h``.
    Each update cannot increase the error; the result is a local optimum (for a
    rank-1 ``w`` it is exact).

    Parameters
    ----------
    w : ndarray, shape (C, k_h, k_w)
        The filter to approximate.
    iters : int, default 100
        Number of rounds of the three updates.

    Returns
    -------
    (a, v, h) : ndarrays of shapes (C,), (k_h,), (k_w,)
        With ``rank1_filter(a, v, h)`` the fit.

    Raises
    ------
    ValueError
        If ``w`` is not 3D or ``iters`` is negative.

    References
    ----------
    T. G. Kolda and B. W. Bader, "Tensor decompositions and applications", SIAM Review
    51(3), 2009 (the alternating least squares of a rank-1 CP decomposition).
    """
    w = np.asarray(w, dtype=float)
    if w.ndim != 3:
        raise ValueError(f"w must have shape (C, k_h, k_w), got shape {w.shape}")
    n = _check_int("iters", iters, 0)
    c, kh, kw = w.shape
    u, s, vt = np.linalg.svd(w.reshape(c, -1), full_matrices=False)
    a = u[:, 0] * s[0]
    uu, ss, vv = np.linalg.svd(vt[0].reshape(kh, kw))
    v, h = uu[:, 0] * ss[0], vv[0]
    for _ in range(n):
        a = np.einsum("cyx,y,x->c", w, v, h) / ((v @ v) * (h @ h) or 1.0)
        v = np.einsum("cyx,c,x->y", w, a, h) / ((a @ a) * (h @ h) or 1.0)
        h = np.einsum("cyx,c,y->x", w, a, v) / ((a @ a) * (v @ v) or 1.0)
    return a, v, h
