"""The SVG download and the link to a setting: a small file with one style sheet, the
sums as the page writes them (a long one cut in the middle), the current theme's colours
(patterns included), and the 3D angle in the address, read back when the link is opened."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

NS = "{http://www.w3.org/2000/svg}"
PAGE_02 = "book/02-convolution-in-deep-learning.html"
PAGE_03 = "book/03-3d-convolution.html"

# The largest export of the book drawn without a canvas (benchmarks/bench_export.py, 1280x900):
# dilated-stack's default frame took 588,208 bytes with an inline style on every element and
# 89,094 with one style sheet; its grids are canvases now, and the largest drawn without one
# is volume-two-views' (61,134 bytes). The bound leaves room for figures that grow, not for a
# return of inline styles.
BIGGEST = (PAGE_03, "volume-two-views")
EXPORT_BOUND = 150_000


def _open(page, base_url, page_path, fig_id, hash_=""):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{base_url}/{page_path}{hash_}", wait_until="load")
    page.wait_for_selector(f"#cv-{fig_id} .cv-stage svg")


def _export(page, fig_id, tmp_path) -> str:
    with page.expect_download() as info:
        page.click(f"#cv-{fig_id} .cv-download")
    path = tmp_path / f"{fig_id}.svg"
    info.value.save_as(path)
    return path.read_text(encoding="utf-8")


def _rules(svg: str) -> dict[str, dict[str, str]]:
    """The embedded style sheet as {class: {property: value}}."""
    (sheet,) = re.findall(r"<style>(.*?)</style>", svg, re.S)
    out = {}
    for name, body in re.findall(r"\.([\w-]+)\{([^}]*)\}", sheet):
        out[name] = dict(d.split(":", 1) for d in body.split(";") if d)
    return out


def test_export_is_small_and_styled_by_one_sheet(visit, base_url, tmp_path):
    page_path, fig_id = BIGGEST
    page = visit.page
    _open(page, base_url, page_path, fig_id)
    # the bound is for a figure drawn without a canvas (a canvas is one embedded image):
    # if this one gains a canvas, BIGGEST names the next largest (benchmarks/bench_export.py)
    assert page.locator(f"#cv-{fig_id} canvas").count() == 0
    svg = _export(page, fig_id, tmp_path)
    assert len(svg.encode()) < EXPORT_BOUND, len(svg.encode())
    root = ET.fromstring(svg)
    assert root.tag == f"{NS}svg"
    assert len(root.findall(f".//{NS}style")) == 1
    styled = [e for e in root.iter() if e.get("style") is not None]
    assert not styled, f"{len(styled)} elements carry inline styles"
    rules = _rules(svg)
    used = {c for e in root.iter() for c in (e.get("class") or "").split() if c.startswith("cvx")}
    assert used and used <= set(rules), sorted(used - set(rules))
    assert len(rules) < 200  # one rule per distinct look, not per element
    assert len(root.findall(f".//{NS}rect")) > 200  # and the picture is all there


_FITS = """(svg) => {
  const box = document.createElement('div');
  box.innerHTML = svg;
  document.body.appendChild(box);
  const root = box.querySelector('svg'), width = +root.getAttribute('width');
  const out = Array.from(root.querySelectorAll('text.cv-sum, text.cv-rule')).map(t => {
    const b = t.getBBox();
    return {text: t.textContent, right: b.x + b.width, rows: t.querySelectorAll('tspan').length,
            pieces: Array.from(t.querySelectorAll('tspan')).map(s => s.textContent)};
  });
  box.remove();
  return {width, lines: out};
}"""


@pytest.mark.parametrize(("page_path", "fig_id"), [BIGGEST, (PAGE_02, "one-channel")])
def test_export_holds_every_sum_as_the_page_writes_it(visit, base_url, page_path, fig_id, tmp_path):
    page = visit.page
    _open(page, base_url, page_path, fig_id)
    on_screen = page.eval_on_selector_all(
        f"#cv-{fig_id} .cv-formula .cv-sum, #cv-{fig_id} .cv-formula .cv-rule",
        "ns => ns.map(n => n.innerText.replace(/\\s+/g, ' ').trim())",
    )
    svg = _export(page, fig_id, tmp_path)
    drawn = page.evaluate(_FITS, svg)
    texts = [" ".join(line["text"].split()) for line in drawn["lines"]]
    assert texts == on_screen  # every sum and rule, whole, in order
    if fig_id == "volume-two-views":  # its second sum (36 terms) is cut: the export says so too
        assert any("more terms" in t for t in texts), texts
    for line in drawn["lines"]:  # and within the picture: wrapped, not cut at its edge
        assert line["right"] <= drawn["width"] + 1, (line["text"][:60], line["right"])
        # wrapped as on screen: never right after an equals sign ("y[0, 1] =" stays with its term)
        assert not any(p.rstrip().endswith("=") for p in line["pieces"][:-1]), line["pieces"]
    longest = max(drawn["lines"], key=lambda line: len(line["text"]))
    if len(longest["text"]) > 200:
        assert longest["rows"] > 1


_PAGE_COLOURS = """(id) => {
  const look = (sel, prop) => getComputedStyle(document.querySelector(sel)).getPropertyValue(prop);
  return {padBg: look('#cv-defs .cv-pat-pad-bg', 'fill'), padInk: look('#cv-defs .cv-pat-pad-ink', 'stroke'),
          zeroBg: look('#cv-defs .cv-pat-zero-bg', 'fill'), zeroInk: look('#cv-defs .cv-pat-zero-ink', 'fill'),
          bg: getComputedStyle(document.getElementById('cv-' + id)).backgroundColor};
}"""


def _pattern_colours(svg: str) -> dict[str, str]:
    root, rules = ET.fromstring(svg), _rules(svg)

    def look(pattern: str, tag: str, prop: str) -> str:
        node = root.find(f".//{NS}pattern[@id='{pattern}']/{NS}{tag}")
        return rules[node.get("class")][prop]

    background = root.find(f"{NS}rect")
    return {
        "padBg": look("cv-pat-pad", "rect", "fill"),
        "padInk": look("cv-pat-pad", "line", "stroke"),
        "zeroBg": look("cv-pat-zero", "rect", "fill"),
        "zeroInk": look("cv-pat-zero", "circle", "fill"),
        "bg": rules[background.get("class")]["fill"],
    }


def test_export_patterns_and_background_follow_the_theme(visit, base_url, tmp_path):
    """The export is drawn in the theme on screen (its background included): the hatched
    padding and the dotted inserted zeros take that theme's colours, in light and in dark."""
    page = visit.page
    fig_id = "one-channel"
    _open(page, base_url, PAGE_02, fig_id)
    page.evaluate("document.getElementById('cv-one-channel').cvSet([0, 0, 1], 2)")  # padding 1
    page.wait_for_selector(f"#cv-{fig_id} .cv-pad")
    seen = {}
    for theme in ("light", "dark"):
        page.evaluate(f"document.documentElement.dataset.theme = '{theme}'")
        page.wait_for_timeout(300)
        want = page.evaluate(_PAGE_COLOURS, fig_id)
        svg = _export(page, fig_id, tmp_path)
        got = _pattern_colours(svg)
        assert got == want, (theme, got, want)
        assert 'url("#cv-pat-pad")' in svg  # the padded cells use the exported pattern
        seen[theme] = got
    assert seen["light"]["padBg"] != seen["dark"]["padBg"]
    assert seen["light"]["zeroBg"] != seen["dark"]["zeroBg"]
    assert seen["light"]["bg"] != seen["dark"]["bg"]


