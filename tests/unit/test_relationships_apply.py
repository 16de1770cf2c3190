"""Which of Dumoulin and Visin's relationships hold: their conditions typed from the
guide, and every listed formula checked against the sizes torch produces."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import convviz as cv
from convviz.shapes import relationship, relationships_that_apply

# the guide's conditions, typed here from its text (relationships 1-15), plus our 15T
CONV_CONDITIONS = {
    "1": lambda i, k, s, p, d: s == 1 and p == 0 and d == 1,
    "2": lambda i, k, s, p, d: s == 1 and d == 1,
    "3": lambda i, k, s, p, d: s == 1 and d == 1 and k % 2 == 1 and p == (k - 1) // 2,
    "4": lambda i, k, s, p, d: s == 1 and d == 1 and p == k - 1,
    "5": lambda i, k, s, p, d: p == 0 and d == 1,
    "6": lambda i, k, s, p, d: d == 1,
    "15": lambda i, k, s, p, d: True,
}
TRANSPOSED_CONDITIONS = {
    "8": lambda i, k, s, p, d: s == 1 and p == 0 and d == 1,
    "9": lambda i, k, s, p, d: s == 1 and d == 1,
    "10": lambda i, k, s, p, d: s == 1 and d == 1 and k % 2 == 1 and p == (k - 1) // 2,
    "11": lambda i, k, s, p, d: s == 1 and d == 1 and p == k - 1,
    "12": lambda i, k, s, p, d: p == 0 and d == 1 and (i - k) % s == 0,
    "13": lambda i, k, s, p, d: d == 1 and (i + 2 * p - k) % s == 0,
    "14": lambda i, k, s, p, d: d == 1,
    "15T": lambda i, k, s, p, d: True,
}

setting = st.tuples(
    st.integers(1, 12), st.integers(1, 5), st.integers(1, 4), st.integers(0, 4), st.integers(1, 3)
)


def torch_len(i, k, s, p, d) -> int:
    return F.conv1d(torch.zeros(1, 1, i), torch.zeros(1, 1, k), stride=s, padding=p,
                    dilation=d).shape[-1]  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(setting)
def test_conditions_and_formulas_against_torch(case):
    i, k, s, p, d = case
    assume(i + 2 * p >= d * (k - 1) + 1)
    o = torch_len(i, k, s, p, d)
    conv = relationships_that_apply(i, k, s, p, d)
    assert conv == [label for label, holds in CONV_CONDITIONS.items() if holds(*case)]
    for label in conv:  # every relationship said to hold gives torch's size
        assert relationship(label).output(i, k, s, p, d, 0) == o
    back = relationships_that_apply(i, k, s, p, d, operation="transposed")
    assert back == [label for label, holds in TRANSPOSED_CONDITIONS.items() if holds(*case)]
    a = (i + 2 * p - d * (k - 1) - 1) % s  # what the forward floor dropped
    for label in back:  # each takes the output o back to i, as torch's transposed conv does
        size = relationship(label).output(o, k, s, p, d, a)
        y = F.conv_transpose1d(torch.zeros(1, 1, o), torch.zeros(1, 1, k), stride=s,
                               padding=p, output_padding=a, dilation=d)  # fmt: skip
        assert size == y.shape[-1] == i
    assert relationships_that_apply(i, k, s, p, d, operation="pooling") == (
        ["7"] if p == 0 and d == 1 else []
    )


def test_nesting_and_the_figure_default():
    assert cv.relationships_that_apply(5, 3) == ["1", "2", "5", "6", "15"]
    assert cv.relationships_that_apply(5, 3, 1, 1) == ["2", "3", "6", "15"]
    assert cv.relationships_that_apply(7, 3, 1, 0, 2) == ["15"]


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"operation": "pooled"}, ValueError, "operation"),
        ({"operation": 1}, TypeError, "operation"),
        ({"stride": 0}, ValueError, "stride=0"),
        ({"padding": -1}, ValueError, "padding=-1"),
        ({"kernel_size": 9}, ValueError, "kernel_size=9"),
        ({"kernel_size": 2.5}, TypeError, "kernel_size"),
    ],
)
def test_bad_arguments_name_the_argument(kwargs, error, words):
    args = {"size": 5, "kernel_size": 3, **kwargs}
    with pytest.raises(error, match=words):
        relationships_that_apply(**args)
