"""KnowledgeWeaver: observability-first GraphRAG over voice transcripts."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("knowledgeweaver")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+source"
