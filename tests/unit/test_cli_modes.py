"""The CLI lists the retrieval modes without importing the retrieval code (start-up stays fast);
the list must be the modes the API accepts."""

from backend.cli import MODES, build_parser
from backend.retrieve.evidence import Mode


def test_the_cli_offers_exactly_the_api_modes():
    assert tuple(m.value for m in Mode) == MODES
    args = build_parser().parse_args(["eval", "turns", "x.json", "--mode", "hybrid", "vector"])
    assert args.mode == ["hybrid", "vector"] and args.half == "report" and args.k == [5, 10]
