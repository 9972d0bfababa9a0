"""replyqa: question answering with exact citations over government reply letters.

The library, by stage, in the order data flows:

  rag.letters     a file on disk → a `Letter` record (text, fields, spans)
  rag.chunking    a letter → chunks with exact offsets, along its own structure
  rag.embedding   chunks and questions → vectors (the `Embedder` protocol, backends)
  (index)         vectors, chunks and BM25 at rest — the sibling package `index`
  rag.search      a question → ranked hits
  rag.answer      hits → an `Answer` with verified citations, or an abstention
  rag.evaluation  figures over question sets
  rag.cli         the `replyqa` command line

At the top only the core: `types` (Letter, Chunk, Hit, Citation, Answer), `config`
(settings), `errors`, and `pipeline` (the two end-to-end jobs: build an index, open one).
"""

__version__ = "0.1.0"
