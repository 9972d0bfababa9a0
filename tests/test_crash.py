"""Crash safety with real process kills: SIGKILL a build at random moments, then check the index.

An index of the demo letters is built once and its answers to a few questions recorded. Then,
round after round, the docs are changed (letters edited, added, removed), a build runs as a
subprocess (`benchmarks/crash_build.py`, hash embedder, slowed per step) and is SIGKILLed after
a seeded random delay past a chosen step: mid-embedding, mid-write, around each atomic rename,
after the commit. After every kill the index must open and give either the recorded answers of
the generation it committed before (the kill came first) or exactly what a fresh build of the
changed docs gives (the kill came after the commit) — manifest.json says which. Debris left by
a kill (gen-N.tmp, an uncommitted gen-N, manifest.json.tmp) must not break the next build, and a
final unkilled rerun must complete and clean it up.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from index.manifest import MANIFEST
from rag.config import REPO_ROOT, Settings
from rag.errors import IndexStoreError
from rag.pipeline import build_folder, make_answerer, open_retriever

SCRIPT = REPO_ROOT / "benchmarks" / "crash_build.py"
# Override to explore other kill schedules: REPLYQA_CRASH_SEED=7 pytest tests/test_crash.py
SEED = int(os.environ.get("REPLYQA_CRASH_SEED", "20240611"))
SLEEP_MS = 15
QUESTIONS = [
    "哪些部门支持人才政策?",
    "老旧小区加装电梯有什么补贴?",
    "第0123号提案是谁答复的？",
    "学校门口交通安全",
    "第9001号建议办理情况",  # only in the letters the rounds add
]
# Where each round kills the build: (step prefix, step order). The kill comes a random
# 0..3*SLEEP_MS after the chosen step is announced (the script pauses before and after each).
STEPS = ["start", "embed", "write", "replace gen-", "replace manifest", "drop", "done"]
TARGETS = ["embed", "replace gen-", "write", "drop", "replace manifest", "start", "embed"]

# Invented for these tests; not from any real letter.
NEW_LETTER = """关于虚构会议第{n}号建议办理情况的答复函

示测复函〔2099〕{n}号

李四代表：
您提出的《关于完善虚构事项第{n}项工作的建议》收悉。经认真研究，现答复如下。
一、基本情况。近年来，示例市围绕第{n}项虚构工作建立了协调机制，累计投入虚构资金{m}万元，\
覆盖{k}个虚构社区，群众满意度逐年提升。
二、存在问题。一是虚构设施老化，二是虚构人员不足，三是虚构经费保障机制仍需完善。
三、下一步工作。我们将于2099年底前完成第{n}批虚构设施改造，新增虚构服务站{k}个，\
并建立季度通报制度，确保各项措施落到实处。
感谢您对虚构工作的关心和支持。

