"""Stage 3 — search: a question becomes ranked hits.

In: a question (Chinese or English), optional hard filters, and an opened index
(`index.folder.LetterIndex`: letters, chunks, vectors, BM25 statistics).
Out: `rag.types.Hit`s — passages with exact offsets, scored, grouped by letter.

  dictionary    CC-CEDICT English → Chinese words, for English questions
  lexicon       the government lexicon and the tokenizer built on it (BM25 tokens)
  query         what a question names (numbers, agencies, years, places) and asks for
  records       letters chosen by their fields (record questions), exhaustively
  hops          a second search for a clause that refers back to the first one's answer
  retrieval     `Retriever`: dense + BM25, fused, field-aware, filtered, letter-aware
"""
