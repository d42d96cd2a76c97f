"""The bundled MiniLM: a single query goes through a one-thread session and embeds as in a batch."""

from __future__ import annotations

import numpy as np

from walkrag.models.embedders import MiniLMOnnx


def test_one_query_embeds_as_it_would_in_a_batch():
    model = MiniLMOnnx(max_tokens=64, threads=2)
    query = "how does the queryset cache its results"
    alone = model.embed([query])
    batch = model.embed([query, query.replace("cache", "store")])
    assert model.query_session is not model.session
    assert model.query_session.get_session_options().intra_op_num_threads == 1
    np.testing.assert_allclose(alone[0], batch[0], atol=1e-5)
    assert abs(float(np.linalg.norm(alone[0])) - 1.0) < 1e-5


def test_one_thread_model_uses_one_session():
    model = MiniLMOnnx(max_tokens=64, threads=1)
    assert model.query_session is model.session
