"""Vectors at rest: the store protocol, the FAISS store, the manifest and incremental builds."""
