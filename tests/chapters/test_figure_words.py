"""The words of the figures of chapters 3, 4, 8, 9, 10, 11 and 12 (and the photographs of 1-4, 7, 8): the book's notation, no
Python or LaTeX leaking into what a reader sees, control labels that fit a phone."""

from __future__ import annotations

import re

import pytest

from convviz.figures import (
    arithmetic,
    channels,
    dilated,
    flattened,
    flip,
    front,
    grouped,
    photos,
    pointwise,
    pointwise_grouped,
    separable,
    shuffle,
    transposed,
    volume,
)

_MODULES = (volume, pointwise, separable, flattened, grouped, shuffle, pointwise_grouped)
# the figures these modules define themselves, and the photographs' figures of chapters 1-4, 7, 8
FIGURES = [
    factory()
    for module in _MODULES
    for factory in module.FIGURES
    if factory.__module__ == module.__name__
] + [
    photos.photo_video_figure(),
    photos.photo_mix_figure(),
    photos.photo_separable_figure(),
    photos.photo_flip_figure(),
    photos.photo_bank_figure(),
    photos.photo_dilated_figure(),
]


def _texts(fig) -> list[str]:
    """Everything the reader reads in any setting of ``fig``, but the computed sums."""
    out = [fig.title, fig.description]
    for c in fig.controls:
        out += [c.label, *c.spec()["options"]]
    for key in fig.keys():
        frame = fig.frame(key)
        out += frame["formula"]
        for v in frame["views"]:
            out.append(v["title"])
            out += [p["label"] for p in v["panels"]]
    return out


@pytest.mark.parametrize("fig", FIGURES, ids=lambda f: f.id)
def test_no_python_or_latex_in_the_words(fig):
    for text in _texts(fig):
        assert not re.search(r"\(\d+,\)", text), (fig.id, text)  # a Python 1-tuple
        assert "channel(s)" not in text, (fig.id, text)
        assert not re.search(r"[Σ_]_?\{|Σ_", text), (fig.id, text)  # LaTeX subscripts
        assert not re.search(r"\b(True|False|None)\b", text), (fig.id, text)
        assert not re.search(r"\b(\d+)–\1\b", text), (fig.id, text)  # "channels 6–6"
        assert not re.search(r"\.reshape\(|\[[^\]]*:, ", text), (fig.id, text)  # NumPy calls


@pytest.mark.parametrize("fig", FIGURES, ids=lambda f: f.id)
def test_option_labels_are_no_float_reprs_and_fit_a_phone(fig):
    for c in fig.controls:
        spec = c.spec()
        for label in spec["options"]:
            assert not re.fullmatch(r"-?\d+\.0", label), (fig.id, c.name, label)
            if spec["kind"] == "range":
                # a slider's value sits on one line beside the slider
                assert len(label) <= 16, (fig.id, c.name, label)
        if spec["kind"] == "buttons":
            # a segmented control does not wrap: on a 390 px phone its buttons share about
            # 230 px beside the control's label ("0: average | 1: x[0] − x[1] | 2: mix" ran off)
            assert sum(len(label) for label in spec["options"]) <= 16, (fig.id, c.name, spec)


@pytest.mark.parametrize("fig", FIGURES, ids=lambda f: f.id)
def test_size_letters_are_not_indices(fig):
    """i, k, s, p, d, a, g are sizes and settings; N is the batch, not an image side."""
    for text in _texts(fig):
        for index in re.findall(r"\b[a-zA-Z]\[([a-z, ]+)\]", text):
            letters = {t.strip() for t in index.split(",")}
            assert not letters & set("ikspdag"), (fig.id, text)
        assert not re.search(r"\bN − m\b|\bside N\b|\bm×m\b", text), (fig.id, text)


# The figures of the index and chapters 1, 2, 5, 6 and 7 (their own modules; the photographs
# they show are above, but for chapter 6's)
_MORE_MODULES = (front, flip, channels, arithmetic, transposed, dilated)
MORE = [
    factory()
    for module in _MORE_MODULES
    for factory in module.FIGURES
    if factory.__module__ == module.__name__
] + [photos.photo_upsample_figure()]


@pytest.mark.parametrize("fig", MORE, ids=lambda f: f.id)
def test_no_python_or_latex_in_the_words_of_chapters_1_to_7(fig):
    test_no_python_or_latex_in_the_words(fig)
    test_option_labels_are_no_float_reprs_and_fit_a_phone(fig)


@pytest.mark.parametrize("fig", MORE, ids=lambda f: f.id)
def test_size_letters_are_not_indices_in_chapters_1_to_7(fig):
    """Chapter 6's scatter view wrote 'each x[i] stamps x[i]·w at s·i' (i is the input size)."""
    test_size_letters_are_not_indices(fig)
