"""Size of every figure's SVG download, measured in headless Chromium.

Run: ``.venv/bin/python benchmarks/bench_export.py [--theme dark]`` after ``make book``
(or point ``CONVVIZ_SITE`` at another build's ``_build/html``, as the browser tests
read it). Every figure of every chapter page is exported in its default setting by
clicking its "SVG" button at 1280x900; prints the largest exports and writes
``benchmarks/results/export.json``. Not a test: the bound the browser tests hold
(``tests/browser/test_export_link.py``) is printed beside the largest.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import os
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SITE = Path(os.environ.get("CONVVIZ_SITE", ROOT / "_build" / "html"))
CHROMIUM = os.environ.get("CONVVIZ_CHROMIUM", "/usr/bin/chromium")


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


def export_sizes(site: Path, theme: str = "light") -> list[dict]:
    """``{page, figure, bytes}`` of each figure's SVG download, largest first."""
    from playwright.sync_api import sync_playwright

    handler = functools.partial(_Quiet, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    pages = ["index.html", *sorted(str(p.relative_to(site)) for p in site.glob("book/*.html"))]
    rows = []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--headless"])
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            page = context.new_page()
            for path in pages:
                page.goto(f"{base}/{path}", wait_until="load")
                page.wait_for_timeout(300)
                if theme == "dark":
                    page.evaluate("document.documentElement.dataset.theme = 'dark'")
                ids = page.evaluate(
                    "() => [...document.querySelectorAll('.cv-root')].map(e => e.id)"
                )
                for fid in ids:
                    page.wait_for_selector(f"#{fid} .cv-stage svg, #{fid} .cv-stage canvas")
                    with page.expect_download():
                        page.click(f"#{fid} .cv-download")
                    size = page.evaluate(
                        "id => new Blob([document.getElementById(id).cvLastExport]).size", fid
                    )
                    rows.append({"page": path, "figure": fid.removeprefix("cv-"), "bytes": size})
            browser.close()
    finally:
        server.shutdown()
    return sorted(rows, key=lambda r: -r["bytes"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--theme", choices=("light", "dark"), default="light")
    args = parser.parse_args()
    rows = export_sizes(SITE, args.theme)
    print(f"| figure | page | SVG bytes ({args.theme}) |\n| --- | --- | ---: |")
    for r in rows[:10]:
        print(f"| {r['figure']} | {r['page']} | {r['bytes']:,} |")
    print(
        f"\n{len(rows)} exports, {sum(r['bytes'] for r in rows):,} bytes in all; the browser tests"
    )
    print("bound dilated-stack's (the largest drawn without a canvas) at 150,000 bytes")
    out = ROOT / "benchmarks" / "results" / "export.json"
    out.write_text(json.dumps({"theme": args.theme, "exports": rows}, indent=1) + "\n")


if __name__ == "__main__":
    main()
