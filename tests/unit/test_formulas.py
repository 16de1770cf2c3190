"""The closed-form formulas: values computed from their text, keywords checked."""

from __future__ import annotations

import itertools
import re
from fractions import Fraction

import pytest

import convviz as cv
from convviz import cost, formulas
from convviz.formulas import FORMULAS, Formula

SHAPE = {"H": 7, "W": 6, "H_out": 5, "W_out": 4, "C_in": 3, "C_out": 8, "k_h": 3, "k_w": 2}


def _brute(text: str, values: dict[str, int]) -> Fraction:
    """The text read by Python itself: juxtaposition as '*', every value a Fraction."""
    expr = re.sub(r"(?<=[\w)])\s+(?=[\w(])", "*", text)
    expr = re.sub(r"[A-Za-z_]\w*", lambda m: f"Fraction({values.get(m.group(), 1)})", expr)
    return eval(expr, {"Fraction": Fraction})


@pytest.mark.parametrize("name", sorted(FORMULAS))
def test_each_value_is_its_text_evaluated(name):
    f = FORMULAS[name]
    for g in (1, 2, 3) if "g" in f.macs else (1,):
        values = {**SHAPE, "C_in": 6, "C_out": 12, "g": g}
        assert f.macs_of(**values) == _brute(f.macs, values)
        assert f.params_of(**values) == _brute(f.params, values)


@pytest.mark.parametrize("bad", ["groups", "G", "k", "C_Out", "stride"])
@pytest.mark.parametrize("name", sorted(FORMULAS))
def test_an_unknown_keyword_raises_type_error_naming_it(name, bad):
    f = FORMULAS[name]
    for method in (f.macs_of, f.params_of):
        with pytest.raises(TypeError, match=repr(bad)):
            method(**SHAPE, **{bad: 2})


def test_the_issue_example_no_longer_returns_the_one_group_count():
    with pytest.raises(TypeError, match="'groups'"):
        cv.FORMULAS["standard"].macs_of(**SHAPE, groups=2)
    assert cv.FORMULAS["standard"].macs_of(**{**SHAPE, "C_in": 4}, g=2) * 2 == (
        cv.FORMULAS["standard"].macs_of(**{**SHAPE, "C_in": 4})
    )


@pytest.mark.parametrize("name", ["pointwise", "depthwise", "flattened", "spatially_separable"])
def test_groups_on_a_formula_without_groups_are_refused(name):
    with pytest.raises(ValueError, match="g=2"):
        FORMULAS[name].macs_of(**SHAPE, g=2)
    assert FORMULAS[name].macs_of(**SHAPE, g=1) == FORMULAS[name].macs_of(**SHAPE)


def test_a_missing_symbol_is_named():
    with pytest.raises(TypeError, match="k_w"):
        FORMULAS["depthwise"].macs_of(H_out=5, W_out=4, C_in=3, k_h=3)
    with pytest.raises(TypeError, match="g"):
        FORMULAS["grouped"].params_of(**SHAPE)  # grouped has no default for g


def test_symbols_must_be_positive_integers():
    with pytest.raises(ValueError, match="k_h"):
        FORMULAS["standard"].macs_of(**{**SHAPE, "k_h": 0})
    with pytest.raises(TypeError, match="C_in"):
        FORMULAS["standard"].macs_of(**{**SHAPE, "C_in": 2.5})


def test_a_non_dividing_group_gives_an_exact_fraction():
    value = FORMULAS["pointwise_grouped"].params_of(C_in=3, C_out=4, g=3)
    assert value == Fraction(4, 1) and isinstance(value, int)
    value = FORMULAS["pointwise_grouped"].params_of(C_in=3, C_out=5, g=2)
    assert value == Fraction(15, 2)


@pytest.mark.parametrize("text", ["H W ^ 2", "H (W", "H W)", "groups H"])
def test_an_unreadable_text_is_refused_when_the_formula_is_made(text):
    with pytest.raises(ValueError, match="formula"):
        Formula("bad", text, "H")


def test_the_grammar_sums_products_and_divides_left_to_right():
    f = Formula("demo", "H W - 2 C_in / g + (k_h + k_w) k_h", "2 (H + W)")
    values = {"H": 5, "W": 4, "C_in": 6, "g": 3, "k_h": 2, "k_w": 3}
    assert f.macs_of(**values) == 5 * 4 - 2 * 6 // 3 + (2 + 3) * 2
    assert f.params_of(**values) == 18


def test_every_moved_name_is_importable_from_cv_and_cost():
    for name in formulas.__all__:
        assert getattr(cv, name) is getattr(formulas, name)
        if name != "SYMBOLS":  # new with the split; the others lived in cost
            assert getattr(cost, name) is getattr(formulas, name)
    assert not set(cost.__all__) & set(formulas.__all__)  # documented once


def test_every_formula_is_one_type_of_the_book():
    expected = {"standard", "pointwise", "spatially_separable", "depthwise"}
    expected |= {"depthwise_separable", "flattened", "grouped", "pointwise_grouped", "transposed"}
    assert set(FORMULAS) == expected
    assert all(name == f.name for name, f in FORMULAS.items())
    assert not list(
        itertools.chain.from_iterable(f.defaults for f in FORMULAS.values() if "g" not in f.macs)
    )
