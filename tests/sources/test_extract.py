import io
import json

import pytest

from walkrag.chunking.markup import chunk_markup
from walkrag.sources.extract import ExtractionError, extract


def _pdf(pages: list[str], **kwargs) -> bytes:
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, **kwargs)
    for text in pages:
        if text:
            for k, line in enumerate(text.split("\n")):
                c.drawString(72, 720 - 14 * k, line)
        else:
            c.rect(100, 100, 50, 50)
        c.showPage()
    c.save()
    return buf.getvalue()


# --- text ---------------------------------------------------------------------------


def test_code_is_decoded_and_newlines_normalised():
    doc = extract("a.py", b"\xef\xbb\xbfdef f():\r\n    return 1\r\n\rx = 2\n", "code", "python")
    assert doc.format == "code" and doc.language == "python"
    assert doc.text == "def f():\n    return 1\n\nx = 2\n"
    assert doc.source_format == "code"


def test_nul_bytes_mean_binary():
    with pytest.raises(ExtractionError, match="binary"):
        extract("a.py", b"abc\x00def", "code", "python")


def test_invalid_utf8_is_rejected():
    with pytest.raises(ExtractionError, match="UTF-8"):
        extract("a.md", bytes(range(0x80, 0x100)) * 4, "markdown", "markdown")


def test_mostly_ascii_legacy_text_falls_back_to_cp1252():
    doc = extract("README", "Caf\u00e9 cr\u00e8me, na\u00efve text.\n".encode("cp1252") * 5, "text", "text")
    assert doc.text.startswith("Café crème")
    assert doc.meta["encoding"] == "cp1252"


def test_utf16_with_bom():
    doc = extract("notes.txt", "hello\r\nworld".encode("utf-16"), "text", "text")
    assert doc.text == "hello\nworld"


def test_markup_formats_keep_their_format():
    assert extract("a.rst", b"T\n==\n", "rst", "rst").format == "rst"
    doc = extract("a.adoc", b"= T\n", "asciidoc", "asciidoc")
    assert (doc.format, doc.language) == ("asciidoc", "asciidoc")


def test_txt_is_sniffed_as_rst_markdown_or_text():
    rst = b"==========\nCSRF guide\n==========\n\n.. setting:: CSRF_COOKIE_AGE\n\nBody\n----\n\ntext\n"
    doc = extract("docs/ref/csrf.txt", rst, "text", "text")
    assert (doc.format, doc.language) == ("rst", "rst")
    md = b"# Title\n\nSome text\n\n## Sub\n\n```\ncode\n```\n"
    assert extract("notes.txt", md, "text", "text").format == "markdown"
    assert extract("notes.txt", b"just some words\nand more\n", "text", "text").format == "text"
    # Non-prose "text" files (YAML, ...) are never re-read as markup.
    doc = extract("a.yaml", b"# comment\nkey: 1\n", "text", "yaml")
    assert (doc.format, doc.language) == ("text", "yaml")


def test_unknown_format_is_an_error():
    with pytest.raises(ExtractionError, match="unsupported"):
        extract("a.bin", b"x", "blob", "blob")


# --- HTML ---------------------------------------------------------------------------

HTML = b"""<!doctype html><html><head><title>Guide</title><style>body{color:red}</style>
<script>var secret_token = 1;</script></head><body>
<nav><a href="/">Home</a> | <a href="/about">About us</a></nav>
<main><h1>Install guide</h1><p>Run <a href="https://x.org/setup">the setup_tool</a> first.</p>
<h2>Usage</h2><pre><code class="language-python">def main():
    return my_func(1)
</code></pre><ul><li>one</li><li>two</li></ul></main>
<footer>Copyright footer</footer></body></html>"""


def test_html_becomes_markdown_without_chrome():
    doc = extract("guide.html", HTML, "html", "html")
    assert (doc.format, doc.language, doc.source_format) == ("markdown", "markdown", "html")
    text = doc.text
    assert "# Install guide" in text and "## Usage" in text
    assert "secret_token" not in text and "color:red" not in text
    assert "About us" not in text and "Copyright footer" not in text
    assert "the setup_tool" in text  # link text kept, underscores not escaped
    assert "```python\ndef main():\n    return my_func(1)" in text
    assert "- one" in text


# --- PDF ----------------------------------------------------------------------------


def test_pdf_pages_become_headings(tmp_path):
    filler = "\n".join(f"filler line {k} with some words on it" for k in range(10))
    data = _pdf([f"Alpha introduction text\n{filler}", f"# Beta details here\nsecond line\n{filler}"])
    (tmp_path / "doc.pdf").write_bytes(data)
    doc = extract("doc.pdf", (tmp_path / "doc.pdf").read_bytes(), "pdf", "pdf")
    assert doc.format == "markdown" and doc.meta["pages"] == 2
    assert doc.text.startswith("## Page 1\n\nAlpha introduction text")
    assert "## Page 2" in doc.text and "second line" in doc.text
    chunks, defs = chunk_markup(doc)
    assert [c.symbol for c in chunks] == ["Page 1", "Page 2"]
    assert "Beta details here" in chunks[1].text
    assert [d.name for d in defs] == ["Page 1", "Page 2"]  # the '#' in the text is escaped


