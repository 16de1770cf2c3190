"""Edges found in review that belong to files outside the reviewer's remit.

Each test asserts the behaviour the issue asks for (torch's refusals, the rule that a
value of the wrong kind is a ``TypeError``) and is a strict ``xfail`` until the
module's owner fixes it: the fix turns the xfail into a failure, and the marker goes.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import convviz as cv


@pytest.mark.xfail(
    strict=True,
    reason="convviz.loops: conv2d_plain and conv_transpose2d_plain compute int8/16/32 and "
    "uint8 in float64 where torch (and cv.conv2d, cv.conv_transpose2d) refuse, although "
    "their docstrings say they raise for arrays PyTorch refuses",
)
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


@pytest.mark.xfail(
    strict=True,
    reason="convviz.models: stride_on of the wrong kind (None, 1) raises ValueError; the "
    "rule (convviz._validate.check_choice) is TypeError for a wrong kind, ValueError for "
    "an unknown name",
)
def test_stride_on_of_the_wrong_kind_is_a_type_error():
    from convviz import models

    with pytest.raises(ValueError, match="stride_on"):
        models.resnet50(stride_on="2x2")
    with pytest.raises(TypeError, match="stride_on"):
        models.resnet50(stride_on=None)


@pytest.mark.xfail(
    strict=True,
    reason="convviz.exercises.exercise: a name of the wrong kind (None, 3) raises "
    "ValueError; the rule is TypeError for a wrong kind",
)
def test_exercise_name_of_the_wrong_kind_is_a_type_error():
    with pytest.raises(TypeError, match="name"):
        cv.exercises.exercise(None)
