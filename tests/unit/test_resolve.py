"""Entity resolution with the real offline embedder: what should merge merges, what must not doesn't."""

from __future__ import annotations

from backend.domain import Entity, EntityType
from backend.ingest.names import canonical_key
from backend.ingest.resolve import Existing, resolve
from backend.llm.port import ChunkExtraction
from backend.llm.schema import ExtractedEntity, ExtractedRelation, Extraction

P, ORG, C = EntityType.PERSON, EntityType.ORGANIZATION, EntityType.CONCEPT


def chunk(chunk_id: str, entities, relations=(), candidates=()) -> ChunkExtraction:
    return ChunkExtraction(
        chunk_id=chunk_id,
        extraction=Extraction(
            entities=[ExtractedEntity(name=n, type=t) for n, t in entities],
            relations=[ExtractedRelation(source=s, target=t, type=k) for s, k, t in relations],
        ),
        candidates=list(candidates),
    )


def test_canonical_keys_ignore_case_punctuation_possessives_and_suffixes():
    assert canonical_key("Acme Corp.", ORG) == canonical_key("ACME corporation", ORG) == "acme"
    assert canonical_key("Acme's", ORG) == "acme"
    assert canonical_key("The Northwind Logistics Inc", ORG) == "northwind logistics"
    assert canonical_key("Bob's", P) == "bob"
    assert canonical_key("the remote control", C) == "remote control"


async def test_surface_forms_merge_into_one_entity_with_aliases(embedder):
    extractions = [
        chunk("c1", [("Acme Corp.", ORG), ("Bob Smith", P)], [("Bob Smith", "WORKS_FOR", "Acme Corp.")]),
        chunk("c2", [("ACME corporation", ORG), ("Bob", P)], [("Bob", "WORKS_FOR", "ACME corporation")]),
        chunk("c3", [("Acme's", ORG)]),
    ]
    out = await resolve("ns", extractions, chunk_speakers={}, embed=embedder.embed)
    names = {e.name: e for e in out.entities}
    assert set(names) == {"Acme Corp.", "Bob Smith"} or set(names) == {"ACME corporation", "Bob Smith"}
    acme = next(e for e in out.entities if e.type is ORG)
    assert set(acme.aliases) | {acme.name} == {"Acme Corp.", "ACME corporation", "Acme's"}
    assert acme.mention_count == 3
    # both chunks' WORKS_FOR facts land on one relation with two pieces of evidence
    [works_for] = out.relations
    assert works_for.evidence_chunk_ids == ["c1", "c2"]
    assert out.merged == 3  # five surface forms, two entities


async def test_speakers_are_people_and_meet_their_short_names(embedder):
    extractions = [chunk("c1", [("Maria", P)], [("Maria", "MET", "Sven Larsen")]), chunk("c2", [])]
    out = await resolve(
        "ns", extractions, chunk_speakers={"c1": ["Maria Chen"], "c2": ["Maria Chen", "Sven Larsen"]},
        embed=embedder.embed,
    )  # fmt: skip
    people = {e.name: e for e in out.entities}
    assert set(people) == {"Maria Chen", "Sven Larsen"}
    assert people["Maria Chen"].aliases == ["Maria"]
    assert people["Maria Chen"].mention_count == 3  # speaks in c1 and c2, named in c1
    assert [(r.source_id, r.type, r.target_id) for r in out.relations] == [
        (people["Maria Chen"].id, "MET", people["Sven Larsen"].id)
    ]


async def test_different_people_with_similar_names_never_merge(embedder):
    extractions = [chunk("c1", [("Jen", P), ("Ken", P)])]
    out = await resolve("ns", extractions, chunk_speakers={"c1": ["Grad A", "Grad B"]}, embed=embedder.embed)
    assert sorted(e.name for e in out.entities) == ["Grad A", "Grad B", "Jen", "Ken"]
    assert out.merged == 0


async def test_ambiguous_short_names_stay_apart(embedder):
    extractions = [chunk("c1", [("Alex", P), ("Alex Kim", P), ("Alex Moreau", P)])]
    out = await resolve("ns", extractions, chunk_speakers={}, embed=embedder.embed)
    assert sorted(e.name for e in out.entities) == ["Alex", "Alex Kim", "Alex Moreau"]


async def test_concept_candidates_must_recur(embedder):
    extractions = [
        chunk("c1", [("battery life", C), ("lunch menu", C)], candidates=["battery life", "lunch menu"]),
        chunk("c2", [("battery life", C)], candidates=["battery life"]),
    ]
    out = await resolve("ns", extractions, chunk_speakers={}, embed=embedder.embed)
    assert [e.name for e in out.entities] == ["battery life"]
    assert out.dropped_candidates == 1


