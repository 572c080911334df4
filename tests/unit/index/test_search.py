"""Ranking names for workspace/symbol: exact > prefix > initials > subsequence."""

from __future__ import annotations

import pytest

from claude_lsp.index.search import NameTable, initials


def table(*names: str) -> NameTable:
    names_table = NameTable()
    for name in names:
        names_table.add(name, initials(name))
    return names_table


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("parse", "p"),
        ("get_current_process", "gcp"),
        ("getCurrentProcess", "gCP"),
        ("GetCurrentProcess", "GCP"),
        ("HTTPServer", "HS"),
        ("XMLHttpRequest", "XHR"),
        ("__init__", "i"),
        ("_private_name", "pn"),
        ("MAX_LINE_LENGTH", "MLL"),
        ("IPV4LENGTH", "I"),
        ("md5Hash", "mH"),
        ("$foo_bar", "fb"),
        ("Über_straße", "Üs"),
        ("_", ""),
    ],
)
def test_initials(name: str, expected: str) -> None:
    assert initials(name) == expected


def test_tiers_rank_exact_then_prefix_then_initials_then_subsequence() -> None:
    names = table("get_current_process", "gcpx", "xgcpx", "gcp", "logcap", "unrelated")

    assert names.rank("gcp", 10) == ["gcp", "gcpx", "get_current_process", "xgcpx", "logcap"]


def test_matching_case_comes_first_within_a_tier_then_shorter_names() -> None:
    names = table("path", "Path", "PathLike", "pathname", "Paths", "pathlib_x")

    assert names.rank("Path", 10) == [
        "Path",
        "path",
        "Paths",
        "PathLike",
        "pathname",
        "pathlib_x",
    ]
    assert names.rank("path", 10) == [
        "path",
        "Path",
        "pathname",
        "pathlib_x",
        "Paths",
        "PathLike",
    ]


def test_camel_case_initials_match_case_insensitively() -> None:
    names = table("getCurrentProcess", "GetCachedPage", "gcpool")

    # gcpool is a prefix match; the initials of the other two match in the query's case
    # (gCP) for one of them only.
    assert names.rank("gCP", 10) == ["gcpool", "getCurrentProcess", "GetCachedPage"]


def test_names_of_one_length_are_alphabetical_and_listed_once() -> None:
    names = table("zeta", "delta", "Iota", "beta", "tau")

    # All subsequence matches: by length, then alphabetical whatever the case.
    assert names.rank("a", 10) == ["tau", "beta", "Iota", "zeta", "delta"]
    assert names.rank("a", 3) == ["tau", "beta", "Iota"]
    # tau matches "t" as a prefix, by its initials and as a subsequence: it is listed once.
    assert names.rank("t", 10) == ["tau", "beta", "Iota", "zeta", "delta"]


def test_limit_and_empty_query() -> None:
    names = table("ccc", "a", "bb", "dddd")

    assert names.rank("", 3) == ["a", "bb", "ccc"]
    assert names.rank("", 0) == []
    assert names.rank("zz", 10) == []


def test_regex_characters_in_the_query_are_literal() -> None:
    names = table("a.b", "axb", "operator[]", "x+y")

    assert names.rank("a.b", 10) == ["a.b"]
    assert names.rank("[]", 10) == ["operator[]"]
    assert names.rank("+", 10) == ["x+y"]
    assert names.rank("(", 10) == []


def test_changes_after_a_query_are_seen_by_the_next() -> None:
    names = table("alpha", "beta")
    assert names.rank("al", 10) == ["alpha"]

    names.add("alright", initials("alright"))
    names.discard("alpha")
    names.discard("never_added")

    assert names.rank("al", 10) == ["alright"]
    assert "alpha" not in names
    assert len(names) == 2


def test_bulk_changes_rebuild_the_sorted_views() -> None:
    names = table("seed")
    assert names.rank("seed", 1) == ["seed"]

    for number in range(2000):
        names.add(f"name_{number:04}", "n")
    for number in range(0, 2000, 2):
        names.discard(f"name_{number:04}")

    found = names.rank("name_", 5000)
    assert len(found) == 1000
    assert found[:2] == ["name_0001", "name_0003"]
    assert names.rank("n", 1) == ["name_0001"]


def test_discard_then_add_again_in_one_round() -> None:
    names = table("keep", "flip")
    names.rank("x", 1)

    names.discard("flip")
    names.add("flip", "f")

    assert names.rank("flip", 5) == ["flip"]
    assert names.rank("f", 5) == ["flip"]


def test_names_differing_only_in_case_come_and_go_independently() -> None:
    names = table("Path", "path", "PATH")
    assert names.rank("path", 5) == ["path", "PATH", "Path"]

    names.discard("path")
    assert names.rank("path", 5) == ["PATH", "Path"]
    names.discard("PATH")
    names.discard("Path")

    assert names.rank("path", 5) == []
    assert len(names) == 0


def test_names_added_in_batches_between_queries_rank_as_if_added_at_once() -> None:
    # As while an index builds: big batches (merged into the sorted views) and small ones
    # (inserted), subsequence texts already built, new spellings of known names.
    batches = [
        [f"widget_{n:04}" for n in range(0, 1500, 3)] + ["RenderWidget", "getWidget"],
        [f"Widget{n:04}" for n in range(700)] + ["render_widget", "WIDGET_0003"],
        ["gadgetWidget", "w_i_d_g_e_t", "getwidget"],
    ]
    growing = table()
    queries = ["wdg", "widget_0003", "rw", "gw", "wi", "t"]
    for batch in batches:
        for name in batch:
            growing.add(name, initials(name))
        for query in queries:  # every tier, and the texts of "d", "g", "w" and "t" built
            growing.rank(query, 50)
    at_once = table(*(name for batch in batches for name in batch))
    for query in queries:
        assert growing.rank(query, 5000) == at_once.rank(query, 5000), query
