"""The closed-form costs the chapters quote: one formula per convolution type, and
the source article's worked examples in general form.

A :class:`Formula` holds its cost as text, in the book's symbols (symbols side by
side are multiplied), and computes its value *from that text*: what the page shows
is what is evaluated. Symbols (2-d, a batch of one, bias left out): ``H, W`` input
size, ``H_out, W_out`` output size, ``C_in, C_out`` channels, ``k_h, k_w`` kernel,
``g`` groups. The per-layer pricing from real shapes is in :mod:`convviz.cost`;
tests hold the two equal.

References
----------
K. Bai, "A Comprehensive Introduction to Different Types of Convolutions in
Deep Learning", Towards Data Science (2019): the worked numbers.
J. Jin, A. Dundar and E. Culurciello, "Flattened convolutional neural networks
for feedforward acceleration", arXiv:1412.5474 (2014).
A. G. Howard et al., "MobileNets", arXiv:1704.04861 (2017).
X. Zhang et al., "ShuffleNet", arXiv:1707.01083 (2017).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fractions import Fraction

from convviz._validate import _check_int

__all__ = [
    "FORMULAS",
    "SYMBOLS",
    "Formula",
    "article_separable_ratio",
    "depthwise_separable_ratio",
    "depthwise_separable_ratio_exact",
    "depthwise_separable_ratio_limit",
    "grouped_params_ratio",
    "separable_ratio",
    "separable_ratio_exact",
    "separable_ratio_limit",
    "spatially_separable_macs_square",
    "standard_macs_formula",
    "standard_macs_square",
    "standard_params_formula",
]

#: the symbols a formula may use, and so the keywords its evaluation accepts
SYMBOLS: tuple[str, ...] = ("H", "W", "H_out", "W_out", "C_in", "C_out", "k_h", "k_w", "g")

_TOKEN = re.compile(r"\s*(?:(?P<name>[A-Za-z_]\w*)|(?P<number>\d+)|(?P<op>[-+/()]))")


def _tokens(text: str) -> list[str]:
    """The symbols, integers, operators and parentheses of ``text``, in order."""
    tokens, pos = [], 0
    while pos < len(text.rstrip()):
        match = _TOKEN.match(text, pos)
        if match is None:
            raise ValueError(f"formula {text!r} has an unreadable character at {pos}")
        tokens.append(match.group(match.lastgroup))
        pos = match.end()
    for token in tokens:
        if token[0].isalpha() or token[0] == "_":
            if token not in SYMBOLS:
                raise ValueError(f"formula {text!r} uses {token!r}, not one of {SYMBOLS}")
    return tokens


def _evaluate(text: str, values: dict[str, int]) -> Fraction:
    """``text`` with ``values`` in place of its symbols, exactly.

    The grammar: a sum (``+``, ``-``) of products; a product is factors side by side
    (multiplied) or after ``/`` (divided), left to right; a factor is a symbol, an
    integer or a parenthesised sum.
    """
    tokens = _tokens(text)
    pos = 0

    def peek() -> str | None:
        return tokens[pos] if pos < len(tokens) else None

    def take() -> str:
        nonlocal pos
        if pos == len(tokens):
            raise ValueError(f"formula {text!r} ends early")
        pos += 1
        return tokens[pos - 1]

    def factor() -> Fraction:
        token = take()
        if token == "(":
            value = total()
            if take() != ")":
                raise ValueError(f"formula {text!r} has an unclosed parenthesis")
            return value
        if token.isdigit():
            return Fraction(int(token))
        if token in values:
            return Fraction(values[token])
        raise ValueError(f"formula {text!r} cannot read {token!r}")

    def product() -> Fraction:
        value = factor()
        while peek() is not None and peek() not in ("+", "-", ")"):
            if peek() == "/":
                take()
                value /= factor()
            else:
                value *= factor()
        return value

    def total() -> Fraction:
        value = product()
        while peek() in ("+", "-"):
            value = value + product() if take() == "+" else value - product()
        return value

    value = total()
    if pos != len(tokens):
        raise ValueError(f"formula {text!r} has a stray {tokens[pos]!r}")
    return value


def _symbols(text: str) -> frozenset[str]:
    return frozenset(t for t in _tokens(text) if t in SYMBOLS)


@dataclass(frozen=True)
class Formula:
    """A cost formula as text; its values are computed from that text.

    Attributes
    ----------
    name : str
        The convolution type.
    macs : str
        The multiply-accumulate formula, e.g. ``"H_out W_out C_out C_in k_h k_w / g"``.
    params : str
        The parameter (weight) formula.
    defaults : dict
        Values (int) of symbols that may be left out (``g = 1`` for the standard and the
        transposed convolution).

    Examples
    --------
    >>> f = FORMULAS["depthwise_separable"]
    >>> f.macs
    'H_out W_out C_in (k_h k_w + C_out)'
    >>> f.macs_of(H_out=5, W_out=5, C_in=3, C_out=128, k_h=3, k_w=3)
    10275
    """

    name: str
    macs: str
    params: str
    defaults: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for text in (self.macs, self.params):  # refuse an unreadable text now
            _evaluate(text, dict.fromkeys(SYMBOLS, 1))

    def _value(self, text: str, symbols: dict[str, object]) -> int | Fraction:
        for name in symbols:
            if name not in SYMBOLS:
                raise TypeError(
                    f"{self.name} formula got an unknown keyword {name!r}; "
                    f"the symbols are {', '.join(SYMBOLS)}"
                )
        used = _symbols(self.macs) | _symbols(self.params)
        g = symbols.get("g", 1)
        if "g" not in used and g != 1:
            raise ValueError(
                f"the {self.name} formula has no groups, got g={g!r}; "
                "use the grouped formula of that type"
            )
        values = {**self.defaults, **symbols}
        missing = [s for s in SYMBOLS if s in _symbols(text) and s not in values]
        if missing:
            raise TypeError(f"{self.name} formula {text!r} needs {', '.join(missing)}")
        for name in _symbols(text):
            values[name] = _check_int(name, values[name], 1)
        value = _evaluate(text, values)
        return int(value) if value.denominator == 1 else value

    def macs_of(self, **symbols: int) -> int | Fraction:
        """The MACs: the text ``macs`` evaluated with ``symbols``.

        Parameters
        ----------
        **symbols : int
            Values of the symbols (see :data:`SYMBOLS`); those the text does not use
            are accepted and ignored (so one shape can fill every formula), except
            ``g`` other than 1 on a formula without groups.

        Returns
        -------
        int or Fraction
            The value; an exact ``Fraction`` where ``/ g`` does not divide.

        Raises
        ------
        TypeError
            A keyword that is not a symbol, or a symbol the text needs left out.
        ValueError
            A symbol below 1, or ``g != 1`` on a formula without groups.
        """
        return self._value(self.macs, symbols)

    def params_of(self, **symbols: int) -> int | Fraction:
        """The weights: the text ``params`` evaluated with ``symbols`` (as :meth:`macs_of`).

        Returns
        -------
        int or Fraction
            The value.
        """
        return self._value(self.params, symbols)


#: MACs of a standard (or grouped) convolution, in words.
standard_macs_formula = "H_out W_out C_out C_in k_h k_w / g"
#: Weights of a standard (or grouped) convolution.
standard_params_formula = "C_out C_in k_h k_w / g"

#: One :class:`Formula` per convolution type of the book.
FORMULAS: dict[str, Formula] = {
    f.name: f
    for f in [
        Formula("standard", standard_macs_formula, standard_params_formula, {"g": 1}),
        Formula("pointwise", "H W C_out C_in", "C_out C_in"),
        Formula(
            "spatially_separable",
            "H_out W C_out C_in k_h + H_out W_out C_out C_out k_w",
            "C_out C_in k_h + C_out C_out k_w",
        ),
        Formula("depthwise", "H_out W_out C_in k_h k_w", "C_in k_h k_w"),
        Formula(
            "depthwise_separable", "H_out W_out C_in (k_h k_w + C_out)", "C_in (k_h k_w + C_out)"
        ),
        Formula(
            "flattened",
            "C_out (H W C_in + H_out W k_h + H_out W_out k_w)",
            "C_out (C_in + k_h + k_w)",
        ),
        Formula("grouped", standard_macs_formula, standard_params_formula),
        Formula("pointwise_grouped", "H W C_out C_in / g", "C_out C_in / g"),
        Formula("transposed", "H W C_in C_out k_h k_w / g", "C_in C_out k_h k_w / g", {"g": 1}),
    ]
}


# --------------------------------------------------------------------------- #
# The article's worked examples, in general form
# --------------------------------------------------------------------------- #


def _square_args(n: int, m: int) -> tuple[int, int]:
    n = _check_int("N", n, 1)
    m = _check_int("m", m, 1)
    if m > n:
        raise ValueError(f"kernel size m must not exceed image size N, got m={m}, N={n}")
    return n, m


def standard_macs_square(N: int, m: int) -> int:
    """Multiplications of an ``m x m`` convolution on an ``N x N`` image, one channel.

    Parameters
    ----------
    N : int
        Image side.
    m : int
        Kernel side (``m <= N``); stride 1, no padding.

    Returns
    -------
    int
        ``(N - m + 1)^2 m^2``: ``(N - m + 1)^2`` positions, ``m^2`` each
        (81 for ``N = 5, m = 3``).
    """
    n, m = _square_args(N, m)
    return (n - m + 1) ** 2 * m**2


def spatially_separable_macs_square(N: int, m: int) -> int:
    """Multiplications of an ``m x 1`` then ``1 x m`` convolution on an ``N x N`` image.

    Parameters
    ----------
    N : int
        Image side.
    m : int
        Kernel side (``m <= N``); stride 1, no padding, one channel.

    Returns
    -------
    int
        ``N (N - m + 1) m + (N - m + 1)^2 m``: the ``m x 1`` kernel visits
        ``(N - m + 1) x N`` positions, the ``1 x m`` kernel then
        ``(N - m + 1)^2`` (45 + 27 = 72 for ``N = 5, m = 3``).
    """
    n, m = _square_args(N, m)
    return n * (n - m + 1) * m + (n - m + 1) ** 2 * m


def separable_ratio_exact(N: int, m: int) -> Fraction:
    """Spatially separable over standard multiplications, as an exact fraction.

    Parameters
    ----------
    N : int
        Image side.
    m : int
        Kernel side (``m <= N``).

    Returns
    -------
    Fraction
        ``(2N - m + 1) / (m (N - m + 1)) = 2/m + (m - 1) / (m (N - m + 1))``,
        which tends to ``2 / m`` when ``N >> m``.
    """
    return Fraction(spatially_separable_macs_square(N, m), standard_macs_square(N, m))


def separable_ratio(N: int, m: int) -> float:
    """Float version of :func:`separable_ratio_exact`.

    Parameters
    ----------
    N : int
        Image side.
    m : int
        Kernel side.

    Returns
    -------
    float
        ``2/m + (m - 1) / (m (N - m + 1))``.
    """
    return float(separable_ratio_exact(N, m))


def article_separable_ratio(N: int, m: int) -> Fraction:
    """The ratio exactly as the source article writes it, with ``N - 2``.

    The article writes ``2/m + 2 / (m (N - 2))`` for a general ``m x m``
    kernel; the general ratio (:func:`separable_ratio_exact`) has
    ``(m - 1) / (m (N - m + 1))``, so the two agree only for ``m = 3``.

    Parameters
    ----------
    N : int
        Image side (``N > 2``).
    m : int
        Kernel side.

    Returns
    -------
    Fraction
        ``2/m + 2 / (m (N - 2))``.
    """
    n = _check_int("N", N, 3)
    m = _check_int("m", m, 1)
    return Fraction(2, m) + Fraction(2, m * (n - 2))


def separable_ratio_limit(m: int) -> Fraction:
    """Limit of the spatially separable ratio as ``N -> infinity``.

    Parameters
    ----------
    m : int
        Kernel side.

    Returns
    -------
    Fraction
        ``2 / m``.
    """
    return Fraction(2, _check_int("m", m, 1))


def depthwise_separable_ratio_exact(c_out: int, h: int) -> Fraction:
    """Depthwise separable over standard multiplications, as an exact fraction.

    Both layers have the same input and an ``h x h`` kernel, so the positions
    and ``C_in`` cancel: ``H_out W_out C_in (h^2 + C_out) / (H_out W_out C_in
    C_out h^2)``. This holds for every ``h``, odd or even.

    Parameters
    ----------
    c_out : int
        ``N_c``, output channels.
    h : int
        Kernel side.

    Returns
    -------
    Fraction
        ``1 / N_c + 1 / h^2`` (``1/128 + 1/9 = 10275/86400`` for the article's
        7x7x3 to 5x5x128 example).
    """
    c = _check_int("c_out", c_out, 1)
    h = _check_int("h", h, 1)
    return Fraction(1, c) + Fraction(1, h * h)


def depthwise_separable_ratio(c_out: int, h: int) -> float:
    """Float version of :func:`depthwise_separable_ratio_exact`.

    Parameters
    ----------
    c_out : int
        Output channels ``N_c``.
    h : int
        Kernel side.

    Returns
    -------
    float
        ``1 / N_c + 1 / h^2``.
    """
    return float(depthwise_separable_ratio_exact(c_out, h))


def depthwise_separable_ratio_limit(h: int) -> Fraction:
    """Limit of the depthwise separable ratio for many output channels.

    Parameters
    ----------
    h : int
        Kernel side.

    Returns
    -------
    Fraction
        ``1 / h^2`` (``N_c -> infinity``).
    """
    h = _check_int("h", h, 1)
    return Fraction(1, h * h)


def grouped_params_ratio(groups: int) -> Fraction:
    """Weights of a grouped convolution over those of the standard one.

    Parameters
    ----------
    groups : int
        ``g``.

    Returns
    -------
    Fraction
        ``1 / g`` (two groups halve the weights, and the MACs).
    """
    return Fraction(1, _check_int("groups", groups, 1))
