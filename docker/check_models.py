"""Run at image build: load every offline model from its installed package, so a missing or broken
model fails `docker build` instead of the first request."""

import tempfile
from pathlib import Path

import spacy

from backend.embed.bge import BgeSmallEmbedder
from backend.embed.minilm import MiniLMEmbedder
from backend.llm.spacy_extract import MODEL
from backend.speech.whisper_model import model_dir

spacy.load(MODEL)
for embedder in (MiniLMEmbedder(sessions=1), BgeSmallEmbedder(sessions=1)):
    vectors = embedder.embed_sync(["Ada Lovelace met Charles Babbage in London."])
    assert len(vectors[0]) == 384, (embedder.name, len(vectors[0]))
with tempfile.TemporaryDirectory() as tmp:
    from faster_whisper import WhisperModel

    WhisperModel(str(model_dir(Path(tmp))), device="cpu", compute_type="int8")  # checksum + load
print("offline models ok")
