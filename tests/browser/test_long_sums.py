"""A long sum is cut in the middle: the page writes its first and last terms and how many it
leaves out, as the key to the figures (the book's index page) says, and a sum no longer than
the limit is written in full."""

from __future__ import annotations

import re

from .figures import registry, set_control, wait_for_rooms

PAGE_07 = "book/07-dilated-convolution.html"
PAGE_10 = "book/10-grouped-convolution.html"

_SUM = """(id) => {
  const root = document.querySelector('#cv-' + id);
  const line = root.querySelector('.cv-sum');
  return {key: root.getAttribute('data-key'), step: +root.getAttribute('data-step'),
          terms: Array.from(line.querySelectorAll('.cv-term[data-t]')).map(t => +t.getAttribute('data-t')),
          more: Array.from(line.querySelectorAll('.cv-more')).map(m => m.textContent)};
}"""


def _rule(page, base_url) -> tuple[int, int, int]:
    """(longest sum written in full, terms kept at its head, at its tail), as the index page says."""
    page.goto(f"{base_url}/book/index.html", wait_until="load")  # not the redirect at the root
    text = " ".join(page.inner_text("article").split())
    found = re.search(r"more than (\d+) terms .*? first (\d+) and last (\d+) terms", text)
    assert found, "the key to the figures no longer states the rule"
    return int(found[1]), int(found[2]), int(found[3])


def _shown_sum(page, base_url, page_path, fig_id, hash_) -> tuple[dict, int]:
    """The first sum the figure shows (opened at `hash_`), and how many terms the Python
    frame of the setting and step on screen has."""
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{base_url}/{page_path}#cv-{fig_id}{hash_}", wait_until="load")
    page.wait_for_selector(".cv-sum .cv-term[data-t]")
    got = page.evaluate(_SUM, fig_id)
    frame = registry()[fig_id].frame(got["key"])
    return got, len(frame["views"][0]["steps"][got["step"]])


def test_a_sum_of_a_15_by_15_field_writes_its_ends_and_counts_the_rest(visit, base_url):
    page = visit.page
    full, head, tail = _rule(page, base_url)
    got, n = _shown_sum(page, base_url, PAGE_07, "dilated-stack", "?layers=3")
    field = 1 + sum(d * (3 - 1) for d in (1, 2, 4))  # three 3×3 layers, dilations 1, 2, 4
    assert n == field * field == 225 and n > full
    kept = list(range(head)) + list(range(n - tail, n))
    assert got["terms"] == kept + kept, got["terms"]  # the names, then the numbers
    assert got["more"] == [f"\u2026 {n - head - tail} more terms \u2026"] * 2, got["more"]


def test_a_sum_at_the_limit_is_written_in_full(visit, base_url):
    page = visit.page
    full, _, _ = _rule(page, base_url)
    got, n = _shown_sum(page, base_url, PAGE_10, "grouped", "?groups=1&out_channel=0")
    assert n == full == 8 * 2 * 2  # g = 1: an output reads all 8 input channels, 2×2 each
    assert got["terms"] == list(range(n)) * 2 and got["more"] == [], got


PAGE_03 = "book/03-3d-convolution.html"

_VIEW = """([id, vi, line]) => {
  const root = document.querySelector('#cv-' + id);
  const view = root.querySelector('.cv-view[data-view="' + vi + '"]');
  const sum = root.querySelectorAll('.cv-sum')[line], a = document.activeElement;
  const kinds = k => view.querySelectorAll('.cv-hl.cv-hl-' + k).length;
  return {step: +root.getAttribute('data-step'), rings: {in: kinds('in'), k: kinds('k'), out: kinds('out')},
          result: sum.querySelector('.cv-result').textContent,
          more: Array.from(sum.querySelectorAll('.cv-more')).map(m => [m.tagName, m.hasAttribute('data-t')]),
          focus: sum.contains(a) ? a.getAttribute('data-t') : null,
          outlined: Array.from(root.querySelectorAll('.cv-stage .cv-focus')).map(n => [
            view.contains(n), n.getAttribute('data-t')])};
}"""


