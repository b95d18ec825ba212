"""The baseline `weaver eval turns` must beat: plain BM25 over windows of whole turns, every meeting in
one index (the one-namespace setting), scored exactly as the eval scores citations (a span is found
when a window of the right meeting overlaps it). No chunking, embeddings or graph: a few lines of a
lexical library over the raw QMSum files.

    .venv/bin/python bench/bm25_baseline.py ../shared/data/qmsum-val [--half report] [--words 75 250]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

import bm25s
import Stemmer

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from backend.evaluate import half_of  # noqa: E402


def windows(turns: list[dict], words: int) -> list[tuple[int, int, str]]:
    """Consecutive whole turns of about `words` words: (first turn, last turn, text)."""
    out, start, text = [], 0, []
    for n, turn in enumerate(turns):
        text.append(f"{turn.get('speaker', '')}: {turn['content']}")
        if sum(len(t.split()) for t in text) >= words:
            out.append((start, n, "\n".join(text)))
            start, text = n + 1, []
    if text:
        out.append((start, len(turns) - 1, "\n".join(text)))
    return out


def run(paths: list[Path], half: str, words: int, k: int) -> tuple[float, float]:
    docs, owners = [], []
    for path in paths:
        for first, last, text in windows(json.loads(path.read_text())["meeting_transcripts"], words):
            docs.append(text)
            owners.append((path.stem, first, last))
    stemmer = Stemmer.Stemmer("english")
    index = bm25s.BM25()
    index.index(
        bm25s.tokenize(docs, stopwords="en", stemmer=stemmer, show_progress=False), show_progress=False
    )
    recalls, context = [], []
    for path in paths:
        if half != "all" and half_of(path) != half:
            continue
        for query in json.loads(path.read_text()).get("specific_query_list") or []:
            spans = [(int(a), int(b)) for a, b in query["relevant_text_span"]]
            tokens = bm25s.tokenize([query["query"]], stopwords="en", stemmer=stemmer, show_progress=False)
            hits, _ = index.retrieve(tokens, k=k, show_progress=False)
            top = [owners[int(i)] for i in hits[0]]
            found = sum(
                any(m == path.stem and first <= b and a <= last for m, first, last in top) for a, b in spans
            )
            recalls.append(found / len(spans))
            context.append(sum(len(docs[int(i)].split()) for i in hits[0]))
    return statistics.mean(recalls), statistics.mean(context)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--half", choices=["report", "tune", "all"], default="report")
    parser.add_argument("--words", type=int, nargs="+", default=[75, 250])
    parser.add_argument("--k", type=int, default=10)
    args = parser.parse_args()
    paths = sorted(args.folder.glob("*.json"))
    print(f"| plain BM25, one index | recall@{args.k} | words/question |\n|---|---:|---:|")
    for words in args.words:
        recall, context = run(paths, args.half, words, args.k)
        print(f"| {words}-word windows of whole turns | {recall:.3f} | {context:.0f} |")


if __name__ == "__main__":
    main()
