"""The error hierarchy: every message names the thing that went wrong and the fix.

The CLI turns any `ReplyQAError` into one line on stderr and a non-zero exit code;
anything else is a bug and keeps its traceback.
"""

from __future__ import annotations


class ReplyQAError(Exception):
    """Base class for errors a user can act on."""


class ConfigError(ReplyQAError):
    """A setting is missing or invalid."""


class LoaderError(ReplyQAError):
    """A document could not be turned into text.

    `reason` is a short, specific machine-readable phrase (e.g. "empty file",
    "unsupported format .xls", "pdf: encrypted") used in build summaries.
    """

    def __init__(self, reason: str, path: str = "") -> None:
        self.reason = reason
        self.path = path
        super().__init__(f"{path}: {reason}" if path else reason)


class EmbedderError(ReplyQAError):
    """An embedding model could not be loaded or used."""


class IndexStoreError(ReplyQAError):
    """An index folder is missing, corrupt, or incompatible with the settings."""


class IndexMismatchError(IndexStoreError):
    """The index was built with another embedder or format version."""


class IndexLockedError(IndexStoreError):
    """Another build holds the index's lock."""
