"""A setting that changes a grid's size or origin patches the grid in place (patchPanel and
morph in convviz.js): the index labels stay the same nodes, and what the page shows is what a
fresh drawing of that setting shows (the same elements, attributes and texts)."""

from __future__ import annotations

PAGE_02 = "book/02-convolution-in-deep-learning.html"
ROOT = "#cv-many-channels"

# the stage as elements, attributes (sorted) and texts, in document order (the order a grid's
# parts are drawn in), but for the items of a highlight layer (patchOverlay keeps the ones that
# stay where they are), in any order
CANON = """(root) => {
  const canon = (n) => {
    if (n.nodeType === 3) return n.data;
    if (n.nodeType !== 1) return '';
    const attrs = Array.from(n.attributes).map(a => a.name + '=' + a.value).sort().join(' ');
    let kids = Array.from(n.childNodes).map(canon);
    if (n.classList.contains('cv-overlay')) kids = kids.slice().sort();
    return '<' + n.tagName + ' ' + attrs + '>' + kids.join('') + '</' + n.tagName + '>';
  };
  return canon(document.querySelector(root + ' .cv-stage'));
}"""

FIRST_INDEX = f"{ROOT} .cv-view[data-view='0'] .cv-panel[data-panel='0'] svg.cv-grid > g.cv-index"


def test_padding_patches_the_index_labels_and_matches_a_fresh_drawing(visit, base_url):
    page = visit.page
    visit.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{base_url}/{PAGE_02}", wait_until="load")
    page.wait_for_selector(f"{ROOT} .cv-stage svg")
    top = f"{FIRST_INDEX} > text:first-child > tspan"
    assert page.eval_on_selector_all(top, "ts => ts.map(t => t.textContent)") == list("0123")
    # every label drawn (4 per axis) is marked: the pad change keeps them and adds 2 per axis
    page.eval_on_selector(
        FIRST_INDEX,
        "g => { g.querySelectorAll('*').forEach(e => { e.cvMarked = true; }); g.cvMarked = true; }",
    )
    page.select_option(f"{ROOT} select[data-control='pad']", index=1)
    # the padded 6x6 input is numbered from -1, by the same <g> as before
    assert page.eval_on_selector_all(top, "ts => ts.map(t => t.textContent)") == [
        "\u22121", "0", "1", "2", "3", "4",
    ]  # fmt: skip
    assert page.eval_on_selector(FIRST_INDEX, "g => g.cvMarked === true")
    kept = page.eval_on_selector(
        FIRST_INDEX, "g => Array.from(g.querySelectorAll('tspan')).map(t => t.cvMarked === true)"
    )
    assert kept == [True] * 4 + [False] * 2 + [True] * 4 + [False] * 2, kept
    page.click(f"{ROOT} .cv-link")
    link = page.get_attribute(ROOT, "data-link")
    assert link and "pad=" in link, link
    fresh = visit.context.new_page()
    fresh.set_viewport_size({"width": 1280, "height": 900})
    fresh.goto(link, wait_until="load")
    fresh.wait_for_selector(f"{ROOT} .cv-stage svg")
    assert fresh.get_attribute(ROOT, "data-key") == page.get_attribute(ROOT, "data-key")
    assert fresh.evaluate(CANON, ROOT) == page.evaluate(CANON, ROOT)
