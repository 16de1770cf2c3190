"""Budgets of the interactive figures and the pages, measured.

Run: ``.venv/bin/python benchmarks/bench_figures.py`` after ``make book`` (or point
``CONVVIZ_SITE`` at another build's ``_build/html``, as the browser tests read it).
``bench_figures.py dilated flattened``: only the chapters whose file stem contains one of
the words (such a partial run prints but does not write the results).
Prints markdown tables and writes ``benchmarks/results/figures.json``. Not a
test: nothing here asserts; the budgets are printed beside the measurements.

Measured:

* building each figure (every frame, as the static page embeds it), seconds;
* each figure's size in its page, bytes gzipped;
* redraw cost in headless Chromium: for every control option and a run of
  steps, from the default and from the largest setting, the time in the page
  from dispatching the input event to the end of the synchronous redraw and the
  style and layout it causes (:func:`redraw_times`), each page walked in
  3 fresh loads (``CONVVIZ_BENCH_PASSES``) and each change's times the median of
  its loads (:func:`summary`; about 25 minutes a load for the whole book);
* live redraw: the Python side of a live widget's control change (building the
  frame with convviz and serialising it) plus the same JS draw;
* the speed of the machine: two fixed workloads in the same browser, before and after
  the walk (:data:`_CALIBRATE`, in a blank page: a JS loop, and a grid of 1,200 SVG
  elements styled and laid out) and a Python loop, so times taken on different days of a
  shared machine can be compared (``bench_figures.py --calibrate`` prints only them: a
  check before a long run; results recorded before it have no such baseline);
* each chapter page's own weight (its HTML plus what it loads that the book's
  landing page does not) and everything it loads, gzipped as a static host
  serves it.
"""

from __future__ import annotations

import contextlib
import functools
import gzip
import http.server
import json
import os
import statistics
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlparse

import convviz as cv

if TYPE_CHECKING:
    from playwright.sync_api import Browser

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


@contextlib.contextmanager
def site_browser() -> Iterator[tuple[Browser, str]]:
    """Headless Chromium and the address of ``SITE`` served on localhost: (browser, base URL)."""
    from playwright.sync_api import sync_playwright

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(SITE))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=os.environ.get("CONVVIZ_CHROMIUM", "/usr/bin/chromium"), args=FLAGS
            )
            try:
                yield browser, f"http://127.0.0.1:{server.server_address[1]}"
            finally:
                browser.close()
    finally:
        server.shutdown()
        server.server_close()


# Two fixed workloads, timed before and after the walk: the speed of the machine the times were
# taken on, so that runs on other days (a shared machine is not always as fast) can be compared.
# They run in a blank page of their own (no theme, no convviz.js): a JS loop, and a 20x20 grid
# of SVG cells (<g><rect><text>, 1,200 elements) inserted, styled and laid out.
_CALIBRATE = """() => {
  const med = f => { const t = []; for (let i = 0; i < 9; i++) t.push(f()); t.sort((a, b) => a - b); return t[4]; };
  const js = med(() => {
    const t0 = performance.now(); let s = 0;
    for (let i = 0; i < 5e6; i++) s = (s + i * 7) % 1000003;
    return performance.now() - t0 + (s < 0 ? 1 : 0);
  });
  const cells = [];
  for (let i = 0; i < 400; i++) {
    const x = 2 + (i % 20) * 34, y = 2 + Math.floor(i / 20) * 34;
    cells.push('<g class="c"><rect x="' + x + '" y="' + y + '" width="34" height="34" fill="#fff" stroke="#999">' +
      '</rect><text x="' + (x + 17) + '" y="' + (y + 21) + '" text-anchor="middle">' + (i % 10) + '</text></g>');
  }
  const markup = '<svg width="684" height="684">' + cells.join('') + '</svg>';
  const box = document.createElement('div');
  document.body.prepend(box);
  const dom = med(() => {
    box.textContent = ''; document.body.offsetHeight;
    const t0 = performance.now(); box.innerHTML = markup; document.body.offsetHeight;
    return performance.now() - t0;
  });
  box.remove();
  return {js_loop_ms: js, svg_grid_ms: dom};
}"""
_BLANK = "<!doctype html><html><body style='margin:0;font:16px sans-serif'></body></html>"


