"""The canonical key of an entity name: what the deterministic entity id hashes, so the same thing
named differently ("Acme Corp.", "ACME corporation", "Acme's") meets the same node in every
transcript. Case, accents, punctuation, possessives, a leading "the" and, for organisations,
corporate suffixes do not count. Used by resolution and by relation building alike."""

from __future__ import annotations

import re

from backend.domain import EntityType, normalise_key

_SUFFIXES = re.compile(
    r"\b(inc|incorporated|corp|corporation|co|company|ltd|limited|llc|plc|gmbh|ag|sa|bv|pty|group)$"
)
_POSSESSIVE = re.compile(r"['’]s\b")


def canonical_key(name: str, kind: EntityType) -> str:
    key = normalise_key(_POSSESSIVE.sub("", name))
    key = re.sub(r"^the ", "", key)
    if kind is EntityType.ORGANIZATION:
        while True:
            stripped = _SUFFIXES.sub("", key).strip()
            if stripped == key or not stripped:
                break
            key = stripped
    return key