def test_truncated_pdf_is_an_error():
    data = _pdf(["Alpha", "Beta"])
    for cut in (len(data) // 2, len(data) - 10, 20):
        with pytest.raises(ExtractionError, match="PDF"):
            extract("doc.pdf", data[:cut], "pdf", "pdf")


def test_garbage_and_corrupt_pdfs_are_errors():
    with pytest.raises(ExtractionError, match="not a PDF"):
        extract("doc.pdf", b"hello world", "pdf", "pdf")
    data = _pdf(["Alpha"])
    mangled = data[:9] + b"\xff" * (len(data) - 200) + data[-191:]
    with pytest.raises(ExtractionError):
        extract("doc.pdf", mangled, "pdf", "pdf")


def test_pdf_without_text():
    with pytest.raises(ExtractionError, match="no extractable text"):
        extract("scan.pdf", _pdf(["", ""]), "pdf", "pdf")


def test_encrypted_pdf():
    data = _pdf(["Secret"], encrypt="hunter2")
    with pytest.raises(ExtractionError, match="encrypted"):
        extract("secret.pdf", data, "pdf", "pdf")


# --- DOCX / PPTX --------------------------------------------------------------------


def test_docx_headings_lists_tables(tmp_path):
    import docx

    d = docx.Document()
    d.add_heading("Report", level=1)
    d.add_paragraph("Opening paragraph.")
    d.add_heading("Findings", level=2)
    d.add_paragraph("first point", style="List Bullet")
    d.add_paragraph("second point", style="List Bullet")
    table = d.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "Name", "Value"
    table.cell(1, 0).text, table.cell(1, 1).text = "alpha", "a|b"
    d.add_paragraph("# not a heading")
    d.save(tmp_path / "r.docx")
    doc = extract("r.docx", (tmp_path / "r.docx").read_bytes(), "docx", "docx")
    assert doc.format == "markdown"
    assert doc.text == (
        "# Report\n\nOpening paragraph.\n\n## Findings\n\n- first point\n- second point\n\n"
        "| Name | Value |\n| --- | --- |\n| alpha | a\\|b |\n\n\\# not a heading"
    )
    chunks, _ = chunk_markup(doc)
    assert chunks[-1].header == "r.docx > Report > Findings"


def test_malformed_office_files():
    for fmt in ("docx", "pptx"):
        with pytest.raises(ExtractionError, match=fmt):
            extract(f"x.{fmt}", b"PK\x03\x04 not really a zip", fmt, fmt)


def test_pptx_slides_and_notes(tmp_path):
    from pptx import Presentation

    deck = Presentation()
    s1 = deck.slides.add_slide(deck.slide_layouts[1])
    s1.shapes.title.text = "Roadmap"
    s1.placeholders[1].text_frame.text = "Ship the index"
    s1.notes_slide.notes_text_frame.text = "Mention the benchmark"
    s2 = deck.slides.add_slide(deck.slide_layouts[6])  # blank layout, no title
    box = s2.shapes.add_textbox(0, 0, 100, 100)
    box.text_frame.text = "Loose text"
    deck.save(tmp_path / "d.pptx")
    doc = extract("d.pptx", (tmp_path / "d.pptx").read_bytes(), "pptx", "pptx")
    assert doc.text == (
        "## Slide 1: Roadmap\n\nShip the index\n\nNotes:\nMention the benchmark\n\n## Slide 2\n\nLoose text"
    )


# --- notebooks ----------------------------------------------------------------------


def test_notebook_cells_in_order_outputs_dropped():
    nb = {
        "nbformat": 4,
        "metadata": {"kernelspec": {"language": "julia", "name": "julia-1.9"}},
        "cells": [
            {"cell_type": "markdown", "source": ["# Analysis\n", "\n", "Intro."]},
            {
                "cell_type": "code",
                "source": "x = 1 + 1\nprintln(x)",
                "outputs": [{"output_type": "stream", "text": ["OUTPUT_SHOULD_VANISH\n"]}],
            },
            {"cell_type": "code", "source": [], "outputs": []},
            {"cell_type": "markdown", "source": "## Next"},
        ],
    }
    doc = extract("a.ipynb", json.dumps(nb).encode(), "notebook", "notebook")
    assert doc.format == "markdown" and doc.meta["kernel_language"] == "julia"
    assert doc.text == "# Analysis\n\nIntro.\n\n```julia\nx = 1 + 1\nprintln(x)\n```\n\n## Next"
    assert "OUTPUT_SHOULD_VANISH" not in doc.text


def test_notebook_code_with_fences_gets_a_longer_fence():
    nb = {"cells": [{"cell_type": "code", "source": 's = """\n```\n"""'}], "metadata": {}}
    doc = extract("a.ipynb", json.dumps(nb).encode(), "notebook", "notebook")
    assert doc.text.startswith("````python\n") and doc.text.endswith("\n````")


@pytest.mark.parametrize(
    "data",
    [
        b"{not json",
        b"[1, 2]",
        b'{"cells": 3}',
        b'{"cells": [1]}',
        b'{"metadata": {}}',
        b'{"cells": [{"cell_type": "code", "source": 5}]}',
    ],
)
def test_malformed_notebooks(data):
    with pytest.raises(ExtractionError, match="notebook"):
        extract("a.ipynb", data, "notebook", "notebook")


def test_html_template_is_kept_as_source():
    page = b"<ul>\n{% for item in items %}\n  <li>{{ item.name|title }}</li>\n{% endfor %}\n</ul>\n"
    doc = extract("templates/list.html", page, "html", "html")
    assert doc.format == "text" and doc.language == "html"
    assert "{% for item in items %}" in doc.text and doc.text.count("\n") == page.count(b"\n")
