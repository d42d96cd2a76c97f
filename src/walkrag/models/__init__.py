"""Model clients behind small protocols: embedders, rerankers, LLMs."""
