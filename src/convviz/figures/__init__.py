"""Interactive figures: the engine and one module of figure builders per chapter.

Each chapter module defines ``CHAPTER`` (the chapter's file stem in ``book/``;
``front`` is the front page's, ``index``),
``TITLE`` and ``FIGURES`` (its figure factories, in the order the chapter shows
them). ``REGISTRY`` collects them; the lab notebooks in ``notebooks/`` and the
browser tests are generated from it.
"""

from importlib import import_module

from convviz.figures import flip
from convviz.figures.engine import Control, Figure

__all__ = ["REGISTRY", "Control", "Figure", "flip"]

#: Figure modules, one per chapter, in book order.
_MODULES = (
    "front",
    "flip",
    "channels",
    "volume",
    "pointwise",
    "arithmetic",
    "transposed",
    "dilated",
    "separable",
    "flattened",
    "grouped",
    "shuffle",
    "pointwise_grouped",
    "costs",
)

#: chapter file stem -> (lab title, [figure factories])
REGISTRY = {}
for _name in _MODULES:
    _module = import_module(f"convviz.figures.{_name}")
    REGISTRY[_module.CHAPTER] = (_module.TITLE, list(_module.FIGURES))
