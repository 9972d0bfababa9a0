"""The state a running server shares between the chat UI and the HTTP API.

One `Service` holds the opened index, the answerer and a bounded, expiring store of
conversations (each a `rag.pipeline.ChatSession`). Everything the edges do goes
through its methods, so the gradio chat and the API answer alike. `reload()` opens a
freshly built index and swaps it in atomically: a request in flight keeps the retriever
it started with. A table the answerer would build on first use is built when the service
starts, before requests run in parallel (`prepare_shared_tables`).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rag.config import Settings
from rag.pipeline import ChatSession, make_answerer, open_retriever
from rag.search.query import Filters
from rag.types import Answer, Hit, Letter

from .config import ServerConfig


def prepare_shared_tables() -> None:
    """Build the library's lazily built tables now, once, before requests run in parallel.

    `functools.cache` does not make concurrent first callers wait for one result: when a
    fresh server's first English questions arrive together, each worker thread reverses
    CC-CEDICT on its own (1.7 s and ~40 MB for one build alone, far longer when 40 threads
    share the GIL). Under the 50-client load test that held the process at ~1,000 MiB of
    anonymous memory instead of ~250: the discarded copies' memory stays with the process.
    Building it here also spares the first English question the wait. The other cached
    tables (tokenizer, agency table) are built when the index opens.
    """
    from rag.search.dictionary import reverse_cedict

    reverse_cedict()


@dataclass
class _Entry:
    session: ChatSession
    last_used: float


class Service:
    """The loaded index, the answerer, and the conversations."""

    def __init__(
        self, index_dir: Path, settings: Settings | None = None, config: ServerConfig | None = None
    ) -> None:
        self.index_dir = Path(index_dir)
        self.settings = settings or Settings()
        self.config = config or ServerConfig()
        self._lock = threading.Lock()
        self._reload_lock = threading.Lock()
        self._stamp: tuple[int, int] = (0, 0)
        self._checked = 0.0
        self._conversations: OrderedDict[str, _Entry] = OrderedDict()
        prepare_shared_tables()
        self._load()

    def _load(self) -> None:
        stamp = self._manifest_stamp()
        retriever = open_retriever(self.index_dir, self.settings)
        answerer = make_answerer(retriever, self.settings)
        with self._lock:
            self.retriever, self.answerer = retriever, answerer
            self._stamp, self._checked = stamp, time.monotonic()
            for entry in self._conversations.values():
                entry.session.answerer = answerer

    def _manifest_stamp(self) -> tuple[int, int]:
        try:
            st = (self.index_dir / "manifest.json").stat()
        except OSError:
            return (0, 0)
        return (st.st_mtime_ns, st.st_size)

    def reload(self) -> None:
        """Open the index again (after a rebuild) and swap it in."""
        self._load()

    def refresh(self, every_s: float = 1.0) -> bool:
        """Swap in a newly committed index if `manifest.json` changed (checked at most every
        `every_s`); returns whether it did. A build commits by replacing the manifest
        atomically, so a request sees the old index or the new one, never half of one;
        requests already running keep the retriever they started with."""
        now = time.monotonic()
        if now - self._checked < every_s:
            return False
        self._checked = now
        if self._manifest_stamp() == self._stamp:
            return False
        with self._reload_lock:
            if self._manifest_stamp() == self._stamp:
                return False
            self._load()
        return True

    # -- conversations ----------------------------------------------------------------------
    def session(self, conversation_id: str | None = None) -> tuple[str, ChatSession]:
        """The conversation with this id (a new one if unknown, expired or None)."""
        self.refresh()
        now = time.monotonic()
        with self._lock:
            for cid in [
                c
                for c, e in self._conversations.items()
                if now - e.last_used > self.config.conversation_ttl_s
            ]:
                del self._conversations[cid]
            if conversation_id and conversation_id in self._conversations:
                entry = self._conversations[conversation_id]
                entry.last_used = now
                self._conversations.move_to_end(conversation_id)
                return conversation_id, entry.session
            cid = (
                conversation_id
                if conversation_id and len(conversation_id) <= 64
                else uuid.uuid4().hex
            )
            session = ChatSession(self.answerer, cid)
            self._conversations[cid] = _Entry(session, now)
            while len(self._conversations) > self.config.max_conversations:
                self._conversations.popitem(last=False)
            return cid, session

    def ask(
        self, question: str, conversation_id: str | None = None, filters: Filters | None = None
    ) -> tuple[str, Answer]:
        """Answer in a conversation; returns (conversation id, answer)."""
        cid, session = self.session(conversation_id)
        answer, _ = session.ask(question, filters)
        return cid, answer

    def stream(
        self, question: str, conversation_id: str | None = None, filters: Filters | None = None
    ) -> tuple[str, Iterator[Any]]:
        """Like `ask`, as `StreamEvent`s ("delta" pieces, then the final "answer")."""
        from rag.answer.conversation import record, rewrite

        cid, session = self.session(conversation_id)

        def events() -> Iterator[Any]:
            conv = session.conversation
            if filters is not None:
                conv.explicit = filters
            rw = rewrite(question, conv)
            final = None
            for event in session.answerer.stream(
                rw.question, rw.filters, rw.focus_letters, rw.exclude_letters
            ):
                if event.kind == "answer":
                    final = event.answer
                yield event
            if final is not None:
                record(conv, question, rw, final)

        return cid, events()

    @property
    def feedback_path(self) -> Path:
        """Where chat votes go: `config.feedback_path`, else `feedback.jsonl` in the index
        folder (a build leaves files other than its generations and manifest alone)."""
        configured = self.config.feedback_path
        return Path(configured) if configured is not None else self.index_dir / "feedback.jsonl"

    # -- records ----------------------------------------------------------------------------
    def letter(self, letter_id: str) -> Letter | None:
        self.refresh()
        return self.retriever.index.letters.get(letter_id)

    def search(self, question: str, k: int = 10, filters: Filters | None = None) -> list[Hit]:
        self.refresh()
        return self.retriever.search(question, k, filters)

    def agencies(self) -> list[str]:
        """Agency names in the index, for filter choices."""
        return sorted(
            {lt.fields.agency for lt in self.retriever.index.letters.values() if lt.fields.agency}
        )
