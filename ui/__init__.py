"""The edge: one FastAPI app serving the gradio chat, the HTTP API and the help-desk widget.

Nothing in `rag` or `index` imports this package; it reaches the library only through
`rag.pipeline`. `replyqa serve` is registered from here as a CLI plugin.
"""