示例市测试局
2099年{month}月{day}日
"""


def manifest_generation(index: Path) -> str:
    return str(json.loads((index / MANIFEST).read_text(encoding="utf-8"))["generation"])


def results(index: Path) -> list[Any]:
    """What the index says to QUESTIONS: top hits (ids, offsets, scores) and extractive answers."""
    settings = Settings(embedder="hash")
    retriever = open_retriever(index, settings)
    answerer = make_answerer(retriever, settings)
    out: list[Any] = [sorted(letter.source for letter in retriever.index.letters.values())]
    for question in QUESTIONS:
        hits = [
            (h.chunk.id, h.letter.source, h.chunk.start, h.chunk.end, round(h.score, 5))
            for h in retriever.search(question, 5)
        ]
        answer = answerer.answer(question)
        cited = [(c.source, c.start, c.end) for c in answer.citations]
        out.append((question, hits, answer.answered, answer.text, cited))
    return out


def change_docs(docs: Path, round_no: int, rng: random.Random) -> None:
    """Edit two letters, rewrite a third throughout, add a new letter and remove an old one."""
    letters = sorted(docs.glob("*.txt"))
    for path in rng.sample(letters, 2):
        text = path.read_text(encoding="utf-8")
        path.write_text(text + f"\n（第{round_no}轮补充说明：本段为测试而追加。）\n", "utf-8")
    path = rng.choice(letters)
    text = path.read_text(encoding="utf-8")
    swapped = text.replace("。", "；") if "。" in text else text.replace("；", "。")
    path.write_text(swapped, encoding="utf-8")  # every chunk of this letter changes
    n = 9000 + round_no
    (docs / f"new_{round_no}.txt").write_text(
        NEW_LETTER.format(n=n, m=100 + 7 * round_no, k=3 + round_no, month=1 + round_no, day=9),
        encoding="utf-8",
    )
    if len(letters) > 6:
        rng.choice([p for p in letters if p != path]).unlink()


def run_and_kill(
    docs: Path, index: Path, target: str | None, rng: random.Random
) -> tuple[list[str], int | None]:
    """Run the build; SIGKILL it a random moment after the `target` step (None: never). Returns
    its stdout lines and return code (None when it was killed)."""
    command = [sys.executable, str(SCRIPT), str(docs), str(index), "--sleep-ms", str(SLEEP_MS)]
    lines: list[str] = []
    # An embed target picks one of the first few batches; other steps happen once.
    nth = rng.randint(1, 4) if target == "embed" else 1
    seen = 0
    killed = False
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        for line in proc.stdout:
            lines.append(line.rstrip("\n"))
            step = next((s for s in STEPS if line.startswith(s)), None)
            if step is None or target is None:
                continue
            seen += step == target
            if seen >= nth or STEPS.index(step) > STEPS.index(target):
                time.sleep(rng.uniform(0, 3 * SLEEP_MS / 1000))
                proc.send_signal(signal.SIGKILL)
                killed = True
                break
        errors = proc.stderr.read()
        proc.wait(timeout=30)
    if killed and proc.returncode == -signal.SIGKILL:
        return lines, None
    assert proc.returncode == 0, errors
    return lines, 0


def fresh(docs: Path, folder: Path) -> list[Any]:
    build_folder(docs, folder, Settings(embedder="hash"))
    return results(folder)


def test_sigkill_at_random_moments_never_breaks_the_index(tmp_path: Path, demo_dir: Path) -> None:
    docs, index = tmp_path / "docs", tmp_path / "index"
    docs.mkdir()
    for path in demo_dir.glob("*.txt"):
        (docs / path.name).write_bytes(path.read_bytes())
    lines, code = run_and_kill(docs, index, None, random.Random(0))
    assert code == 0 and lines[-1].startswith("done ")
    recorded = {manifest_generation(index): results(index)}
    assert recorded[manifest_generation(index)] == fresh(docs, tmp_path / "fresh-0")

    rng = random.Random(SEED)
    outcomes: list[str] = []
    for round_no, target in enumerate(TARGETS, start=1):
        before = manifest_generation(index)
        change_docs(docs, round_no, rng)
        lines, code = run_and_kill(docs, index, target, rng)
        after = manifest_generation(index)  # the manifest is always readable
        assert (index / after).is_dir(), f"manifest names missing {after}"
        now = results(index)  # ... and the generation it names opens and answers
        debris = sorted(
            p.name for p in index.iterdir() if p.name not in {MANIFEST, ".lock", after, before}
        )
        where = f"round {round_no} (kill after {target!r}, last step {lines[-1][:40]!r})"
        if after == before:
            assert code is None, where
            assert now == recorded[before], f"{where}: the previous index changed"
            outcomes.append(f"{target}: kept {before}, debris {debris}")
        else:
            expected = fresh(docs, tmp_path / f"fresh-{round_no}")
            assert now == expected, f"{where}: the committed index differs from a fresh build"
            recorded[after] = now
            outcomes.append(f"{target}: committed {after}, debris {debris}")

    # Kills landed both before and after the commit point.
    assert any(": kept " in o for o in outcomes) and any(": committed " in o for o in outcomes), (
        outcomes
    )
    # A rerun clears whatever the kills left behind and matches a fresh build.
    lines, code = run_and_kill(docs, index, None, rng)
    assert code == 0 and lines[-1].startswith("done "), lines[-3:]
    assert results(index) == fresh(docs, tmp_path / "fresh-final")
    names = sorted(p.name for p in index.iterdir())
    assert not [n for n in names if n.endswith(".tmp")], names
    assert len([n for n in names if n.startswith("gen-")]) <= 2, names
    print("\n".join(outcomes))


@pytest.mark.parametrize("target", ["write", "replace manifest"])
def test_rerun_after_kill_needs_no_cleanup(tmp_path: Path, demo_dir: Path, target: str) -> None:
    """A first build killed around its commit leaves no index or a whole one; a rerun works."""
    docs, index = tmp_path / "docs", tmp_path / "index"
    docs.mkdir()
    for path in sorted(demo_dir.glob("*.txt"))[:4]:
        (docs / path.name).write_bytes(path.read_bytes())
    run_and_kill(docs, index, target, random.Random(SEED))
    if (index / MANIFEST).exists():  # killed just after the manifest rename
        assert results(index) == fresh(docs, tmp_path / "fresh-1")
    else:
        with pytest.raises(IndexStoreError, match="not a replyqa index"):
            open_retriever(index, Settings(embedder="hash"))
    lines, code = run_and_kill(docs, index, None, random.Random(SEED))
    assert code == 0 and lines[-1].startswith("done ")
    assert results(index) == fresh(docs, tmp_path / "fresh-2")
