from hypothesis import given, settings
from hypothesis import strategies as st

from walkrag.chunking.markup import MAX_TOKENS, chunk_markup, clean_title, find_headings
from walkrag.records import Document


def _doc(text: str, fmt: str = "markdown", path: str = "docs/guide.md") -> Document:
    return Document(path=path, text=text, format=fmt, language=fmt)


def _check_invariants(doc: Document, chunks) -> None:
    lines = doc.text.split("\n")
    covered: set[int] = set()
    prev_end = 0
    for c in chunks:
        assert 1 <= c.start_line <= c.end_line <= len(lines)
        assert c.start_line > prev_end, "chunks overlap or are out of order"
        prev_end = c.end_line
        assert c.text == "\n".join(lines[c.start_line - 1 : c.end_line])
        assert lines[c.start_line - 1].strip() and lines[c.end_line - 1].strip()
        assert c.path == doc.path and c.language == doc.language
        covered.update(range(c.start_line, c.end_line + 1))
    nonblank = {i for i, line in enumerate(lines, 1) if line.strip()}
    assert nonblank <= covered


MD = """Intro before any heading.

# Guide

Top level text that is long enough to stand on its own as a chunk of prose here,
with a second line so that the section is not considered tiny by the merger at all.

## Install

```sh
# not a heading
pip install walkrag
```

Setup
=====

Setext text.
"""


def test_markdown_sections_breadcrumbs_and_fences():
    doc = _doc(MD)
    chunks, defs = chunk_markup(doc)
    _check_invariants(doc, chunks)
    assert [(c.kind, c.symbol, c.start_line, c.end_line) for c in chunks] == [
        ("preamble", None, 1, 1),
        ("section", "Guide", 3, 6),
        ("section", "Guide > Install", 8, 13),
        ("section", "Setup", 15, 18),
    ]
    assert chunks[0].header == "docs/guide.md"
    assert chunks[2].header == "docs/guide.md > Guide > Install"
    assert "# not a heading" in chunks[2].text
    assert [(d.name, d.qualified_name, d.kind, d.start_line, d.end_line) for d in defs] == [
        ("Guide", "Guide", "section", 3, 13),
        ("Install", "Guide > Install", "section", 8, 13),
        ("Setup", "Setup", "section", 15, 18),
    ]


def test_markdown_front_matter_comments_and_closing_hashes():
    text = "---\ntitle: x\n---\n\n<!--\n# hidden\n-->\n\n## Real ##\n\nbody\n\n#hashtag\n"
    assert [(h.level, h.title) for h in find_headings(text.split("\n"), "markdown")] == [(2, "Real")]


