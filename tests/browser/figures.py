"""Reading and driving convviz figures in a page (helpers for the browser tests)."""

from __future__ import annotations

from typing import Any

import convviz as cv


def registry() -> dict[str, Any]:
    """Every figure of the book by id, from the same registry the labs use."""
    figs = {}
    for _title, factories in cv.figures.REGISTRY.values():
        for factory in factories:
            fig = factory()
            figs[fig.id] = fig
    return figs


def shown_values(page: Any, fig_id: str) -> list[list[list[str]]]:
    """data-value of every cell, per view and panel, as the page shows them now."""
    return page.evaluate(
        """(id) => Array.from(document.querySelectorAll('#cv-' + id + ' .cv-view')).map(v =>
            Array.from(v.querySelectorAll('.cv-panel')).map(p => {
              const canvas = p.querySelector('canvas');  // large grids: one canvas
              if (canvas) return JSON.parse(canvas.getAttribute('data-values'));
              return Array.from(p.querySelectorAll('g.cv-cell')).map(g => g.getAttribute('data-value'));
            }))""",
        fig_id,
    )


def stage_html(page: Any, fig_id: str) -> str:
    return page.evaluate(
        "(id) => document.querySelector('#cv-' + id + ' .cv-stage').innerHTML", fig_id
    )


def formula_text(page: Any, fig_id: str) -> str:
    return page.evaluate(
        "(id) => document.querySelector('#cv-' + id + ' .cv-formula').innerText", fig_id
    )


def view_titles(page: Any, fig_id: str) -> list[str]:
    """Each view's title as the page shows it (its own text, not its 3D buttons')."""
    return page.evaluate(
        """(id) => Array.from(document.querySelectorAll('#cv-' + id + ' .cv-view-title')).map(t =>
            Array.from(t.childNodes).filter(n => n.nodeType === 3).map(n => n.data).join('').trim())""",
        fig_id,
    )


def set_control(page: Any, fig_id: str, name: str, index: int) -> None:
    """Operate a control as a reader would (select an option or move a slider)."""
    sel = f"#cv-{fig_id} [data-control='{name}']"
    tag = page.eval_on_selector(sel, "e => e.tagName")
    if tag == "SELECT":
        page.select_option(sel, index=index)
    elif tag == "DIV":  # a segmented control: one button per option
        page.click(f"{sel} button[data-option='{index}']")
    else:
        page.eval_on_selector(
            sel,
            "(e, i) => { e.value = i; e.dispatchEvent(new Event('input', {bubbles: true})); }",
            index,
        )


def wait_for_rooms(page: Any, timeout: int = 60_000) -> None:
    """Wait until every figure of the page has measured its largest setting's room (idle
    time, convviz.js largestRoom: data-cv-room), after which nothing changes its height."""
    page.wait_for_function(
        "() => Array.from(document.querySelectorAll('figure[data-cv-figure]'))"
        ".every(f => f.hasAttribute('data-cv-room'))",
        timeout=timeout,
    )


def last_step(page: Any, fig_id: str) -> None:
    page.eval_on_selector(
        f"#cv-{fig_id} .cv-step",
        "e => { e.value = e.max; e.dispatchEvent(new Event('input', {bubbles: true})); }",
    )


def expected_values(fig: Any, key: str) -> list[list[list[str]]]:
    """What the page must show at the last step: the frame convviz computed, as text."""

    def text(v: Any) -> str:
        return str(v)

    frame = fig.frame(key)
    return [[[text(v) for v in p["values"]] for p in view["panels"]] for view in frame["views"]]


def keys_to_try(fig: Any, limit: int = 12) -> list[str]:
    """A spread of settings: every option of every control at least once."""
    default = [c.default for c in fig.controls]
    keys = [",".join(map(str, default))]
    for ci, c in enumerate(fig.controls):
        for oi in range(len(c.options)):
            k = list(default)
            k[ci] = oi
            keys.append(",".join(map(str, k)))
    keys = list(dict.fromkeys(keys))
    return keys[:limit] if len(keys) > limit else keys


def has_steps(fig: Any) -> bool:
    """Whether the default frame computes anything step by step (a permutation does not)."""
    return any(v["steps"] for v in fig.frame()["views"])
