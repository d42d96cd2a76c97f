"""Code chunking: definitions per language, splitting, merging, and the span invariants."""

from __future__ import annotations

import textwrap

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from walkrag.chunking.code import BUDGET_TOKENS, chunk_code, supports
from walkrag.records import Chunk

REQUIRED = [
    "python",
    "javascript",
    "typescript",
    "tsx",
    "go",
    "rust",
    "java",
    "kotlin",
    "scala",
    "c",
    "cpp",
    "csharp",
    "ruby",
    "php",
    "swift",
    "elixir",
    "haskell",
    "lua",
    "zig",
    "bash",
]


def src(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def check_invariants(text: str, chunks: list[Chunk]) -> None:
    lines = text.split("\n")
    covered: set[int] = set()
    prev_end = 0
    for c in chunks:
        assert 1 <= c.start_line <= c.end_line <= len(lines)
        assert c.start_line > prev_end, "chunks overlap or are out of order"
        assert c.text == "\n".join(lines[c.start_line - 1 : c.end_line])
        assert c.text.strip()
        prev_end = c.end_line
        covered.update(range(c.start_line, c.end_line + 1))
    missing = [i for i, line in enumerate(lines, 1) if line.strip() and i not in covered]
    assert not missing, f"uncovered non-blank lines {missing[:10]}"


def defs_of(path: str, text: str, language: str) -> dict[str, str]:
    chunks, defs = chunk_code(path, text, language)
    check_invariants(text, chunks)
    return {d.qualified_name: d.kind for d in defs}


def test_supports_required_languages() -> None:
    assert all(supports(lang) for lang in REQUIRED)
    assert not supports("cobol")


# -- definitions per language ---------------------------------------------------------

SNIPPETS: dict[str, tuple[str, dict[str, str]]] = {
    "python": (
        """
        import os

        @dataclass
        class Point(Base):
            \"\"\"A point.\"\"\"
            x: int = 0

            @property
            def norm(self) -> float:
                return abs(self.x)

        async def main(argv):
            def inner():
                pass
        """,
        {"Point": "class", "Point.norm": "method", "main": "function", "main.inner": "function"},
    ),
    "javascript": (
        """
        /** Adds two numbers. */
        function add(a, b) { return a + b; }
        const mul = (a, b) => a * b;
        export class Foo extends Bar {
          constructor() { super(); }
          static make() { return new Foo(); }
        }
        module.exports.handler = function handle(req) { return req; };
        """,
        {
            "add": "function",
            "mul": "function",
            "Foo": "class",
            "Foo.constructor": "method",
            "Foo.make": "method",
            "module.exports.handler": "function",
        },
    ),
    "typescript": (
        """
        interface Point { x: number; y: number }
        type Id = string | number;
        enum Color { Red, Green }
        export abstract class Shape implements Point {
          x = 0; y = 0;
          move(dx: number): void { this.x += dx; }
        }
        export function id<T>(a: T): T { return a; }
        namespace NS { export const a = 1; }
        """,
        {
            "Point": "interface",
            "Id": "type",
            "Color": "enum",
            "Shape": "class",
            "Shape.move": "method",
            "id": "function",
            "NS": "namespace",
        },
    ),
    "tsx": (
        """
        export const App = (props: Props) => {
          return <div>{props.name}</div>;
        };
        """,
        {"App": "function"},
    ),
    "go": (
        """
        package main

        // Server serves.
        type Server struct {
        \tAddr string
        }

        type Handler interface { Serve() }

        // Start starts the server.
        func (s *Server) Start(port int) error {
        \treturn nil
        }

        func main() {}
        """,
        {"Server": "struct", "Handler": "interface", "Server.Start": "method", "main": "function"},
    ),
    "rust": (
        """
        /// A point.
        #[derive(Debug)]
        pub struct Point { x: i32 }

        impl Point {
            /// Make one.
            pub fn new(x: i32) -> Self { Point { x } }
        }

        impl fmt::Display for Point {
            fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result { Ok(()) }
        }

        pub trait Shape { fn area(&self) -> f64; }
        pub enum E { A, B }
        mod inner { fn helper() {} }
        mod declared_elsewhere;
        """,
        {
            "Point": "impl",
            "Point.new": "method",
            "Point.fmt": "method",
            "Shape": "trait",
            "Shape.area": "method",
            "E": "enum",
            "inner": "module",
            "inner.helper": "function",
        },
    ),
    "java": (
        """
        package a.b;
        /** Doc. */
        @Deprecated
        public class Foo<T> extends Bar {
            private int x;
            public Foo() {}
            @Override
            public String toString() { return ""; }
            interface Inner { void q(); }
            enum Mode { A }
        }
        """,
        {
            "Foo": "class",
            "Foo.Foo": "method",
            "Foo.toString": "method",
            "Foo.Inner": "interface",
            "Foo.Inner.q": "method",
            "Foo.Mode": "enum",
        },
    ),
    "kotlin": (
        """
        class Foo(val x: Int) : Bar() {
            fun run(a: Int): Int { return a }
            companion object { fun make() = Foo(1) }
        }
        object Single { fun go() {} }
        enum class Color { RED }
        fun top(x: Int) = x + 1
        """,
        {
            "Foo": "class",
            "Foo.run": "method",
            "Foo.Companion": "object",
            "Foo.Companion.make": "method",
            "Single": "object",
            "Color": "enum",
            "top": "function",
        },
    ),
    "scala": (
        """
        class Foo(x: Int) extends Bar {
          def run(a: Int): Int = a
        }
        object Foo { def apply(): Foo = new Foo(1) }
        trait T { def t(): Unit }
        """,
        {"Foo": "object", "Foo.run": "method", "Foo.apply": "method", "T": "trait", "T.t": "method"},
    ),
    "c": (
        """
        #include <stdio.h>
        struct point { int x; int y; };
        typedef struct { int a; } pair_t;
        /* Adds two ints. */
        static int add(int a, int b) { return a + b; }
        int declared(int);
        """,
        {"point": "struct", "pair_t": "struct", "add": "function"},
    ),
    "cpp": (
        """
        namespace ns {
        class Foo : public Bar {
         public:
          int get() const { return x_; }
         private:
          int x_;
        };
        int Foo::other(int y) { return y; }
        template <typename T> T id(T t) { return t; }
        }
        """,
        {
            "ns": "namespace",
            "ns.Foo": "class",
            "ns.Foo.get": "method",
            "ns.Foo.other": "method",
            "ns.id": "function",
        },
    ),
    "csharp": (
        """
        namespace App {
          /// <summary>Doc</summary>
          public class Foo : IBar {
            public Foo() {}
            public void Run(int a) { }
          }
          interface IBar { void Run(int a); }
          struct P { }
        }
        """,
        {
            "App": "namespace",
            "App.Foo": "class",
            "App.Foo.Foo": "method",
            "App.Foo.Run": "method",
            "App.IBar": "interface",
            "App.P": "struct",
        },
    ),
    "ruby": (
        """
        # A module.
        module Foo
          class Bar < Base
            def initialize(x)
              @x = x
            end
            def self.make
              new(1)
            end
          end
        end
        def top; end
        """,
        {
            "Foo": "module",
            "Foo.Bar": "class",
            "Foo.Bar.initialize": "method",
            "Foo.Bar.make": "method",
            "top": "function",
        },
    ),
    "php": (
        """
        <?php
        namespace App;
        /** Doc */
        class Foo extends Bar implements Baz {
            public function run($a) { return $a; }
        }
        interface Baz { public function run($a); }
        trait T { function t() {} }
        function helper($x) { return $x; }
        """,
        {
            "Foo": "class",
            "Foo.run": "method",
            "Baz": "interface",
            "T": "trait",
            "T.t": "method",
            "helper": "function",
        },
    ),
    "swift": (
        """
        class Foo: Bar {
            init(x: Int) { self.x = x }
            func run(a: Int) -> Int { return a }
        }
        struct P { func q() {} }
        protocol Proto { func p() }
        extension Foo: Proto { func p() {} }
        func top() {}
        """,
        {
            "Foo": "extension",
            "Foo.init": "method",
            "Foo.run": "method",
            "P": "struct",
            "P.q": "method",
            "Proto": "protocol",
            "Foo.p": "method",
            "top": "function",
        },
    ),
    "elixir": (
        """
        defmodule Foo.Bar do
          @moduledoc "Bars."

          @doc "Run."
          def run(0), do: :zero
          def run(n) do
            n + 1
          end

          defp helper(x), do: x
        end
        """,
        {"Foo.Bar": "module", "Foo.Bar.run": "function", "Foo.Bar.helper": "function"},
    ),
    "haskell": (
        """
        module Main where

        data Shape = Circle Double | Square Double

        class Pretty a where
          pretty :: a -> String

        instance Pretty Shape where
          pretty _ = "s"

        area :: Shape -> Double
        area (Circle r) = pi * r * r
        area (Square s) = s * s
        """,
        {
            "Shape": "data",
            "Pretty": "class",
            "Pretty.pretty": "signature",
            "Pretty Shape": "instance",
            "area": "function",
        },
    ),
    "lua": (
        """
        local M = {}
        -- Adds.
        function M.add(a, b) return a + b end
        function M:method(x) return x end
        local function helper(x) return x end
        return M
        """,
        {"M.add": "function", "M.method": "method", "helper": "function"},
    ),
    "zig": (
        """
        const std = @import("std");
        /// A point.
        pub const Point = struct {
            x: i32,
            pub fn init(x: i32) Point { return .{ .x = x }; }
        };
        fn add(a: i32, b: i32) i32 { return a + b; }
        """,
        {"Point": "struct", "Point.init": "method", "add": "function"},
    ),
    "bash": (
        """
        #!/bin/bash
        set -e
        # Says hi.
        greet() {
          echo hi
        }
        function bye {
          echo bye
        }
        greet
        """,
        {"greet": "function", "bye": "function"},
    ),
}


@pytest.mark.parametrize("language", sorted(SNIPPETS))
def test_definitions_per_language(language: str) -> None:
    text, expected = SNIPPETS[language]
    found = defs_of(f"example.{language}", src(text), language)
    for qname, kind in expected.items():
        assert qname in found, f"{qname} missing from {sorted(found)}"
        if qname == "Foo" and language in {"scala", "swift"}:
            continue  # two definitions share the name; the last one wins in the dict
        assert found[qname] == kind, (qname, found[qname], kind)


def test_python_definition_details() -> None:
    text = src(SNIPPETS["python"][0])
    _, defs = chunk_code("geo.py", text, "python")
    by_name = {d.qualified_name: d for d in defs}
    point, norm = by_name["Point"], by_name["Point.norm"]
    assert (point.start_line, point.end_line) == (3, 10)  # decorator included
    assert point.signature == "class Point(Base)"
    assert point.docstring == "A point."
    assert (norm.start_line, norm.end_line) == (8, 10)
    assert norm.signature == "def norm(self) -> float"
    assert norm.language == "python" and norm.path == "geo.py"


def test_leading_docs_belong_to_definition() -> None:
    _, defs = chunk_code("a.go", src(SNIPPETS["go"][0]), "go")
    start = next(d for d in defs if d.qualified_name == "Server.Start")
    assert start.docstring == "Start starts the server."
    assert start.signature == "func (s *Server) Start(port int) error"
    _, defs = chunk_code("a.rs", src(SNIPPETS["rust"][0]), "rust")
    assert next(d for d in defs if d.name == "Point" and d.kind == "struct").docstring == "A point."
    _, defs = chunk_code("a.js", src(SNIPPETS["javascript"][0]), "javascript")
    assert next(d for d in defs if d.name == "add").docstring == "Adds two numbers."
    _, defs = chunk_code("a.ex", src(SNIPPETS["elixir"][0]), "elixir")
    by_name = {d.qualified_name: d for d in defs}
    assert by_name["Foo.Bar"].docstring == "Bars."
    assert by_name["Foo.Bar.run"].docstring == "Run."
    assert (by_name["Foo.Bar.run"].start_line, by_name["Foo.Bar.run"].end_line) == (5, 8)


# -- splitting and merging ---------------------------------------------------------------


def _method(name: str, statements: int = 12) -> str:
    body = "\n".join(
        f"        value_{i} = self.compute_something({i}, other_argument={name!r})" for i in range(statements)
    )
    return f'    def {name}(self, request):\n        """Do {name}."""\n{body}\n        return value_0\n'


def test_big_class_splits_into_head_and_methods() -> None:
    head = 'class CsrfViewMiddleware(MiddlewareMixin):\n    """Check tokens."""\n\n    limit = 10\n    name = "csrf"\n\n'
    text = "import os\n\n\n" + head + "\n".join(_method(n) for n in ["_accept", "_check_token", "process"])
    chunks, defs = chunk_code("django/middleware/csrf.py", text, "python")
    check_invariants(text, chunks)
    assert [c.kind for c in chunks] == ["module", "class", "method", "method", "method"]
    head_chunk = chunks[1]
    assert head_chunk.symbol == "CsrfViewMiddleware"
    assert head_chunk.text.startswith("class CsrfViewMiddleware") and "name = " in head_chunk.text
    assert "def " not in head_chunk.text
    check = chunks[3]
    assert check.symbol == "CsrfViewMiddleware._check_token"
    assert check.header == "django/middleware/csrf.py > CsrfViewMiddleware > _check_token(self, request)"
    assert check.signature == "def _check_token(self, request)"
    assert check.docstring == "Do _check_token."
    assert check.text.startswith("    def _check_token")
    assert {d.qualified_name for d in defs} >= {"CsrfViewMiddleware", "CsrfViewMiddleware.process"}


def test_big_function_splits_at_statements() -> None:
    stmts = "\n".join(
        f"    total += compute_a_fairly_long_expression(item_{i}, factor={i})  # step {i}" for i in range(80)
    )
    text = f"def long_function(items):\n    total = 0\n{stmts}\n    return total\n"
    chunks, _ = chunk_code("big.py", text, "python")
    check_invariants(text, chunks)
    assert len(chunks) > 2
    assert chunks[0].start_line == 1 and chunks[-1].end_line == len(text.split("\n")) - 1
    for c in chunks:
        assert c.symbol == "long_function" and c.kind == "function"
        assert len(c.text) / 4 <= BUDGET_TOKENS + 40
        assert c.text.startswith(("def ", "    total"))  # cuts fall between statements


def test_huge_statement_falls_back_to_windows() -> None:
    items = "\n".join(f"    'key_{i}': 'a value that takes up some room {i}'," for i in range(300))
    text = f"TABLE = {{\n{items}\n}}\n"
    chunks, _ = chunk_code("table.py", text, "python")
    check_invariants(text, chunks)
    assert len(chunks) > 3 and all(c.kind == "module" for c in chunks)


def test_tiny_functions_merge_and_module_code_is_kept() -> None:
    text = src("""
        import os
        import sys

        LIMIT = 10


        def a(): return 1


        def b(): return 2


        def c(): return 3
        """)
    chunks, defs = chunk_code("small.py", text, "python")
    check_invariants(text, chunks)
    assert len(chunks) == 1
    assert chunks[0].kind == "function" and chunks[0].symbol == "a"
    assert chunks[0].header == "small.py > a, b, c"
    # A module-level constant is a definition a question can name, not a chunk boundary.
    assert [(d.name, d.kind) for d in defs] == [("LIMIT", "constant"), ("a", "function"), ("b", "function"), ("c", "function")]


def _function(name: str, statements: int) -> str:
    body = "\n".join(
        f"    step_{i} = transform(step_{max(i - 1, 0)}, option_{i}=True, label={name!r})"
        for i in range(statements)
    )
    return f"def {name}(data):\n{body}\n    return data\n"


def test_module_code_between_big_definitions_is_kept() -> None:
    between = "registry = {}\nregistry['first'] = first\nsettings.configure(debug=True, name='long')\n"
    text = (
        "import os\nimport sys\n\n\n"
        + _function("first", 20)
        + "\n\n"
        + between
        + "\n\n"
        + _function("second", 20)
    )
    chunks, _ = chunk_code("mod.py", text, "python")
    check_invariants(text, chunks)
    assert [(c.kind, c.symbol) for c in chunks] == [
        ("module", None),
        ("function", "first"),
        ("module", None),
        ("function", "second"),
    ]
    assert chunks[0].text == "import os\nimport sys"
    assert chunks[2].text == between.rstrip("\n") and chunks[2].header == "mod.py"


def test_syntax_errors_and_unknown_languages_still_cover() -> None:
    broken = "def broken(:\n    return ((\nclass X\n    pass\n\n}}} garbage here\n"
    chunks, _ = chunk_code("broken.py", broken, "python")
    check_invariants(broken, chunks)
    chunks, defs = chunk_code("x.cob", "IDENTIFICATION DIVISION.\nPROGRAM-ID. HELLO.\n", "cobol")
    check_invariants("IDENTIFICATION DIVISION.\nPROGRAM-ID. HELLO.\n", chunks)
    assert defs == []


def test_long_lines_and_empty_files() -> None:
    text = "var x = [" + ",".join(str(i) for i in range(8000)) + "];\nfunction f() {}\n"
    chunks, _ = chunk_code("min.js", text, "javascript")
    check_invariants(text, chunks)
    assert chunk_code("empty.py", "", "python") == ([], [])
    assert chunk_code("blank.py", "\n\n  \n", "python") == ([], [])


def test_non_ascii_lines_use_line_numbers_not_bytes() -> None:
    text = 'GREETING = "héllo wörld ✓"\n\n\ndef ünïcode(x):\n    return "日本語"\n'
    chunks, defs = chunk_code("u.py", text, "python")
    check_invariants(text, chunks)
    const, d = defs
    assert (const.name, const.kind, const.start_line, const.signature) == ("GREETING", "constant", 1, text.split("\n")[0])
    assert (d.name, d.start_line, d.end_line) == ("ünïcode", 4, 5)
    assert d.signature == "def ünïcode(x)"


@pytest.mark.parametrize("language", sorted(SNIPPETS))
def test_rechunking_is_deterministic(language: str) -> None:
    text = src(SNIPPETS[language][0])
    assert chunk_code("f", text, language) == chunk_code("f", text, language)


# -- properties --------------------------------------------------------------------------

_PIECES = [
    "import os",
    "from a import (b,\n    c)",
    "X = 1",
    "",
    "",
    "# comment",
    "@decorator",
    "def f(a, b=2):\n    return a + b",
    "async def g():\n    await h()",
    'class C(Base):\n    """Doc."""\n    y = 2\n    def m(self):\n        pass',
    "if x:\n    def inner():\n        pass\nelse:\n    y = [\n        1,\n        2,\n    ]",
    "    indented = 'oops'",
    "for i in range(3):\n    print(i)",
    "try:\n    a()\nexcept E:\n    b()",
    "def big():\n" + "\n".join(f"    v{i} = call_something_long(argument_{i}, other={i})" for i in range(30)),
    "s = '''multi\nline\n\nstring'''",
    "def broken(:",
    ")",
    "\t\tx = {",
]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(_PIECES), max_size=30))
def test_python_like_text_is_covered(pieces: list[str]) -> None:
    text = "\n".join(pieces)
    chunks, defs = chunk_code("gen.py", text, "python")
    check_invariants(text, chunks)
    assert chunk_code("gen.py", text, "python") == (chunks, defs)
    n = len(text.split("\n"))
    for d in defs:
        assert 1 <= d.start_line <= d.end_line <= n