def test_tiny_siblings_merge_and_big_sections_split():
    small = "".join(f"## S{i}\n\nshort.\n\n" for i in range(3))
    para = ("word " * 60).strip()
    big = "## Big\n\n" + "\n\n".join(f"{para} {i}" for i in range(30)) + "\n"
    doc = _doc("# Top\n\n" + small + big)
    chunks, defs = chunk_markup(doc)
    _check_invariants(doc, chunks)
    assert chunks[0].symbol == "Top"
    assert chunks[1].symbol == "Top > S0" and "## S2" in chunks[1].text  # merged siblings
    big_chunks = [c for c in chunks if c.symbol == "Top > Big"]
    assert len(big_chunks) > 3
    assert all(c.header == "docs/guide.md > Top > Big" for c in big_chunks)
    assert all(len(c.text) // 4 <= MAX_TOKENS for c in big_chunks)
    assert {d.name for d in defs} == {"Top", "S0", "S1", "S2", "Big"}


def test_one_huge_paragraph_is_split_by_lines():
    doc = _doc("# H\n\n" + "\n".join("x" * 100 for _ in range(200)))
    chunks, _ = chunk_markup(doc)
    _check_invariants(doc, chunks)
    assert len(chunks) >= 10 and all(c.symbol == "H" for c in chunks)


RST = """\
.. _top:

==============
Settings guide
==============

Intro text.

Core settings
=============

.. setting:: CSRF_COOKIE_AGE

``CSRF_COOKIE_AGE``
-------------------

Default: ``31449600`` (approximately 1 year, in seconds)

Details
~~~~~~~

More.

Models
======

.. currentmodule:: django.db.models

.. class:: Field(**options)

    The base field.

    .. method:: clean(value)

        Validate the value.

.. function:: helper(x)
"""


def test_rst_hierarchy_labels_and_directives():
    doc = _doc(RST, "rst", "docs/ref/settings.txt")
    chunks, defs = chunk_markup(doc)
    _check_invariants(doc, chunks)
    sections = [(d.qualified_name, d.start_line, d.end_line) for d in defs if d.kind == "section"]
    assert sections == [
        ("Settings guide", 1, 37),
        ("Settings guide > Core settings", 9, 22),
        ("Settings guide > Core settings > CSRF_COOKIE_AGE", 12, 22),
        ("Settings guide > Core settings > CSRF_COOKIE_AGE > Details", 19, 22),
        ("Settings guide > Models", 24, 37),
    ]
    # The label and the setting target belong to the section they name.
    assert chunks[0].start_line == 1
    csrf = next(c for c in chunks if c.symbol.endswith("CSRF_COOKIE_AGE"))
    assert (csrf.start_line, csrf.text.split("\n")[0]) == (12, ".. setting:: CSRF_COOKIE_AGE")
    by_kind = {d.kind: d for d in defs if d.kind != "section"}
    setting = by_kind["setting"]
    assert (setting.name, setting.start_line, setting.end_line) == ("CSRF_COOKIE_AGE", 12, 22)
    assert setting.docstring.startswith("Default: ``31449600``")
    cls, meth, fn = by_kind["class"], by_kind["method"], by_kind["function"]
    assert (cls.qualified_name, cls.signature, cls.start_line, cls.end_line) == (
        "django.db.models.Field",
        "Field(**options)",
        29,
        35,
    )
    assert (meth.qualified_name, meth.docstring) == ("django.db.models.Field.clean", "Validate the value.")
    assert (fn.qualified_name, fn.start_line, fn.end_line) == ("django.db.models.helper", 37, 37)
    assert all(d.language == "rst" for d in defs)


def test_rst_levels_follow_first_appearance():
    text = "A\n~~~\n\nB\n***\n\nC\n~~~\n\nD\n###\n"
    assert [(h.level, h.title) for h in find_headings(text.split("\n"), "rst")] == [
        (1, "A"),
        (2, "B"),
        (1, "C"),
        (3, "D"),
    ]
    # Too-short underlines and titles that follow a paragraph line are plain text.
    assert find_headings("Long title\n==\n\npara\nNot a title\n-----------\n".split("\n"), "rst") == []


ADOC = """= Document Title
Author Name

== Section One

Text one.

----
== not a heading inside a listing block
----

=== Sub Section

Text two.

== Section Two
"""


def test_asciidoc_headings():
    doc = _doc(ADOC, "asciidoc", "guide.adoc")
    chunks, defs = chunk_markup(doc)
    _check_invariants(doc, chunks)
    assert [d.qualified_name for d in defs] == [
        "Document Title",
        "Document Title > Section One",
        "Document Title > Section One > Sub Section",
        "Document Title > Section Two",
    ]


def test_plain_text_uses_line_windows():
    text = "\n".join(f"line {i}" for i in range(100))
    chunks, defs = chunk_markup(_doc(text, "text", "NOTES"))
    assert defs == [] and len(chunks) > 1
    assert chunks[0].start_line == 1 and chunks[-1].end_line == 100


def test_clean_title():
    assert clean_title("``CSRF_COOKIE_AGE``") == "CSRF_COOKIE_AGE"
    assert clean_title("The :class:`~django.db.Model <x>` API") == "The django.db.Model API"
    assert clean_title("[Link](http://x) and **bold** {#anchor}") == "Link and bold"


def test_empty_document():
    assert chunk_markup(_doc("")) == ([], [])
    assert chunk_markup(_doc("\n\n  \n")) == ([], [])


_LINE = st.one_of(
    st.sampled_from(
        [
            "",
            "",
            "# Title",
            "## Sub",
            "### Deep",
            "```",
            "~~~",
            "====",
            "----",
            "~~~~~",
            "Heading",
            ".. setting:: X",
            ".. _lbl:",
            "== Adoc",
            "  indented",
            "=== Adoc sub",
            "- item",
            "text here",
            "#no",
            "#",
        ]
    ),
    st.text(alphabet="ab #=-`~\t.:", max_size=12),
    st.text(alphabet="lorem ipsum", min_size=100, max_size=400),
)


@settings(max_examples=300, deadline=None)
@given(lines=st.lists(_LINE, max_size=60), fmt=st.sampled_from(["markdown", "rst", "asciidoc", "text"]))
def test_chunks_cover_everything_without_overlap(lines, fmt):
    doc = _doc("\n".join(lines), fmt)
    chunks, defs = chunk_markup(doc)
    if fmt != "text":  # line windows deliberately overlap
        _check_invariants(doc, chunks)
    again = chunk_markup(_doc("\n".join(lines), fmt))
    assert (chunks, defs) == again
    n = len(doc.text.split("\n"))
    for d in defs:
        assert 1 <= d.start_line <= d.end_line <= n
