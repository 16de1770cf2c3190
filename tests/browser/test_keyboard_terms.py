"""The terms of a figure's sum from the keyboard: each sum line is one tab stop, ←/→
(Home/End) move the focus between its terms without stepping the figure, the focused
term outlines its cells as hovering it does, and Escape leaves the line."""

from __future__ import annotations

PAGE_02 = "book/02-convolution-in-deep-learning.html"
FIG = "#cv-one-channel"

_FOCUS = """(fig) => {
  const a = document.activeElement, root = document.querySelector(fig);
  const terms = Array.from(root.querySelectorAll('.cv-sum .cv-term[data-t]'));
  return {index: terms.indexOf(a), t: a && a.getAttribute('data-t'),
          inFigure: root.contains(a), step: root.getAttribute('data-step'),
          outlined: Array.from(root.querySelectorAll('.cv-stage .cv-focus'))
            .map(n => n.getAttribute('data-t'))};
}"""


def _focus(page) -> dict:
    return page.evaluate(_FOCUS, FIG)


def test_a_sum_is_one_tab_stop_and_arrows_move_between_its_terms(visit, base_url):
    page = visit.page
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{base_url}/{PAGE_02}", wait_until="load")
    page.wait_for_selector(f"{FIG} .cv-sum .cv-term[data-t]")
    stops = page.eval_on_selector_all(
        f"{FIG} .cv-sum",
        "lines => lines.map(l => Array.from(l.querySelectorAll('[tabindex]'))"
        ".map(n => [n.className, n.getAttribute('tabindex')]))",
    )
    assert stops and all(line == [["cv-term", "0"]] for line in stops), stops
    nterms = page.eval_on_selector_all(f"{FIG} .cv-sum .cv-term[data-t]", "ns => ns.length")
    assert nterms >= 4

    page.focus(f"{FIG} .cv-step")  # the step slider; the next tab stop is the sum
    page.keyboard.press("Tab")
    at = _focus(page)
    assert at["index"] == 0, at
    step = at["step"]
    assert at["outlined"] and all("0" in t.split() for t in at["outlined"]), at

    page.keyboard.press("ArrowRight")
    at = _focus(page)
    assert at["index"] == 1 and at["step"] == step, at  # a term, not a step
    assert at["outlined"] and all(at["t"] in t.split() for t in at["outlined"]), at
    page.keyboard.press("ArrowLeft")
    assert _focus(page)["index"] == 0
    page.keyboard.press("ArrowLeft")  # at the first term: stays
    assert _focus(page)["index"] == 0
    page.keyboard.press("End")
    at = _focus(page)
    assert at["index"] == nterms - 1 and at["step"] == step, at

    # one tab stop: Tab leaves the line, Shift+Tab comes back to the term last focused
    page.keyboard.press("Tab")
    assert _focus(page)["index"] == -1
    page.keyboard.press("Shift+Tab")
    assert _focus(page)["index"] == nterms - 1
    stops = page.eval_on_selector_all(f"{FIG} .cv-sum [tabindex]", "ns => ns.length")
    assert stops == 1

    page.keyboard.press("Escape")
    at = _focus(page)
    assert at["index"] == -1 and at["outlined"] == [], at

    # the figure's own keys still step it
    page.focus(f"{FIG} .cv-next")
    page.keyboard.press("ArrowRight")
    assert _focus(page)["step"] == str(int(step) + 1)
    assert visit.errors == []


def test_focusing_a_term_pauses_the_front_figure(visit, base_url):
    """The front page's figure plays by itself; a reader who tabs into its sum to read it
    stops it (the sum would change under them), and the focused term's cells are outlined."""
    page = visit.page
    page.goto(f"{base_url}/book/index.html", wait_until="load")
    page.wait_for_selector("#cv-front-slide .cv-sum .cv-term[data-t]")
    assert page.get_attribute("#cv-front-slide .cv-play", "aria-label") == "pause"
    # a key on the step slider would stop play itself: focus the term from the keyboard's
    # side (a key pressed first, so the focus is a keyboard focus, :focus-visible)
    page.keyboard.press("Shift")
    page.focus("#cv-front-slide .cv-sum .cv-term[tabindex='0']")
    assert page.evaluate("document.activeElement.matches(':focus-visible')")
    assert page.get_attribute("#cv-front-slide .cv-play", "aria-label") == "play"
    step = page.get_attribute("#cv-front-slide", "data-step")
    page.wait_for_timeout(1600)  # two autoplay ticks at 1x
    assert page.get_attribute("#cv-front-slide", "data-step") == step
    assert page.eval_on_selector_all("#cv-front-slide .cv-stage .cv-focus", "ns => ns.length") > 0
    assert visit.errors == []


