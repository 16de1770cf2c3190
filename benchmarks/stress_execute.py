"""Execute every chapter many times, as the book build does, and look for hangs.

Run: ``.venv/bin/python benchmarks/stress_execute.py [ROUNDS]`` (default 10).

Each round executes each chapter in a fresh kernel through nbclient with the
book's 30 s cell timeout, exactly the path myst-nb takes (jupytext reads the
MyST file, nbclient runs it). It prints the time per chapter and every
failure, and writes ``benchmarks/results/stress.json``. A hang shows up as a
``CellTimeoutError`` after 30 s instead of a silent 300 s wait.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

import jupytext
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "stress.json"


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    chapters = sorted((ROOT / "book").glob("[0-9][0-9]-*.md"))
    times: dict[str, list[float]] = {c.stem: [] for c in chapters}
    failures = []
    for r in range(rounds):
        for chapter in chapters:
            nb = jupytext.read(chapter)
            t0 = time.perf_counter()
            try:
                NotebookClient(
                    nb,
                    timeout=30,
                    kernel_name="python3",
                    resources={"metadata": {"path": str(chapter.parent)}},
                ).execute()
            except Exception as exc:  # record and go on: we are counting failures
                failures.append(
                    {
                        "round": r,
                        "chapter": chapter.stem,
                        "error": f"{type(exc).__name__}: {exc}"[:300],
                    }
                )
            times[chapter.stem].append(time.perf_counter() - t0)
        print(f"round {r + 1}/{rounds} done, failures so far: {len(failures)}", flush=True)
    summary = {
        stem: {
            "median_s": round(statistics.median(t), 2),
            "max_s": round(max(t), 2),
            "runs": len(t),
        }
        for stem, t in times.items()
    }
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(
        json.dumps({"rounds": rounds, "chapters": summary, "failures": failures}, indent=1) + "\n"
    )
    for stem, s in summary.items():
        print(f"{stem}: median {s['median_s']} s, max {s['max_s']} s over {s['runs']} runs")
    print(f"{len(failures)} failures in {rounds * len(chapters)} executions")
    for f in failures:
        print(f)


if __name__ == "__main__":
    main()
