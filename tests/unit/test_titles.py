"""Which transcripts a question names by title, and what is left of it to search."""

from backend.retrieve.titles import Titles

TITLES = Titles(
    {
        "tr_board": "board-review",
        "tr_es": "ES2006c",
        "tr_budget": "Budget",
        "tr_kick": "Northwind kickoff",
        "tr_kick2": "Northwind kickoff 2",
        "tr_sync_a": "Weekly sync",
        "tr_sync_b": "weekly SYNC",
        "tr_all": "All of them",
    }
)


def named(question: str) -> set[str]:
    return set(TITLES.named(question).transcripts)


def test_a_title_is_named_whole_in_any_case_and_with_any_separators():
    assert named("What was decided in the Board Review?") == {"tr_board"}
    assert named("what was decided in the board review") == {"tr_board"}
    assert named("What did the board say?") == set()  # part of a title is not the title


def test_a_title_with_a_digit_is_a_name_in_any_case():
    assert named("What did Marketing say about the buttons in es2006c?") == {"tr_es"}


def test_a_one_word_title_counts_only_when_written_as_a_name():
    assert named("What did they say about the budget?") == set()
    assert named("Budget: what was said about it?") == set()  # the first word is capitalised anyway
    assert named("What did Priya say in Budget?") == {"tr_budget"}


def test_the_longest_title_wins_and_a_shared_title_names_every_transcript():
    assert named("What did Northwind want in Northwind kickoff 2?") == {"tr_kick2"}
    assert named("And in the Northwind kickoff?") == {"tr_kick"}
    assert named("What came up in the weekly sync?") == {"tr_sync_a", "tr_sync_b"}
    assert named("Compare the board review with ES2006c") == {"tr_board", "tr_es"}


def test_a_title_of_stop_words_is_never_named():
    assert named("What did all of them agree on?") == set()


def test_the_rest_is_the_question_without_its_titles():
    assert TITLES.named("What did Marketing say in ES2006c about the buttons?").rest == (
        "What did Marketing say in about the buttons?"
    )
    unnamed = TITLES.named("What did they say about the budget?")
    assert unnamed.rest == "What did they say about the budget?" and not unnamed.transcripts