@settings(max_examples=150, deadline=None)
@given(
    st.text(alphabet=st.characters(codec="utf-8"), max_size=400),
    st.sampled_from(["python", "javascript", "go", "rust", "c", "ruby", "elixir", "haskell"]),
)
def test_arbitrary_text_is_covered(text: str, language: str) -> None:
    chunks, _ = chunk_code("any", text, language)
    check_invariants(text, chunks)
    assert chunk_code("any", text, language)[0] == chunks


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "{",
                "}",
                "function f() {",
                "class A {",
                "m() {",
                "x = 1;",
                "/** doc */",
                "// c",
                "",
                "const g = () => {",
                "};",
                "return 1;",
            ]
        ),
        max_size=40,
    )
)
def test_brace_language_fragments_are_covered(lines: list[str]) -> None:
    text = "\n".join(lines)
    for language in ("javascript", "typescript", "java", "cpp"):
        chunks, _ = chunk_code("x", text, language)
        check_invariants(text, chunks)


@pytest.mark.parametrize(
    ("language", "text", "names"),
    [
        ("python", "DEBUG = False\nlimit = 3\nA, B = 1, 2\n\ndef f():\n    INNER = 1\n", ["DEBUG"]),
        ("typescript", "export const MAX_SIZE = 10;\nconst opts = {};\nexport const RUN = () => 1;\n", ["MAX_SIZE"]),
        ("go", "package x\n\nconst (\n\tStatusOK = 200\n\tStatusNotFound = 404\n)\n", ["StatusOK", "StatusNotFound"]),
        ("rust", "pub const DEFAULT_PORT: u16 = 80;\nstatic GLOBAL: i32 = 1;\n", ["DEFAULT_PORT", "GLOBAL"]),
        ("c", "#ifndef UV_H\n#define UV_H\n#define UV_VERSION_MAJOR 1\n#endif\n", ["UV_VERSION_MAJOR"]),
        ("cpp", 'extern "C" {\n#define API_LEVEL 3\n}\nint f();\n', ["API_LEVEL"]),
    ],
)
def test_top_level_constants_are_definitions_not_boundaries(language: str, text: str, names: list[str]) -> None:
    chunks, defs = chunk_code("f", text, language)
    check_invariants(text, chunks)
    assert [d.name for d in defs if d.kind == "constant"] == names


