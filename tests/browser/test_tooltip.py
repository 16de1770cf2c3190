"""The cell tooltip stays inside its figure: a long one (an interior cell of chapter 6's
overlap map names its mark and its step) near the right edge on a 390 px phone used to run
255 px past the screen's right edge (left clamped to width - 200, the tip wider than that)."""

from __future__ import annotations

PAGE_06 = "book/06-transposed-convolution.html"
FIG = "cv-checkerboard"


def test_a_long_tooltip_stays_inside_the_figure_on_a_phone(visit, base_url):
    page = visit.page
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{base_url}/{PAGE_06}", wait_until="load")
    page.wait_for_selector(f"#{FIG} .cv-stage canvas")
    # the 11x11 overlap map of the default setting, painted on a canvas (34 px cells)
    canvas = page.locator(f"#{FIG} .cv-stage .cv-panel").nth(2).locator("canvas")
    assert canvas.get_attribute("data-values").count(",") == 121 - 1
    size = (canvas.bounding_box()["width"] - 4) / 11
    canvas.scroll_into_view_if_needed()
    # m[4,8]: an interior cell, right of the middle
    canvas.hover(position={"x": 2 + 8.5 * size, "y": 2 + 4.5 * size})
    box = page.evaluate(
        """(id) => {
          const t = document.querySelector('#' + id + ' .cv-tip');
          const f = document.getElementById(id).getBoundingClientRect(), r = t.getBoundingClientRect();
          return {hidden: t.hidden, text: t.textContent, tip: [r.left, r.right],
                  fig: [f.left, f.right], vw: window.innerWidth};
        }""",
        FIG,
    )
    assert not box["hidden"] and box["text"].startswith("m[4,8] = 4"), box
    assert "interior" in box["text"], box
    assert box["fig"][0] - 0.5 <= box["tip"][0] and box["tip"][1] <= box["fig"][1] + 0.5, box
    assert box["tip"][1] <= box["vw"], box
