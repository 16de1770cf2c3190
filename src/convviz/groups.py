"""Which channels reach which: grouped layers, the channel shuffle, and the two stacked.

A grouped convolution lets output channel ``o`` read input channel ``c`` only when
both are in the same group; the channel shuffle of ShuffleNet permutes the channels
so that the next grouped layer reads one channel of every group. These functions
give those connections as 0/1 (or path-count) matrices, the pictures of chapters 10
and 11.
"""

from __future__ import annotations

import numpy as np

from convviz._validate import _check_int

__all__ = ["connection_matrices", "group_connections", "shuffle_matrix"]


def _check_groups(channels: int, groups: int, name: str = "channels") -> tuple[int, int]:
    channels = _check_int(name, channels, 1)
    groups = _check_int("groups", groups, 1)
    if channels % groups:
        raise ValueError(f"groups={groups} must divide {name}={channels}")
    return channels, groups


def group_connections(in_channels: int, out_channels: int, groups: int) -> np.ndarray:
    """Which input channels each output channel of a grouped convolution reads.

    Parameters
    ----------
    in_channels : int
        ``C_in``; ``groups`` must divide it.
    out_channels : int
        ``C_out``; ``groups`` must divide it.
    groups : int
        ``g``, as the ``groups`` argument of ``torch.nn.functional.conv2d``.

    Returns
    -------
    ndarray of float, shape (C_out, C_in)
        ``M[o, c] = 1`` if ``o // (C_out / g) == c // (C_in / g)`` (output ``o``
        and input ``c`` are in the same group), else 0: block diagonal with ``g``
        blocks of ``(C_out / g, C_in / g)`` ones.

    Raises
    ------
    TypeError
        If an argument is not an integer.
    ValueError
        If an argument is below 1 or ``groups`` does not divide ``in_channels``
        or ``out_channels``.

    See Also
    --------
    connection_matrices : two grouped layers, with and without a shuffle.
    convviz.matrix.conv_matrix : the full matrix of the layer, weights included.

    References
    ----------
    A. Krizhevsky, I. Sutskever and G. E. Hinton, "ImageNet Classification with Deep
    Convolutional Neural Networks", NeurIPS 2012 (grouped convolution).

    Examples
    --------
    >>> import convviz as cv
    >>> cv.group_connections(4, 2, 2)
    array([[1., 1., 0., 0.],
           [0., 0., 1., 1.]])
    """
    in_channels, groups = _check_groups(in_channels, groups, "in_channels")
    out_channels, _ = _check_groups(out_channels, groups, "out_channels")
    group_in = np.arange(in_channels) // (in_channels // groups)
    group_out = np.arange(out_channels) // (out_channels // groups)
    return (group_out[:, None] == group_in[None, :]).astype(float)


def shuffle_matrix(channels: int, groups: int) -> np.ndarray:
    """The channel shuffle as a permutation matrix ``P``.

    Parameters
    ----------
    channels : int
        ``C``, the number of channels.
    groups : int
        ``g``; must divide ``channels``.

    Returns
    -------
    ndarray of float, shape (C, C)
        ``P[c, (c mod g) C/g + c // g] = 1``, zero elsewhere, so that for
        channel values ``v`` of shape ``(C,)``,
        ``P @ v == channel_shuffle(v[None, :, None], g)[0, :, 0]``. Row ``c``
        names the input channel that lands at position ``c``.

    Raises
    ------
    TypeError
        If an argument is not an integer.
    ValueError
        If an argument is below 1 or ``groups`` does not divide ``channels``.

    See Also
    --------
    convviz.shuffle.channel_shuffle : the same permutation applied to an array.

    References
    ----------
    X. Zhang, X. Zhou, M. Lin and J. Sun, "ShuffleNet: An Extremely Efficient
    Convolutional Neural Network for Mobile Devices", arXiv:1707.01083 (2017),
    Section 3.1 and Figure 1.

    Examples
    --------
    >>> import convviz as cv
    >>> cv.shuffle_matrix(4, 2).argmax(axis=1)  # position c takes input channel ...
    array([0, 2, 1, 3])
    """
    channels, groups = _check_groups(channels, groups)
    c = np.arange(channels)
    p = np.zeros((channels, channels))
    p[c, (c % groups) * (channels // groups) + c // groups] = 1.0
    return p


def connection_matrices(channels: int, groups: int) -> dict[str, np.ndarray]:
    """Channel connections of two stacked grouped layers, with and without a shuffle.

    Parameters
    ----------
    channels : int
        ``C``, the channels of every layer (``C_in = C_out = C``).
    groups : int
        ``g``; must divide ``channels``.

    Returns
    -------
    dict of str to ndarray of float, each shape (C, C)
        ``"layer"``: ``M = group_connections(C, C, g)`` (block diagonal);
        ``"shuffle"``: ``P = shuffle_matrix(C, g)``; ``"shuffled"``: ``P M``
        (a layer then the shuffle); ``"plain2"``: ``M M`` (two layers) and
        ``"shuffled2"``: ``M P M`` (two layers, the shuffle between them).
        Entry ``[o, i]`` of a product counts the paths from input channel ``i``
        to output channel ``o``; it is nonzero where ``o`` depends on ``i``.

    Raises
    ------
    TypeError
        If an argument is not an integer.
    ValueError
        If an argument is below 1 or ``groups`` does not divide ``channels``.

    See Also
    --------
    group_connections : ``M``, one grouped layer.
    shuffle_matrix : ``P``, the shuffle.

    References
    ----------
    X. Zhang, X. Zhou, M. Lin and J. Sun, "ShuffleNet: An Extremely Efficient
    Convolutional Neural Network for Mobile Devices", arXiv:1707.01083 (2017),
    Section 3.1 and Figure 1 (stacked group convolutions with and without the shuffle).

    Examples
    --------
    >>> import convviz as cv
    >>> m = cv.connection_matrices(4, 2)
    >>> int((m["plain2"][0] > 0).sum()), int((m["shuffled2"][0] > 0).sum())
    (2, 4)
    """
    channels, groups = _check_groups(channels, groups)
    layer = group_connections(channels, channels, groups)
    p = shuffle_matrix(channels, groups)
    return {
        "layer": layer,
        "shuffle": p,
        "shuffled": p @ layer,
        "plain2": layer @ layer,
        "shuffled2": layer @ p @ layer,
    }
