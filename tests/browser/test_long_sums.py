"""A long sum is cut in the middle: the page writes its first and last terms and how many it
leaves out, as the key to the figures (the book's index page) says, and a sum no longer than
the limit is written in full."""

from __future__ import annotations

import re

from .figures import registry

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
