"""A long scatter (one input cell written to more than 32 outputs) is cut like a long sum, and
its "… more terms …" and "fewer terms" buttons work as they do on a sum. No figure of the book
has such a scatter, so a synthetic one (a 1×1 input, a 6×6 kernel: 36 outputs) is drawn by the
renderer of this tree (not the built site's copy)."""

from __future__ import annotations

import numpy as np

from convviz.figures.engine import Control, Figure, grid, view

K = 6  # the kernel's side: the one input cell scatters to K * K = 36 outputs


def _build(case: int):
    x = np.array([[2.0]])
    w = np.arange(K * K, dtype=float).reshape(K, K) - 5
    panels = [
        grid("x", "input x", x, role="input"),
        grid("w", "kernel w", w, role="kernel"),
        grid("y", "output y", x[0, 0] * w, role="output"),
    ]
    steps = [[(2, k, 0, 0, 1, k) for k in range(K * K)]]
    return {"views": [view("", panels, steps)], "formula": [], "code": "y = x * w"}


FIG = Figure("scatter", "long scatter", "one input cell scattered to 36 outputs",
             [Control("case", "case", [0])], _build)  # fmt: skip

_TERMS = """() => Array.from(document.querySelectorAll('#cv-scatter .cv-sum .cv-term[data-t]'))
  .map(t => t.textContent)"""


def test_a_long_scatter_is_cut_and_its_buttons_write_and_cut_every_term(draw):
    drawn = draw(FIG)
    page = drawn.page
    # each output's term, as the page writes a scatter: y[r,c] += 2·w, a negative w in
    # parentheses with the typographic minus
    every = [f"y[{k // K},{k % K}] += 2·" + (f"(\u2212{5 - k})" if k < 5 else f"{k - 5}")
             for k in range(K * K)]  # fmt: skip
    assert page.evaluate(_TERMS) == every[:12] + every[-4:]  # the first 12 and last 4
    more = page.locator("#cv-scatter .cv-sum .cv-more")
    assert more.count() == 1 and more.inner_text() == f"… {K * K - 16} more terms …"
    more.click()
    assert page.evaluate(_TERMS) == every
    fewer = page.locator("#cv-scatter .cv-sum .cv-fewer")
    assert fewer.count() == 1 and page.locator("#cv-scatter .cv-sum .cv-more").count() == 0
    fewer.focus()
    page.keyboard.press("Enter")
    assert page.evaluate(_TERMS) == every[:12] + every[-4:]
    assert page.locator("#cv-scatter .cv-sum .cv-fewer").count() == 0
    assert not drawn.errors, drawn.errors
