"""Interactive figures: the engine and one module of figure builders per chapter.

``REGISTRY`` lists each chapter's figures in the order the chapter shows them;
the lab notebooks in ``notebooks/`` are generated from it (``python -m convviz.labs``).
"""

from convviz.figures import flip
from convviz.figures.engine import Control, Figure

__all__ = ["REGISTRY", "Control", "Figure", "flip"]

#: chapter file stem -> (lab title, [figure factories])
REGISTRY = {
    "01-convolution-vs-cross-correlation": (
        "Convolution versus cross-correlation",
        [flip.flip_figure],
    ),
}
