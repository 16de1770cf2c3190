"""A click on a segmented control's option is the figure's alone (wireOptionClicks in
convviz.js): it picks the option and goes no further, so the theme's Bootstrap listeners on
document, which search the whole page on every click, do not run for it. While a theme menu
is open the click goes on as any other and closes the menu, and the option is still picked."""

from __future__ import annotations

from playwright.sync_api import expect

PAGE_10 = "book/10-grouped-convolution.html"
FIG = "#cv-grouped"

# every click that reaches document, in either phase, counted from the page's first script
COUNT = """() => {
  window.__docClicks = 0;
  const n = () => { window.__docClicks += 1; };
  document.addEventListener('click', n, true);
  document.addEventListener('click', n);
}"""


def _open(page, base_url):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.add_init_script(f"({COUNT})()")
    page.goto(f"{base_url}/{PAGE_10}", wait_until="load")
    page.wait_for_selector(f"{FIG} .cv-stage svg")


def _checked(page) -> list[str]:
    return page.eval_on_selector_all(
        f"{FIG} .cv-seg > [data-option]", "bs => bs.map(b => b.getAttribute('aria-checked'))"
    )


def _key(page) -> str:
    return page.get_attribute(FIG, "data-key")


def test_an_option_click_picks_the_option_and_stops_at_the_figure(visit, base_url):
    page = visit.page
    _open(page, base_url)
    before, key = _checked(page), _key(page)
    assert before.count("true") == 1, before
    target = before.index("false")
    page.click(f"{FIG} .cv-seg > [data-option='{target}']")
    after = _checked(page)
    assert after.index("true") == target, after
    assert _key(page) != key  # the figure drew the new setting
    assert page.evaluate("window.__docClicks") == 0
    # any other click in the figure still reaches document (the step buttons, say)
    page.click(f"{FIG} .cv-next")
    assert page.evaluate("window.__docClicks") == 2


def test_an_option_click_closes_an_open_theme_menu(visit, base_url):
    page = visit.page
    _open(page, base_url)
    toggle = page.locator('[data-bs-toggle="dropdown"][aria-label="Download this page"]')
    toggle.click()
    page.wait_for_selector(".dropdown-menu.show")
    clicks = page.evaluate("window.__docClicks")
    before = _checked(page)
    target = before.index("false")
    page.click(f"{FIG} .cv-seg > [data-option='{target}']")
    expect(page.locator(".dropdown-menu.show")).to_have_count(0)
    assert page.evaluate("window.__docClicks") == clicks + 2  # it went on: capture and bubble
    assert _checked(page).index("true") == target


def test_enter_and_space_on_an_option_pick_it_and_stop_at_the_figure(visit, base_url):
    page = visit.page
    _open(page, base_url)
    before = _checked(page)
    a, b = [i for i, c in enumerate(before) if c == "false"][:2]
    for key, target in (("Enter", a), (" ", b)):
        option = page.locator(f"{FIG} .cv-seg > [data-option='{target}']")
        option.focus()
        page.keyboard.press(key)
        assert _checked(page).index("true") == target, (key, _checked(page))
        assert page.evaluate("document.activeElement.dataset.option") == str(target)
        tabbable = page.eval_on_selector_all(
            f"{FIG} .cv-seg > [data-option]", "bs => bs.map(b => b.tabIndex)"
        )
        assert tabbable == [0 if i == target else -1 for i in range(len(before))], tabbable
    assert page.evaluate("window.__docClicks") == 0


def test_a_figure_mounted_by_a_host_keeps_its_clicks_on_the_page(visit, base_url):
    """A live widget mounts its figure itself (convviz.mount): a click on its options is
    picked by the button's own listener and goes on to the notebook's handlers."""
    page = visit.page
    _open(page, base_url)
    got = page.evaluate(
        """async (fig) => {  // the figure's spec as the page ships it (mounting replaces the script)
          const html = await (await fetch(location.href)).text();
          const doc = new DOMParser().parseFromString(html, 'text/html');
          const spec = JSON.parse(doc.querySelector(fig + ' script.cv-spec').textContent);
          const host = document.createElement('figure');
          document.querySelector('.bd-content').prepend(host);
          window.__asked = 0;
          window.convviz.mount(host, spec, {frame: (k, done) => { window.__asked += 1; done(spec.frames[k]); }});
          host.id = 'cv-hosted';
          return [window.__asked, host.hasAttribute('data-cv-mounted')];
        }""",
        FIG,
    )
    assert got == [1, False], got
    before = page.eval_on_selector_all(
        "#cv-hosted .cv-seg > [data-option]", "bs => bs.map(b => b.getAttribute('aria-checked'))"
    )
    target = before.index("false")
    clicks = page.evaluate("window.__docClicks")
    page.click(f"#cv-hosted .cv-seg > [data-option='{target}']")
    after = page.eval_on_selector_all(
        "#cv-hosted .cv-seg > [data-option]", "bs => bs.map(b => b.getAttribute('aria-checked'))"
    )
    assert after.index("true") == target, after
    assert page.evaluate("window.__asked") == 2
    assert page.evaluate("window.__docClicks") == clicks + 2  # capture and bubble
