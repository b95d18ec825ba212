"""Deterministic ids: the same thing always gets the same id; namespaces never share one."""

from backend.domain import Entity, EntityType, Transcript, make_id, normalise_key


def test_ids_ignore_case_accents_punctuation_and_spacing():
    assert normalise_key("  Café  Müller, Inc. ") == "cafe muller inc"
    assert make_id("entity", "ns", "ACME corp") == make_id("entity", "ns", "Acme  Corp.")


def test_ids_differ_by_namespace_and_kind():
    a = Entity.id_for("team-a", EntityType.PERSON, "Alice")
    assert a != Entity.id_for("team-b", EntityType.PERSON, "Alice")
    assert a != Entity.id_for("team-a", EntityType.ORGANIZATION, "Alice")
    assert Transcript.id_for("ns", "abc") == Transcript.id_for("ns", "abc")
