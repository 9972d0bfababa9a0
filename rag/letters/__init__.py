"""Stage 1 — letters: a file on disk becomes a `Letter` record.

In: a folder of .txt / .html / .pdf (scans via OCR) / .docx files, UTF-8 or GBK.
Out: `rag.types.Letter` — the exact text every offset indexes, the spans of page chrome,
and the parsed fields (发文字号, 索引号, 提案/建议号, 届次, 主办 and 会办 agencies, addressee,
signer, 办理类别, date, title), each with the span it was read from.

  decoding      bytes → text (encodings, BOMs, binary detection, line endings)
  loaders       one file → `Document` (txt, html, pdf, docx; OCR for scanned pages)
  html_text     a government web page → the letter's text, site chrome left out
  ocr           a scanned PDF page → reflowed lines (rapidocr)
  boilerplate   spans of site-chrome lines in a letter text
  dates         every way a letter writes a date → ISO
  agencies      agency names: canonical form, aliases, place and level
  labels        labelled header metadata (`索引号: …`, `[ 发文字号 ] | … |`)
  landmarks     salutation, title, header end and signature of a letter page
  fieldrules    sentence-level rules: session, number, signer, co-handlers
  fields        `extract_fields`: every field from its landmark or rule
  values        a field's value and the line that states it, for citing
  ingest        a folder → letters and skip reasons (incremental, parser-versioned)
"""
