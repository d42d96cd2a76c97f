"""File type detection: which extractor and which chunker a path goes to."""

from __future__ import annotations

from pathlib import PurePosixPath

# extension -> tree-sitter language name (as tree-sitter-language-pack spells it)
CODE_EXTENSIONS: dict[str, str] = {
    ".py": "python", ".pyi": "python", ".pyw": "python",
    ".js": "javascript", ".mjs": "javascript", ".cjs": "javascript", ".jsx": "javascript",
    ".ts": "typescript", ".mts": "typescript", ".cts": "typescript",
    ".tsx": "tsx",
    ".go": "go",
    ".rs": "rust",
    ".java": "java",
    ".kt": "kotlin", ".kts": "kotlin",
    ".scala": "scala", ".sc": "scala",
    ".c": "c", ".h": "c",
    ".cc": "cpp", ".cpp": "cpp", ".cxx": "cpp", ".hpp": "cpp", ".hh": "cpp", ".hxx": "cpp",
    ".cs": "csharp",
    ".rb": "ruby", ".rake": "ruby",
    ".php": "php",
    ".swift": "swift",
    ".ex": "elixir", ".exs": "elixir",
    ".hs": "haskell",
    ".lua": "lua",
    ".zig": "zig",
    ".sh": "bash", ".bash": "bash", ".zsh": "bash",
    ".dart": "dart",
    ".ml": "ocaml", ".mli": "ocaml",
    ".r": "r",
    ".pl": "perl", ".pm": "perl",
    ".m": "objc",
    ".jl": "julia",
    ".clj": "clojure", ".cljs": "clojure",
    ".erl": "erlang",
    ".fs": "fsharp",
    ".vue": "vue",
    ".svelte": "svelte",
    ".css": "css", ".scss": "css",
    ".sql": "sql",
}

# Files without a grammar-backed chunker that are still worth indexing as text.
TEXT_CODE_EXTENSIONS: dict[str, str] = {
    ".json": "json", ".yaml": "yaml", ".yml": "yaml", ".toml": "toml",
    ".ini": "ini", ".cfg": "ini", ".conf": "ini", ".xml": "xml",
    ".pyx": "cython", ".pxd": "cython", ".proto": "protobuf", ".graphql": "graphql",
    ".gradle": "groovy", ".groovy": "groovy", ".tf": "hcl", ".mk": "make",
    ".bat": "batch", ".ps1": "powershell", ".txt": "text", ".csv": "csv",
}

MARKUP_EXTENSIONS: dict[str, str] = {
    ".md": "markdown", ".markdown": "markdown", ".mdx": "markdown",
    ".rst": "rst", ".rest": "rst",
    ".adoc": "asciidoc", ".asciidoc": "asciidoc",
}

# Formats that an extractor turns into Markdown/text before chunking.
CONVERTED_EXTENSIONS: dict[str, str] = {
    ".html": "html", ".htm": "html",
    ".pdf": "pdf",
    ".docx": "docx",
    ".pptx": "pptx",
    ".ipynb": "notebook",
}

SPECIAL_NAMES: dict[str, str] = {
    "Makefile": "make", "Dockerfile": "dockerfile", "CMakeLists.txt": "cmake",
    "Gemfile": "ruby", "Rakefile": "ruby", "Jenkinsfile": "groovy",
}


def detect(path: str) -> tuple[str, str]:
    """Return ``(source_format, language)`` for a path.

    ``source_format`` is one of ``code``, ``markdown``, ``rst``, ``asciidoc``,
    ``html``, ``pdf``, ``docx``, ``pptx``, ``notebook`` or ``text``.
    """
    p = PurePosixPath(path)
    name = p.name
    if name in SPECIAL_NAMES:
        return "text", SPECIAL_NAMES[name]
    ext = p.suffix.lower()
    if ext in CODE_EXTENSIONS:
        return "code", CODE_EXTENSIONS[ext]
    if ext in MARKUP_EXTENSIONS:
        fmt = MARKUP_EXTENSIONS[ext]
        return fmt, fmt
    if ext in CONVERTED_EXTENSIONS:
        fmt = CONVERTED_EXTENSIONS[ext]
        return fmt, fmt
    if ext in TEXT_CODE_EXTENSIONS:
        return "text", TEXT_CODE_EXTENSIONS[ext]
    # Django keeps its docs as .txt reST; README-like files without extension are prose.
    return "text", "text"


def is_binary_format(source_format: str) -> bool:
    """Formats read as bytes and converted, rather than decoded as text."""
    return source_format in {"pdf", "docx", "pptx"}
