"""`weaver eval answers` on the examples' case file: offline (rules and extractive answers) and with
the LLM stand-in (condense calls and generated answers through the real SDK). The three-turn Northwind
conversation must come out fully right offline; the report's numbers mean what they say."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend import evaluate_answers as answers
from backend.cli import build_parser
from backend.config import load_settings
from backend.domain import Citation
from backend.runtime import open_runtime
from tests.support.llm_standins import Script, openai_handler, serve

pytestmark = pytest.mark.integration
CASES = Path(__file__).resolve().parents[2] / "examples" / "eval" / "answers.json"


def citation(text: str) -> Citation:
    return Citation(transcript_id="t", title="x", chunk_id="c", text=text, speakers=[], start_s=None,
                    end_s=None, turn_start=0, turn_end=1, score=0.0)  # fmt: skip


def test_a_fact_counts_as_cited_only_where_the_cited_passage_says_it():
    cited = [citation("Lena Fischer: About a week for a first version."), citation("Tomás: Wednesday.")]
    answer = "Extractive answer —\n• Lena Fischer: “About a week for a first version.” [1]\n• Tomás: “x” [2]"
    assert answers.check_fact(answer, cited, ["about a week"]) == (True, True)
    assert answers.check_fact(answer.replace("[1]", "[2]"), cited, ["about a week"]) == (True, False)
    assert answers.check_fact(answer, cited, ["two days"]) == (False, False)
    # a one-paragraph (generated) answer is checked sentence by sentence
    prose = "Lena Fischer is building it [1]. It takes about a week [1]. Tomás finishes Wednesday."
    assert answers.check_fact(prose, cited, ["about a week"]) == (True, True)
    assert answers.check_fact(prose, cited, ["Wednesday"]) == (True, False)


def test_the_cli_takes_a_case_file():
    args = build_parser().parse_args(["eval", "answers", str(CASES), "--show"])
    assert args.kind == "answers" and args.show and args.paths == [str(CASES)]


def subset(*names: str):
    cases, transcripts = answers.load_cases(CASES)
    return cases.model_copy(update={"cases": [c for c in cases.cases if c.name in names]}), transcripts


async def run(settings, *names: str) -> list[answers.TurnScore]:
    cases, transcripts = subset(*names)
    runtime = await open_runtime(settings)
    try:
        await answers.ingest(runtime.ingest, transcripts, answers.NAMESPACE, log=lambda _: None)
        return await answers.run_cases(runtime.conversations, cases, answers.NAMESPACE)
    finally:
        await runtime.close()


async def test_offline_the_northwind_conversation_is_right_and_the_report_adds_up(tmp_path):
    scores = await run(load_settings(data_dir=tmp_path), "northwind-export", "pilot")
    northwind = [s for s in scores if s.case == "northwind-export"]
    assert [s.right for s in northwind] == [True, True, True], answers.details(scores)
    assert [s.standalone for s in northwind][1:] == [
        "Who is building the export for Northwind?", "How long will the export take Lena Fischer?",
    ]  # fmt: skip
    table = answers.report(scores, "extractive (offline)")
    row = table.splitlines()[-1]
    assert row.startswith("| extractive (offline) | 2 | 6 | ")
    follow = [s for s in scores if s.follow_up]
    assert f"| {sum(s.understood for s in follow)}/{len(follow)} |" in row
    assert all(0 <= s.cited <= s.stated <= s.facts for s in scores)


async def test_with_the_llm_stand_in_follow_ups_go_through_the_condense_call(tmp_path):
    cases, _ = subset("northwind-export", "pilot")
    rewrites = {t.ask: t.standalone for c in cases.cases for t in c.turns if t.standalone}
    script = Script(
        known={"Northwind": "Organization", "Lena Fischer": "Person"}, rewrites=rewrites, quote=True
    )
    with serve(openai_handler(script)) as llm:
        settings = load_settings(
            data_dir=tmp_path, llm_provider="openai", openai_base_url=f"{llm.url}/v1", llm_model="gpt-4o-mini"
        )
        scores = await run(settings, "northwind-export", "pilot")
    follow = [s for s in scores if s.follow_up]
    assert len(follow) == 4 and all(s.understood for s in follow), answers.details(scores)
    condensed = [b for b in script.bodies if "Follow-up question:" in b["messages"][-1]["content"]]
    assert len(condensed) == len(follow)
    assert "| openai |" in answers.report(scores, "openai")
