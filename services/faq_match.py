"""Matching a person's question against the FAQ: BM25 over stemmed words, typo-tolerant.

Pure computation, no database: `build_index` takes the entries' texts and returns an index
whose `search` ranks entries for a question. Each entry is two documents (Russian and
English: the question, then the answer); an entry scores the best of its documents.
Words are lower-cased (ё as е), stop words dropped, and stemmed by Snowball (Russian for
Cyrillic words, English for the rest); a word the FAQ never uses is replaced by the closest
word it does use (rapidfuzz, ratio ≥ 80), so "доствка" still finds "доставка". A small bonus
for the fuzzy similarity of the whole question to an entry's question breaks ties.

Building takes milliseconds for a shop's FAQ, but it is CPU work: callers run it off the
event loop (`asyncio.to_thread`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import bm25s
import Stemmer
from rapidfuzz import fuzz, process

_WORD_RE = re.compile(r"[a-zа-я0-9]+")
_CYRILLIC_RE = re.compile(r"[а-я]")
TYPO_CUTOFF = 80
"""rapidfuzz ratio a misspelt word needs to be taken for a word of the FAQ."""
MIN_TYPO_LENGTH = 4
"""Shorter words are not corrected (too many near neighbours)."""
FUZZ_WEIGHT = 0.5
"""Weight of the whole-question similarity (0..1) next to the BM25 score."""
MIN_COVERAGE = 0.25
"""Share of the question's words an entry must contain to be offered at all: BM25 scores
depend on the size of the FAQ, this share does not."""

_STOP_WORDS_TEXT = """
    a an the and or but if of to in on at by for from with without is are was were be been
    do does did doing have has had i me my we our you your he she it its they them their this
    that these those what which who whom how when where why can could would should will shall
    may might must there here not no yes please hi hello thanks thank any some get got just
    about so up out as into than then also
    и в во не что он на я с со как а то все она так его но да ты к у же вы за бы по только
    ее мне было вот от меня еще нет о из ему теперь когда даже ну вдруг ли если уже или ни
    быть был него до вас нибудь опять уж вам ведь там потом себя ничего ей может они тут где
    есть надо ней для мы тебя их чем была сам чтоб без будто чего раз тоже себе под будет ж
    тогда кто этот того потому этого какой совсем ним здесь этом один почти мой тем чтобы нее
    сейчас были куда зачем всех никогда можно при наконец два об другой хоть после над больше
    тот через эти нас про всего них какая много разве три эту моя впрочем хорошо свою этой
    перед иногда лучше чуть том нельзя такой им более всегда конечно всю между мой моего мою
    моей мои мои мне подскажите скажите пожалуйста здравствуйте привет добрый день вечер
    хочу хотел хотела можно ли нужно
"""
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())


@lru_cache(maxsize=2)
def _stemmer(language: str) -> Stemmer.Stemmer:
    return Stemmer.Stemmer(language)


def words(text: str) -> list[str]:
    """The words of a text, lower-cased, ё as е, stop words dropped."""
    normalized = text.lower().replace("ё", "е")
    return [word for word in _WORD_RE.findall(normalized) if word not in STOP_WORDS]


def stem(word: str) -> str:
    """The Snowball stem: Russian for a Cyrillic word, English otherwise."""
    language = "russian" if _CYRILLIC_RE.search(word) else "english"
    return str(_stemmer(language).stemWord(word))


@dataclass(frozen=True, slots=True)
class FaqText:
    """One entry's texts in one language."""

    entry_id: int
    question: str
    answer: str


@dataclass(frozen=True, slots=True)
class Match:
    """An entry that answers a question, and how well."""

    entry_id: int
    score: float


class FaqIndex:
    """The FAQ as a BM25 index over stems; `search` ranks entries for a question."""

    def __init__(self, texts: Iterable[FaqText]) -> None:
        documents = list(texts)
        self._doc_entries = [doc.entry_id for doc in documents]
        self._questions = [" ".join(words(doc.question)) for doc in documents]
        corpus: list[list[str]] = []
        vocabulary: set[str] = set()
        for doc in documents:
            question, answer = words(doc.question), words(doc.answer)
            vocabulary.update(question, answer)
            corpus.append([stem(word) for word in question + answer])
        self._words = sorted(vocabulary)
        self._stems = {token for tokens in corpus for token in tokens}
        self._doc_stems = [set(tokens) for tokens in corpus]
        self._bm25: bm25s.BM25 | None = None
        if documents:
            self._bm25 = bm25s.BM25()
            self._bm25.index(corpus, show_progress=False)

    def __len__(self) -> int:
        return len(set(self._doc_entries))

    def query_stems(self, question: str) -> list[str]:
        """The question's stems, misspelt words replaced by the FAQ's closest words."""
        stems = []
        for word in words(question):
            stemmed = stem(word)
            if stemmed not in self._stems and len(word) >= MIN_TYPO_LENGTH and self._words:
                found = process.extractOne(
                    word, self._words, scorer=fuzz.ratio, score_cutoff=TYPO_CUTOFF
                )
                if found is not None:
                    stemmed = stem(found[0])
            stems.append(stemmed)
        return stems

    def search(
        self, question: str, limit: int = 3, min_coverage: float = MIN_COVERAGE
    ) -> list[Match]:
        """The best entries for a question, best first; none that contains less than
        `min_coverage` of the question's words."""
        if self._bm25 is None:
            return []
        tokens = self.query_stems(question)
        if not tokens:
            return []
        scores = self._bm25.get_scores(tokens)
        asked = " ".join(words(question))
        best: dict[int, float] = {}
        for index, entry_id in enumerate(self._doc_entries):
            bm25_score = float(scores[index])
            covered = sum(token in self._doc_stems[index] for token in tokens) / len(tokens)
            if bm25_score <= 0 or covered < min_coverage:
                continue
            similarity = fuzz.token_set_ratio(asked, self._questions[index]) / 100
            score = bm25_score + FUZZ_WEIGHT * similarity
            best[entry_id] = max(best.get(entry_id, 0.0), score)
        ranked = sorted(best.items(), key=lambda item: (-item[1], item[0]))
        return [Match(entry_id, round(score, 4)) for entry_id, score in ranked[:limit]]


def build_index(texts: Iterable[FaqText]) -> FaqIndex:
    """A fresh index of these texts (CPU work: call it in a thread)."""
    return FaqIndex(texts)