def test_link_round_trip_keeps_the_3d_angle(visit, base_url):
    page = visit.page
    visit.context.grant_permissions(["clipboard-read", "clipboard-write"])
    fig_id, root = "many-channels", "#cv-many-channels"
    _open(page, base_url, PAGE_02, fig_id)
    page.click(f"{root} .cv-3d-toggle >> nth=0")
    page.click(f"{root} .cv-3d-turn >> nth=0")  # from the left -> from the right
    page.wait_for_selector(f"{root} .cv-3d-box svg[data-angle='1']")
    page.wait_for_timeout(400)
    assert "view=from-the-right" in page.evaluate("() => location.hash")
    page.click(f"{root} .cv-link")
    link = page.get_attribute(root, "data-link")
    assert link and "view=from-the-right" in link, link
    assert page.evaluate("() => navigator.clipboard.readText()") == link
    key, step = page.get_attribute(root, "data-key"), page.get_attribute(root, "data-step")
    again = visit.context.new_page()
    again.goto(link, wait_until="load")
    again.wait_for_selector(f"{root} .cv-3d-box svg[data-angle='1']")
    assert again.get_attribute(root, "data-key") == key
    assert again.get_attribute(root, "data-step") == step
    assert again.get_attribute(f"{root} .cv-3d-toggle >> nth=0", "aria-pressed") == "true"
    assert again.is_visible(f"{root} .cv-3d-turn >> nth=0")
    # another angle by name, and closing the 3D view takes view= out of the address
    third = visit.context.new_page()
    third.goto(f"{base_url}/{PAGE_02}#cv-{fig_id}?filt=1&step=2&view=from-above", wait_until="load")
    third.wait_for_selector(f"{root} .cv-3d-box svg[data-angle='2']")
    assert third.get_attribute(root, "data-key").split(",")[0] == "1"
    third.click(f"{root} .cv-3d-toggle >> nth=0")
    third.wait_for_timeout(400)
    assert "view=" not in third.evaluate("() => location.hash")
    assert third.locator(f"{root} .cv-3d-box svg").count() == 0


