"""Turn driver values (nodes, relationships, paths, temporal types) into plain JSON-able data.

Vectors are summarised rather than returned: a 384-float list per node makes the console unreadable.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time
from typing import Any

VECTOR_KEYS = frozenset({"embedding"})


def _properties(props: Mapping[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in props.items():
        if key in VECTOR_KEYS and isinstance(value, list | tuple):
            out[key] = f"<vector[{len(value)}]>"
        else:
            out[key] = to_plain(value)
    return out


def to_plain(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    kind = type(value).__name__
    module = type(value).__module__
    # before Mapping: the neo4j driver's nodes and relationships are Mappings of their properties
    if module.startswith("falkordb"):
        return _falkordb_value(kind, value)
    if module.startswith("neo4j"):
        return _neo4j_value(kind, value)
    if isinstance(value, Mapping):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_plain(v) for v in value]
    if hasattr(value, "iso_format"):  # neo4j.time types
        return value.iso_format()
    return str(value)


def _falkordb_value(kind: str, value: Any) -> Any:
    if kind == "Node":
        return {"_id": value.id, "_labels": list(value.labels or []), **_properties(value.properties)}
    if kind == "Edge":
        src, dst = value.src_node, value.dest_node
        return {
            "_id": value.id,
            "_type": value.relation,
            "_start": getattr(src, "id", src),
            "_end": getattr(dst, "id", dst),
            **_properties(value.properties),
        }
    if kind == "Path":
        return {"nodes": [to_plain(n) for n in value.nodes()], "edges": [to_plain(e) for e in value.edges()]}
    return str(value)


def _neo4j_value(kind: str, value: Any) -> Any:
    if kind == "Node":
        return {"_id": value.element_id, "_labels": sorted(value.labels), **_properties(dict(value))}
    if kind == "Relationship" or hasattr(value, "start_node"):
        return {
            "_id": value.element_id,
            "_type": value.type,
            "_start": value.start_node.element_id,
            "_end": value.end_node.element_id,
            **_properties(dict(value)),
        }
    if kind == "Path":
        return {
            "nodes": [to_plain(n) for n in value.nodes],
            "edges": [to_plain(r) for r in value.relationships],
        }
    if hasattr(value, "iso_format"):
        return value.iso_format()
    return str(value)
