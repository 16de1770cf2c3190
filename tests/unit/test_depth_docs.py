"""The public functions of pooling, pixel_shuffle, upsample, effective_rf, memory and dilation are documented."""

from __future__ import annotations

import importlib

import pytest

MODULES = ["pooling", "pixel_shuffle", "upsample", "effective_rf", "memory", "dilation"]


@pytest.mark.parametrize("name", MODULES)
def test_every_public_name_has_a_numpy_docstring(name):
    # importlib: ``convviz.pixel_shuffle`` as an attribute is the function, not the module
    module = importlib.import_module(f"convviz.{name}")
    for public in module.__all__:
        doc = getattr(module, public).__doc__ or ""
        if public.endswith("_loop"):  # a loop twin points to its namesake
            assert f":func:`{public.removesuffix('_loop')}`" in doc, public
        elif public != "itemsize":
            assert "Returns" in doc or "Attributes" in doc, public
            assert "Parameters" in doc or "Attributes" in doc, public