async def test_new_names_join_existing_entities_of_the_namespace(embedder):
    existing = [
        Existing(id="en_northwind", name="Northwind Logistics", type=ORG, similarity=None),
        Existing(id="en_tomas", name="Tomás Silva", type=P, similarity=None),
        Existing(id="en_other_person", name="Grad B", type=P, similarity=0.97),
    ]

    async def find_existing(namespace, probes):
        return [existing for _ in probes]

    extractions = [chunk("c1", [("Northwind", ORG), ("Tomás", P), ("Grad A", P)])]
    out = await resolve(
        "ns", extractions, chunk_speakers={}, embed=embedder.embed, find_existing=find_existing
    )
    ids = {e.name: e.id for e in out.entities}
    assert ids["Northwind"] == "en_northwind" and ids["Tomás"] == "en_tomas"
    assert ids["Grad A"] != "en_other_person"  # a close vector is never enough to make two people one


PLACE, PRODUCT = EntityType.PLACE, EntityType.PRODUCT


async def test_one_name_is_one_entity_typed_by_its_mentions(embedder):
    # the model calls Atlas a person once and a product twice, Rotterdam a person and a place twice
    extractions = [
        chunk("c1", [("Atlas", P), ("Rotterdam", P)]),
        chunk("c2", [("Atlas", PRODUCT), ("Rotterdam", PLACE)]),
        chunk("c3", [("Atlas", PRODUCT), ("Rotterdam", PLACE)], [("Atlas", "SHIPS_TO", "Rotterdam")]),
    ]
    out = await resolve("ns", extractions, chunk_speakers={}, embed=embedder.embed)
    assert {(e.name, e.type) for e in out.entities} == {("Atlas", PRODUCT), ("Rotterdam", PLACE)}
    [ships] = out.relations  # the relation found its ends whatever type they were given there
    assert ships.type == "SHIPS_TO"


async def test_a_speakers_first_name_is_the_speaker_whatever_the_model_called_it(embedder):
    extractions = [chunk("c1", [("Priya", ORG)]), chunk("c2", [("Aisha", PLACE), ("Aisha Bello", P)])]
    out = await resolve("ns", extractions, chunk_speakers={"c1": ["Priya Raman"]}, embed=embedder.embed)
    people = {e.name: e for e in out.entities}
    assert set(people) == {"Priya Raman", "Aisha Bello"}
    assert all(e.type is P for e in out.entities)
    assert people["Priya Raman"].aliases == ["Priya"] and people["Aisha Bello"].aliases == ["Aisha"]


async def test_a_speaker_is_a_person_even_when_outvoted(embedder):
    extractions = [chunk(f"c{i}", [("Jordan", ORG)]) for i in range(3)]
    out = await resolve("ns", extractions, chunk_speakers={"c9": ["Jordan"]}, embed=embedder.embed)
    assert [(e.name, e.type) for e in out.entities] == [("Jordan", P)]


async def test_a_name_already_in_the_namespace_keeps_its_node_and_type(embedder):
    """Later transcripts meet the entity the namespace already holds, whatever type they give it."""
    maria = Existing(id="person-maria", name="Maria Chen", type=P, similarity=None)
    atlas = Existing(id="product-atlas", name="Atlas", type=PRODUCT, similarity=None)

    async def find_existing(namespace, names):
        return [[maria, atlas] for _ in names]

    extractions = [chunk("c1", [("Maria", ORG), ("Atlas", P)])]
    out = await resolve(
        "ns", extractions, chunk_speakers={}, embed=embedder.embed, find_existing=find_existing
    )
    assert {(e.id, e.type) for e in out.entities} == {("person-maria", P), ("product-atlas", PRODUCT)}


async def test_relations_follow_a_name_folded_into_a_person(embedder):
    extractions = [chunk("c1", [("Priya", ORG), ("Atlas", PRODUCT)], [("Priya", "DEMOED", "Atlas")])]
    out = await resolve("ns", extractions, chunk_speakers={"c1": ["Priya Raman"]}, embed=embedder.embed)
    [demoed] = out.relations
    ids = {e.name: e.id for e in out.entities}
    assert (demoed.source_id, demoed.target_id) == (ids["Priya Raman"], ids["Atlas"])


async def test_an_entitys_id_is_its_names_whatever_form_this_job_met_first(embedder):
    """Two jobs writing at once cannot see each other's entities: the same name and type must hash to
    the same id in both, or their MERGEs make two nodes (found with QMSum meetings ingested together)."""
    first_short = [
        chunk("c1", [("Bob", P)]),
        chunk("c2", [("Bob Smith", P)]),
        chunk("c3", [("Bob Smith", P)]),
    ]
    only_full = [chunk("c9", [("Bob Smith", P)])]
    a = await resolve("ns", first_short, chunk_speakers={}, embed=embedder.embed)
    b = await resolve("ns", only_full, chunk_speakers={}, embed=embedder.embed)
    [bob_a], [bob_b] = a.entities, b.entities
    assert bob_a.name == bob_b.name == "Bob Smith" and bob_a.aliases == ["Bob"]
    assert bob_a.id == bob_b.id == Entity.id_for("ns", P, "bob smith")