def python_loop_ms() -> float:
    """A fixed pure-Python workload (ms, best of 3): the machine's speed for the Python columns."""
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        s = 0
        for i in range(2_000_000):
            s = (s + i * 7) % 1_000_003
        best = min(best, time.perf_counter() - t0)
    return round(1000 * best, 1)


def calibrate(browser: Browser, rounds: int = 3) -> dict[str, float]:
    """The machine's speed: ``_CALIBRATE``'s workloads in ``rounds`` fresh blank pages (ms).

    Returns each workload's median over the rounds (each round a median of 9), its
    smallest round (``_min``), and :func:`python_loop_ms`.
    """
    runs = []
    for _ in range(rounds):
        ctx = browser.new_context()
        try:
            page = ctx.new_page()
            page.set_content(_BLANK)
            runs.append(page.evaluate(_CALIBRATE))
        finally:
            ctx.close()
    out = {}
    for k in runs[0]:
        out[k] = round(statistics.median(r[k] for r in runs), 1)
        out[k + "_min"] = round(min(r[k] for r in runs), 1)
    out["python_loop_ms"] = python_loop_ms()
    return out


def browser_rows(figs: list[dict]) -> tuple[list[dict], list[dict], dict[str, float]]:
    """Redraw rows, page weights and the machine's calibration (before and after the walk)."""
    pages = sorted({f["chapter"] for f in figs})
    redraw, weights = [], []
    with site_browser() as (browser, base):

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

        speed = calibrate(browser)
        print(f"calibration (ms; smaller is a faster machine): {speed}")
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
            passes = []  # the same walk of changes, each in a fresh load of the page
            for _ in range(PASSES):
                ctx = browser.new_context()
                page = ctx.new_page()
                page.goto(f"{base}/{path}", wait_until="load")
                page.wait_for_selector(".cv-stage svg")
                # each figure measures its largest setting once, in idle time (largestRoom in
                # convviz.js); that one-off work would land in the first changes' times
                page.wait_for_function(
                    "() => Array.from(document.querySelectorAll('figure[data-cv-figure]'))"
                    ".every(f => f.hasAttribute('data-cv-room'))",
                    timeout=60_000,
                )
                passes.append(redraw_times(page))
                ctx.close()
            for i, p in enumerate(passes[1:], 1):  # a figure missing from a load: say which
                if set(p) != set(passes[0]):
                    odd = sorted(set(p) ^ set(passes[0]))
                    raise ValueError(f"{path}: load {i} walked other figures than load 0: {odd}")
            for fig_id in passes[0]:
                redraw.append(
                    {"page": path, "figure": fig_id, **summary([p[fig_id] for p in passes])}
                )
        after = calibrate(browser)
        print(f"calibration after the walk: {after}")
        for k in ("js_loop_ms", "svg_grid_ms"):  # the machine changed speed during the run
            if abs(after[k] - speed[k]) > 0.15 * speed[k]:
                print(
                    f"warning: {k} {speed[k]} before the walk, {after[k]} after: times are suspect"
                )
    return redraw, weights, {**speed, **{k + "_after": v for k, v in after.items()}}


# fresh loads of each page, each walking the same changes: a change's cold time is the median
# of its passes (a garbage collection or a stall of the shared machine in one load is not the
# control's cost); the largest single sample is reported beside it (max_single)
PASSES = int(os.environ.get("CONVVIZ_BENCH_PASSES", "3"))
if PASSES < 1:
    raise ValueError(f"CONVVIZ_BENCH_PASSES must be at least 1, got {PASSES}")


