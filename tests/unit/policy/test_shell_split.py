"""Splitting command lines into the simple commands Bash rules judge."""

from __future__ import annotations

import pytest

from claude_lsp.policy.shell_split import normalize_line, spellings, split_command


@pytest.mark.parametrize(
    ("command", "parts"),
    [
        ("git status", ["git status"]),
        ("  git   status\t-s  ", ["git status -s"]),
        ("git status && rm -rf x", ["git status", "rm -rf x"]),
        ("git status || rm x", ["git status", "rm x"]),
        ("git status; rm x", ["git status", "rm x"]),
        ("git status | sh", ["git status", "sh"]),
        ("git status |& tee log", ["git status", "tee log"]),
        ("git status & rm x", ["git status", "rm x"]),
        ("git status\nrm x", ["git status", "rm x"]),
        ("git status $(rm x)", ["rm x", "git status $(rm x)"]),
        ('git status "$(rm x)"', ["rm x", 'git status "$(rm x)"']),
        ("git status `rm x`", ["rm x", "git status `rm x`"]),
        ("diff <(ls a) >(wc -l)", ["ls a", "wc -l", "diff <(ls a) >(wc -l)"]),
        ("(cd sub && make) || { rm x; }", ["cd sub", "make", "rm x"]),
        ("echo ${x:-$(rm w)}", ["rm w", "echo ${x:-$(rm w)}"]),
        ("echo $((1 + $(rm v)))", ["rm v", "echo $((1 + $(rm v)))"]),
        ("echo $((2 * 3))", ["echo $((2 * 3))"]),
        # redirections are not part of the command text
        ("echo hi > out.txt 2>&1", ["echo hi"]),
        ("sort < in.txt >> out.txt", ["sort"]),
        ("make &> build.log", ["make"]),
        ("cat <<< 'text'", ["cat"]),
        ("echo 2 > f", ["echo 2"]),
        ("cat > f <(rm y)", ["rm y", "cat <(rm y)"]),
        ("sort < <(rm y)", ["rm y", "sort"]),
        # quotes and escapes keep operators literal
        ("git status '$(rm x)'", ["git status '$(rm x)'"]),
        ('echo "a; b && c"', ['echo "a; b && c"']),
        ("echo a\\;b", ["echo a\\;b"]),
        ("echo it\\'s", ["echo it\\'s"]),
        ("ls -la /tmp  # list it; rm x", ["ls -la /tmp"]),
        ("echo a#b", ["echo a#b"]),
        # here-documents: a quoted delimiter keeps the body literal, an unquoted one runs it
        ("cat <<'EOF'\n$(rm x)\nEOF\necho done", ["cat", "echo done"]),
        ("cat <<EOF\n$(rm z)\nEOF\n", ["cat", "rm z"]),
        ("cat <<-EOF | grep a\n\tbody\n\tEOF\nls", ["cat", "grep a", "ls"]),
        (
            "git commit -m \"$(cat <<'EOF'\nFix it; rm x\nEOF\n)\"",
            ["cat", "git commit -m \"$(cat <<'EOF'\nFix it; rm x\nEOF\n)\""],
        ),
    ],
)
def test_commands_are_split_with_confidence(command: str, parts: list[str]) -> None:
    split = split_command(command)
    assert [part.text for part in split.commands] == parts
    assert split.complete, split.problems


@pytest.mark.parametrize(
    ("command", "extracted"),
    [
        ("echo 'unclosed; rm x", ["echo 'unclosed; rm x"]),
        ('echo "unclosed', ['echo "unclosed']),
        ("echo $(rm x", ["rm x", "echo $(rm x"]),
        ("echo `rm x", ["rm x", "echo `rm x"]),
        ("echo ok)", ["echo ok"]),
        ("cat <<EOF\nno end", ["cat"]),
        ("cat <<EOF", ["cat"]),
        ("echo >", ["echo"]),
        ("for f in *; do rm $f; done", ["f in *", "rm $f"]),
        ("if true; then rm x; fi", ["true", "rm x"]),
        ("while read l; do :; done < <(rm y)", ["read l", ":", "rm y"]),
        ("case $x in a) rm x;; esac", None),
        ("f() { rm x; }", ["f", "rm x"]),
        ("echo $'\\x72m'", ["echo $'\\x72m'"]),
    ],
)
def test_unsure_splits_are_flagged_but_keep_what_they_found(
    command: str, extracted: list[str] | None
) -> None:
    split = split_command(command)
    assert not split.complete
    if extracted is not None:
        assert [part.text for part in split.commands] == extracted


def test_deep_nesting_is_refused_not_crashed() -> None:
    split = split_command("echo " + "$(" * 5000)
    assert not split.complete
    split = split_command("echo " + "${" * 5000)
    assert not split.complete


def test_compound_flag_tells_plain_commands_apart() -> None:
    assert not split_command("npm run test").compound
    for line in ("a && b", "a > f", "echo $(b)", "(a)", "a # note", "a\nb"):
        assert split_command(line).compound, line


@pytest.mark.parametrize(
    ("command", "spelling"),
    [
        ("\\rm -rf x", "rm -rf x"),
        ('"rm" -rf x', "rm -rf x"),
        ("r''m -rf x", "rm -rf x"),
        ("/bin/rm -rf x", "rm -rf x"),
        ("FOO=1 BAR=2 rm -rf x", "rm -rf x"),
        ("sudo -u root rm -rf x", "rm -rf x"),
        ("env -i PATH=/bin nohup rm -rf x", "rm -rf x"),
        ("timeout 5 rm -rf x", "rm -rf x"),
        ("find . | xargs -0 rm -rf", "rm -rf"),
        ("bash -c 'git push; rm -rf x'", "rm -rf x"),
        ('sh -ec "rm -rf x"', "rm -rf x"),
        ("eval 'rm -rf x'", "rm -rf x"),
        ("sudo bash -lc 'sudo /bin/rm -rf x'", "rm -rf x"),
    ],
)
def test_spellings_see_through_quotes_paths_wrappers_and_shells(
    command: str, spelling: str
) -> None:
    assert spelling in spellings(split_command(command))


def test_spellings_keep_the_text_as_written() -> None:
    found = spellings(split_command('git commit -m "a b"'))
    assert 'git commit -m "a b"' in found and "git commit -m a b" in found


def test_normalize_line_keeps_newlines_as_separators() -> None:
    assert normalize_line("  ssh  host \n\n rm   x  ") == "ssh host\nrm x"
    assert normalize_line("a\tb") == "a b"
