"""Channel shuffle (ShuffleNet), as ``torch.nn.functional.channel_shuffle``.

The ``C`` channels are read as a ``(groups, C / groups)`` grid, the grid is
transposed and flattened again, so that the next grouped convolution sees one
channel from every group (:mod:`convviz.groups` draws what that does to the
channel connections).
"""

from __future__ import annotations

import numpy as np

from convviz._validate import _check_int, as_array

__all__ = ["channel_shuffle", "channel_shuffle_loop"]


def _check(x: object, groups: int) -> tuple[np.ndarray, int]:
    x = as_array("x", x)
    groups = _check_int("groups", groups, 1)
    if x.ndim < 3:
        raise ValueError(
            f"channel_shuffle expects x with at least 3 axes (N, C, *), got x of shape {x.shape}"
        )
    if x.shape[1] % groups:
        raise ValueError(
            f"groups={groups} must divide the {x.shape[1]} channels of x (shape {x.shape})"
        )
    return x, groups


def channel_shuffle(x: np.ndarray, groups: int) -> np.ndarray:
    """Interleave the channels of ``groups`` groups.

    Parameters
    ----------
    x : ndarray, shape (N, C, *)
        Any array with at least three axes; axis 1 holds the channels.
    groups : int
        Number of groups; must divide ``C``.

    Returns
    -------
    ndarray, shape (N, C, *)
        ``y[:, c] = x[:, (c mod g) C/g + c // g]``: reshape the channels to
        ``(g, C/g)``, transpose to ``(C/g, g)``, flatten.

    See Also
    --------
    channel_shuffle_loop : the same permutation, one channel at a time.
    convviz.conv.conv2d : the grouped convolutions the shuffle sits between.
    convviz.cost.pointwise_grouped_cost : the cost of ShuffleNet's grouped 1x1 layers.

    Examples
    --------
    >>> import numpy as np
    >>> import convviz as cv
    >>> x = np.arange(6.0).reshape(1, 6, 1, 1)
    >>> y = cv.channel_shuffle(x, 2)  # torch: F.channel_shuffle(x, 2)
    >>> y.ravel()
    array([0., 3., 1., 4., 2., 5.])
    >>> np.array_equal(y, cv.channel_shuffle_loop(x, 2))
    True
    >>> from importlib.util import find_spec
    >>> if find_spec("torch"):  # the same numbers from torch, where it is installed
    ...     import torch
    ...     t = torch.nn.functional.channel_shuffle(torch.from_numpy(x), 2)
    ...     assert np.allclose(t.numpy(), y)
    """
    x, groups = _check(x, groups)
    n, c = x.shape[:2]
    grid = x.reshape(n, groups, c // groups, *x.shape[2:])
    return np.ascontiguousarray(grid.swapaxes(1, 2)).reshape(x.shape)


def channel_shuffle_loop(x: np.ndarray, groups: int) -> np.ndarray:
    """:func:`channel_shuffle` one output channel at a time (same arguments and result).

    See Also
    --------
    channel_shuffle : the vectorised twin, same result.
    convviz.conv.conv2d : the grouped convolutions the shuffle sits between.
    convviz.cost.pointwise_grouped_cost : the cost of ShuffleNet's grouped 1x1 layers.

    Examples
    --------
    >>> import numpy as np
    >>> import convviz as cv
    >>> x = np.arange(6.0).reshape(1, 6, 1, 1)
    >>> y = cv.channel_shuffle_loop(x, 2)  # torch: F.channel_shuffle(x, 2)
    >>> y.ravel()
    array([0., 3., 1., 4., 2., 5.])
    >>> np.array_equal(y, cv.channel_shuffle(x, 2))
    True
    >>> from importlib.util import find_spec
    >>> if find_spec("torch"):  # the same numbers from torch, where it is installed
    ...     import torch
    ...     t = torch.nn.functional.channel_shuffle(torch.from_numpy(x), 2)
    ...     assert np.allclose(t.numpy(), y)
    """
    x, groups = _check(x, groups)
    per_group = x.shape[1] // groups
    out = np.empty_like(x)
    for c in range(x.shape[1]):
        out[:, c] = x[:, (c % groups) * per_group + c // groups]
    return out
