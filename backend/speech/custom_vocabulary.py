"""Amazon Transcribe custom vocabularies for a namespace's names.

One vocabulary per namespace and content: `<service>-vocab-<namespace hash>-<content hash>`, the
content being the language and the set of names. The same names again find the vocabulary already
made (GetVocabulary: cached by content, across tasks and restarts); new names make a new one, and
the namespace's older ones are deleted once they are old enough that no job started with them can
still be running. A vocabulary is created PENDING and used only once READY; one that fails, or takes
too long, or any error of the vocabulary calls, means this recording is transcribed without it (the
names are still checked after transcription). At the account's limit of vocabularies (100), the
least recently made of ours that is old enough goes.

Phrases use the list format (`Phrases`): a name's words joined by hyphens ("Nordlys-Energy"), letters,
apostrophes and periods only. Names that cannot be written so (digits, letters outside a-z after
accents are taken off) are left out rather than mangled.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import time
import unicodedata
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from .port import Vocabulary

log = logging.getLogger(__name__)

READY_WAIT_S = 900.0  # a new vocabulary takes minutes to be READY; after this, transcribe without it
SUPERSEDED_AFTER_S = 3600.0  # an older vocabulary of the namespace is deleted once this old
MAX_BYTES = 50_000  # the service's size limit for one vocabulary
MAX_PHRASE_CHARS = 256
_NOT_ALLOWED = re.compile(r"[^A-Za-z'.]+")


def list_phrases(phrases: Sequence[str]) -> list[str]:
    """Names as Transcribe's list format wants them, in order, within the size limit."""
    out: list[str] = []
    size = 0
    for phrase in phrases:
        plain = "".join(c for c in unicodedata.normalize("NFKD", phrase) if not unicodedata.combining(c))
        if any(ch.isdigit() or (ch.isalpha() and not ch.isascii()) for ch in plain):
            continue
        words = [w.strip("'.") for w in _NOT_ALLOWED.split(plain)]
        entry = "-".join(w for w in words if w)
        if not entry or len(entry) > MAX_PHRASE_CHARS or entry in out:
            continue
        size += len(entry.encode()) + 1
        if size > MAX_BYTES:
            break
        out.append(entry)
    return out


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _code(exc: Exception) -> str:
    return getattr(exc, "response", {}).get("Error", {}).get("Code", type(exc).__name__)


class CustomVocabularies:
    def __init__(
        self,
        client,
        service_name: str,
        *,
        poll_max_s: float,
        ready_wait_s: float = READY_WAIT_S,
        superseded_after_s: float = SUPERSEDED_AFTER_S,
    ) -> None:
        self._client = client
        self._service = service_name
        self._poll_max_s = poll_max_s
        self._ready_wait_s = ready_wait_s
        self._superseded_after = timedelta(seconds=superseded_after_s)

    def namespace_prefix(self, namespace: str) -> str:
        return f"{self._service}-vocab-{_digest(namespace)[:12]}-"

    def name_for(self, vocabulary: Vocabulary, language_code: str, phrases: Sequence[str]) -> str:
        content = _digest(language_code + "\n" + "\n".join(phrases))[:16]
        return self.namespace_prefix(vocabulary.namespace) + content

    async def ready(self, vocabulary: Vocabulary, language_code: str) -> str | None:
        """The name of a READY vocabulary holding these names (made if need be), or None."""
        from botocore.exceptions import BotoCoreError, ClientError

        # A vocabulary is a set: sorted, the same names in another order are the same vocabulary.
        phrases = sorted(list_phrases(vocabulary.phrases))
        if not phrases:
            return None
        name = self.name_for(vocabulary, language_code, phrases)
        try:
            found = await asyncio.to_thread(self._get_or_create, name, language_code, phrases)
            deadline = time.monotonic() + self._ready_wait_s
            delay = 0.5
            while found.get("VocabularyState") == "PENDING" and time.monotonic() < deadline:
                await asyncio.sleep(delay)
                delay = min(delay * 2, self._poll_max_s)
                found = await asyncio.to_thread(self._client.get_vocabulary, VocabularyName=name)
        except (BotoCoreError, ClientError) as exc:
            log.warning("custom vocabulary unavailable", extra={"vocabulary": name, "error": _code(exc)})
            return None
        if found.get("VocabularyState") != "READY":
            log.warning(
                "custom vocabulary not ready; transcribing without it",
                extra={"vocabulary": name, "state": found.get("VocabularyState"),
                       "reason": found.get("FailureReason")},
            )  # fmt: skip
            return None
        return name

    def _get_or_create(self, name: str, language_code: str, phrases: list[str]) -> dict:
        from botocore.exceptions import ClientError

        try:
            return self._client.get_vocabulary(VocabularyName=name)
        except ClientError as exc:
            if _code(exc) != "NotFoundException":
                raise
        request = {"VocabularyName": name, "LanguageCode": language_code, "Phrases": phrases}
        try:
            return self._client.create_vocabulary(**request)
        except ClientError as exc:
            if _code(exc) == "ConflictException":  # another task made it meanwhile
                return self._client.get_vocabulary(VocabularyName=name)
            if _code(exc) == "LimitExceededException" and self._evict_oldest():
                return self._client.create_vocabulary(**request)
            raise

    def _ours(self, contains: str) -> list[dict]:
        found, token = [], None
        while True:
            page = self._client.list_vocabularies(
                NameContains=contains, MaxResults=100, **({"NextToken": token} if token else {})
            )
            found += [v for v in page.get("Vocabularies", []) if v["VocabularyName"].startswith(contains)]
            token = page.get("NextToken")
            if not token:
                return found

    def _old_enough(self, info: dict) -> bool:
        modified = info.get("LastModifiedTime")
        return modified is not None and datetime.now(UTC) - modified >= self._superseded_after

    def _evict_oldest(self) -> bool:
        """At the account's limit: delete the least recently made of our vocabularies that is old
        enough; whether one went."""
        candidates = [v for v in self._ours(f"{self._service}-vocab-") if self._old_enough(v)]
        if not candidates:
            return False
        oldest = min(candidates, key=lambda v: v["LastModifiedTime"])
        self._client.delete_vocabulary(VocabularyName=oldest["VocabularyName"])
        return True

    async def clean(self, namespace: str, keep: str) -> list[str]:
        """Delete the namespace's superseded vocabularies (all but `keep`, once old enough)."""
        from botocore.exceptions import BotoCoreError, ClientError

        def work() -> list[str]:
            gone = []
            for info in self._ours(self.namespace_prefix(namespace)):
                if info["VocabularyName"] != keep and self._old_enough(info):
                    try:
                        self._client.delete_vocabulary(VocabularyName=info["VocabularyName"])
                    except ClientError as exc:
                        if _code(exc) != "NotFoundException":  # another task deleted it first
                            raise
                    gone.append(info["VocabularyName"])
            return gone

        try:
            return await asyncio.to_thread(work)
        except (BotoCoreError, ClientError) as exc:
            log.warning("could not clean up custom vocabularies", extra={"error": _code(exc)})
            return []