def test_a_cut_sum_rings_every_cell_shows_the_whole_result_and_its_keys_skip_the_cut(
    visit, base_url
):
    """volume-two-views at k_D = 3: the second view's sum has 54 terms and is cut. The grids
    still ring all its cells, the result written is the whole sum (not that of the terms
    shown), the cut is a button and no term, and ← from the first term after the cut goes to the last
    term before it, whose cells alone are outlined."""
    page = visit.page
    full, head, tail = _rule(page, base_url)
    fig_id = "volume-two-views"
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{base_url}/{PAGE_03}#cv-{fig_id}?kd=3", wait_until="load")
    page.wait_for_selector(f"#cv-{fig_id} .cv-sum:nth-child(2) .cv-term[data-t]")
    key = page.get_attribute(f"#cv-{fig_id}", "data-key")
    got = page.evaluate(_VIEW, [fig_id, 1, 1])
    v = registry()[fig_id].frame(key)["views"][1]
    terms = v["steps"][got["step"]]
    n = len(terms)
    assert n > full  # the cut applies

    def value(panel: int, cell: int) -> float:
        return float(v["panels"][panel]["values"][cell])

    assert got["rings"] == {
        "in": len({(t[2], t[3]) for t in terms}),
        "k": len({(t[4], t[5]) for t in terms}),
        "out": len({(t[0], t[1]) for t in terms}),
    }, got["rings"]
    whole = sum(value(t[2], t[3]) * value(t[4], t[5]) for t in terms)
    assert float(got["result"].replace("=", "").replace("\u2212", "-")) == whole, got["result"]
    assert got["more"] == [["BUTTON", False], ["BUTTON", False]], got["more"]  # names, numbers

    page.keyboard.press("Shift")  # a keyboard focus
    page.focus(f"#cv-{fig_id} .cv-sum:nth-child(2) .cv-term[tabindex='0']")
    page.keyboard.press("End")
    assert page.evaluate(_VIEW, [fig_id, 1, 1])["focus"] == str(n - 1)
    for _ in range(tail):
        page.keyboard.press("ArrowLeft")
    got = page.evaluate(_VIEW, [fig_id, 1, 1])
    assert got["focus"] == str(head - 1), got["focus"]
    t = terms[head - 1]
    cells = {(t[2], t[3]), (t[4], t[5]), (t[0], t[1])}
    assert len(got["outlined"]) == len(cells), got["outlined"]
    assert all(mine and str(head - 1) in ts.split() for mine, ts in got["outlined"]), got
    assert visit.errors == []


_LINE = """(id) => {
  const root = document.querySelector('#cv-' + id), a = document.activeElement;
  const line = root.querySelector('.cv-sum'), box = a ? a.getBoundingClientRect() : null;
  return {step: +root.getAttribute('data-step'), height: root.offsetHeight,
          terms: Array.from(line.querySelectorAll('.cv-term[data-t]')).map(t => +t.getAttribute('data-t')),
          more: line.querySelectorAll('.cv-more').length, fewer: line.querySelectorAll('.cv-fewer').length,
          stops: line.querySelectorAll('[tabindex="0"]').length,
          result: line.querySelector('.cv-result').textContent,
          focus: a && line.contains(a) ? [a.className, a.getAttribute('data-t')] : null,
          seen: !!box && box.top >= 0 && box.bottom <= innerHeight};
}"""

# two animation frames: the figure has fitted its blank (fitRoom)
_SETTLE = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"


