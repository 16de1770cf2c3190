"""One notation: the symbol table of the index page, and the letters the chapters use."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

BOOK = Path(__file__).resolve().parents[2] / "book"
CHAPTERS = sorted(BOOK.glob("[01][0-9]-*.md"))


def test_index_has_the_symbol_table():
    text = (BOOK / "index.md").read_text()
    table = text[text.index("### Symbols") :]
    for symbol, argument in [
        ("$i$", "`H`"),
        ("$k$", "`kernel_size`"),
        ("$s$", "`stride`"),
        ("$p$", "`padding`"),
        ("$d$", "`dilation`"),
        ("$a$", "`output_padding`"),
        ("$o$", "output"),
        ("$g$", "`groups`"),
        ("$N$", "dimension 0"),
        ("$C_\\text{in}$", "`in_channels`"),
        ("$C_\\text{out}$", "`out_channels`"),
        ("$H$, $W$", "dimensions 2 and 3"),
    ]:
        row = next(line for line in table.splitlines() if line.startswith(f"| {symbol} "))
        assert argument in row, (symbol, row)


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_no_dilation_l_and_no_size_letter_as_index(chapter):
    text = chapter.read_text()
    # dilation written l: only where the article (or the guide) is quoted
    for m in re.finditer(r"\$l\b|\bl_n\b|dilation=l\b|\(l - 1\)", text):
        around = text[max(0, m.start() - 300) : m.end() + 100]
        line = text[text.rfind("\n", 0, m.start()) + 1 : m.start()]
        in_claims_table = line.startswith("| ") and "| claim in the article" in text[: m.start()]
        quoted = "article" in around or "translation" in around or in_claims_table
        assert quoted, (chapter.stem, around)
    # k and p are never indices: no w[k], x[..k], sum_k, [p] in the formulas
    for pattern in (r"w\[k\]", r"\\sum_\{?k\}?\b", r"\[p\]", r"\\sum_\{?p\}?\b", r"x\[i[,\]]"):
        assert not re.search(pattern, text), (chapter.stem, pattern)


def test_bibliography_is_one_bib_file_and_every_citation_resolves():
    bib = (BOOK / "references.bib").read_text()
    keys = set(re.findall(r"^@\w+\{([^,]+),", bib, re.M))
    for key in (
        "szegedy2015rethinking",
        "cicek2016unet3d",
        "milletari2016vnet",
        "holschneider1989realtime",
    ):
        assert key in keys
    alexnet = bib[bib.index("{krizhevsky2012imagenet") :].split("\n}\n")[0]
    assert "NIPS 2012" in alexnet and "NeurIPS" not in alexnet
    cited = set()
    for page in [*CHAPTERS, BOOK / "index.md", BOOK / "references.md"]:
        cited |= set(re.findall(r"\{cite:[tp]\}`([^`]+)`", page.read_text()))
    assert cited and cited <= keys, cited - keys
    refs = (BOOK / "references.md").read_text()
    assert "```{bibliography}" in refs and "first public version" in refs
    # one convention for years: the arXiv year of an arXiv preprint (its identifier's YYMM)
    for entry in re.findall(r"@misc\{[^@]+", bib):
        eprint = re.search(r"eprint = \{(\d\d)(\d\d)\.", entry)
        if eprint:
            year = int(re.search(r"year = \{(\d+)\}", entry)[1])
            assert year == 2000 + int(eprint[1]), entry[:60]


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_citations_are_links_not_plain_text(chapter):
    # the prose only: code may name its data's source ("He et al. 2015, table 1")
    text = re.sub(
        r"```(?:\{code-cell\}|python)[^\n]*\n.*?\n```", "", chapter.read_text(), flags=re.S
    )
    # no "(Author et al., 2016)", "Author et al. 2016" or "Author et al. (2016)" left as plain text
    assert not re.search(r"et al\.,? \(?(19|20)\d\d", text), chapter.stem
    assert not re.search(r"\((?:[A-Z][a-z]+,? )+(?:and [A-Z][a-z]+,? )?(19|20)\d\d\)", text)
    # nor a paper given by its arXiv number or its journal instead of a {cite}
    assert not re.search(
        r"arXiv:\d{4}\.\d{4,5}|Communications of the ACM|\(Distill, (19|20)\d\d\)", text
    )
    # papers whose entries are in references.bib are cited, not named with their year
    for authors in (
        "Shi et al.",
        "Araujo, Norris and Sim",
        "Luo, Li, Urtasun",
        "Williams, Waterman",
    ):
        assert authors not in text, (chapter.stem, authors)


def test_separable_chapter_writes_k_and_c_out_not_the_articles_h_and_n_c():
    text = (BOOK / "08-separable-convolution.md").read_text()
    # N_c and h are the article's letters: named once, in the admonition about its claims
    uses = [m.start() for m in re.finditer(r"N_c|h\^2|\$h\$|h \\times h", text)]
    quote = text.index("writes the kernel size $h$ and the output channels $N_c$")
    title = text.index('"h is even" and "N_c much larger than h"')
    assert all(u in range(title, title + 50) or u in range(quote, quote + 70) for u in uses), uses
    # a depthwise separable filter is w_pw[o, c] w_dw[c]: p and k are not array names
    assert "p[o, c]" not in text and "k[c]" not in text


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_output_padding_letter_a_is_not_a_channel_count(chapter):
    assert not re.search(r"\$a = C", chapter.read_text()), chapter.stem


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda p: p.stem)
def test_taps_are_t_and_output_cells_are_not(chapter):
    # the index page: a tap is indexed by t, an output cell by r; o is not both a channel and a size
    text = chapter.read_text()
    assert not re.search(r"output (?:cell|position) [`$]t[`$]", text), chapter.stem
    assert not re.search(r"channel \$o\$[^.]*there are \$o =", text, re.S), chapter.stem
