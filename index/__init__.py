"""Stage 2b — storage: chunks, vectors and BM25 statistics at rest, in an index folder.

In: letters, a function that cuts a letter into chunks, an `Embedder`, a tokenizer — all
decided in `rag`. Out: a committed index folder (`builder.build_index`) and, for reading,
`folder.LetterIndex`. This package imports nothing from `rag` but the core types, errors
and the `Embedder` protocol.

  manifest      `manifest.json`: what a folder holds and how it was built (commit point)
  store         the `VectorStore` protocol and `FaissStore` (flat, HNSW, IVF, IVF-fp16)
  milvus_store  `MilvusStore`: the same protocol over a Milvus collection
  lexical       BM25 over pre-tokenised chunks, and the token cache
  folder        an index folder opened for reading: letters, chunks, vectors
  builder       incremental, atomic builds: generations, the lock, vector reuse
"""