def test_a_link_opened_in_the_tab_showing_the_page_takes_its_setting(visit, base_url):
    """Pasting a link into the address bar of the page already open, or following an
    in-page link, changes only the fragment: no load, a hashchange. The figure it names
    takes that setting (and 3D angle) then; a bare #cv-ID keeps the reader's setting."""
    page = visit.page
    fig_id, root = "many-channels", "#cv-many-channels"
    _open(page, base_url, PAGE_02, fig_id)
    assert page.get_attribute(root, "data-key").split(",")[0] == "0"
    page.evaluate(f"() => {{ location.hash = '#cv-{fig_id}?filt=1&step=2&view=from-above'; }}")
    page.wait_for_selector(f"{root} .cv-3d-box svg[data-angle='2']")
    assert page.get_attribute(root, "data-key").split(",")[0] == "1"
    assert page.get_attribute(root, "data-step") == "1"
    assert page.get_attribute(f"{root} .cv-3d-toggle >> nth=0", "aria-pressed") == "true"
    # the select shows the option the link chose
    assert page.eval_on_selector(f"{root} [data-control='filt']", "e => e.value") == "1"
    # a link without view= closes the 3D view
    page.evaluate(f"() => {{ location.hash = '#cv-{fig_id}?filt=0&step=3'; }}")
    page.wait_for_function(
        "(r) => document.querySelector(r).getAttribute('data-step') === '2'", arg=root
    )
    assert page.get_attribute(root, "data-key").split(",")[0] == "0"
    assert page.locator(f"{root} .cv-3d-box svg").count() == 0
    # a bare reference to the figure (no setting) leaves it as it is
    page.evaluate(f"() => {{ location.hash = '#cv-{fig_id}'; }}")
    page.wait_for_timeout(300)
    assert page.get_attribute(root, "data-step") == "2"


_KEY_WORDS = """(id) => Array.from(document.querySelectorAll('#cv-' + id + ' .cv-key .cv-key-item'))
  .map(n => Array.from(n.childNodes).filter(c => c.nodeType === 3).map(c => c.textContent)
    .join('').replace(/\\s+/g, ' ').trim())"""


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_export_carries_the_key(visit, base_url, tmp_path, theme):
    """A slide needs the key: every line of it (swatch and words) is in the file, between the
    title and the picture, the hatched-padding swatch drawn with the exported pattern."""
    page = visit.page
    fig_id = "one-channel"
    _open(page, base_url, PAGE_02, fig_id)
    page.evaluate(f"document.documentElement.dataset.theme = '{theme}'")
    page.evaluate("document.getElementById('cv-one-channel').cvSet([0, 0, 1], 2)")  # padding 1
    page.wait_for_selector(f"#cv-{fig_id} .cv-key .cv-pad")
    words = page.evaluate(_KEY_WORDS, fig_id)
    assert "padding zero" in words and len(words) >= 5, words
    svg = _export(page, fig_id, tmp_path)
    root = ET.fromstring(svg)
    texts = {" ".join("".join(t.itertext()).split()): t for t in root.iter(f"{NS}text")}
    for line in words:
        assert line in texts, (line, sorted(texts)[:8])
    swatches = [s for s in root.findall(f"{NS}svg") if s.get("width") in ("16", "48")]
    assert len(swatches) >= len(words), len(swatches)
    hatched = [
        s
        for s in swatches
        if any(
            "cv-pat-pad" in (_rules(svg).get(e.get("class") or "", {}).get("fill", ""))
            for e in s.iter()
        )
    ]
    assert hatched, "no key swatch drawn with the padding pattern"
    # between the title and the grids: the key's words sit above the first panel label
    key_y = max(float(texts[line].find(f"{NS}tspan").get("y")) for line in words)
    label_y = min(
        float(t.find(f"{NS}tspan").get("y"))
        for t in root.iter(f"{NS}text")
        if "".join(t.itertext()).startswith("input x")
    )
    assert key_y < label_y, (key_y, label_y)


