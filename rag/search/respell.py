"""Places a question misspells by sound (邱北县 for 丘北县), read as the place the letters mean.

People type Chinese by pinyin, and a place name often comes out in a homophone: 邱北县 for
丘北县, 何平区 for 和平区. Such a name is no division of the gazetteer and no letter's sender,
so every constraint on it fails and the question abstains about a place that is in the
collection. `PlaceSpeller.respell` reads the places a question names with an agency (the
place tokens of `split_place`, as `analyze` reads them) and replaces one that

- is neither a division the gazetteer knows nor a place a letter's sender names, and
- sounds, syllable for syllable (any reading of each character, tones ignored), like exactly
  one place a letter's sender names, of the same length and level word, sharing a character
  with it (a slip of one or two characters, not another name)

by that place. Only places the letters' senders name are targets: a place no letter is from
stays as written, and the gate answers that the collection has no letter from it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable

from rag.letters.agencies import split_place
from rag.letters.gazetteer import known_place
from rag.search.names import readings
from rag.search.query import agency_spans

#: Level words a misspelt place may end with; a town (镇, 乡) is no division of the table.
_LEVELS = "县区市州旗"


def _sounds(place: str) -> tuple[frozenset[str], ...] | None:
    out = []
    for char in place:
        said = readings(char)
        if not said:
            return None
        out.append(frozenset(said))
    return tuple(out)


class PlaceSpeller:
    """The places the letters' senders name, by their sound; built on first use."""

    def __init__(self, sender_names: Callable[[], Iterable[str]]) -> None:
        self._sender_names = sender_names
        self._places: frozenset[str] | None = None
        self._by_shape: dict[tuple[int, str], list[tuple[str, tuple[frozenset[str], ...]]]] = {}

    def _load(self) -> frozenset[str]:
        if self._places is None:
            places = {
                p
                for name in self._sender_names()
                for p in split_place(name)[0]
                if len(p) >= 3 and p[-1] in _LEVELS
            }
            by_shape = defaultdict(list)
            for p in sorted(places):
                sounds = _sounds(p[:-1])
                if sounds is not None:
                    by_shape[(len(p), p[-1])].append((p, sounds))
            self._by_shape = dict(by_shape)
            self._places = frozenset(places)
        return self._places

    def meant(self, place: str) -> str | None:
        """The sender's place `place` misspells by sound, or None (a known or unknown place)."""
        if len(place) < 3 or place[-1] not in _LEVELS or known_place(place):
            return None
        if place in self._load():
            return None
        sounds = _sounds(place[:-1])
        if sounds is None:
            return None
        found = {
            other
            for other, said in self._by_shape.get((len(place), place[-1]), ())
            if other != place
            and any(a == b for a, b in zip(place[:-1], other, strict=False))
            and all(x & y for x, y in zip(sounds, said, strict=True))
        }
        return found.pop() if len(found) == 1 else None

    def respell(self, question: str) -> tuple[str, list[str]]:
        """The question with its misspelt places replaced, and the replacements made
        (`邱北县→丘北县`)."""
        changes = []
        for name, start, _ in agency_spans(question):
            at = start
            for place in split_place(name)[0]:
                at = question.find(place, at)
                if at < 0:
                    break
                meant = self.meant(place)
                if meant is not None:  # of the same length: later spans stay where they were
                    question = question[:at] + meant + question[at + len(place) :]
                    changes.append(f"{place}→{meant}")
                at += len(place)
        return question, changes
