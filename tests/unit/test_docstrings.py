"""Public docstrings of the operations: an Examples section (the loop twin, the torch
call) and a See Also line, as the API reference promises; the examples themselves run
as doctests (``make unit``: ``--doctest-modules`` over these modules)."""

from __future__ import annotations

import inspect

import pytest

from convviz import conv, im2col, padding, shuffle, transposed

PUBLIC = [
    (module, name)
    for module in (conv, transposed, im2col, padding, shuffle)
    for name in module.__all__
    if inspect.isfunction(getattr(module, name))
]


@pytest.mark.parametrize(("module", "name"), PUBLIC, ids=[n for _, n in PUBLIC])
def test_examples_and_see_also(module, name):
    doc = inspect.getdoc(getattr(module, name))
    assert "\nExamples\n--------\n>>> " in doc, name
    assert "\nSee Also\n--------\n" in doc, name
    assert doc.index("See Also") < doc.index("Examples"), name  # numpydoc's order
    if not name.endswith("_method"):
        assert "torch" in doc.split("Examples")[1], name  # the equivalent torch call
        twin = name[: -len("_loop")] if name.endswith("_loop") else f"{name}_loop"
        assert f"cv.{twin}(" in doc.split("Examples")[1], name  # the twin, held equal
