"""The server's shared state: bounded conversations, rebuilds swapped in while serving, and
lazily built tables built once before requests run in parallel."""

from __future__ import annotations

import math
import shutil
import threading
from pathlib import Path

from rag.config import Settings
from rag.pipeline import build_folder
from ui.config import ServerConfig
from ui.service import Service

HASH = Settings(embedder="hash")


def test_conversations_are_bounded(tmp_path: Path, demo_dir: Path) -> None:
    shutil.copytree(demo_dir, tmp_path / "docs")
    build_folder(tmp_path / "docs", tmp_path / "index", HASH)
    service = Service(tmp_path / "index", HASH, ServerConfig(max_conversations=3))
    made = [service.session(None) for _ in range(5)]
    ids = [cid for cid, _ in made]
    assert len(set(ids)) == 5 and len(service._conversations) == 3
    assert service.session(ids[-1])[1] is made[-1][1]  # a kept one is found again
    assert service.session(ids[0])[1] is not made[0][1]  # a dropped one starts afresh


def test_a_rebuild_while_serving_is_swapped_in_atomically(tmp_path: Path, demo_dir: Path) -> None:
    docs, index = tmp_path / "docs", tmp_path / "index"
    shutil.copytree(demo_dir, docs)
    build_folder(docs, index, HASH)
    service = Service(index, HASH, ServerConfig())
    errors: list[BaseException] = []
    answered = [0]
    stop = threading.Event()

    def ask_in_a_loop() -> None:
        while not stop.is_set():
            try:
                _, answer = service.ask("哪些部门支持人才政策?")
                for c in answer.citations:  # every quote is its letter's text, old index or new
                    assert service.retriever.index.letters.get(c.letter_id) is None or c.quote
                answered[0] += 1
            except BaseException as exc:  # noqa: BLE001 - any failure is the finding
                errors.append(exc)
                return

    workers = [threading.Thread(target=ask_in_a_loop) for _ in range(3)]
    for w in workers:
        w.start()
    # A made-up letter about a topic no demo letter has, added and removed across rebuilds.
    (docs / "99_new.txt").write_text(
        "【示例】本函为虚构示例。\n关于第0999号建议的复函\n示例代表:\n我局将在全区推广蜂鸟快递柜试点。\n示例局\n2024年1月1日\n",
        encoding="utf-8",
    )
    # The askers check for a new index too; hold their checks off while the build commits, so
    # the swap below is this thread's to make (else a busy machine lets an asker make it first).
    service._checked = math.inf
    build_folder(docs, index, HASH)
    service._checked = 0.0  # do not wait for the once-a-second check
    assert service.refresh()
    assert any(h.letter.source == "99_new.txt" for h in service.search("蜂鸟快递柜", 3))
    (docs / "99_new.txt").unlink()
    service._checked = math.inf
    build_folder(docs, index, HASH)
    service._checked = 0.0
    assert service.refresh()
    stop.set()
    for w in workers:
        w.join(timeout=30)
    assert not errors, errors[0]
    assert answered[0] > 0
    assert not any(h.letter.source == "99_new.txt" for h in service.search("蜂鸟快递柜", 3))


def test_the_service_builds_the_dictionary_before_the_first_question(
    tmp_path: Path, demo_dir: Path, cedict_builds: list[int]
) -> None:
    # English questions look words up in a table reversed from CC-CEDICT (1.7 s); a server
    # builds it when it starts, so no request waits for it (the race itself: test_selection).
    shutil.copytree(demo_dir, tmp_path / "docs")
    build_folder(tmp_path / "docs", tmp_path / "index", HASH)
    service = Service(tmp_path / "index", HASH, ServerConfig())
    assert cedict_builds == [1]
    service.ask("Which agencies replied about the leaning elm trees?")
    assert cedict_builds == [1]
