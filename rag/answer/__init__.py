"""Stage 4 — answer: hits become an `Answer` with verified citations, or an abstention.

In: a question and the `Retriever` over an index.
Out: `rag.types.Answer` — text whose every claim carries an `[n]` citation whose quote is
exactly `letter.text[start:end]`, or the fixed "not found" answer with the nearest letters.

  evidence      how well passages answer a question (topic words, coverage, unknown names)
  quotes        the exact sentence(s) of a passage that support a claim
  selection     choosing the sentences that answer a question among the hits
  fieldanswers  field answers (文号, 审签人, 日期 …) from the letter record
  listing       answers that list letters: by fields, or grouped by agency
  extractive    `ExtractiveAnswerer`: the default, no-LLM answerer
  prompts       prompt templates for the LLM answerer
  generators    chat-model backends picked by one setting (OpenAI-compatible, local)
  llm           `LLMAnswerer`: a chat model writes, every citation is checked
  conversation  multi-turn state and follow-up rewriting
"""
