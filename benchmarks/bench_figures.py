"""Budgets of the interactive figures and the pages, measured.

Run: ``.venv/bin/python benchmarks/bench_figures.py`` after ``make book`` (or point
``CONVVIZ_SITE`` at another build's ``_build/html``, as the browser tests read it).
Prints markdown tables and writes ``benchmarks/results/figures.json``. Not a
test: nothing here asserts; the budgets are printed beside the measurements.

Measured:

* building each figure (every frame, as the static page embeds it), seconds;
* each figure's size in its page, bytes gzipped;
* redraw time in headless Chromium: for every control option and a run of
  steps, the time from dispatching the input event to the end of the
  synchronous redraw and the style and layout it causes (the renderer draws
  inside the event handler; reading ``offsetHeight`` forces the layout);
* live redraw: the Python side of a live widget's control change (building the
  frame with convviz and serialising it) plus the same JS draw;
* each chapter page's own weight (its HTML plus what it loads that the book's
  landing page does not) and everything it loads, gzipped as a static host
  serves it.
"""

from __future__ import annotations

import functools
import gzip
import http.server
import json
import os
import statistics
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

import convviz as cv

ROOT = Path(__file__).resolve().parents[1]
SITE = Path(os.environ.get("CONVVIZ_SITE", ROOT / "_build" / "html"))
RESULTS = ROOT / "benchmarks" / "results" / "figures.json"
BUDGET = {
    "redraw_ms": 16,
    "live_ms": 100,
    "figure_kb": 150,
    "page_own_kb": 400,
    "page_all_kb": 2048,
    "build_s": 1,
}
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip


def gz(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=6))


def figure_rows() -> list[dict]:
    rows = []
    for stem, (_title, factories) in cv.figures.REGISTRY.items():
        for factory in factories:
            t0 = time.perf_counter()
            fig = factory()
            html = fig.to_html()
            build_s = time.perf_counter() - t0
            # Python side of a live control change: a fresh frame, serialised.
            live = factory()
            keys = list(live.keys())
            t1 = time.perf_counter()
            for key in keys:
                json.dumps(live.frame(key))
            live_ms = 1000 * (time.perf_counter() - t1) / len(keys)
            rows.append(
                {
                    "chapter": stem,
                    "figure": fig.id,
                    "frames": len(keys),
                    "build_s": round(build_s, 3),
                    "gzip_kb": round(gz(html.encode()) / 1024, 1),
                    "live_python_ms": round(live_ms, 2),
                }
            )
    return rows


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


def browser_rows(figs: list[dict]) -> tuple[list[dict], list[dict]]:
    from playwright.sync_api import sync_playwright

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(SITE))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    pages = sorted({f["chapter"] for f in figs})
    redraw, weights = [], []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=FLAGS)

        def loaded(path: str) -> dict[str, int]:
            ctx = browser.new_context()
            urls: list[str] = []
            page = ctx.new_page()
            page.on("request", lambda r: urls.append(r.url))
            page.goto(f"{base}/{path}", wait_until="load")
            page.wait_for_timeout(500)
            ctx.close()
            sizes = {}
            for url in urls:
                local = SITE / urlparse(url).path.lstrip("/")
                if local.is_file():
                    sizes[urlparse(url).path] = gz(local.read_bytes())
            return sizes

        landing = loaded("book/index.html")
        for stem in pages:
            path = f"book/{stem}.html"
            sizes = loaded(path)
            own = sum(
                v for k, v in sizes.items() if k not in landing or k.endswith(f"/{stem}.html")
            )
            weights.append(
                {
                    "page": path,
                    "own_kb": round(own / 1024, 1),
                    "all_kb": round(sum(sizes.values()) / 1024, 1),
                    "requests": len(sizes),
                }
            )
            ctx = browser.new_context()
            page = ctx.new_page()
            page.goto(f"{base}/{path}", wait_until="load")
            page.wait_for_selector(".cv-stage svg")
            times = page.evaluate(
                """() => {
                const out = {};
                for (const fig of document.querySelectorAll('figure[data-cv-figure]')) {
                  const ms = [];
                  // Each change is timed 3 times, each time coming from the previous value,
                  // and its best kept: the machine is shared, and the budget is about the
                  // draw's own cost (including the style and layout it causes).
                  const time = (el, type, value) => {
                    const before = el.value;
                    let best = Infinity;
                    for (let rep = 0; rep < 3; rep++) {
                      if (rep) { el.value = before; el.dispatchEvent(new Event(type, {bubbles: true})); }
                      el.value = value;
                      const t0 = performance.now();
                      el.dispatchEvent(new Event(type, {bubbles: true}));
                      void fig.offsetHeight;  // forces style and layout
                      best = Math.min(best, performance.now() - t0);
                    }
                    ms.push(best);
                  };
                  const controls = Array.from(fig.querySelectorAll('[data-control]'));
                  const kind = c => c.tagName === 'SELECT' ? 'change' : 'input';
                  const count = c => c.tagName === 'SELECT' ? c.options.length : (+c.max + 1);
                  const s = fig.querySelector('.cv-step');
                  // from the default setting, then from the largest (every control at its
                  // last option: the most cells): every option of every control, every step
                  for (const largest of [false, true]) {
                    if (largest) for (const c of controls) {
                      c.value = String(count(c) - 1); c.dispatchEvent(new Event(kind(c), {bubbles: true}));
                    }
                    for (const c of controls) {
                      const keep = c.value;
                      for (let i = 0; i < count(c); i++) time(c, kind(c), String(i));
                      time(c, kind(c), keep);
                    }
                    const stride = Math.max(1, Math.floor((+s.max + 1) / 200));
                    for (let i = 0; i <= +s.max; i += stride) time(s, 'input', String(i));
                  }
                  ms.sort((a, b) => a - b);
                  out[fig.id.slice(3)] = {median: ms[Math.floor(ms.length / 2)],
                                          p95: ms[Math.floor(ms.length * 0.95)],
                                          max: ms[ms.length - 1], draws: ms.length};
                }
                return out;
            }"""
            )
            for fig_id, t in times.items():
                redraw.append(
                    {"page": path, "figure": fig_id, **{k: round(v, 2) for k, v in t.items()}}
                )
            ctx.close()
        browser.close()
    server.shutdown()
    return redraw, weights


def table(rows: list[dict]) -> str:
    if not rows:
        return "(none)\n"
    cols = list(rows[0])
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(str(r[c]) for c in cols) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def main() -> None:
    figs = figure_rows()
    redraw, weights = browser_rows(figs) if (SITE / "index.html").exists() else ([], [])
    by_id = {(r["figure"]): r for r in redraw}
    for f in figs:
        js = by_id.get(f["figure"], {}).get("median", 0)
        f["live_total_ms"] = round(f["live_python_ms"] + js, 2)
    print(f"budgets: {BUDGET}\n")
    print("## Figures (build, size, live)\n")
    print(table(figs))
    print("## Redraw in headless Chromium (ms per control change or step)\n")
    print(table(redraw))
    print("## Page weight (KB gzipped)\n")
    print(table(weights))
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {"budget": BUDGET, "figures": figs, "redraw": redraw, "pages": weights}, indent=1
        )
        + "\n"
    )
    worst = max((r["max"] for r in redraw), default=0)
    print(f"worst redraw {worst} ms (budget {BUDGET['redraw_ms']}); "
          f"median of medians {statistics.median([r['median'] for r in redraw]) if redraw else 0} ms")  # fmt: skip


if __name__ == "__main__":
    main()
