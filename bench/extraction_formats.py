"""What the LLM stand-in answers, per calling system: the same names (capitalised words of the
prompt's input text) in each system's own extraction format. Recognised by the prompts' own markers:

- KnowledgeWeaver: `json_schema` response format named `extract` (our schema).
- LightRAG: `<|#|>` rows (`entity<|#|>name<|#|>type<|#|>description`, `relation<|#|>…`) ending
  `<|COMPLETE|>`; its "missed entities" follow-up gets `<|COMPLETE|>` alone.
- Microsoft GraphRAG: `("entity"<|>NAME<|>TYPE<|>description)##…<|COMPLETE|>`; its gleaning check
  ("Answer Y or N") gets `N`.
- Graphiti, neo4j-graphrag and anything else asking for a `json_schema`: an instance of the schema,
  names filled in where the schema has name-like string fields.
- neo4j-graphrag's JSON-object extraction: `{"nodes": [...], "relationships": [...]}`.
"""

from __future__ import annotations

import json
import re
from itertools import pairwise

_NAME = re.compile(r"\b[A-Z][a-z]{2,}(?: [A-Z][a-z]{2,})*\b")
# A model names more in a longer text: one name per this many words of input (at least 3), the
# distinct capitalised names in order. ~12 for a 1,000-token window, ~15 for a 1,200-token chunk.
WORDS_PER_NAME = 60


def names_in(text: str) -> list[str]:
    limit = max(3, round(len(text.split()) / WORDS_PER_NAME))
    return list(dict.fromkeys(_NAME.findall(text)))[:limit]


def _between(text: str, start: str, end: str) -> str | None:
    i = text.rfind(start)
    if i < 0:
        return None
    j = text.find(end, i + len(start))
    return text[i + len(start) : j if j >= 0 else None]


def input_text(prompt: str) -> str:
    """The part of a prompt that is the document, by each system's markers; else the whole prompt."""
    for start, end in (
        ("Transcript chunk:", "\x00"),                # KnowledgeWeaver
        ("---Input Text---\n```", "```"),             # LightRAG
        ("Text: ", "######################"),        # GraphRAG
        ("<CURRENT MESSAGE>", "</CURRENT MESSAGE>"),  # Graphiti episodes
        ("<CURRENT_MESSAGE>", "</CURRENT_MESSAGE>"),
        ("Input text:", "\x00"),                      # neo4j-graphrag
    ):  # fmt: skip
        found = _between(prompt, start, end)
        if found and found.strip():
            return found
    return prompt


# --- per system --------------------------------------------------------------------------------
def ours(names: list[str], schema: dict | None = None) -> dict:
    """Descriptions written as the peers' are (LightRAG's, GraphRAG's sentences below) wherever our
    schema asks for one: a real model fills every field it is given."""
    defs = (schema or {}).get("$defs", {})
    asks = {kind: "description" in defs.get(kind, {}).get("properties", {"description": 1})
            for kind in ("ExtractedEntity", "ExtractedRelation")}  # fmt: skip

    def entity(n: str) -> dict:
        return {"name": n, "type": "Concept"} | (
            {"description": f"{n} is mentioned in the text."} if asks["ExtractedEntity"] else {}
        )

    def relation(a: str, b: str) -> dict:
        return {"source": a, "target": b, "type": "MENTIONED_WITH"} | (
            {"description": f"{a} and {b} are mentioned together."} if asks["ExtractedRelation"] else {}
        )

    return {"entities": [entity(n) for n in names], "relations": [relation(a, b) for a, b in pairwise(names)]}


def lightrag(names: list[str]) -> str:
    d = "<|#|>"
    rows = [f"entity{d}{n}{d}Other{d}{n} is mentioned in the text." for n in names]
    rows += [
        f"relation{d}{a}{d}{b}{d}mentioned together{d}{a} and {b} are mentioned together."
        for a, b in pairwise(names)
    ]
    return "\n".join([*rows, "<|COMPLETE|>"])


def graphrag(names: list[str]) -> str:
    rows = [f'("entity"<|>{n.upper()}<|>ORGANIZATION<|>{n} is mentioned in the text)' for n in names]
    rows += [
        f'("relationship"<|>{a.upper()}<|>{b.upper()}<|>{a} and {b} are mentioned together<|>1)'
        for a, b in pairwise(names)
    ]
    return "##".join(rows) + "<|COMPLETE|>"


