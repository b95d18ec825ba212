"""Microsoft GraphRAG (standard method — the only one that runs offline here) against the stand-in:
`graphrag init`, then settings.yaml pointed at the stand-in (`api_base`, small models, no cache,
o200k_base from TIKTOKEN_CACHE_DIR, LITELLM_LOCAL_MODEL_COST_MAP so litellm does not fetch its price
list), one text file per transcript, then the indexing pipeline through its Python API
(`graphrag.api.build_index`, what `graphrag index` runs) in this process, its imports and config
loading before the clock as every other system's. Counts come from its output tables."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from timed_run import Clock, arguments, report, texts

DEFAULT_CONCURRENCY = 25  # GraphRagConfigDefaults.concurrent_requests


def main() -> None:
    args = arguments()
    import pandas as pd
    import yaml

    root = Path(args.workdir) / "graphrag"
    root.mkdir(parents=True)
    bin_dir = Path(sys.executable).parent
    subprocess.run([str(bin_dir / "graphrag"), "init", "--root", str(root), "--model", "gpt-4o-mini",
                    "--embedding", "text-embedding-3-small"], check=True, capture_output=True, text=True,
                   input="\n\n")  # fmt: skip
    settings = yaml.safe_load((root / "settings.yaml").read_text())
    for group in ("completion_models", "embedding_models"):
        for model in settings[group].values():
            model.update(api_base=args.base_url, api_key=args.api_key)
    settings["cache"] = {"type": "none"}
    # the stand-in's vectors are 384-d; `graphrag index` learns that from a probe call before indexing
    settings["vector_store"]["vector_size"] = 384
    concurrency = args.concurrency or DEFAULT_CONCURRENCY
    settings["concurrent_requests"] = concurrency
    (root / "settings.yaml").write_text(yaml.safe_dump(settings))
    (root / "input").mkdir(exist_ok=True)
    for doc in texts(args.input):
        (root / "input" / f"{doc['name']}.txt").write_text(doc["text"])
    import asyncio

    import graphrag.api as api
    from graphrag.config.load_config import load_config

    config = load_config(root_dir=root)
    # GraphRAG imports much of itself lazily, inside the pipeline (spaCy, lancedb, litellm): import it
    # all here, so its clock, like everyone's, starts with the code loaded
    import contextlib
    import importlib
    import pkgutil

    import graphrag.index.workflows as workflows

    for module in pkgutil.iter_modules(workflows.__path__):
        importlib.import_module(f"{workflows.__name__}.{module.name}")
    for name in ("lancedb", "litellm", "graphrag_vectors.lancedb", "graspologic", "networkx"):
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    with Clock() as clock:
        outputs = asyncio.run(api.build_index(config=config, method="standard"))
    failed = [o for o in outputs if o.error is not None]
    if failed:
        raise SystemExit(f"graphrag indexing failed: {failed[0].workflow}: {failed[0].error}")
    output = root / "output"
    nodes = len(pd.read_parquet(output / "entities.parquet"))
    relations = len(pd.read_parquet(output / "relationships.parquet"))
    notes = "standard method: extraction + gleaning + summaries + community reports; its Python API"
    notes = "standard method: extraction + gleaning + summaries + community reports; its Python API"
    report(clock, nodes, relations, concurrency, notes)


main()