def summary(passes: list[dict[str, dict[str, float]]]) -> dict:
    """One figure's redraw row from its passes (each: change label -> times, redraw_times).

    A change's cold and warm times are the medians over the passes, with and
    without its canvases' rasterising; the figure's ``max`` is the largest of
    them, ``worst`` the change it belongs to (cold: the first time the walk
    draws that setting), ``max_single`` the largest cold sample of any pass.
    """
    labels = list(passes[0])
    for i, p in enumerate(passes[1:], 1):  # every load walks the same changes (redraw_times)
        if set(p) != set(labels):
            odd = sorted(set(p) ^ set(labels))[:5]
            raise ValueError(f"pass {i} made other changes than pass 0: {odd}")
    med = {
        k: {label: statistics.median(p[label][k] for p in passes) for label in labels}
        for k in ("cold", "warm", "cold_raster", "warm_raster")
    }
    warm = sorted(med["warm"].values())
    both = [(t, label + " (cold)") for label, t in med["cold"].items()]
    both += [(t, label) for label, t in med["warm"].items()]
    raster = [(t, label + " (cold)") for label, t in med["cold_raster"].items()]
    raster += [(t, label) for label, t in med["warm_raster"].items()]
    worst, worst_raster = max(both), max(raster)
    single = max((p[label]["cold"], label) for p in passes for label in labels)
    return {
        "median": round(warm[len(warm) // 2], 2),
        "p95": round(warm[int(len(warm) * 0.95)], 2),
        "max_warm": round(warm[-1], 2),
        "max": round(worst[0], 2),
        "changes": len(warm),
        "worst": worst[1],  # control from->to (option indices), cold if its first time
        "max_single": round(single[0], 2),
        "max_raster": round(worst_raster[0], 2),
        "worst_raster": worst_raster[1],
    }


# two animation frames: whatever the last change (an untimed one too) left to the next frame has run
SETTLE = "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"

_SETUP = """() => {
  window.__cvFigs = Array.from(document.querySelectorAll('figure[data-cv-figure]'));
  // one change of one control (ci >= 0), of the step slider (ci = -1) or of the long sums
  // (ci = -2), then the style and layout it causes (reading offsetHeight forces them): the
  // milliseconds from the input event to the end of that layout, timed in the page (the
  // control is found first: finding it is not the change), plus the work the renderer leaves
  // to the next animation frame (the room fitted to the new height, and its layout): from a
  // frame callback asked for before the event, which runs first in that frame, to the end
  // of the layout forced in one asked for after the change, which runs after the renderer's
  window.__cvChange = (fi, ci, value) => {
    const fig = window.__cvFigs[fi];
    const el = ci === -2 ? fig.querySelector(value ? '.cv-more' : '.cv-fewer')  // the long sums in full
      // (1: press '… N more terms …') or cut (0: 'fewer terms')
      : ci < 0 ? fig.querySelector('.cv-step') : fig.querySelectorAll('[data-control]')[ci];
    const option = el.tagName === 'DIV' ? el.querySelector('[data-option="' + value + '"]') : null;
    let f0 = 0;
    requestAnimationFrame(() => { f0 = performance.now(); });
    const t0 = performance.now();
    if (ci === -2) {
      el.click();
    } else if (option) {  // a segmented control: a click on the option's button
      option.click();
    } else {
      el.value = String(value);
      el.dispatchEvent(new Event(el.tagName === 'SELECT' ? 'change' : 'input', {bubbles: true}));
    }
    fig.offsetHeight;
    const now = performance.now() - t0;
    return new Promise(done => requestAnimationFrame(() => {
      fig.offsetHeight;
      done(now + performance.now() - f0);
    }));
  };
  // the painting of the figure's canvases: reading a pixel of each forces the drawing
  // commands of the last change to be rasterised now, not at the next frame (ms)
  window.__cvRaster = (fi) => {
    const t0 = performance.now();
    for (const c of window.__cvFigs[fi].querySelectorAll('canvas'))
      if (c.width && c.height) c.getContext('2d').getImageData(0, 0, 1, 1);
    return performance.now() - t0;
  };
  // the option each control shows now (the default setting's, at first), then the step
  window.__cvNow = (fi) => [...Array.from(window.__cvFigs[fi].querySelectorAll('[data-control]')).map(c =>
    c.tagName === 'SELECT' ? c.selectedIndex : c.tagName === 'DIV'
      ? Array.from(c.children).findIndex(b => b.getAttribute('aria-checked') === 'true') : +c.value),
    +window.__cvFigs[fi].querySelector('.cv-step').value];
  return window.__cvFigs.map(fig => ({
    id: fig.id.slice(3),
    names: Array.from(fig.querySelectorAll('[data-control]')).map(c => c.dataset.control),
    counts: Array.from(fig.querySelectorAll('[data-control]')).map(c =>
      c.tagName === 'SELECT' ? c.options.length : c.tagName === 'DIV' ? c.children.length : +c.max + 1),
  }));
}"""


def redraw_times(page: object) -> dict[str, dict[str, dict[str, float]]]:
    """Time of each control change in the page, per figure (ms).

    Returns, per figure id, each change's label (``"pad 0->1 from largest"``) and
    its times: ``cold``, ``warm``, and both with the canvases' rasterising
    (``cold_raster``, ``warm_raster``); :func:`summary` makes a figure's row.

    A change is the input event, the synchronous redraw (a canvas's drawing
    commands included) and the style and layout it causes (reading
    ``offsetHeight`` forces them), plus what the renderer leaves to the next
    animation frame (``fitRoom`` and ``widen``, and the layout they cause):
    the budget's measure, painting left out. The
    rasterising of the figure's canvases, which Chromium leaves to the frame, is
    timed after it in a task of its own (reading a pixel of each canvas forces
    what the frame has not already done of it) and reported beside it
    (``max_raster``: the change and its canvases' pixels), as a canvas moves
    part of a grid's cost from layout to painting.
    Times are taken in the page (``performance.now()`` before the event and after
    the layout; the browser rounds it to 0.1 ms), so they hold only on a machine
    doing nothing else: run the benchmark alone (the load average is recorded).
    They used to be the main thread's CPU time between two calls of the DevTools
    protocol (``ThreadTime``), but in about half the samples Chromium ran the
    frame the change asked for between the two calls, and its pre-paint, paint
    and commit were counted with it: 17 to 45 ms for a change that takes 12 to
    16 ms in the page (dilated-kernel, ``dilation 3->0 from largest``).

    Each change, from option ``a`` to ``b`` of one control, is timed in one
    direction: first once as it comes (``cold``: the first time the renderer
    draws that setting in this walk, its per-frame caches empty, as a reader's
    first click), then 3 more times, each after an untimed change back to ``a``
    (``warm``: the median, so a garbage collection or a stall of the shared
    machine in one of them is not the control's cost). Before each timed change
    the page runs two animation frames, so what the previous change left to the
    next frame (the untimed change back, above) is done before the clock starts.
    The cold time is one sample: browser_rows walks each page
    ``PASSES`` times, each in a fresh load, and :func:`summary` takes medians.
    Changes are made from the default setting and from the largest (every control
    at its last option): to every option of every control and back to where it
    was, and up to 200 steps spread over the step slider. A figure whose long sums
    are cut there (``… N more terms …``) is walked once more with them written in
    full: the press of that button is a change, then every control and step again.
    """
    now: list[int] = []  # the option each control of the figure shows, then the step
    full = [0]  # 1 once the long sums are written in full (ci = -2)

    def shown(ci: int) -> int:
        return full[0] if ci == -2 else now[ci]

    def change(fi: int, ci: int, value: int) -> float:
        ms = page.evaluate("([f, c, v]) => window.__cvChange(f, c, v)", [fi, ci, value])  # type: ignore[attr-defined]
        if ci == -2:
            full[0] = value
        else:
            now[ci] = value
        return ms

    def timed(fi: int, ci: int, value: int) -> tuple[float, float]:
        """(change, its canvases' rasterising) ms."""
        # what the previous change left to the next frame is done before the clock starts
        page.evaluate(SETTLE)  # type: ignore[attr-defined]
        ms = change(fi, ci, value)
        return ms, page.evaluate("(f) => window.__cvRaster(f)", fi)  # type: ignore[attr-defined]

    def cost(fi: int, ci: int, value: int) -> tuple[tuple[float, float], tuple[float, float]]:
        """(cold, warm) of the change of control ``ci`` from what it shows to ``value``:
        each (change ms, change and raster ms)."""
        was = shown(ci)
        c, r = timed(fi, ci, value)
        warm = []
        for _ in range(3):
            change(fi, ci, was)
            warm.append(timed(fi, ci, value))
        w = statistics.median(t[0] for t in warm)
        wr = statistics.median(t[0] + t[1] for t in warm)
        return (c, c + r), (w, wr)

    def record(fi: int, ci: int, value: int, label: str, seen: dict[str, dict]) -> None:
        """Time the change of control ``ci`` to ``value`` (none if it shows that already)."""
        if shown(ci) == value:
            return
        c, w = cost(fi, ci, value)
        seen[label] = {"cold": c[0], "warm": w[0], "cold_raster": c[1], "warm_raster": w[1]}

    figs = page.evaluate(_SETUP)  # type: ignore[attr-defined]
    out = {}
    for fi, fig in enumerate(figs):
        seen: dict[str, dict[str, float]] = {}  # label of each change -> its times
        now[:] = page.evaluate("(f) => window.__cvNow(f)", fi)  # type: ignore[attr-defined]
        full[0] = 0
        for where in ("default", "largest", "largest, sums in full"):
            if where == "largest":
                for ci, n in enumerate(fig["counts"]):
                    change(fi, ci, n - 1)
            if where.endswith("in full"):  # only a figure with a long sum at this setting
                long_sums = "(f) => !!window.__cvFigs[f].querySelector('button.cv-more')"
                if not page.evaluate(long_sums, fi):  # type: ignore[attr-defined]
                    break
                record(fi, -2, 1, "more terms (sums in full) from largest", seen)
            for ci, n in enumerate(fig["counts"]):
                home = now[ci]
                for value in [*range(n), home]:
                    label = f"{fig['names'][ci]} {now[ci]}->{value} from {where}"
                    record(fi, ci, value, label, seen)
            steps = page.evaluate(  # type: ignore[attr-defined]
                "(f) => +window.__cvFigs[f].querySelector('.cv-step').max + 1", fi
            )
            now[-1] = page.evaluate("(f) => window.__cvNow(f)", fi)[-1]  # type: ignore[attr-defined]
            for value in range(0, steps, max(1, steps // 200)):
                record(fi, -1, value, f"step {now[-1]}->{value} from {where}", seen)
        out[fig["id"]] = seen
    return out


def table(rows: list[dict]) -> str:
    if not rows:
        return "(none)\n"
    cols = list(rows[0])
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(str(r[c]) for c in cols) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def main() -> None:
    import sys

    if sys.argv[1:] == ["--calibrate"]:
        with site_browser() as (browser, _base):
            print(calibrate(browser))
        return
    if any(a.startswith("-") for a in sys.argv[1:]):
        raise SystemExit(
            f"usage: bench_figures.py [--calibrate | CHAPTER-WORD ...], got {sys.argv[1:]}"
        )
    # chapter file stems or parts of them (09-flattened-convolution, flattened): only those
    only = sys.argv[1:]
    load = {
        "loadavg_start": list(os.getloadavg())
    }  # times in the page hold on an idle machine only
    print(f"load at start: {load['loadavg_start']}")
    figs = [f for f in figure_rows() if not only or any(o in f["chapter"] for o in only)]
    if SITE.joinpath("index.html").exists():
        redraw, weights, speed = browser_rows(figs)
    else:
        redraw, weights, speed = [], [], {}
    load["calibration"] = speed
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
    if not only:  # a partial run does not replace the recorded results
        RESULTS.parent.mkdir(exist_ok=True)
        RESULTS.write_text(
            json.dumps(
                {
                    "budget": BUDGET,
                    "machine": {**load, "loadavg_end": list(os.getloadavg())},
                    "figures": figs,
                    "redraw": redraw,
                    "pages": weights,
                },
                indent=1,
            )
            + "\n"
        )
    print(f"load at end: {list(os.getloadavg())}")
    worst = max((r["max"] for r in redraw), default=0)
    print(f"worst redraw {worst} ms (budget {BUDGET['redraw_ms']}); "
          f"median of medians {statistics.median([r['median'] for r in redraw]) if redraw else 0} ms")  # fmt: skip
    over = [r for r in redraw if r["max_single"] > BUDGET["redraw_ms"]]
    print(
        f"figures with a single cold sample over budget: {len(over)} of {len(redraw)} "
        f"(largest {max((r['max_single'] for r in redraw), default=0)} ms); "
        f"over budget with canvas rasterising: "
        f"{sum(r['max_raster'] > BUDGET['redraw_ms'] for r in redraw)}"
    )


if __name__ == "__main__":
    main()
