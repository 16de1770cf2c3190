"""tools/build_book.py rebuilds everything when the package changes."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("build_book", ROOT / "tools" / "build_book.py")
build_book = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build_book)


def test_package_digest_follows_content_and_names_but_not_caches(tmp_path):
    (tmp_path / "figures").mkdir()
    (tmp_path / "conv.py").write_text("x = 1\n")
    (tmp_path / "figures" / "convviz.css").write_text(".cv-root {}\n")
    first = build_book.package_digest(tmp_path)
    assert build_book.package_digest(tmp_path) == first

    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "conv.cpython-311.pyc").write_bytes(b"\0")
    assert build_book.package_digest(tmp_path) == first

    (tmp_path / "figures" / "convviz.css").write_text(".cv-root { color: red }\n")
    changed = build_book.package_digest(tmp_path)
    assert changed != first

    (tmp_path / "conv.py").rename(tmp_path / "conv2.py")
    assert build_book.package_digest(tmp_path) not in (first, changed)


def test_the_default_package_is_convviz():
    assert build_book.package_digest() == build_book.package_digest(ROOT / "src" / "convviz")


def test_help_and_unknown_options_build_nothing(monkeypatch):
    """`--help` prints the usage and an unknown option is refused, before any build starts."""
    started = []
    monkeypatch.setattr(build_book, "build", lambda *a, **k: started.append(a) or (0, ""))
    for argv, code in ((["--help"], 0), (["--strcit"], 2)):
        monkeypatch.setattr("sys.argv", ["build_book.py", *argv])
        try:
            build_book.main()
        except SystemExit as exit:
            assert exit.code == code
        else:
            raise AssertionError(f"{argv} went on to build")
    assert started == []