def neo4j_graphrag_schema() -> dict:
    """neo4j-graphrag's schema-from-text step: one node type, one relation type, one pattern."""
    prop = {"name": "name", "type": "STRING", "description": "The entity's name."}
    return {
        "node_types": [{"label": "Entity", "description": "A named thing.", "properties": [prop]}],
        "relationship_types": [
            {"label": "MENTIONED_WITH", "description": "Mentioned together.", "properties": []}
        ],
        "patterns": [{"source": "Entity", "relationship": "MENTIONED_WITH", "target": "Entity"}],
        "constraints": [],
    }


def neo4j_graphrag(names: list[str]) -> dict:
    return {
        "nodes": [{"id": str(i), "label": "Entity", "properties": {"name": n}} for i, n in enumerate(names)],
        "relationships": [
            {"type": "MENTIONED_WITH", "start_node_id": str(i), "end_node_id": str(i + 1), "properties": {}}
            for i in range(len(names) - 1)
        ],
    }


_NAME_FIELDS = {"name", "entity_name", "node_name", "source_entity_name", "target_entity_name"}


def schema_instance(schema: dict, names: list[str], root: dict | None = None, key: str = "", index: int = 0):
    """A value valid against a JSON schema: arrays get one item per name, name-like strings the names."""
    root = root or schema
    if "$ref" in schema:
        target = root
        for part in schema["$ref"].lstrip("#/").split("/"):
            target = target[part]
        return schema_instance(target, names, root, key, index)
    for combinator in ("anyOf", "oneOf", "allOf"):
        if combinator in schema:
            options = [o for o in schema[combinator] if o.get("type") != "null"] or schema[combinator]
            return schema_instance(options[0], names, root, key, index)
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    kind = schema.get("type", "object")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    if kind == "object":
        properties = schema.get("properties", {})
        return {k: schema_instance(v, names, root, k, index) for k, v in properties.items()}
    if kind == "array":
        count = len(names) if names else 0
        if key in {"duplicates", "duplicate_idx", "invalidated_edges", "invalidate_edges"}:
            count = 0  # nothing is a duplicate: every system then keeps every name
        return [schema_instance(schema.get("items", {}), names, root, key, i) for i in range(count)]
    if kind in ("integer", "number"):
        if key.endswith(("_id", "_idx", "idx", "id")) or "index" in key:
            return index
        return 1
    if kind == "boolean":
        return False
    name = names[index % len(names)] if names else "Nothing"
    if key in _NAME_FIELDS or key.endswith("name"):
        if key.startswith("target"):
            return names[(index + 1) % len(names)] if names else name
        return name
    if key in ("relation_type", "type", "label"):
        return "MENTIONED_WITH" if "relation" in key else "Entity"
    if key in ("fact", "summary", "description"):
        return f"{name} is mentioned in the text."
    return name


# --- dispatch ----------------------------------------------------------------------------------
def answer(body: dict, prompt: str) -> str:
    """The assistant message content for one chat completion request."""
    last_user = next((m for m in reversed(body["messages"]) if m.get("role") == "user"), {})
    last = last_user.get("content") if isinstance(last_user.get("content"), str) else prompt
    if "<|#|>" in prompt:  # LightRAG
        if "identify and extract any missed" in last:
            return "<|COMPLETE|>"
        return lightrag(names_in(input_text(prompt)))
    if "<|>" in prompt and '"entity"' in prompt:  # GraphRAG
        if "Answer Y or N" in last or "answer Y or N" in last or "YES | NO" in last:
            return "N"
        if "MANY entities were missed" in last:
            return "<|COMPLETE|>"
        return graphrag(names_in(input_text(prompt)))
    response_format = body.get("response_format") or {}
    names = names_in(input_text(prompt))
    if response_format.get("type") == "json_schema":
        spec = response_format["json_schema"]
        if spec.get("name") == "extract":
            return json.dumps(ours(names_in(prompt.split("Transcript chunk:", 1)[-1]), spec.get("schema")))
        if spec.get("name") == "GraphSchemaExtractionOutput":
            return json.dumps(neo4j_graphrag_schema())
        if spec.get("name") == "Neo4jGraph":
            return json.dumps(neo4j_graphrag(names))
        return json.dumps(schema_instance(spec.get("schema", {}), names))
    if response_format.get("type") == "json_object" or '"nodes"' in prompt:
        return json.dumps(neo4j_graphrag(names))
    if "Transcript chunk:" in prompt:  # our prompt without structured output
        return json.dumps(ours(names))
    return f"{', '.join(names) or 'Nothing'} are mentioned."  # summaries, descriptions, reports
