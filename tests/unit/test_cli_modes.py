"""The CLI lists the retrieval modes without importing the retrieval code (start-up stays fast);
the list must be the modes the API accepts."""

import pytest

from backend.cli import MODES, build_parser
from backend.retrieve.evidence import Mode


def test_the_cli_offers_exactly_the_api_modes():
    assert tuple(m.value for m in Mode) == MODES
    args = build_parser().parse_args(["eval", "turns", "x.json", "--mode", "hybrid", "vector"])
    assert args.mode == ["hybrid", "vector"] and args.half == "report" and args.k == [5, 10]


def test_arguments_the_api_would_refuse_are_one_line_naming_the_option(capsys, tmp_path, monkeypatch):
    from backend.cli.main import main

    monkeypatch.setenv("KW_DATA_DIR", str(tmp_path))  # nothing is opened: refused before the runtime
    for argv, said in [
        (["ask", ""], "weaver ask: the question: String should have at least 1 character"),
        (["ask", "Who?", "--k", "100"], "weaver ask: --k: Input should be less than or equal to 50"),
        (["ask", "Who?", "--namespace", "bad ns"], "weaver ask: --namespace: String should match pattern"),
        (["ask", "x" * 2_001], "weaver ask: the question: String should have at most 2000 characters"),
        (["chat", "--namespace", "bad ns"], "weaver chat: --namespace: String should match pattern"),
    ]:
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err.startswith(said) and "Traceback" not in err and err.count("\n") == 1, err
    assert not (tmp_path / "falkordb").exists()


def test_eval_takes_sets_of_fusion_weights_and_says_what_a_bad_one_lacks(capsys):
    args = build_parser().parse_args(["eval", "turns", "x.json", "--weights", "1,3,0.6,0.5", "1,2,1,0"])
    assert args.weights == [(1.0, 3.0, 0.6, 0.5), (1.0, 2.0, 1.0, 0.0)]
    for bad in ("1,3,0.6", "1,3,x,0.5", "1,-3,0.6,0.5"):
        with pytest.raises(SystemExit):
            build_parser().parse_args(["eval", "turns", "x.json", "--weights", bad])
        assert "four weights >= 0, comma-separated" in capsys.readouterr().err
