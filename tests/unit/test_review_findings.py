"""Edges found in review that belong to files outside the reviewer's remit.

Each test asserts the behaviour the issue asks for (torch's refusals, the rule that a
value of the wrong kind is a ``TypeError``); any still marked a strict ``xfail`` is a
known defect, and its fix turns the xfail into a failure so that the marker goes.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import convviz as cv


@pytest.mark.parametrize("dtype", ["int8", "int16", "int32", "uint8"])
def test_plain_loops_refuse_the_integer_dtypes_torch_refuses(dtype):
    x = np.ones((1, 1, 5, 5), dtype=dtype)
    w = np.ones((1, 1, 2, 2), dtype=dtype)
    with pytest.raises(NotImplementedError):
        F.conv2d(torch.from_numpy(x), torch.from_numpy(w), dilation=2)
    with pytest.raises(TypeError, match=dtype):
        cv.conv2d(x, w, dilation=2)
    with pytest.raises(TypeError, match=dtype):
        cv.conv2d_plain(x, w, dilation=2)
    with pytest.raises(TypeError, match=dtype):
        cv.conv_transpose2d_plain(x, w)


def test_stride_on_of_the_wrong_kind_is_a_type_error():
    from convviz import models

    with pytest.raises(ValueError, match="stride_on"):
        models.resnet50(stride_on="2x2")
    with pytest.raises(TypeError, match="stride_on"):
        models.resnet50(stride_on=None)


def test_exercise_name_of_the_wrong_kind_is_a_type_error():
    with pytest.raises(TypeError, match="name"):
        cv.exercises.exercise(None)


def test_a_missing_torch_says_how_to_install_it(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` now fails
    with pytest.raises(ModuleNotFoundError, match=r"convviz.count needs PyTorch.*convviz\[torch\]"):
        cv.count(object(), (1, 1, 2, 2))
