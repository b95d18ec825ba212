"""Run at image build: load every offline model from its installed package, so a missing or broken
model fails `docker build` instead of the first request."""

import spacy

from backend.embed.minilm import MiniLMEmbedder
from backend.llm.spacy_extract import MODEL

spacy.load(MODEL)
vectors = MiniLMEmbedder(threads=1).embed_sync(["Ada Lovelace met Charles Babbage in London."])
assert len(vectors[0]) == 384, len(vectors[0])
print("offline models ok")
