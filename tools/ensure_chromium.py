"""Make sure Debian's Chromium is there for the browser tests.

With CI=true it is installed with apt-get when missing (CI runs as root); the
browser tests then must run. Elsewhere a missing Chromium is reported and the
browser tests skip, saying how to enable them. Playwright never downloads a
browser here: the tests drive /usr/bin/chromium, or the Chromium or Chrome binary
that CONVVIZ_CHROMIUM names (then nothing is installed).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

CHROMIUM = os.environ.get("CONVVIZ_CHROMIUM", "/usr/bin/chromium")


def main() -> int:
    if os.path.exists(CHROMIUM):
        return 0
    if "CONVVIZ_CHROMIUM" in os.environ:  # a binary of the reader's choice: nothing to install
        must = os.environ.get("CI") == "true"
        print(
            f"ensure_chromium: CONVVIZ_CHROMIUM={CHROMIUM} does not exist; the browser tests "
            + ("must run (CI=true): fix the path or unset it" if must else "will skip")
        )
        return 1 if must else 0
    if os.environ.get("CI") != "true":
        print(
            f"ensure_chromium: {CHROMIUM} not found; the browser tests will skip. "
            "Enable them with `sudo apt-get install chromium`, run `CI=true make test` as root, "
            "or set CONVVIZ_CHROMIUM to a Chromium or Chrome binary."
        )
        return 0
    if shutil.which("apt-get") is None:
        print("ensure_chromium: CI=true but apt-get is missing; cannot install chromium")
        return 1
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], check=True, env=env)
    return 0 if os.path.exists(CHROMIUM) else 1


if __name__ == "__main__":
    sys.exit(main())
