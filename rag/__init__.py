"""replyqa: question answering with exact citations over government reply letters.

The library: core types, settings, loaders, field parsing, chunking, embedding,
retrieval and the CLI. Vectors at rest live in the sibling package `index`.
"""

__version__ = "0.1.0"
