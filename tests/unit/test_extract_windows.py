"""Extraction windows: consecutive chunks grouped for one LLM call, the answer credited back to the
chunks that name each entity and relation."""

from __future__ import annotations

from backend.llm.llm_extract import merge, quote, split, windows
from backend.llm.port import ChunkExtraction, ChunkText
from backend.llm.schema import Extraction, extraction_json_schema


def chunk(index: int, *lines: tuple[str, str]) -> ChunkText:
    text = "\n".join(f"{s}: {t}" for s, t in lines)
    return ChunkText(
        id=f"c{index}", index=index, text=text, speakers=[s for s, _ in lines], lines=list(lines)
    )


A = chunk(0, ("Ann", "Northwind signed the pilot."), ("Bob", "Great news."))
B = chunk(1, ("Bob", "Great news."), ("Ann", "Sven Larsen from Maritime Mutual called."))
C = chunk(2, ("Cid", "The trackers ship from Eindhoven in June. " + "word " * 120))


def test_windows_group_whole_consecutive_chunks_up_to_the_budget():
    assert windows([C, A, B], 60) == [[A, B], [C]]
    assert windows([A, B, C], 0) == [[A], [B], [C]]
    assert windows([A, B, C], 10_000) == [[A, B, C]]


def test_merge_keeps_each_shared_turn_once():
    merged = merge([A, B])
    assert merged.text.count("Great news.") == 1
    assert merged.id == "c0" and merged.speakers == ["Ann", "Bob"]


def test_split_credits_each_entity_and_relation_to_the_chunks_that_name_them():
    extraction = Extraction.model_validate({
        "entities": [
            {"name": "Northwind", "type": "Organization"},
            {"name": "Sven Larsen", "type": "Person"},
            {"name": "Maritime Mutual", "type": "Organization"},
            {"name": "the pilot programme", "type": "Concept"},  # paraphrase: in no chunk verbatim
        ],
        "relations": [
            {"source": "Sven Larsen", "target": "Maritime Mutual", "type": "WORKS_FOR"},
            {"source": "Northwind", "target": "Sven Larsen", "type": "CONTACTED_BY"},
        ],
    })  # fmt: skip
    result = ChunkExtraction(chunk_id="c0", extraction=extraction)
    result.usage.llm_calls = 1
    first, second = split(result, [A, B])
    assert {e.name for e in first.extraction.entities} >= {"Northwind", "the pilot programme"}
    assert {e.name for e in second.extraction.entities} == {"Sven Larsen", "Maritime Mutual"}
    assert [r.type for r in second.extraction.relations] == ["WORKS_FOR"]
    # no chunk names both ends: the relation is evidenced by its source's chunk, and no mention of
    # Sven Larsen is invented for a chunk that does not name him
    assert [r.type for r in first.extraction.relations] == ["CONTACTED_BY"]
    assert "Sven Larsen" not in {e.name for e in first.extraction.entities}
    assert first.usage.llm_calls == 1 and second.usage.llm_calls == 0  # one call, counted once


def test_a_failed_window_fails_each_of_its_chunks_with_the_reason():
    failed = split(ChunkExtraction(chunk_id="c0", error="invalid model output"), [A, B])
    assert [f.error for f in failed] == ["invalid model output", "invalid model output"]
    assert [f.chunk_id for f in failed] == ["c0", "c1"]


def test_names_are_found_as_whole_words_ignoring_case_as_the_regex_finds_them():
    import re

    from backend.llm.llm_extract import _Naming

    texts = ["Ann: ask NORTHWIND about it", "Bob: northwinds are not it", "Cid: the ſam team met Sam",
             "Dee: Zoë said so", "Eve: zoë-ish, Ann?"]  # fmt: skip
    window = [chunk(i, tuple(t.split(": ", 1))) for i, t in enumerate(texts)]
    naming = _Naming(window)
    for name in ("Northwind", "northwinds", "Sam", "Zoë", "Ann", "it", "the", "Ann?"):
        pattern = re.compile(rf"(?<!\w){re.escape(name)}(?!\w)", re.IGNORECASE)
        assert naming.chunks(name) == [c.id for c in window if pattern.search(c.text)], name


def test_a_relations_description_is_the_sentence_of_its_chunk_that_states_it():
    extraction = Extraction.model_validate({
        "entities": [],
        "relations": [
            {"source": "Sven Larsen", "target": "Maritime Mutual", "type": "WORKS_FOR"},
            {"source": "Ann", "target": "Northwind", "type": "ANNOUNCED"},  # Ann speaks: named by her words
            {"source": "Bob", "target": "Maritime Mutual", "type": "HEARD_OF"},  # one end named
            {"source": "Zed", "target": "Quux", "type": "UNSTATED"},
            {"source": "Ann", "target": "Bob", "type": "THANKED", "description": "Ann thanked Bob."},
        ],
    })  # fmt: skip
    first, second = split(ChunkExtraction(chunk_id="c0", extraction=extraction), [A, B])
    said = {r.type: r.description for r in first.extraction.relations + second.extraction.relations}
    assert said == {
        "WORKS_FOR": "Sven Larsen from Maritime Mutual called.",
        "ANNOUNCED": "Northwind signed the pilot.",
        "HEARD_OF": "Sven Larsen from Maritime Mutual called.",
        "UNSTATED": "",
        "THANKED": "Ann thanked Bob.",  # a model that writes one anyway keeps it
    }
    long = quote(chunk(3, ("Ann", "Northwind " + "very " * 200 + "big.")), "Ann", "Northwind")
    assert len(long) <= 500 and long.endswith("very…")  # the schema's bound, cut at a word
    # a titled name is not cut at its title's full stop; a sentence only said by an end describes nothing
    said = chunk(4, ("Ann", "Thanks. Mr. Smith met Dr. Jones in Rotterdam."))
    assert quote(said, "Mr. Smith", "Dr. Jones") == "Mr. Smith met Dr. Jones in Rotterdam."
    assert quote(chunk(5, ("Ann", "Thanks.")), "Ann", "Northwind") == ""


def test_models_are_not_asked_for_relation_descriptions():
    schema = extraction_json_schema()
    relation = schema["$defs"]["ExtractedRelation"]
    assert set(relation["properties"]) == set(relation["required"]) == {"source", "target", "type"}
    assert "description" in schema["$defs"]["ExtractedEntity"]["required"]
