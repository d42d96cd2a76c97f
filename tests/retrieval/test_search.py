"""Ranking behaviour on small real corpora."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import walkrag
from walkrag.retrieval.query import analyze
from walkrag.retrieval.search import SearchOptions
from walkrag.retrieval.tokenize import code_tokens, is_identifier_like, query_tokens

PAGINATION = '''"""Splitting result lists into pages."""


class Paginator:
    """Split a sequence of objects into pages of a fixed size."""

    def __init__(self, object_list, per_page):
        self.object_list = object_list
        self.per_page = per_page

    def page_count(self):
        """How many pages the objects fill."""
        return -(-len(self.object_list) // self.per_page)


def get_object_or_404(queryset, **lookup):
    """Return the object matching the lookup, or raise Http404 when there is none."""
    obj = queryset.filter(**lookup).first()
    if obj is None:
        raise Http404("no match")
    return obj
'''

CSRF = '''class CsrfViewMiddleware:
    """Reject unsafe requests whose CSRF token is missing or wrong."""

    def _check_token(self, request):
        token = request.headers.get("X-CSRFToken")
        if token != request.session.get("csrf"):
            raise PermissionDenied("CSRF token mismatch")

    def process_view(self, request, view):
        if request.method not in ("GET", "HEAD"):
            self._check_token(request)
'''

MENTIONS = '''# Release notes

We talked a lot about pages and paginators this year. Pages of objects were split,
and the paginator got faster. Pages, pages, pages: the word appears a lot here,
but nothing in this file implements splitting objects into pages.
'''


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    root = tmp_path_factory.mktemp("proj")
    (root / "core").mkdir()
    (root / "core" / "pagination.py").write_text(PAGINATION)
    (root / "core" / "csrf.py").write_text(CSRF)
    (root / "NOTES.md").write_text(MENTIONS)
    (root / "core" / "views.py").write_text(
        "from core.pagination import get_object_or_404\n\n\ndef show_article(request, slug):\n"
        "    article = get_object_or_404(ARTICLES, slug=slug)\n    return render(request, article)\n"
    )
    for i in range(5):
        (root / "core" / f"util{i}.py").write_text(f"def helper_{i}(value):\n    return value + {i}\n")
    idx = walkrag.open(root)
    idx.update()
    return idx


def test_code_tokens_split_identifiers():
    assert code_tokens("getUserName") == ["get", "user", "name", "getusername"]
    assert code_tokens("HTTPServer_port") == ["http", "server", "port", "httpserverport"]
    assert query_tokens("how does the Paginator split pages") == ["paginator", "split", "pages"]


def test_query_analysis_tells_identifiers_from_questions():
    assert is_identifier_like("get_object_or_404") and is_identifier_like("csrf.CsrfViewMiddleware")
    assert not is_identifier_like("how are pages computed")
    assert analyze("Paginator").kind == "identifier"
    mixed = analyze("why does _check_token raise PermissionDenied")
    assert mixed.kind == "mixed" and "_check_token" in mixed.identifiers
    assert analyze("how are pages computed").kind == "natural"


def test_identifier_query_finds_the_definition_first(index):
    top = index.search("get_object_or_404", k=3)[0]
    assert (top.path, top.symbol) == ("core/pagination.py", "get_object_or_404")
    assert "definition" in top.why and "lexical" in top.why


@pytest.mark.parametrize("typo", ["get_objct_or_404", "Paginater", "check_token"])
def test_typos_and_partials_find_the_symbol(index, typo):
    hits = index.search(typo, k=3)
    assert any(h.why.get("symbol") for h in hits[:2]), [h.why for h in hits]
    wanted = {"get_objct_or_404": "def get_object_or_404", "Paginater": "class Paginator", "check_token": "def _check_token"}
    assert any(wanted[typo] in h.text for h in hits[:2])


def test_natural_language_finds_the_implementation_over_a_mention(index):
    hits = index.search("split a sequence of objects into pages", k=5)
    assert hits[0].path == "core/pagination.py"
    files = [h.path for h in hits]
    assert files.index("core/pagination.py") < files.index("NOTES.md") if "NOTES.md" in files else True


def test_every_hit_says_why_and_cites_exact_lines(index):
    for h in index.search("csrf token mismatch", k=5):
        assert h.why and any(k in h.why for k in ("lexical", "dense", "symbol"))
        lines = (index.root / h.path).read_text().split("\n")
        assert h.text == "\n".join(lines[h.start_line - 1 : h.end_line])


def test_ties_are_ordered_stably(index):
    first = [(h.path, h.start_line) for h in index.search("helper value", k=10)]
    for _ in range(3):
        assert [(h.path, h.start_line) for h in index.search("helper value", k=10)] == first


def test_retriever_subsets_and_graph_expansion(index):
    lexical = index.search("page count", k=5, options=SearchOptions(retrievers=("lexical",), rank=False))
    assert lexical and all(set(h.why) <= {"lexical", "merged"} for h in lexical)
    plain = index.search("show_article", k=20, options=SearchOptions(retrievers=("lexical",)))
    expanded = index.search("show_article", k=20, options=SearchOptions(retrievers=("lexical",), expand=True))
    assert "core/pagination.py" not in {h.path for h in plain}
    reached = [h for h in expanded if h.path == "core/pagination.py"]
    assert reached and reached[0].why["graph"]["edge"] == "callee"
    assert expanded[0].path == "core/views.py"  # a neighbour ranks below the hit that led to it


def test_batch_interface_format(index, tmp_path):
    queries = tmp_path / "q.jsonl"
    queries.write_text(json.dumps({"qid": "a", "query": "Paginator"}) + "\n" + json.dumps({"qid": 7, "query": "csrf"}) + "\n")
    out = tmp_path / "r.jsonl"
    subprocess.run(
        [sys.executable, "-m", "walkrag", "search", "--index-dir", str(index.index_dir), "--batch", str(queries),
         "--out", str(out)],
        check=True, cwd="/",
    )
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["qid"] for r in rows] == ["a", 7]
    for row in rows:
        assert row["results"], row
        for r in row["results"]:
            assert {"path", "start_line", "end_line", "score", "symbol", "why"} <= set(r)
            assert not Path(r["path"]).is_absolute()
        scores = [r["score"] for r in row["results"]]
        assert scores == sorted(scores, reverse=True)


def test_files_view_rolls_up_chunks(index):
    out = subprocess.run(
        [sys.executable, "-m", "walkrag", "search", "pages", "--files", "--json", "--index-dir", str(index.index_dir)],
        check=True, capture_output=True, text=True,
    )
    files = json.loads(out.stdout)
    paths = [f["path"] for f in files]
    assert len(paths) == len(set(paths)) and "core/pagination.py" in paths
    assert all(f["chunks"] for f in files)


def test_one_file_does_not_crowd_out_the_others(tmp_path):
    # One file holds many matching functions (a chunk each); two small files hold one each.
    body = "\n".join(f"    step_{j} = token.strip() + str({j})" for j in range(25))
    (tmp_path / "tokens.py").write_text(
        "\n\n".join(f"def check_token_{i}(token):\n    '''Validate token variant {i}.'''\n{body}\n    return token\n" for i in range(12))
    )
    (tmp_path / "auth.py").write_text("def validate_token(token):\n    '''Validate an auth token.'''\n    return bool(token)\n")
    (tmp_path / "session.py").write_text("def refresh_token(token):\n    '''Validate and refresh a session token.'''\n    return token\n")
    idx = walkrag.open(tmp_path)
    idx.update()
    hits = idx.search("validate token", k=8)
    paths = [h.path for h in hits]
    assert {"auth.py", "session.py"} <= set(paths[:4]), paths
    crowded = [h for h in hits if "crowded" in h.why]
    assert crowded and all(h.path == "tokens.py" for h in crowded)
    assert paths.index("session.py") < paths.index(crowded[0].path, 3)
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True)


def test_superseded_version_folders_are_found():
    from walkrag.retrieval.priors import superseded_dirs

    paths = ["pkg/fields.py", "pkg/main.py", "pkg/types.py", "pkg/v1/fields.py", "pkg/v1/main.py", "pkg/v1/old.py",
             "src/v3/types.ts", "src/v4/core/schemas.ts", "api/v2/views.py", "api/urls.py"]
    assert superseded_dirs(paths) == {"pkg/v1": "v1", "src/v3": "v3"}
    # A lone version folder that copies nothing is current code.
    assert superseded_dirs(["api/v2/views.py", "api/urls.py"]) == {}


def test_an_older_copy_yields_to_the_current_code_unless_asked_for(tmp_path):
    field = (
        "class Field:\n    '''Declare a model field with a default value and constraints.'''\n\n"
        "    def __init__(self, default=None, *, gt=None, lt=None):\n        self.default = default\n"
        "        self.constraints = {{'gt': gt, 'lt': lt}}\n\n    def describe(self):\n        return '{}'\n"
    )
    for folder in ("pkg", "pkg/v1"):
        (tmp_path / folder).mkdir(parents=True, exist_ok=True)
        (tmp_path / folder / "fields.py").write_text(field.format(folder))
        (tmp_path / folder / "main.py").write_text("class Model:\n    '''Base model.'''\n")
    idx = walkrag.open(tmp_path)
    idx.update()
    hits = idx.search("declare a model field with constraints", k=4)
    assert hits[0].path == "pkg/fields.py", [h.path for h in hits]
    old = next(h for h in hits if h.path == "pkg/v1/fields.py")
    assert "superseded" in old.why
    assert idx.search("v1 model field constraints", k=4)[0].path == "pkg/v1/fields.py"


def test_file_priors_name_tests_copies_and_glue(tmp_path):
    from walkrag.retrieval.priors import FilePriors, is_secondary_path

    for path in ("src/FooTest.java", "Tests/BarTests.cs", "spec/models/user_spec.rb", "pkg/test_api.py", "a/b.test.ts",
                 "core/jvmTest/src/Flow.kt", "_examples/rest/main.go", "docs_src/app.py", "pkg/testdata/in.json",
                 "src/__mocks__/fs.js"):
        assert is_secondary_path(path), path
    for path in ("src/Contest.java", "src/latest.py", "pkg/attestation.py", "src/main/kotlin/Flow.kt"):
        assert not is_secondary_path(path), path
    from walkrag.retrieval.priors import superseded_dirs

    assert superseded_dirs(["single_include/json.hpp", "include/json.hpp"]) == {"single_include": "single_include"}
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "core.py").write_text("def parse(text):\n    '''Parse the text into tokens.'''\n    return text.split()\n")
    (tmp_path / "pkg" / "api.py").write_text("from pkg.core import parse\n\n__all__ = ['parse']\n")
    (tmp_path / "pkg" / "legacy").mkdir()
    (tmp_path / "pkg" / "legacy" / "parse_old.py").write_text("def parse(text):\n    '''Parse the text into tokens.'''\n    return text.split(' ')\n")
    idx = walkrag.open(tmp_path)
    idx.update()
    priors = FilePriors.from_store(idx.store)
    assert priors.glue == {"pkg/api.py"}
    assert priors.superseded == {"pkg/legacy": "legacy"}
    natural = analyze("parse text into tokens")
    assert priors.factors("pkg/core.py", natural) == {}
    assert set(priors.factors("pkg/legacy/parse_old.py", natural)) == {"superseded"}
    assert priors.factors("pkg/legacy/parse_old.py", analyze("legacy parse")) == {}
    docs = FilePriors(["docs/testing/tools.md", "tests/test_tools.py"], prose={"docs/testing/tools.md"})
    assert docs.factors("docs/testing/tools.md", natural) == {}
    assert set(docs.factors("tests/test_tools.py", natural)) == {"secondary_path"}
    notes = FilePriors(["CHANGELOG.md", "docs/releases/2.0.txt", "src/changes.py"],
                       prose={"CHANGELOG.md", "docs/releases/2.0.txt"})
    assert set(notes.factors("CHANGELOG.md", natural)) == {"history"}
    assert set(notes.factors("docs/releases/2.0.txt", natural)) == {"history"}
    assert notes.factors("src/changes.py", natural) == {}  # code named "changes" is code
    assert notes.factors("docs/releases/2.0.txt", analyze("what changed in parse in 2.0")) == {}
    hidden = FilePriors([".agents/skills/api/SKILL.md", ".github/workflows/ci.yml", "src/api.py"])
    assert set(hidden.factors(".agents/skills/api/SKILL.md", natural)) == {"hidden_folder"}
    assert hidden.factors(".github/workflows/ci.yml", analyze("github workflow for tests on push")) == {}
    assert hidden.factors(".agents/skills/api/SKILL.md", analyze("the agent skill for the api")) == {}  # up to kin
    assert hidden.factors("src/api.py", natural) == {}
    from walkrag.retrieval.priors import stub_files

    assert stub_files(["pkg/core.py", "pkg/core.pyi", "lib/index.js", "lib/index.d.ts", "types/only.d.ts"]) == {
        "pkg/core.pyi", "lib/index.d.ts"}
    hits = idx.search("parse text into tokens", k=3)
    assert hits[0].path == "pkg/core.py", [(h.path, h.why) for h in hits]


def test_a_question_word_meets_the_codebase_abbreviation(tmp_path):
    from walkrag.retrieval.abbrev import Abbreviations

    abbrev = Abbreviations({"config": 3, "impl": 2, "load": 5, "with": 9, "conf": 1})
    assert abbrev.expand(["configuration", "implementation", "loading", "without"]) == {
        "configuration": ["config", "conf"], "implementation": ["impl"],
    }
    assert abbrev.expand(["modelconfiguration", "model"]) == {}  # a joined identifier's parts speak for it
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "loader.py").write_text(
        "def read_cfg(path):\n    '''Read the project settings file.'''\n    return open(path).read()\n"
    )
    (tmp_path / "settings_docs.py").write_text(
        "def describe():\n    '''Describe how settings are documented for users.'''\n    return 'settings'\n"
    )
    (tmp_path / "config.py").write_text("DEFAULTS = {'debug': False}\n\n\ndef merge_config(user):\n    return {**DEFAULTS, **user}\n")
    idx = walkrag.open(tmp_path)
    idx.update()
    hit = idx.search("configuration defaults merging", k=1)[0]
    assert hit.path == "config.py", hit.why
    assert hit.why.get("path")


def test_path_words_meet_their_kin():
    from walkrag.retrieval.paths import PathIndex, light_stem

    assert len({light_stem(w) for w in ("parse", "parsed", "parser", "parsing")}) == 1
    assert light_stem("routes") == light_stem("routing") and light_stem("dependencies") == light_stem("dependency")
    assert light_stem("user") == "user" and light_stem("users") == "user"
    scores = PathIndex(["http/parser.py", "http/writer.py", "docs/index.md"]).search(["chunked", "encoding", "parsed"])
    assert max(scores, key=scores.get) == "http/parser.py"


def test_a_product_name_in_a_question_is_not_a_symbol(tmp_path):
    (tmp_path / "core.py").write_text(
        "class TRPCError(Exception):\n    pass\n\n\nclass TRPCRouter:\n    '''Routes calls.'''\n\n\ndef make_router():\n    return TRPCRouter()\n"
    )
    idx = walkrag.open(tmp_path)
    idx.update()
    from walkrag.retrieval.symbols import symbol_candidates

    assert symbol_candidates(idx.store, analyze("how is a tRPC router made")) == []
    assert symbol_candidates(idx.store, analyze("TRPCRout"))  # a bare name still finds partial matches
    assert symbol_candidates(idx.store, analyze("why does TRPCRouter route calls"))


@pytest.mark.parametrize(
    ("text", "glue"),
    [
        ("export * from './router';\nexport { initTRPC } from './initTRPC';\n", True),
        ("from .main import BaseModel\nfrom .fields import (\n    Field,\n    PrivateAttr,\n)\n\n__all__ = ['BaseModel', 'Field']\n", True),
        ("pub mod engine;\npub use engine::Engine;\n", True),
        ("const express = require('./express');\nmodule.exports = express;\n", True),
        ("#!/bin/sh\nset -e\nfor f in *.log; do\n  gzip \"$f\"\ndone\necho done\n", False),
        ("METH_GET = 'GET'\nMETH_POST = 'POST'\nMETH_PUT = 'PUT'\n", False),
        ("import os\n\nprint(os.getcwd())\nos.makedirs('out', exist_ok=True)\nrun()\n", False),
    ],
)
def test_glue_is_told_by_its_statements(text, glue):
    from walkrag.retrieval.priors import is_glue

    assert is_glue(text) is glue


def test_a_question_covers_a_name_up_to_word_kin():
    from walkrag.retrieval.paths import light_stem
    from walkrag.retrieval.ranking import definition_boost

    q = analyze("how is the chunked payload parsed")
    roots = frozenset(light_stem(t) for t in q.tokens)
    assert definition_boost("http.PayloadParser", q, roots) > 0  # payload, parser <- payload, parsed
    assert definition_boost("http.StreamWriter", q, roots) == 0


def test_a_lexical_index_of_another_schema_is_left_alone_by_search_and_rebuilt_by_indexing(tmp_path, caplog):
    (tmp_path / "calc.py").write_text("def add_numbers(a, b):\n    '''Add two numbers.'''\n    return a + b\n")
    idx = walkrag.open(tmp_path)
    idx.update()
    version = idx.index_dir / "lexical" / "walkrag-schema"
    version.write_text("0")
    before = sorted(p.name for p in (idx.index_dir / "lexical").iterdir())
    reader = walkrag.open(tmp_path)
    with caplog.at_level("WARNING", logger="walkrag.search"):
        hits = reader.search("add numbers", k=3)
    assert hits and hits[0].path == "calc.py" and "lexical" not in hits[0].why  # dense still answers
    assert "walkrag index" in caplog.text
    assert sorted(p.name for p in (idx.index_dir / "lexical").iterdir()) == before and version.read_text() == "0"
    stats = walkrag.open(tmp_path).update()
    assert stats.repaired
    fresh = walkrag.open(tmp_path).search("add numbers", k=3)
    assert "lexical" in fresh[0].why


def test_a_file_named_after_an_identifier_is_its_module(tmp_path):
    # createApplication mentions "application" in its name and body; application.js is the application.
    (tmp_path / "express.js").write_text(
        "/** Create an express application. */\nfunction createApplication() {\n"
        "  var app = function (req, res) { app.handle(req, res); };\n  mixin(app, application);\n"
        "  app.init(); // the application starts here\n  return app;\n}\nexports = module.exports = createApplication;\n"
    )
    (tmp_path / "application.js").write_text(
        "var app = exports = module.exports = {};\n\napp.init = function init() {\n  this.cache = {};\n"
        "  this.settings = {};\n};\n\napp.listen = function listen() {\n  var server = http.createServer(this);\n"
        "  return server.listen.apply(server, arguments);\n};\n"
    )
    (tmp_path / "distillation.py").write_text("def run(model):\n    return model\n")
    (tmp_path / "cli.py").write_text("def distill_command(model):\n    '''Distill a model from the command line.'''\n    return model\n")
    idx = walkrag.open(tmp_path)
    idx.update()
    top = idx.search("application", k=3)[0]
    assert top.path == "application.js" and top.why["module"] > 0, top.why
    # Up to word kin: distill names distillation.py.
    assert idx.search("distill", k=3)[0].path == "distillation.py"
    # A question is not an identifier query: no module boost.
    assert all("module" not in h.why for h in idx.search("how is the application started", k=5))
    (tmp_path / "listen.md").write_text("# Listen\n\nHow an application starts to listen on a port.\n")
    idx.update()
    assert all("module" not in h.why for h in idx.search("listen", k=5) if h.path == "listen.md")


def test_a_file_about_the_question_as_a_whole_lifts_its_chunks(tmp_path):
    # Each section of the guide covers one part of the question; no single chunk covers them all.
    sections = {
        "Expiry": "Sessions expire after an age in seconds; an expired session is cleared.",
        "Storage": "Session data is stored by a backend: database, cache or signed cookies.",
        "Rotation": "The session key rotates at login, so a fixed key cannot be reused.",
    }
    filler = "\n".join(f"Paragraph {i} about unrelated configuration of the template engine." for i in range(12))
    (tmp_path / "sessions.md").write_text(
        "# Sessions\n\n" + "\n\n".join(f"## {title}\n\n{body}\n\n{filler}" for title, body in sections.items())
    )
    (tmp_path / "notes.md").write_text("# Notes\n\nA session key expires; storage rotates at login.\n")
    (tmp_path / "other.md").write_text("# Other\n\n" + filler)
    idx = walkrag.open(tmp_path)
    idx.update()
    question = "session expiry, storage backend and key rotation at login"
    lexical = idx.searcher().lexical
    assert [p for p, _ in lexical.search_files(["session", "expiry", "storage", "backend", "rotation"], 3)][0] == "sessions.md"
    hits = idx.search(question, k=5)
    assert "file_lexical" in next(h for h in hits if h.path == "sessions.md").why
    off = SearchOptions(retrievers=("lexical", "dense", "symbol", "path", "file_dense"))
    assert all("file_lexical" not in h.why for h in idx.search(question, k=5, options=off))
    # One document per file, replaced on change and gone with the file.
    (tmp_path / "notes.md").write_text("# Notes\n\nNothing about it any more.\n")
    (tmp_path / "sessions.md").unlink()
    idx.update()
    found = [p for p, _ in idx.searcher().lexical.search_files(["session", "nothing"], 5)]
    assert found == ["notes.md"]
    # A file index that lost its documents: search goes on without lexical and leaves the folder
    # alone; the next run rebuilds it.
    shutil.rmtree(idx.index_dir / "lexical" / "files")
    assert walkrag.open(tmp_path).search(question, k=3) and not (idx.index_dir / "lexical" / "files").exists()
    stats = walkrag.open(tmp_path).update()
    assert stats.repaired and walkrag.open(tmp_path).searcher().lexical.num_files() == 2


def test_file_fusion_moves_files_as_wholes():
    from types import SimpleNamespace

    from walkrag.retrieval.ranking import fuse_files

    def hit(path, score, line):
        return SimpleNamespace(path=path, score=score, start_line=line, why={})

    ranked = [hit("a.md", 1.0, 1), hit("b.md", 0.9, 1), hit("c.md", 0.8, 1), hit("a.md", 0.5, 40)]
    out = fuse_files([SimpleNamespace(**vars(h)) for h in ranked], ["c.md", "b.md"], weight=0.3, k=10)
    # b: 1/12 + 0.3/12; c: 1/13 + 0.3/11; a: 1/11, and its second chunk half of that.
    assert [(h.path, h.start_line) for h in out] == [("b.md", 1), ("c.md", 1), ("a.md", 1), ("a.md", 40)]
    assert out[3].score == pytest.approx(out[2].score / 2)
    assert out[0].why["file_rank"] == {"ranking": 2, "whole_file_bm25": 2}
    assert out[2].why["file_rank"] == {"ranking": 1}
    # A held-back file (a test, an older copy) keeps its place in the whole-file list but gains nothing.
    held = fuse_files([SimpleNamespace(**vars(h)) for h in ranked], ["c.md", "b.md"], weight=0.3, k=10,
                      held_back={"c.md"})
    assert [h.path for h in held][:3] == ["b.md", "a.md", "c.md"] and held[2].why["file_rank"] == {"ranking": 3}
    # No weight (an identifier query): the ranking stands.
    same = fuse_files([SimpleNamespace(**vars(h)) for h in ranked], ["c.md"], weight=0.0)
    assert [h.path for h in same] == [h.path for h in ranked]


def test_identifier_queries_are_not_reordered_by_whole_files(index):
    assert all("file_rank" not in h.why for h in index.search("get_object_or_404", k=5))
    assert all("file_rank" in h.why for h in index.search("split a sequence of objects into pages", k=5))


def test_the_terminal_view_says_why_in_short(index):
    out = subprocess.run(
        [sys.executable, "-m", "walkrag", "search", "split a sequence of objects into pages", "-k", "3",
         "--index-dir", str(index.index_dir)],
        check=True, capture_output=True, text=True, env={**os.environ, "COLUMNS": "300"},
    ).stdout
    assert "lexical#" in out and "file_rank ranking#" in out
    assert "{" not in out.split("│")[0]  # no raw dicts in the why line


def test_a_name_inside_a_question_needs_no_table_of_every_name(tmp_path):
    import importlib

    lookup_module = importlib.import_module("walkrag.codegraph.lookup")

    (tmp_path / "views.py").write_text(
        "def get_object_or_404(queryset, **lookup):\n    '''Return the object or raise Http404.'''\n    return queryset\n"
    )
    idx = walkrag.open(tmp_path)
    idx.update()
    db_file = str((idx.index_dir / "index.db").resolve())
    lookup_module._CACHE.pop(db_file, None)
    hits = idx.search("where is get_object_or_404 defined", k=3)
    assert hits[0].path == "views.py" and "symbol" in hits[0].why
    assert db_file not in lookup_module._CACHE  # a question: looked up through the store's index
    idx.search("get_objct_or_404", k=3)  # an identifier: typos too, from the in-memory table
    assert db_file in lookup_module._CACHE


def test_the_store_keeps_the_vocabulary_as_files_come_and_go(tmp_path):
    from collections import Counter

    from walkrag.retrieval.abbrev import Abbreviations
    from walkrag.retrieval.tokenize import split_identifier

    def from_scratch(store) -> dict:
        counts: Counter = Counter()
        for (name,) in store.db.execute("SELECT name FROM definitions"):
            counts.update(split_identifier(name))
        for (path,) in store.db.execute("SELECT path FROM files"):
            for piece in path.rsplit(".", 1)[0].split("/"):
                counts.update(split_identifier(piece))
        return dict(counts)

    (tmp_path / "config_loader.py").write_text("def load_config(path):\n    return path\n\n\nclass ConfigError(Exception):\n    pass\n")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "configuration.md").write_text("# Configuration\n\n## Loading config files\n\nText.\n")
    idx = walkrag.open(tmp_path)
    idx.update()
    assert idx.store.vocabulary() == from_scratch(idx.store) and idx.store.vocabulary()["config"] >= 3
    (tmp_path / "config_loader.py").write_text("def read_settings(path):\n    return path\n")
    (tmp_path / "docs" / "configuration.md").unlink()
    idx.update()
    assert idx.store.vocabulary() == from_scratch(idx.store) and "error" not in idx.store.vocabulary()
    # An index from before the store kept it: abbreviations are counted from names, and the next run fills it.
    idx.store.db.execute("DELETE FROM vocabulary")
    idx.store.set_meta("vocabulary", "0")
    idx.store.db.commit()
    assert idx.store.vocabulary() is None
    assert Abbreviations.from_store(idx.store).counts == from_scratch(idx.store)
    idx.update()
    assert idx.store.vocabulary() == from_scratch(idx.store)
