"""One module per LLM task; each has a VERSION that is part of the cache key."""