def test_a_number_that_is_no_option_is_not_read_as_an_option_index(visit, base_url):
    """A control whose options are numbers reads a link's value as an option, never as an
    index: groups=3 (grouped convolution offers 1, 2, 4, 8) keeps the default setting, where
    it picked option 3 (g = 8), and k=0 of a kernel size is not k = 1. A control whose
    options are words still takes an index (kernel=1: the second kernel)."""
    page = visit.page
    fig_id, root = "grouped", "#cv-grouped"
    _open(page, base_url, "book/10-grouped-convolution.html", fig_id, "#cv-grouped?groups=3&step=2")
    assert page.get_attribute(root, "data-key") == "1,5"  # g = 2, the default
    assert page.get_attribute(root, "data-step") == "1"
    again = visit.context.new_page()
    _open(again, base_url, "book/10-grouped-convolution.html", fig_id, "#cv-grouped?groups=8")
    assert again.get_attribute(root, "data-key") == "3,5"
    words = visit.context.new_page()
    _open(words, base_url, PAGE_02, "one-channel", "#cv-one-channel?kernel=1&stride=0")
    assert words.get_attribute("#cv-one-channel", "data-key") == "1,0,1"


_NO_CLIPBOARD = """() => {
  // an insecure origin (http on a LAN address) has no navigator.clipboard; the old way may fail too
  Object.defineProperty(Navigator.prototype, 'clipboard', {get: () => undefined});
  window.copied = [];
  document.execCommand = (cmd) => { window.copied.push(cmd); return window.copyWorks; };
}"""


@pytest.mark.parametrize("works", [True, False])
def test_the_link_button_says_copied_only_when_it_copied(visit, base_url, works):
    """Where the page has no clipboard API (an http address other than localhost), the link
    button copies by selecting the address; if that fails too it says where the address is
    (the address bar holds it), instead of "copied" with nothing copied."""
    page = visit.page
    page.add_init_script(f"window.copyWorks = {str(works).lower()};")
    page.add_init_script(f"({_NO_CLIPBOARD})()")
    fig_id, root = "many-channels", "#cv-many-channels"
    _open(page, base_url, PAGE_02, fig_id)
    page.click(f"{root} .cv-next")
    page.click(f"{root} .cv-link")
    assert page.evaluate("() => window.copied") == ["copy"]
    said = page.text_content(f"{root} .cv-link")
    assert said == ("copied" if works else "in the address bar"), said
    assert page.evaluate("() => location.hash") in page.get_attribute(root, "data-link")
    assert "step=2" in page.evaluate("() => location.hash")


_COUNT_URLS = """() => {
  // the object URLs the page makes and releases
  window.made = []; window.released = [];
  const make = URL.createObjectURL, release = URL.revokeObjectURL;
  URL.createObjectURL = (b) => { const u = make(b); window.made.push(u); return u; };
  URL.revokeObjectURL = (u) => { window.released.push(u); release(u); };
}"""


@pytest.mark.parametrize("button", ["cv-download", "cv-download-png"])
def test_a_download_releases_its_object_url(visit, base_url, button):
    """Each SVG or PNG download's object URL (the file held in memory) is released once the
    browser has taken the file, not kept for the page's lifetime."""
    page = visit.page
    page.clock.install()
    page.add_init_script(f"({_COUNT_URLS})()")
    _open(page, base_url, "book/06-transposed-convolution.html", "checkerboard")
    with page.expect_download():
        page.click(f"#cv-checkerboard .{button}")
    page.wait_for_function("() => window.made.length > 0")
    page.clock.run_for(11_000)
    made, released = page.evaluate("() => [window.made, window.released]")
    assert made and set(made) <= set(released), (made, released)
    assert visit.errors == []
