"""Static plots carry alt text: a screen reader hears what the picture shows, not its file name.

myst-nb writes an image's ``alt`` from the cell's ``mystnb.image.alt`` metadata; without it
the page's ``<img alt>`` is the path of the generated file. Chapters 08 to 15.
"""

from __future__ import annotations

from pathlib import Path

import jupytext
import pytest

BOOK = Path(__file__).resolve().parents[2] / "book"
CHAPTERS = sorted(
    p for p in BOOK.glob("*.md") if p.name[:2].isdigit() and 8 <= int(p.name[:2]) <= 15
)


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_every_plot_has_alt_text(path: Path) -> None:
    nb = jupytext.read(path)
    for cell in nb.cells:
        if cell.cell_type == "code" and "plt.show()" in cell.source:
            alt = cell.metadata.get("mystnb", {}).get("image", {}).get("alt", "")
            assert len(alt.split()) >= 8, (
                f"{path.name}: a plot without alt text:\n{cell.source[:120]}"
            )
