"""Text extraction: turn a file's bytes into a Document whose text keeps its structure.

Text formats are decoded and normalised; HTML, PDF, DOCX, PPTX and notebooks are
converted to Markdown so that the prose chunker sees headings (``## Page 3``,
``## Slide 2: Title``) and gives every chunk a breadcrumb. Library failures never
escape: each becomes an :class:`ExtractionError` with a short reason.
"""

from __future__ import annotations

import io
import json
import re

from walkrag.records import Document

TEXT_FORMATS = {"code", "markdown", "rst", "asciidoc", "text"}
_MAX_REASON = 200


class ExtractionError(Exception):
    """A file could not be turned into text; the message says why, for people."""


def extract(path: str, data: bytes, source_format: str, language: str) -> Document:
    """Extract ``data`` (the bytes of ``path``) into a :class:`Document`.

    ``source_format`` and ``language`` come from :func:`walkrag.sources.languages.detect`.
    Raises :class:`ExtractionError` when the file is binary, undecodable or malformed.
    """
    try:
        return _extract(path, data, source_format, language)
    except ExtractionError:
        raise
    except Exception as exc:  # libraries raise anything on malformed input
        reason = f"{source_format} extraction failed: {type(exc).__name__}: {exc}"
        raise ExtractionError(reason[:_MAX_REASON]) from exc


def _extract(path: str, data: bytes, source_format: str, language: str) -> Document:
    meta: dict = {}
    if source_format in TEXT_FORMATS:
        text, encoding = decode_text(data)
        if encoding != "utf-8":
            meta["encoding"] = encoding
        if source_format == "code":
            fmt, lang = "code", language
        elif source_format == "text":
            fmt = sniff_markup(text) if language == "text" else "text"
            lang = fmt if fmt != "text" else language
        else:
            fmt = lang = source_format
    elif source_format == "html":
        page, _ = decode_text(data)
        if _TEMPLATE_SYNTAX.search(page):
            # A template is source code: its tags and variables are what people search for.
            fmt, lang, text = "text", "html", page
        else:
            fmt, lang, text = "markdown", "markdown", html_to_markdown(page)
    elif source_format == "pdf":
        text, meta["pages"] = pdf_to_markdown(data)
        fmt, lang = "markdown", "markdown"
    elif source_format == "docx":
        fmt, lang, text = "markdown", "markdown", docx_to_markdown(data)
    elif source_format == "pptx":
        fmt, lang, text = "markdown", "markdown", pptx_to_markdown(data)
    elif source_format == "notebook":
        text, meta["kernel_language"] = notebook_to_markdown(data)
        fmt, lang = "markdown", "markdown"
    else:
        raise ExtractionError(f"unsupported format {source_format!r}")
    return Document(path=path, text=text, format=fmt, language=lang, source_format=source_format, meta=meta)


