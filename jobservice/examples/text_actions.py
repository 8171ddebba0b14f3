"""The document operations of the example worker: pure functions of a text."""
from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Mapping
from typing import Any

_WORD = re.compile(r"\w+", re.UNICODE)

# A few very common words per language: enough to tell ordinary prose apart.
_STOPWORDS: dict[str, frozenset[str]] = {
    "en": frozenset("the and of to a in is that it for was on with as are be this by not you".split()),
    "fr": frozenset("le la les et des est un une que dans pour pas qui sur du au avec il elle".split()),
    "de": frozenset("der die das und ist nicht ein eine zu den mit von sich des auf für im dem".split()),
    "es": frozenset("el la los las y de que en un una es por con para no se del al lo".split()),
    "it": frozenset("il lo la gli le e di che un una non per con del della sono è si al".split()),
    "nl": frozenset("de het een en van is dat niet op te in zijn met voor er aan ook".split()),
    "pt": frozenset("o a os as e de que em um uma não para com do da por se mais".split()),
}

DEFAULT_TAG_RULES: dict[str, list[str]] = {
    "finance": ["invoice", "payment", "bank", "account", "tax"],
    "legal": ["contract", "agreement", "court", "clause", "liability"],
    "hr": ["employee", "salary", "holiday", "recruitment", "payroll"],
    "confidential": ["confidential", "secret", "private"],
}


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def word_count(text: str) -> dict[str, int]:
    return {"words": len(words(text)), "lines": len(text.splitlines()), "characters": len(text)}


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def detect_language(text: str) -> dict[str, Any]:
    """The language whose common words are most frequent; "und" (undetermined) if none match."""
    counts = Counter(words(text))
    scores = {lang: sum(counts[word] for word in stop) for lang, stop in _STOPWORDS.items()}
    best = max(scores, key=lambda lang: scores[lang])
    total = sum(counts.values())
    if scores[best] == 0:
        return {"language": "und", "confidence": 0.0}
    return {"language": best, "confidence": round(scores[best] / max(total, 1), 3)}


def tags(text: str, rules: Mapping[str, list[str]] | None = None) -> list[str]:
    """Tags whose keywords occur in the text as whole words, sorted."""
    present = set(words(text))
    rules = DEFAULT_TAG_RULES if rules is None else rules
    return sorted(tag for tag, keywords in rules.items()
                  if any(str(keyword).lower() in present for keyword in keywords))