@pytest.mark.parametrize(
    ("language", "text", "qualified"),
    [
        (
            "java",
            "package x;\npublic class Config {\n  public static final int MAX_SIZE = 10;\n"
            "  private static final String TAG = \"t\", OTHER = \"o\";\n  private int count = 0;\n"
            "  static String name = \"n\";\n  interface Limits { int LIMIT = 3; }\n"
            "  void run() { final int local = 1; }\n}\n",
            ["Config.MAX_SIZE", "Config.TAG", "Config.OTHER", "Config.Limits.LIMIT"],
        ),
        (
            "kotlin",
            "package x\nconst val TOP_LIMIT = 5\nclass Foo {\n  companion object {\n    const val MAX_SIZE = 10\n"
            "    val OTHER = 3\n  }\n}\nobject Keys { const val API_KEY = \"k\" }\n",
            ["TOP_LIMIT", "Foo.MAX_SIZE", "Keys.API_KEY"],
        ),
        (
            "csharp",
            "namespace X {\n public class Foo {\n  public const int MaxSize = 10;\n"
            "  public static readonly string DefaultName = \"a\";\n  public static string Mutable = \"m\";\n"
            "  private int count;\n }\n}\n",
            ["Foo.MaxSize", "Foo.DefaultName"],
        ),
    ],
)
def test_class_constants_are_definitions_with_their_owner(language: str, text: str, qualified: list[str]) -> None:
    chunks, defs = chunk_code("f", text, language)
    check_invariants(text, chunks)
    constants = [d for d in defs if d.kind == "constant"]
    assert [d.qualified_name for d in constants] == qualified
    assert all(d.name == d.qualified_name.rsplit(".", 1)[-1] for d in constants)
    assert all(d.signature.split("=")[0].strip().endswith(d.name) or d.name in d.signature for d in constants)
