"""A corpus with a library and a user file in each of 20 languages, docs, and lookup targets."""

from __future__ import annotations

from pathlib import Path

import pytest
from graph_snippets import LANGS

import walkrag

DOCS = {
    "docs/install.md": "# Install\n\n## Setup\n\nRun `pip install zoo`.\n",
    "docs/guide.md": (
        "# Zoo guide\n"
        "\n"
        "## Feeding\n"
        "\n"
        "Call `make_animal()` to create one; a `Dog` barks.\n"
        "See [the keeper](../py/zoo/keeper.py), [setup](install.md#setup) and [below](#more).\n"
        "\n"
        "## More\n"
        "\n"
        "```python\n"
        "not_a_ref = `Animal`\n"
        "```\n"
    ),
    "docs/ref.rst": (
        "Reference\n"
        "=========\n"
        "\n"
        ".. _feeding-label:\n"
        "\n"
        "Feeding animals\n"
        "---------------\n"
        "\n"
        "Use :func:`zoo.animals.make_animal` or :class:`~zoo.animals.Animal`, whose\n"
        ":meth:`Animal.speak` calls ``Dog.noise``. Size comes from :setting:`ZOO_SIZE`.\n"
        "\n"
        ".. function:: make_animal(kind)\n"
        "\n"
        "   Make one animal.\n"
        "\n"
        "Settings\n"
        "--------\n"
        "\n"
        ".. setting:: ZOO_SIZE\n"
        "\n"
        "ZOO_SIZE\n"
        "~~~~~~~~\n"
        "\n"
        "How many. See :ref:`feeding-label` and :doc:`install`.\n"
    ),
}

LOOKUP_FILE = (
    "class Paginator:\n"
    "    def page(self, number):\n"
    "        return number\n"
    "\n"
    "\n"
    "class CommonMiddleware:\n"
    "    pass\n"
    "\n"
    "\n"
    "def get_object_or_404(klass, *args):\n"
    "    return klass\n"
    "\n"
    "\n"
    "class CsrfViewMiddleware:\n"
    "    def _check_token(self, request):\n"
    "        return get_object_or_404(request)\n"
)


def write_corpus(root: Path) -> Path:
    files = {p: t for fx in LANGS.values() for p, t in fx["files"].items()}
    files.update(DOCS)
    files["py/web/shortcuts.py"] = LOOKUP_FILE
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


@pytest.fixture(scope="session")
def graph_corpus(tmp_path_factory) -> Path:
    return write_corpus(tmp_path_factory.mktemp("graph") / "corpus")


@pytest.fixture(scope="session")
def graph_index(graph_corpus):
    """The corpus indexed once for the session (tests must not change it)."""
    idx = walkrag.open(graph_corpus)
    idx.update()
    yield idx
    idx.close()


@pytest.fixture
def db(graph_index):
    return graph_index.store.db
