"""Retrieval: tokenization, lexical, dense and symbol search, fusion, ranking."""
