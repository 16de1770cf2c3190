"""Live widget round trip in a real JupyterLab, driven by headless Chromium.

Run: ``.venv/bin/python benchmarks/bench_live.py`` (about a minute). Starts
JupyterLab on 127.0.0.1 with the notebook of chapter 1, runs its first cells,
then changes the kernel control of the live figure and times, in the page,
from the change event to the redraw of the new frame: the setting travels to
the kernel, convviz builds the frame, the widget model carries it back, the
renderer draws it. Writes ``benchmarks/results/live.json``. Budget: 100 ms.
Every request outside 127.0.0.1 is blocked and counted.
"""

from __future__ import annotations

import json
import os
import signal
import statistics
import subprocess
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "live.json"
LAB = "notebooks/01-convolution-vs-cross-correlation.ipynb"
PORT, TOKEN = 8899, "convviz-bench"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip


def _wait_for_server(limit: float = 120.0) -> None:
    """Poll the server until it answers (a loaded machine can take well over 6 s)."""
    import urllib.request

    deadline = time.time() + limit
    while True:
        try:
            with urllib.request.urlopen(
                f"http://127.0.0.1:{PORT}/api/status?token={TOKEN}", timeout=2
            ):
                return
        except OSError:
            if time.time() > deadline:
                raise
            time.sleep(1)


def main() -> None:
    cmd = [str(ROOT / ".venv/bin/jupyter"), "lab", "--no-browser", f"--port={PORT}", "--ip=127.0.0.1",
           f"--IdentityProvider.token={TOKEN}", f"--ServerApp.root_dir={ROOT}"]  # fmt: skip
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    server = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    outside: list[str] = []
    try:
        _wait_for_server()
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=os.environ.get("CONVVIZ_CHROMIUM", "/usr/bin/chromium"), args=FLAGS
            )
            page = browser.new_page(viewport={"width": 1400, "height": 1000})

            def route(r):
                if r.request.url.startswith("http://127.0.0.1"):
                    r.continue_()
                else:
                    outside.append(r.request.url)
                    r.abort()

            page.route("**/*", route)
            page.goto(f"http://127.0.0.1:{PORT}/lab/tree/{LAB}?token={TOKEN}")
            page.wait_for_selector("text=Python 3 (ipykernel) | Idle", timeout=90_000)
            time.sleep(2)
            page.click(".jp-CodeCell .jp-InputPrompt >> nth=0")
            for _ in range(5):  # run the cells up to the first figure, as a reader would
                page.keyboard.press("Shift+Enter")
                time.sleep(0.7)
            page.wait_for_selector(".cv-root .cv-stage svg", timeout=60_000)
            first, cached = [], []
            n = page.eval_on_selector(".cv-root [data-control='kernel']", "e => e.options.length")
            for rnd, acc in ((0, first), (1, cached)):
                for i in [*range(1, n), 0]:
                    page.eval_on_selector(
                        ".cv-root [data-control='kernel']",
                        """(e, i) => { window.__t0 = performance.now(); e.value = String(i);
                               e.dispatchEvent(new Event('change', {bubbles: true})); }""",
                        i,
                    )
                    page.wait_for_function(
                        f"() => document.querySelector('.cv-root').getAttribute('data-key').startsWith('{i},')"
                    )
                    if rnd == 0 and i == 0:
                        continue  # the default frame was sent up front
                    acc.append(page.evaluate("() => performance.now() - window.__t0"))
            browser.close()
    finally:
        server.send_signal(signal.SIGINT)
        time.sleep(1)
        server.kill()
    result = {
        "budget_ms": 100,
        "round_trip_ms": {
            "median": round(statistics.median(first), 1),
            "max": round(max(first), 1),
        },
        "cached_ms": {"median": round(statistics.median(cached), 1), "max": round(max(cached), 1)},
        "outside_requests": len(outside),
    }
    RESULTS.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