def test_a_focused_term_outlines_its_cells_in_the_3d_view(visit, base_url):
    """The 3D view outlines a focused term's cells as the slice view does (wider rings), and
    only that term's cells."""
    page = visit.page
    root = "#cv-many-channels"
    page.goto(f"{base_url}/{PAGE_02}", wait_until="load")
    page.wait_for_selector(f"{root} .cv-sum .cv-term[data-t]")
    page.click(f"{root} .cv-3d-toggle")
    page.wait_for_selector(f"{root} .cv-3d-box svg.cv-3d .cv-hl")
    # the pointer off the figure: the 3D view moves the sum, and a term that lands under the
    # pointer (left on the 3D button) outlines its own cells on the next mouse move
    page.mouse.move(0, 0)
    page.keyboard.press("Shift")  # a keyboard focus, as a reader tabbing in
    page.focus(f"{root} .cv-sum .cv-term[tabindex='0']")
    page.keyboard.press("ArrowRight")
    look = """(root) => {
      const t = document.activeElement.getAttribute('data-t');
      const rings = Array.from(document.querySelectorAll(root + ' .cv-3d-box .cv-hl'));
      const mine = h => (h.getAttribute('data-t') || '').split(' ').includes(t);
      const width = h => getComputedStyle(h.querySelector('.cv-ring')).strokeWidth;
      return {t: t, mine: rings.filter(mine).map(h => h.getAttribute('data-k')),
              focused: rings.filter(h => h.classList.contains('cv-focus')).map(h => h.getAttribute('data-k')),
              wide: rings.filter(mine).map(width), plain: rings.filter(h => !mine(h)).map(width),
              fade: rings.map(h => [mine(h), +getComputedStyle(h).opacity])};
    }"""
    at = page.evaluate(look, root)
    assert at["t"] == "1", at
    # the term's input cell and weight are drawn in 3D (its output too): all outlined, no other
    assert len(at["mine"]) >= 2 and sorted(at["focused"]) == sorted(at["mine"]), at
    assert at["plain"] and set(at["wide"]) == {"4px"} and set(at["plain"]) == {"2px"}, at
    # every kernel cell is ringed in 3D: the other terms' rings fade so the focused one shows
    assert all(o == 1 for m, o in at["fade"] if m) and all(o < 0.5 for m, o in at["fade"] if not m)
    page.keyboard.press("Escape")
    assert page.eval_on_selector_all(f"{root} .cv-3d-box .cv-focus", "ns => ns.length") == 0
    assert page.eval_on_selector_all(f"{root} .cv-3d-box .cv-dim", "ns => ns.length") == 0
    assert visit.errors == []


def test_a_focused_term_outlines_its_cells_on_a_canvas_grid(visit, base_url):
    """A grid drawn as a canvas (chapter 7's 13x13 input, dilation 2, 'same') outlines the
    focused term's cell too: the canvas is repainted with that cell's ring wider, another term
    moves it, and leaving the sum paints the canvas as it was."""
    page = visit.page
    root = "#cv-dilated-kernel"
    page.goto(f"{base_url}/book/07-dilated-convolution.html#cv-dilated-kernel?dilation=2&pad=1")
    page.wait_for_selector(f"{root} canvas.cv-canvas")
    page.wait_for_selector(f"{root} .cv-sum .cv-term[data-t]")
    pixels = f"""() => Array.from(document.querySelectorAll('{root} canvas.cv-canvas'))
      .map(c => c.toDataURL())"""
    before = page.evaluate(pixels)
    assert before
    page.keyboard.press("Shift")
    page.focus(f"{root} .cv-sum .cv-term[tabindex='0']")
    first = page.evaluate(pixels)
    assert first != before
    page.keyboard.press("ArrowRight")
    second = page.evaluate(pixels)
    assert second not in (before, first)
    page.keyboard.press("Escape")
    assert page.evaluate(pixels) == before
    assert visit.errors == []


def test_a_focused_term_outlines_its_cells_in_its_own_view(visit, base_url):
    """A view with no sum (chapter 11's wiring view, first of three) has no sum line: a term of
    the first sum line belongs to the second view, and only that view's canvas grids are
    repainted with it outlined (the line's index is not the view's)."""
    page = visit.page
    root = "#cv-shuffle-connectivity"
    page.goto(
        f"{base_url}/book/11-shuffled-grouped-convolution.html#cv-shuffle-connectivity?groups=4&step=10"
    )
    page.wait_for_selector(f"{root} .cv-sum .cv-term[data-t]")
    pixels = f"""() => Array.from(document.querySelectorAll('{root} .cv-view'))
      .map(v => Array.from(v.querySelectorAll('canvas.cv-canvas')).map(c => c.toDataURL()).join())"""
    before = page.evaluate(pixels)
    assert before[0] == "" and before[1] and before[2]  # the wiring view has no canvas
    page.keyboard.press("Shift")
    for line, view in ((0, 1), (1, 2)):
        page.focus(f"{root} .cv-sum:nth-child({line + 1}) .cv-term[tabindex='0']")
        page.keyboard.press("ArrowRight")
        now = page.evaluate(pixels)
        assert now[view] != before[view], (line, view)  # the term's view shows it
        other = 3 - view
        assert now[other] == before[other], (line, view)  # the other view does not
    page.keyboard.press("Escape")
    assert page.evaluate(pixels) == before
    assert visit.errors == []
