"""The graph: one GraphStore over two Cypher dialects (embedded FalkorDB by default, Neo4j in production)."""

from .factory import open_graph_store
from .store import GraphStore

__all__ = ["GraphStore", "open_graph_store"]