def test_pressing_the_cut_writes_every_term_until_fewer_is_pressed(visit, base_url, tmp_path):
    """dilated-stack at 3 layers: "… 209 more terms …" pressed (by keyboard, in the numbers)
    writes all 225 terms in both lines with the same result and moves the focus, on screen, to
    the first term it wrote (FEWER is the next tab stop); the full sums are kept at the next
    step and through another setting and back; the SVG export has every term and not the
    button's words; "fewer terms" cuts the sum again, puts the focus on screen on the cut, and
    gives back the figure's height."""
    page = visit.page
    _, head, tail = _rule(page, base_url)
    got, n = _shown_sum(page, base_url, PAGE_07, "dilated-stack", "?layers=3")
    wait_for_rooms(page)
    page.evaluate(_SETTLE)
    cut = page.evaluate(_LINE, "dilated-stack")
    assert cut["more"] == 2 and cut["fewer"] == 0 and len(cut["terms"]) == 2 * (head + tail)
    page.keyboard.press("Shift")  # a keyboard focus
    page.focus("#cv-dilated-stack .cv-sum .cv-more >> nth=1")
    page.keyboard.press("Enter")
    got = page.evaluate(_LINE, "dilated-stack")
    assert got["terms"] == list(range(n)) * 2, len(got["terms"])
    assert got["more"] == 0 and got["fewer"] == 1 and got["stops"] == 1, got
    assert got["focus"] == ["cv-term", str(head)] and got["seen"], got
    assert got["result"] == cut["result"]
    assert page.evaluate(
        "(k) => document.activeElement === "
        "document.querySelectorAll('#cv-dilated-stack .cv-sum .cv-term[data-t]')[k]",
        n + head,
    ), "the focus is not on the first term written in the numbers"
    step = got["step"]
    page.keyboard.press("Tab")
    assert page.evaluate(_LINE, "dilated-stack")["focus"] == ["cv-fewer", None]
    page.keyboard.press("ArrowLeft")  # from the button back into the sum, not a step
    got = page.evaluate(_LINE, "dilated-stack")
    assert got["focus"] == ["cv-term", str(n - 1)] and got["step"] == step and got["stops"] == 1, (
        got
    )
    page.click("#cv-dilated-stack .cv-next")
    page.wait_for_function(f"+document.querySelector('#cv-dilated-stack').dataset.step !== {step}")
    nxt = page.evaluate(_LINE, "dilated-stack")
    assert nxt["terms"] == list(range(n)) * 2 and nxt["fewer"] == 1, len(nxt["terms"])
    set_control(page, "dilated-stack", "layers", 1)  # 2 layers: 7×7, still long, still in full
    two = page.evaluate(_LINE, "dilated-stack")
    assert len(two["terms"]) == 2 * 49 and two["fewer"] == 1 and two["more"] == 0, two
    set_control(page, "dilated-stack", "layers", 2)
    back3 = page.evaluate(_LINE, "dilated-stack")
    assert back3["terms"] == list(range(n)) * 2 and back3["fewer"] == 1, len(back3["terms"])
    with page.expect_download() as info:
        page.click("#cv-dilated-stack .cv-download")
    path = tmp_path / "full.svg"
    info.value.save_as(path)
    svg = path.read_text()
    assert "fewer terms" not in svg and "more terms" not in svg
    assert svg.count("x[") >= n, svg.count("x[")  # every name, none cut
    page.focus("#cv-dilated-stack .cv-sum .cv-fewer")
    page.keyboard.press(" ")
    page.evaluate(_SETTLE)
    back = page.evaluate(_LINE, "dilated-stack")
    assert back["terms"] == cut["terms"] and back["more"] == 2 and back["fewer"] == 0, back
    assert back["focus"] == ["cv-more", None] and back["seen"], back
    assert back["height"] == cut["height"], (back["height"], cut["height"])  # no blank kept
    page.keyboard.press("ArrowRight")  # from the numbers' cut to the term after it
    got = page.evaluate(_LINE, "dilated-stack")
    assert got["focus"] == ["cv-term", str(n - tail)] and got["step"] == back["step"], got
    page.click("#cv-dilated-stack .cv-sum .cv-more")  # the mouse, in the names
    got = page.evaluate(_LINE, "dilated-stack")
    assert got["fewer"] == 1 and got["focus"] == ["cv-term", str(head)], got
    assert visit.errors == []
