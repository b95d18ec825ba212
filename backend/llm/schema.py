"""The one extraction schema: every extractor's output, LLM or not, validates against it, and LLMs
are given its JSON form (a Bedrock tool's input schema, an OpenAI `json_schema` response format) —
less what the transcript already says: a relation's description is the sentence that states it,
quoted by the extractor (`llm_extract.split`, as the offline extractor does), not written by the model.
Output tokens are the slowest and dearest part of an extraction call; a relation's description was
about a third of them."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from backend.domain import MAX_NAME_CHARS, EntityType

RELATION_TYPE = r"^[A-Z][A-Z0-9_]{0,63}$"


class ExtractedEntity(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=MAX_NAME_CHARS, description="The name as said in the text.")
    type: EntityType
    description: str = Field(
        "", max_length=500, description="One short sentence from the text's point of view."
    )


class ExtractedRelation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source: str = Field(min_length=1, max_length=MAX_NAME_CHARS, description="Name of an extracted entity.")
    target: str = Field(min_length=1, max_length=MAX_NAME_CHARS, description="Name of an extracted entity.")
    type: str = Field(pattern=RELATION_TYPE, description="UPPER_SNAKE_CASE verb phrase, e.g. WORKS_FOR.")
    description: str = Field("", max_length=500, description="The sentence of the text that states it.")


class Extraction(BaseModel):
    model_config = ConfigDict(extra="forbid")

    entities: list[ExtractedEntity] = Field(default_factory=list, max_length=100)
    relations: list[ExtractedRelation] = Field(default_factory=list, max_length=200)


def extraction_json_schema() -> dict:
    """Strict JSON schema (every property required, no extras), as OpenAI strict mode wants it."""
    schema = Extraction.model_json_schema()

    def strict(node: dict) -> None:
        if node.get("type") == "object" and "properties" in node:
            node["required"] = list(node["properties"])
            node["additionalProperties"] = False
        for value in node.values():
            if isinstance(value, dict):
                strict(value)
            elif isinstance(value, list):
                for item in value:
                    if isinstance(item, dict):
                        strict(item)

    del schema["$defs"]["ExtractedRelation"]["properties"]["description"]  # quoted, not generated
    strict(schema)
    for definition in schema.get("$defs", {}).values():
        strict(definition)
    return schema
