"""The hidden copy that measures a figure's largest setting (convviz.js largestRoom) leaves
nothing behind: once every figure has its room, the page holds no copy, the address and the
history are as the page opened them, the focus is where it was, and nothing keeps a removed
copy alive (it listened to the window's hashchange: 6 copies of chapter 6's figures, 2,576
elements, stayed in memory for the page's life)."""

from __future__ import annotations

from tests.browser.figures import wait_for_rooms

_COUNT_DETACHED = """function () {
  const gone = this.filter(e => { try { return e.nodeType === 1 && e.classList.contains('cv-root') &&
    !e.isConnected; } catch (x) { return false; } });
  // the titles of the figures whose copies stay
  return gone.map(e => (e.querySelector('.cv-title') || {}).textContent);
}"""


def test_the_room_probe_leaves_nothing_behind(visit, base_url):
    page = visit.page
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{base_url}/book/06-transposed-convolution.html", wait_until="load")
    history = page.evaluate("history.length")
    wait_for_rooms(page)
    page.wait_for_timeout(100)
    seen = page.evaluate(
        """() => ({figures: document.querySelectorAll('figure[data-cv-figure]').length,
                   roots: document.querySelectorAll('.cv-root').length,
                   copies: document.querySelectorAll('[id$="-room"], [aria-hidden][inert]').length,
                   hash: location.hash, history: history.length,
                   focus: document.activeElement === document.body})"""
    )
    assert seen["figures"] == 6 and seen["roots"] == 6 and seen["copies"] == 0, seen
    assert seen["hash"] == "" and seen["history"] == history and seen["focus"], seen
    cdp = page.context.new_cdp_session(page)
    page.wait_for_timeout(500)  # tasks queued by the last copy run out
    cdp.send("HeapProfiler.collectGarbage")
    cdp.send("HeapProfiler.collectGarbage")
    proto = cdp.send("Runtime.evaluate", {"expression": "HTMLElement.prototype"})
    found = cdp.send("Runtime.queryObjects", {"prototypeObjectId": proto["result"]["objectId"]})
    detached = cdp.send(
        "Runtime.callFunctionOn",
        {
            "objectId": found["objects"]["objectId"],
            "functionDeclaration": _COUNT_DETACHED,
            "returnByValue": True,
        },
    )
    assert detached["result"]["value"] == [], "removed measuring copies are still referenced"
    assert visit.errors == []


def test_the_room_follows_a_new_width(visit, base_url):
    """A page opened on a phone's width and then widened (a turned tablet, a resized window)
    keeps no room measured at the old width: the figure is as tall as on a page opened at
    the new width (it kept 830 px of blank instead of 369 at chapter 1's flip, 1,652 px tall
    instead of 1,191)."""
    page = visit.page
    url = f"{base_url}/book/01-convolution-vs-cross-correlation.html"
    room = "#cv-flip[data-cv-room]"
    height = "e => e.getBoundingClientRect().height"
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(url, wait_until="load")
    page.wait_for_selector(room, state="attached", timeout=60_000)
    measured = page.eval_on_selector("#cv-flip", "e => e.getAttribute('data-cv-room')")
    page.wait_for_timeout(100)
    wide = page.eval_on_selector("#cv-flip", height)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(url, wait_until="load")
    page.wait_for_selector(room, state="attached", timeout=60_000)
    assert page.eval_on_selector("#cv-flip", "e => e.getAttribute('data-cv-room')") != measured
    page.set_viewport_size({"width": 1280, "height": 900})
    page.wait_for_function(
        "(m) => document.querySelector('#cv-flip').getAttribute('data-cv-room') === m",
        arg=measured,
        timeout=60_000,
    )
    page.wait_for_timeout(100)
    assert abs(page.eval_on_selector("#cv-flip", height) - wide) <= 8
    assert page.evaluate("document.querySelectorAll('.cv-root').length") == 2  # no copy left
    assert visit.errors == []
