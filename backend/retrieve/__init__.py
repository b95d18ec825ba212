"""Question → evidence (hybrid retrieval over vector, full-text and graph) → a cited answer."""
