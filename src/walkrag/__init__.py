"""walkrag: cited answers about any body of text, found by walking from what it reads."""

from walkrag.index import Index, open_index
from walkrag.retrieval.search import Hit

open = open_index  # noqa: A001 - the public spelling is walkrag.open(path)

__all__ = ["Hit", "Index", "open", "open_index"]
__version__ = "0.1.0"
