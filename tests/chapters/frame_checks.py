"""Helpers shared by the chapter tests: torch tensors from arrays, figure steps that must sum."""

from __future__ import annotations

import numpy as np
import torch

from convviz.figures.engine import check_frame


def as_tensor(a: np.ndarray) -> torch.Tensor:
    """``a`` as a torch tensor (a contiguous copy where ``a`` is a view)."""
    return torch.from_numpy(np.ascontiguousarray(a))


def check_steps(view: dict) -> set:
    """Assert every step of a figure view sums (plus bias) to its output cell.

    The engine's :func:`~convviz.figures.engine.check_frame` does the checking
    (cells exist, sums add up); here every nonempty step must also be a sum,
    not a scatter. Returns the set of ``(panel, cell)`` outputs the steps compute.
    """
    for terms in view["steps"]:
        assert all((t[0], t[1]) == (terms[0][0], terms[0][1]) for t in terms)
    summed = check_frame({"views": [view], "formula": [], "code": ""})
    return {(p, c) for _, p, c in summed}
