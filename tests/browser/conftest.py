"""Fixtures for the browser tests: the built site on 127.0.0.1, headless Chromium.

Every request that leaves 127.0.0.1 is blocked and recorded; tests assert that
there are none. Chromium is Debian's (/usr/bin/chromium), or the binary CONVVIZ_CHROMIUM names,
driven by Playwright; `playwright install` is never used.
"""

from __future__ import annotations

import functools
import http.server
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parents[2]
# CONVVIZ_SITE points the tests at another build (tools/build_book.py --out DIR).
SITE = Path(os.environ.get("CONVVIZ_SITE", ROOT / "_build" / "html"))
# Debian's chromium; CONVVIZ_CHROMIUM names another Chromium or Chrome binary
CHROMIUM = os.environ.get("CONVVIZ_CHROMIUM", "/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reason = None
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI") == "true":
            return  # the tests will fail loudly: in CI they must run
        reason = (
            f"{CHROMIUM} not found: install Debian's chromium (`apt-get install chromium`), "
            "run `CI=true make test` as root, or set CONVVIZ_CHROMIUM to a Chromium or Chrome "
            "binary to enable the browser tests"
        )
    elif not (SITE / "index.html").exists():
        reason = "the site is not built: run `make book` (or `make site`) first"
    if reason:
        for item in items:
            item.add_marker(pytest.mark.skip(reason=reason))


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="session")
def base_url() -> Iterator[str]:
    handler = functools.partial(_Quiet, directory=str(SITE))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield b
        b.close()


class Visit:
    """One page load with its console errors, failed and blocked outside requests."""

    def __init__(self, browser: object) -> None:
        self.context = browser.new_context()  # type: ignore[attr-defined]
        self.errors: list[str] = []
        self.outside: list[str] = []
        self.failed: list[str] = []  # requests the site answered with an error status
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.context.on(
            "response", lambda r: r.status >= 400 and self.failed.append(f"{r.status} {r.url}")
        )

    def _route(self, route: object) -> None:
        url = route.request.url  # type: ignore[attr-defined]
        parsed = urlparse(url)
        if parsed.scheme in ("http", "https") and parsed.hostname != "127.0.0.1":
            self.outside.append(url)
            route.abort()  # type: ignore[attr-defined]
        else:
            route.continue_()  # type: ignore[attr-defined]

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def visit(browser: object) -> Iterator[Visit]:
    v = Visit(browser)
    yield v
    v.close()


class Drawn:
    """A page holding one synthetic figure, drawn by the renderer of this tree (not the built
    site's copy), 1280×900, with its page errors."""

    def __init__(self, browser: object, fig: object) -> None:
        from convviz.figures import live
        from convviz.figures.engine import renderer_source

        self.context = browser.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
        self.errors: list[str] = []
        self.page = self.context.new_page()
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.set_content(
            f"<html><body><style>{live._css()}</style>{fig.to_html()}"  # type: ignore[attr-defined]
            f"<script>{renderer_source()}</script></body></html>"
        )
        self.page.wait_for_selector(f"#cv-{fig.id} .cv-stage svg")  # type: ignore[attr-defined]


@pytest.fixture
def draw(browser: object) -> Iterator[object]:
    """``draw(fig)``: a :class:`Drawn` page of a synthetic figure, closed after the test."""
    opened: list[Drawn] = []

    def make(fig: object) -> Drawn:
        opened.append(Drawn(browser, fig))
        return opened[-1]

    yield make
    for d in opened:
        d.context.close()
