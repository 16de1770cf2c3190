"""Helpers shared by the chapter tests: torch tensors from arrays, figure steps that must sum."""

from __future__ import annotations

import numpy as np
import torch


def as_tensor(a: np.ndarray) -> torch.Tensor:
    """``a`` as a torch tensor (a contiguous copy where ``a`` is a view)."""
    return torch.from_numpy(np.ascontiguousarray(a))


def check_steps(view: dict) -> set:
    """Assert every step of a figure view sums (plus bias) to its output cell.

    Every term of a step must name the same output cell. Returns the set of
    ``(panel, cell)`` outputs the steps compute.
    """
    panels = view["panels"]
    seen = set()
    for terms in view["steps"]:
        o = (terms[0][0], terms[0][1])
        assert all((t[0], t[1]) == o for t in terms)
        total = sum(panels[t[2]]["values"][t[3]] * panels[t[4]]["values"][t[5]] for t in terms)
        assert np.isclose(total + view.get("bias", 0), panels[o[0]]["values"][o[1]], atol=1e-3)
        seen.add(o)
    return seen
