"""Measuring: retrieval, answer and field-parsing figures over a question set.

In: questions with evidence quotes (`id, question, type, evidence: [{file, quote}]`),
a search or answer function, gold fields. Out: reports (`to_json`, `to_text`).

  retrieval     recall@5/@10, MRR, letter recall@5 by question type, latency
  answers       citations verbatim, abstention, answered rate, evidence cited
  fields        field-extraction accuracy against hand-labelled gold fields
"""
