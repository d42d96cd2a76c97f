"""Indexing end to end: incremental updates, bad input, interrupted runs."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import walkrag
from walkrag.indexing import _prepare
from walkrag.sources.discover import SourceFile


def build(root: Path, **overrides):
    idx = walkrag.open(root, **overrides)
    stats = idx.update()
    return idx, stats


def test_index_and_search_multilanguage_corpus(corpus):
    idx, stats = build(corpus)
    info = idx.status()
    assert stats.added == info["files"] >= 9
    assert {"python", "javascript", "go", "rust", "java", "ruby", "typescript", "markdown", "rst"} <= set(
        info["files_by_language"]
    )
    hits = idx.search("sales tax rate for a region", k=5)
    assert hits[0].path in {"shop/pricing.py", "docs/pricing.md"}
    top = idx.search("validateQuantity", k=3)[0]
    assert top.path == "web/checkout.js"
    lines = (corpus / top.path).read_text().split("\n")
    assert top.text == "\n".join(lines[top.start_line - 1 : top.end_line])


def test_second_run_processes_only_changes(corpus):
    idx, first = build(corpus)
    _, again = build(corpus)
    assert again.added == again.changed == again.deleted == 0
    assert again.unchanged == first.added and again.embedded == 0

    cart = corpus / "shop" / "cart.py"
    cart.write_text(cart.read_text() + "\n\ndef shipping_cost(weight_kg):\n    return 5 + weight_kg\n")
    (corpus / "web" / "checkout.js").unlink()
    (corpus / "docs" / "pricing.md").rename(corpus / "docs" / "prices.md")
    idx, third = build(corpus)
    assert (third.changed, third.deleted, third.added) == (1, 2, 1)
    # The untouched chunk of the edited file (LineItem) comes from the cache.
    assert third.embed_cached >= 1
    assert idx.search("shipping_cost", k=1)[0].path == "shop/cart.py"
    assert all(h.path != "web/checkout.js" for h in idx.search("validateQuantity checkout", k=20))
    assert any(h.path == "docs/prices.md" for h in idx.search("coupon codes case-insensitive", k=5))


def test_touch_without_change_reembeds_nothing(corpus):
    build(corpus)
    p = corpus / "shop" / "cart.py"
    os.utime(p, ns=(time.time_ns(), time.time_ns() + 10**9))
    _, stats = build(corpus)
    assert stats.embedded == 0 and stats.changed == 0


def test_bad_input_is_skipped_with_reasons(corpus):
    (corpus / "blob.dat2").write_bytes(b"\x00\x01\x02binary")
    (corpus / "latin1.py").write_bytes(b"name = '\xe9t\xe9'\n")
    with open(corpus / "huge.txt", "wb") as fh:
        fh.truncate(100 * 1024 * 1024)
    (corpus / "broken.pdf").write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog")
    (corpus / "empty.md").write_text("")
    (corpus / "bundle.js").write_text("var a=" + "1+" * 30000 + "1;")
    os.symlink(corpus, corpus / "self")
    idx, stats = build(corpus)
    reasons = {s["path"]: s["reason"] for s in idx.status()["skipped"]}
    assert "binary" in reasons["blob.dat2"]
    assert "UTF-8" in reasons["latin1.py"]
    assert "too large" in reasons["huge.txt"]
    assert "pdf" in reasons["broken.pdf"].lower()
    assert "empty" in reasons["empty.md"]
    assert "minified" in reasons["bundle.js"]
    assert "symlink loop" in reasons["self"]
    assert stats.added >= 9  # the rest is indexed


def test_file_deleted_during_walk_is_skipped(tmp_path):
    gone = SourceFile("gone.py", str(tmp_path / "gone.py"), 10, 0)
    result = _prepare(gone, walkrag.open(tmp_path).settings)
    assert result.path == "gone.py" and "unreadable" in result.reason


def test_empty_folder_indexes_to_nothing(tmp_path):
    root = tmp_path / "empty"
    root.mkdir()
    idx, stats = build(root)
    assert stats.added == 0 and idx.status()["chunks"] == 0
    assert idx.search("anything") == []


def test_file_that_becomes_skipped_leaves_the_index(corpus):
    idx, _ = build(corpus)
    assert idx.search("needsReorder", k=1)[0].path == "src/Main.java"
    (corpus / ".walkragignore").write_text("src/Main.java\n")
    idx, stats = build(corpus)
    assert stats.deleted == 1
    assert all(h.path != "src/Main.java" for h in idx.search("needsReorder", k=10))


def _corpus_of_many_files(root: Path, n: int) -> None:
    for i in range(n):
        d = root / f"pkg{i // 50}"
        d.mkdir(parents=True, exist_ok=True)
        (d / f"mod{i}.py").write_text(
            f'"""Module {i}."""\n\n\ndef handler_{i}(request):\n    """Handle request kind {i}."""\n'
            f"    return request.get('value_{i}')\n\n\nclass Model{i}:\n    field_{i} = {i}\n"
        )


@pytest.mark.slow
def test_kill_9_mid_index_then_resume(tmp_path):
    root = tmp_path / "many"
    _corpus_of_many_files(root, 1500)
    index_dir = tmp_path / "idx"
    cmd = [sys.executable, "-m", "walkrag", "index", str(root), "--index-dir", str(index_dir)]
    env = {**os.environ, "PYTHONPATH": str(Path(walkrag.__file__).parents[1])}
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    db = index_dir / "index.db"
    deadline = time.time() + 120
    # Wait until some but not all files are committed, then kill without warning.
    import sqlite3

    while time.time() < deadline:
        if db.exists():
            try:
                n = sqlite3.connect(db).execute("SELECT COUNT(*) FROM files").fetchone()[0]
            except sqlite3.OperationalError:
                n = 0
            if n > 0:
                break
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    partial = sqlite3.connect(db).execute("SELECT COUNT(*) FROM files").fetchone()[0]
    assert 0 < partial < 1500

    result = subprocess.run(cmd + ["--json"], env=env, capture_output=True, text=True, check=True)
    stats = json.loads(result.stdout)
    assert stats["added"] == 1500 - partial
    idx = walkrag.open(index_dir=index_dir)
    info = idx.status()
    assert info["files"] == 1500 and not info["needs_repair"]
    assert idx.store.count("chunks") == idx.searcher().lexical.num_docs()
    assert idx.search("handler_1234", k=1)[0].path == "pkg24/mod1234.py"


@pytest.mark.slow
def test_search_while_indexing_sees_consistent_results(tmp_path):
    root = tmp_path / "many"
    _corpus_of_many_files(root, 600)
    index_dir = tmp_path / "idx"
    first = walkrag.open(root, index_dir=index_dir)
    first.update()
    extra = root / "extra"
    extra.mkdir()
    for i in range(600, 1800):
        (extra / f"x{i}.py").write_text(f"def extra_{i}():\n    return {i}\n")
    cmd = [sys.executable, "-m", "walkrag", "index", str(root), "--index-dir", str(index_dir)]
    env = {**os.environ, "PYTHONPATH": str(Path(walkrag.__file__).parents[1])}
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    reader = walkrag.open(index_dir=index_dir)
    checks = 0
    while proc.poll() is None and checks < 50:
        hits = reader.search("handler_42", k=3)
        assert hits and hits[0].path == "pkg0/mod42.py"
        for h in hits:  # every hit resolves to real text of its file
            lines = (root / h.path).read_text().split("\n")
            assert h.text == "\n".join(lines[h.start_line - 1 : h.end_line])
        checks += 1
        reader.close()
        reader = walkrag.open(index_dir=index_dir)
    assert proc.wait() == 0
    assert checks > 0


def test_incremental_vectors_match_a_full_rebuild(corpus, tmp_path):
    import numpy as np

    from walkrag.retrieval.fileviews import file_vectors_path
    from walkrag.store.vectors import VectorIndex

    idx, _ = build(corpus)
    cart = corpus / "shop" / "cart.py"
    cart.write_text(cart.read_text() + "\n\ndef shipping_cost(weight_kg):\n    return 5 + weight_kg\n")
    (corpus / "web" / "checkout.js").unlink()
    (corpus / "docs" / "notes.md").write_text("# Notes\n\nShipping is charged by weight.\n")
    idx, stats = build(corpus)
    assert stats.timings.get("file_views") is not None
    fresh = walkrag.open(corpus, index_dir=tmp_path / "fresh")
    fresh.update()

    def contents(index):
        store = index.store
        generation = store.get_meta("vectors_generation")
        chunks = VectorIndex.load(store.index_dir, generation)
        by_span = {}
        for cid, vec in zip(chunks.ids, chunks.matrix, strict=True):
            row = store.db.execute("SELECT path, start_line FROM chunks WHERE id=?", (int(cid),)).fetchone()
            by_span[(row[0], row[1])] = vec
        files = np.load(file_vectors_path(store.index_dir, generation), allow_pickle=True)
        return by_span, dict(zip([str(p) for p in files["paths"]], files["matrix"], strict=True))

    inc_chunks, inc_files = contents(idx)
    full_chunks, full_files = contents(fresh)
    assert inc_chunks.keys() == full_chunks.keys() and inc_files.keys() == full_files.keys()
    assert "web/checkout.js" not in inc_files and "docs/notes.md" in inc_files
    for key in full_chunks:
        assert np.allclose(inc_chunks[key], full_chunks[key], atol=1e-5)
    for key in full_files:
        assert np.allclose(inc_files[key], full_files[key], atol=1e-4)


def test_documents_of_every_format_are_indexed_and_found(corpus):
    import io

    from docx import Document as Docx
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    pdf = canvas.Canvas(buf)
    pdf.drawString(72, 720, "Warehouse handbook")
    pdf.showPage()
    pdf.drawString(72, 720, "Refunds are issued within fourteen days of a returned parcel.")
    pdf.save()
    (corpus / "docs" / "handbook.pdf").write_bytes(buf.getvalue())
    (corpus / "docs" / "faq.html").write_text(
        "<html><body><nav>menu</nav><main><h1>FAQ</h1><h2>Gift wrapping</h2>"
        "<p>Gift wrapping costs three dollars per parcel.</p></main></body></html>"
    )
    notebook = {
        "nbformat": 4, "nbformat_minor": 5, "metadata": {"kernelspec": {"language": "python"}},
        "cells": [
            {"cell_type": "markdown", "metadata": {}, "source": ["# Seasonal demand\n"]},
            {"cell_type": "code", "metadata": {}, "execution_count": 1, "source": ["forecast_demand(weeks=52)\n"],
             "outputs": [{"output_type": "stream", "name": "stdout", "text": ["OUTPUT-NOT-INDEXED\n"]}]},
        ],
    }
    (corpus / "notes" / "demand.ipynb").parent.mkdir()
    (corpus / "notes" / "demand.ipynb").write_text(json.dumps(notebook))
    doc = Docx()
    doc.add_heading("Supplier policy", 1)
    doc.add_paragraph("Suppliers are paid net thirty after delivery.")
    doc.save(corpus / "docs" / "suppliers.docx")

    idx, stats = build(corpus)
    formats = idx.status()["files_by_format"]
    assert formats.get("markdown", 0) >= 5  # the .md files plus the PDF, HTML, notebook and DOCX
    for query, path in [
        ("refunds returned parcel fourteen days", "docs/handbook.pdf"),
        ("gift wrapping cost", "docs/faq.html"),
        ("forecast_demand", "notes/demand.ipynb"),
        ("suppliers paid net thirty", "docs/suppliers.docx"),
    ]:
        assert idx.search(query, k=3)[0].path == path, query
    pdf_hit = idx.search("refunds returned parcel", k=1)[0]
    page, refunds = pdf_hit.text.index("## Page 2"), pdf_hit.text.index("Refunds are issued")
    assert page < refunds  # the cited span carries the page the sentence is on
    assert all("OUTPUT-NOT-INDEXED" not in h.text for h in idx.search("OUTPUT-NOT-INDEXED", k=10))


def test_file_views_lead_with_what_a_file_defines_and_are_rebuilt_when_their_format_changes(tmp_path):
    from walkrag.retrieval.fileviews import build_views

    long_doc = "Pricing rules for the shop. " + "Background and history of the pricing model. " * 20
    (tmp_path / "pricing.py").write_text(
        f'"""{long_doc}"""\n\n\ndef apply_discount(total):\n    return total * 0.9\n\n\n'
        "class TaxTable:\n    pass\n"
    )
    (tmp_path / "guide.md").write_text("# Guide\n\nHow prices are shown to customers.\n\n## Rounding\n\nTo cents.\n")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_pricing.py").write_text("def test_discount():\n    assert apply_discount(10) == 9\n")
    (tmp_path / "testing").mkdir()
    (tmp_path / "testing" / "howto.md").write_text("# Testing prices\n\nCheck discounts with unit tests.\n")
    idx, _ = build(tmp_path)
    views = build_views(idx.store)
    # Tests are code that repeats the code's names: no view (they still have chunks); prose about testing has one.
    assert "tests/test_pricing.py" not in views and "testing/howto.md" in views
    assert idx.search("test discount", k=3)[0].path == "tests/test_pricing.py"
    code = views["pricing.py"].split("\n")
    assert code[0] == "pricing" and code[1] == "Pricing rules for the shop"
    assert "apply discount" in code[2] and "tax table" in code[2].lower()
    assert "Background" not in views["pricing.py"]
    assert "How prices are shown" in views["guide.md"] and "Rounding" in views["guide.md"]
    # An index whose views were written another way rebuilds them all on the next run, once
    # (a view whose text did not change keeps its cached vector).
    from walkrag.retrieval.fileviews import VIEW_VERSION

    idx.store.set_meta("file_views", "0")
    idx, stats = build(tmp_path)
    assert "file_views" in stats.timings and idx.store.get_meta("file_views") == VIEW_VERSION
    _, again = build(tmp_path)
    assert "file_views" not in again.timings


def test_a_new_chunker_version_rechunks_unchanged_files_once(tmp_path):
    (tmp_path / "settings.py").write_text("TIMEOUT = 30\n\n\ndef load():\n    return TIMEOUT\n")
    idx, _ = build(tmp_path)
    assert [r[0] for r in idx.store.db.execute("SELECT name FROM definitions WHERE kind='constant'")] == ["TIMEOUT"]
    # An index written by an older chunker (no constants) is brought up to date on its next run.
    with idx.store.transaction():
        idx.store.db.execute("DELETE FROM definitions WHERE kind='constant'")
    idx.store.set_meta("chunker", "1")
    idx, stats = build(tmp_path)
    assert stats.unchanged == 0
    assert [r[0] for r in idx.store.db.execute("SELECT name FROM definitions WHERE kind='constant'")] == ["TIMEOUT"]
    _, again = build(tmp_path)
    assert again.unchanged == 1