# --- plain text -------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode bytes as text; return ``(text with LF line ends, encoding)``."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:  # a UTF-16 BOM is unambiguous; its NUL bytes are not a sign of binary
            return normalise_newlines(data.decode("utf-16")), "utf-16"
        except UnicodeDecodeError:
            raise ExtractionError("not valid UTF-16 text") from None
    if b"\x00" in data:
        raise ExtractionError("binary file (NUL bytes)")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return normalise_newlines(data.decode("utf-8")), "utf-8"
    except UnicodeDecodeError:
        pass
    # Legacy single-byte files (Latin-1/Windows-1252 source, old READMEs) are mostly
    # ASCII with a few accented letters; anything denser is more likely binary.
    high = sum(b >= 0x80 for b in data)
    if high <= max(1, len(data) // 8):
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            text = None
        if (
            text is not None
            and not _CONTROL.search(text)
            and all(c.isprintable() for c in text if ord(c) >= 0x80)
        ):
            return normalise_newlines(text), "cp1252"
    raise ExtractionError("not valid UTF-8 text")


def normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


_RST_DIRECTIVE = re.compile(r"^\.\. ([\w:-]+::|_[^:]+:\s*$)")
_RST_ADORN = re.compile(r"^([!-/:-@\[-`{-~])\1+\s*$")
_MD_ATX = re.compile(r"^ {0,3}#{1,6}[ \t]+\S")
_MD_FENCE = re.compile(r"^ {0,3}(```|~~~)")


def sniff_markup(text: str) -> str:
    """Guess whether a ``.txt`` file is reST (Django's docs), Markdown, or plain text.

    Scores the signals each format leaves; ``#`` comment blocks (config files, PEM
    bundles, scripts) do not count as Markdown headings, since headings stand alone.
    """
    lines = text.split("\n")
    if lines and lines[0].startswith("#!"):
        return "text"
    rst = md = 0
    in_fence = False
    for i, line in enumerate(lines):
        if _MD_FENCE.match(line):
            in_fence = not in_fence
            md += 1
            continue
        if in_fence:
            continue
        before = lines[i - 1] if i else ""
        after = lines[i + 1] if i + 1 < len(lines) else ""
        if _MD_ATX.match(line):
            if not before.strip() and not after.lstrip().startswith("#"):
                md += 2
        elif _RST_DIRECTIVE.match(line):
            rst += 2
        elif i > 0 and _RST_ADORN.match(line):
            title = before.rstrip()
            above = lines[i - 2] if i > 1 else ""
            if (
                title
                and not title[0].isspace()
                and not _RST_ADORN.match(title)
                and (not above.strip() or _RST_ADORN.match(above))
                and len(line.rstrip()) >= len(title)
            ):
                rst += 2
                md += 1 if line[0] in "=-" else 0  # also a Markdown setext heading
    if md >= 4 and md > rst:
        return "markdown"
    if rst >= 2:
        return "rst"
    return "text"


# --- HTML -------------------------------------------------------------------------

_NOISE_TAGS = "script style noscript nav header footer aside form iframe svg template button".split()


# Django/Jinja/Liquid/Handlebars/Go templates
_TEMPLATE_SYNTAX = re.compile(r"\{%|\{\{|<%[=-]?\s")


def html_to_markdown(page: str) -> str:
    """Convert an HTML page to Markdown, keeping the main content and dropping page chrome."""
    from bs4 import BeautifulSoup
    from markdownify import MarkdownConverter

    soup = BeautifulSoup(page, "html.parser")
    for tag in soup.find_all(_NOISE_TAGS):
        tag.decompose()
    for tag in soup.find_all(attrs={"role": ["navigation", "banner", "contentinfo"]}):
        tag.decompose()
    root = soup.find("main") or soup.find(attrs={"role": "main"}) or soup.body or soup
    md = MarkdownConverter(
        heading_style="ATX",
        bullets="-",
        escape_underscores=False,
        escape_asterisks=False,
        strip=["img"],
        code_language_callback=_code_language,
    ).convert_soup(root)
    text = _tidy(md)
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    if title and not re.search(r"^# ", text, re.M):
        text = f"# {title}\n\n{text}" if text else f"# {title}"
    return text


def _code_language(el) -> str:
    for node in (el, el.find("code")):
        if node is None:
            continue
        for cls in node.get("class") or []:
            for prefix in ("language-", "lang-", "highlight-"):
                if cls.startswith(prefix):
                    return cls[len(prefix) :]
    return ""


def _tidy(text: str) -> str:
    lines = [line.rstrip() for line in normalise_newlines(text).split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")


# --- PDF --------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"^(\s{0,3})(#|```|~~~|=+\s*$|-{2,}\s*$)")


def _escape_line(line: str) -> str:
    """Stop extracted prose from being read as Markdown headings or fences."""
    return _MD_SPECIAL.sub(r"\1\\\2", line)


def pdf_to_markdown(data: bytes) -> tuple[str, int]:
    """Return Markdown with one ``## Page N`` heading per page with text, and the page count."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    if not data.lstrip()[:5].startswith(b"%PDF"):
        raise ExtractionError("not a PDF file (no %PDF header)")
    if b"%%EOF" not in data[-4096:]:
        raise ExtractionError("truncated PDF (no end-of-file marker)")
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise ExtractionError("encrypted PDF (password required)")
        pages = list(reader.pages)
    except ExtractionError:
        raise
    except PdfReadError as exc:
        raise ExtractionError(f"malformed PDF: {exc}"[:_MAX_REASON]) from exc
    except Exception as exc:
        if "crypt" in type(exc).__name__.lower() or "decrypt" in str(exc).lower():
            raise ExtractionError("encrypted PDF (cannot decrypt)") from exc
        raise ExtractionError(f"malformed PDF: {type(exc).__name__}: {exc}"[:_MAX_REASON]) from exc
    parts = []
    for number, page in enumerate(pages, start=1):
        raw = page.extract_text() or ""
        lines = [
            _escape_line(line.rstrip()) for line in normalise_newlines(_CONTROL.sub("", raw)).split("\n")
        ]
        body = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")
        if body.strip():
            parts.append(f"## Page {number}\n\n{body}")
    if not parts:
        raise ExtractionError("no extractable text (scanned PDF?)")
    return "\n\n".join(parts), len(pages)


# --- DOCX -------------------------------------------------------------------------


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _table(rows: list[list[str]]) -> str:
    rows = [r for r in rows if any(c.strip() for c in r)]
    if not rows:
        return ""
    width = max(len(r) for r in rows)
    rows = [[_cell(c) for c in r] + [""] * (width - len(r)) for r in rows]
    out = ["| " + " | ".join(rows[0]) + " |", "|" + " --- |" * width]
    out += ["| " + " | ".join(r) + " |" for r in rows[1:]]
    return "\n".join(out)


def docx_to_markdown(data: bytes) -> str:
    """Convert a Word document to Markdown: headings, paragraphs, lists and tables in order."""
    import docx
    from docx.table import Table

    document = docx.Document(io.BytesIO(data))
    blocks: list[tuple[str, str]] = []  # (kind, text); consecutive list items stay together
    for item in document.iter_inner_content():
        if isinstance(item, Table):
            table = _table([[cell.text for cell in row.cells] for row in item.rows])
            if table:
                blocks.append(("table", table))
            continue
        text = item.text.strip()
        if not text:
            continue
        style = (item.style.name if item.style is not None else "") or ""
        m = re.match(r"Heading (\d)", style)
        if m or style == "Title":
            level = min(int(m.group(1)), 6) if m else 1
            blocks.append(("heading", "#" * level + " " + " ".join(text.split())))
            continue
        num_pr = item._p.pPr.numPr if item._p.pPr is not None else None
        if style.startswith("List") or num_pr is not None:
            level = 0
            if num_pr is not None and num_pr.ilvl is not None:
                level = int(num_pr.ilvl.val)
            else:
                m = re.search(r"(\d)$", style)
                level = int(m.group(1)) - 1 if m else 0
            marker = "1." if "Number" in style else "-"
            blocks.append(("list", "  " * level + f"{marker} " + " ".join(text.split())))
            continue
        lines = [_escape_line(line.rstrip()) for line in normalise_newlines(text).split("\n")]
        blocks.append(("para", "\n".join(lines)))
    out: list[str] = []
    for i, (kind, text) in enumerate(blocks):
        if i and not (kind == "list" and blocks[i - 1][0] == "list"):
            out.append("")
        out.append(text)
    if not out:
        raise ExtractionError("no extractable text (empty document)")
    return "\n".join(out)


# --- PPTX -------------------------------------------------------------------------


def _shape_text(shape, skip_id: int | None) -> list[str]:
    if shape.shape_id == skip_id:  # the title is already the slide heading
        return []
    out: list[str] = []
    if getattr(shape, "shapes", None) is not None and shape.shape_type == 6:  # group
        for sub in shape.shapes:
            out += _shape_text(sub, skip_id)
        return out
    if getattr(shape, "has_table", False) and shape.has_table:
        table = _table([[cell.text for cell in row.cells] for row in shape.table.rows])
        return [table] if table else []
    if getattr(shape, "has_text_frame", False) and shape.has_text_frame:
        lines = []
        for para in shape.text_frame.paragraphs:
            text = " ".join(para.text.split())
            if text:
                lines.append("  " * para.level + _escape_line(text))
        if lines:
            out.append("\n".join(lines))
    return out


def pptx_to_markdown(data: bytes) -> str:
    """Convert slides to Markdown: ``## Slide N: title``, then text frames, tables and notes."""
    from pptx import Presentation

    deck = Presentation(io.BytesIO(data))
    parts: list[str] = []
    for number, slide in enumerate(deck.slides, start=1):
        title_shape = slide.shapes.title
        title = " ".join(title_shape.text.split()) if title_shape is not None else ""
        blocks = [f"## Slide {number}: {title}" if title else f"## Slide {number}"]
        for shape in slide.shapes:
            blocks += _shape_text(shape, title_shape.shape_id if title_shape is not None else None)
        if slide.has_notes_slide:
            notes = slide.notes_slide.notes_text_frame
            text = notes.text.strip() if notes is not None else ""
            if text:
                lines = [_escape_line(line.rstrip()) for line in normalise_newlines(text).split("\n")]
                blocks.append("Notes:\n" + "\n".join(lines))
        parts.append("\n\n".join(blocks))
    if not parts:
        raise ExtractionError("no extractable text (no slides)")
    return "\n\n".join(parts)


# --- notebooks --------------------------------------------------------------------


def _source(cell: dict, key: str = "source") -> str:
    src = cell.get(key, "")
    if isinstance(src, list):
        src = "".join(str(s) for s in src)
    if not isinstance(src, str):
        raise ExtractionError(f"malformed notebook: cell {key} is not text")
    return normalise_newlines(src).strip("\n")


def _fence(body: str, lang: str) -> str:
    longest = max((len(m) for m in re.findall(r"`{3,}", body)), default=2)
    ticks = "`" * (longest + 1)
    return f"{ticks}{lang}\n{body}\n{ticks}"


def notebook_to_markdown(data: bytes) -> tuple[str, str]:
    """Convert a Jupyter notebook to Markdown (outputs dropped); return it and the kernel language."""
    text, _ = decode_text(data)
    try:
        nb = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ExtractionError(f"malformed notebook: invalid JSON ({exc.msg}, line {exc.lineno})") from exc
    if not isinstance(nb, dict):
        raise ExtractionError("malformed notebook: top level is not an object")
    meta = nb.get("metadata") if isinstance(nb.get("metadata"), dict) else {}
    kernel = meta.get("kernelspec") if isinstance(meta.get("kernelspec"), dict) else {}
    info = meta.get("language_info") if isinstance(meta.get("language_info"), dict) else {}
    lang = str(kernel.get("language") or info.get("name") or meta.get("language") or "python")
    if "cells" in nb:
        cells = nb["cells"]
    elif isinstance(nb.get("worksheets"), list):  # nbformat 3
        cells = [c for ws in nb["worksheets"] if isinstance(ws, dict) for c in ws.get("cells", [])]
    else:
        raise ExtractionError("malformed notebook: no cells")
    if not isinstance(cells, list):
        raise ExtractionError("malformed notebook: cells is not a list")
    parts: list[str] = []
    for cell in cells:
        if not isinstance(cell, dict):
            raise ExtractionError("malformed notebook: cell is not an object")
        kind = cell.get("cell_type")
        if kind == "code":
            body = _source(cell, "source" if "source" in cell else "input")
            if body.strip():
                parts.append(_fence(body, str(cell.get("language") or lang)))
        elif kind == "markdown":
            body = _source(cell)
            if body.strip():
                parts.append(body)
        elif kind == "heading":  # nbformat 3
            level = cell.get("level", 1)
            level = min(max(level, 1), 6) if isinstance(level, int) else 1
            body = " ".join(_source(cell).split())
            if body:
                parts.append("#" * level + " " + body)
        elif kind == "raw":
            body = _source(cell)
            if body.strip():
                parts.append(_fence(body, ""))
    return "\n\n".join(parts), lang
