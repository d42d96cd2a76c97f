"""Rerankers: score (query, passage) pairs jointly and reorder the top of a result list.

No cross-encoder ships its weights on PyPI, so none is on by default: the
ranking stack has to be strong without one. When configured, a reranker
reorders the first ``rerank_top`` results:

- ``http:<model>``: a ``/rerank`` endpoint in the Jina/Cohere shape, as served by
  llama.cpp's server (``--reranking``), vLLM, TEI and hosted APIs;
- ``st:<name or path>``: a sentence-transformers ``CrossEncoder`` available locally.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable


class RerankerError(RuntimeError):
    """A reranker could not be loaded or did not answer."""


@runtime_checkable
class Reranker(Protocol):
    """Relevance of each passage to the query; higher is better, one score per passage."""

    model_id: str

    def score(self, query: str, passages: list[str]) -> list[float]: ...


class HttpReranker:
    """``POST {base_url}/rerank`` with ``{model, query, documents}``; reads ``results[].relevance_score``."""

    def __init__(self, model: str, base_url: str, api_key: str | None = None, timeout_s: float = 30.0):
        import httpx

        self.model = model
        self.model_id = f"http:{model}"
        self.url = base_url.rstrip("/") + "/rerank"
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.client = httpx.Client(timeout=timeout_s, headers=headers)

    def score(self, query: str, passages: list[str]) -> list[float]:
        try:
            response = self.client.post(self.url, json={"model": self.model, "query": query, "documents": passages})
            response.raise_for_status()
            results = response.json()["results"]
            scores = [0.0] * len(passages)
            for item in results:
                scores[int(item["index"])] = float(item["relevance_score"])
            return scores
        except Exception as exc:  # any transport or shape problem: the caller keeps its own order
            raise RerankerError(f"rerank endpoint {self.url} failed: {exc}") from exc


class CrossEncoderReranker:
    """A sentence-transformers cross-encoder from a local path or cache (needs torch installed)."""

    def __init__(self, name: str):
        try:
            from sentence_transformers import CrossEncoder
        except ImportError as exc:
            raise RerankerError("sentence-transformers is not installed (pip install 'walkrag[st]')") from exc
        self.model = CrossEncoder(name, device="cpu")
        self.model_id = f"st:{name}"

    def score(self, query: str, passages: list[str]) -> list[float]:
        return [float(s) for s in self.model.predict([(query, p) for p in passages])]


def load_reranker(spec: str, base_url: str | None = None, api_key: str | None = None) -> Reranker | None:
    """``none`` (default), ``http:<model>`` (with ``base_url``) or ``st:<cross-encoder>``."""
    if not spec or spec == "none":
        return None
    if spec.startswith("http:"):
        if not base_url:
            raise RerankerError("reranker http:MODEL needs rerank_base_url (WALKRAG_RERANK_BASE_URL)")
        return HttpReranker(spec[5:], base_url, api_key)
    if spec.startswith("st:"):
        return CrossEncoderReranker(spec[3:])
    raise RerankerError(f"unknown reranker {spec!r} (use none, http:MODEL or st:NAME)")
