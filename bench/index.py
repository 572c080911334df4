"""Symbol index bench: cold build, warm start, one-file re-index, workspace search, completeness
and memory, on this machine's Python standard library.

universal-ctags (`ctags -R`), a plain single-process tree-sitter loop (parse + tags query, no
Python per match), our extractor in one process (a pool worker's work on every file), and
our cold build (worker pool) are run side by side and interleaved, each in a fresh process,
so noise hits them alike; each reports its CPU time too, which a busy machine disturbs far
less than wall clock. The warm start, re-index and search figures come from a fresh process
that reopens the cold build's cache. Completeness compares our definitions with ctags'
(classes, functions, members and variables; imports excluded).

    python bench/index.py [--runs 5] [--json PATH] [--strict]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import keyword
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from common import QUERIES, loadavg, run_main, warn_if_busy

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
TARGET_COLD_S = 2.0
# The issue's figures for the peers on its machine: the cold target as ratios to them, for
# a machine faster or slower than that one (compare with the peers of the same run).
ISSUE_CTAGS_S = 0.4
ISSUE_PLAIN_S = 3.2
TARGET_WARM_S = 0.5
TARGET_REINDEX_MS = 30.0
TARGET_SEARCH_MS = 20.0
SEARCH_REPEATS = 5
# Files the re-index figure edits: a typical module, a large one (sizes are reported).
REINDEX_FILES = ("json/decoder.py", "os.py", "typing.py")
REINDEX_REPEATS = 5
# Names whose references the bench looks up after a cold build (which reads none): a rare
# one, one used in a few hundred files, one used nearly everywhere.
REFERENCE_NAMES = ("getLogger", "append", "isinstance")
CTAGS_KINDS = frozenset({"class", "function", "member", "variable"})


# ---- children: each measurement runs in a fresh interpreter


def cpu_seconds() -> float:
    """CPU time (user + system) of this process and of its children that have exited."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def vm_kib(field: str) -> int:
    """A /proc/self/status field in KiB (VmRSS: now, VmHWM: the peak)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def child_plain(corpus: Path, with_extract: bool) -> dict[str, Any]:
    """One process, no pool: parse every file and run its tags query, or do what a pool
    worker does with each file (parse, the query's definition patterns, rows, encoding; no
    cyclic GC, as there)."""
    from tree_sitter import QueryCursor

    from claude_lsp.index.extract import parse, rows_of
    from claude_lsp.index.languages import tags_query
    from claude_lsp.index.scan import scan_workspace
    from claude_lsp.index.store import encode_rows

    files = asyncio.run(scan_workspace(corpus))
    if with_extract:
        gc.disable()
    cursors: dict[str, QueryCursor] = {}
    matches = 0
    cpu = cpu_seconds()
    started = time.perf_counter()
    for scanned in files:
        source = (corpus / scanned.path).read_bytes()
        try:
            if with_extract:
                tree = parse(scanned.language, source)
                encode_rows(*rows_of(scanned.language, tree, references=False))
                continue
            cursor = cursors.get(scanned.language)
            if cursor is None:
                cursor = cursors[scanned.language] = QueryCursor(tags_query(scanned.language))
            matches += len(cursor.matches(parse(scanned.language, source).root_node))
        except OSError:
            continue  # a grammar without a query here: the index skips the file as well
    return {
        "seconds": time.perf_counter() - started,
        "cpu_s": cpu_seconds() - cpu,
        "files": len(files),
        "bytes": sum(scanned.size for scanned in files),
        "matches": matches,
    }


def child_cold(corpus: Path) -> dict[str, Any]:
    """A cold build into an empty cache (CLAUDE_LSP_CACHE_DIR is fresh)."""
    from claude_lsp.index.build import SymbolIndex

    async def run() -> dict[str, Any]:
        rss_before = vm_kib("VmRSS")
        index = SymbolIndex(corpus)
        batches = 0
        merged: list[float] = []

        def progress(done: int, total: int) -> None:
            nonlocal batches
            batches += 1
            if done:
                merged.append(time.perf_counter())

        cpu = cpu_seconds()
        started = time.perf_counter()
        # The build waits for its workers to exit, so their CPU time is counted.
        stats = await index.build(progress)
        build_cpu = cpu_seconds() - cpu
        rss_built = vm_kib("VmRSS")
        read = await index.read_references()
        references_s = time.perf_counter() - started - stats.seconds
        index.close()
        return {
            "seconds": stats.seconds,
            "cpu_s": build_cpu,
            "references_s": references_s,
            "references_cpu_s": cpu_seconds() - cpu - build_cpu,
            "references_files": read,
            "first_batch_s": merged[0] - started if merged else None,
            "last_batch_s": merged[-1] - started if merged else None,
            "stats": stats.__dict__,
            "progress_calls": batches,
            "rss_before_kib": rss_before,
            "rss_kib": rss_built,
            "hwm_kib": vm_kib("VmHWM"),
        }

    return asyncio.run(run())


def child_lookups(corpus: Path) -> dict[str, Any]:
    """A cold build into an empty cache, then the lookups of `REFERENCE_NAMES` at once,
    before any references are read: what a user asking right after the build waits."""
    from claude_lsp.index.build import SymbolIndex

    async def run() -> dict[str, Any]:
        index = SymbolIndex(corpus)
        await index.build()
        result = await measure_references(index)
        index.close()
        return result

    return asyncio.run(run())


def child_warm(corpus: Path, completeness: bool) -> dict[str, Any]:
    """Reopen the cache; then search, re-index edited files, and compare with ctags."""
    from claude_lsp.index.build import SymbolIndex

    async def run() -> dict[str, Any]:
        rss_before = vm_kib("VmRSS")
        index = SymbolIndex(corpus)
        stats = await index.build()
        if stats.parsed:
            # Only a changed extractor (code edited during the bench) explains this.
            raise RuntimeError(f"the warm start parsed {stats.parsed} files, not 0")
        result: dict[str, Any] = {"seconds": stats.seconds, "stats": stats.__dict__}
        result["rss_before_kib"] = rss_before
        result["rss_after_build_kib"] = vm_kib("VmRSS")
        result["search"] = measure_search(index)
        result["references"] = await measure_references(index)
        result["reindex"] = await measure_reindex(index, corpus)
        result["rss_kib"] = vm_kib("VmRSS")
        result["hwm_kib"] = vm_kib("VmHWM")
        if completeness:
            result["completeness"] = compare_with_ctags(index, corpus)
        index.close()
        return result

    return asyncio.run(run())


def measure_search(index: Any) -> dict[str, Any]:
    first_started = time.perf_counter()
    index.search(QUERIES[0])
    first_ms = (time.perf_counter() - first_started) * 1000
    per_query: dict[str, list[float]] = {query: [] for query in QUERIES}
    hits: dict[str, list[str]] = {}
    for _ in range(SEARCH_REPEATS):
        for query in QUERIES:
            started = time.perf_counter()
            found = index.search(query)
            per_query[query].append((time.perf_counter() - started) * 1000)
            hits[query] = [hit.definition.name for hit in found[:5]]
    every = [ms for times in per_query.values() for ms in times]
    return {
        "first_ms": first_ms,
        "median_ms": statistics.median(every),
        "p90_ms": sorted(every)[int(len(every) * 0.9)],
        "max_ms": max(every),
        "per_query_median_ms": {q: statistics.median(t) for q, t in per_query.items()},
        "top_hits": hits,
    }


async def measure_references(index: Any) -> dict[str, Any]:
    """Look each of `REFERENCE_NAMES` up twice (the first may read references, the second
    answers from the cache)."""
    results: dict[str, Any] = {}
    for name in REFERENCE_NAMES:
        times: list[float] = []
        found: list[Any] = []
        for _ in range(2):
            started = time.perf_counter()
            found = await index.references_named(name)
            times.append((time.perf_counter() - started) * 1000)
        results[name] = {
            "first_ms": times[0],
            "again_ms": times[1],
            "references": len(found),
            "files": len({path for path, _ in found}),
        }
    return results


async def measure_reindex(index: Any, corpus: Path) -> dict[str, Any]:
    """Append a definition to a file, re-index it, check it is found; restore it."""
    results: dict[str, Any] = {}
    for relative in REINDEX_FILES:
        path = corpus / relative
        original = path.read_bytes()
        times: list[float] = []
        try:
            for number in range(REINDEX_REPEATS):
                name = f"bench_added_{number}"
                path.write_bytes(original + f"\n\ndef {name}():\n    pass\n".encode())
                started = time.perf_counter()
                await index.reindex_file(path)
                times.append((time.perf_counter() - started) * 1000)
                if [hit.definition.name for hit in index.definitions_named(name)] != [name]:
                    raise RuntimeError(f"{name} not found after re-indexing {relative}")
        finally:
            path.write_bytes(original)
            await index.reindex_file(path)
        results[relative] = {"bytes": len(original), "median_ms": statistics.median(times)}
    return results


def compare_with_ctags(index: Any, corpus: Path) -> dict[str, Any]:
    """Every ctags class/function/member/variable in Python files: do we have it too?"""
    done = subprocess.run(
        ["ctags", "-R", "--languages=Python", "--output-format=json", "--fields=+n", "-f", "-"],
        cwd=corpus,
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    tags = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    tags = [tag for tag in tags if tag.get("_type") == "tag" and tag["kind"] in CTAGS_KINDS]
    ours: dict[str, set[tuple[str, int]]] = {}
    ours_by_name: dict[str, set[str]] = {}
    for path in sorted({tag["path"] for tag in tags}):
        definitions = index.file_definitions(corpus / path) or ()
        ours[path] = {(d.name, d.selection.start_line + 1) for d in definitions}
        ours_by_name[path] = {d.name for d in definitions}
    not_found = [tag for tag in tags if (tag["name"], tag["line"]) not in ours[tag["path"]]]
    artefacts = [tag for tag in not_found if is_ctags_artefact(tag["name"])]
    missing = [tag for tag in not_found if not is_ctags_artefact(tag["name"])]
    missing_anywhere = [tag for tag in missing if tag["name"] not in ours_by_name[tag["path"]]]
    return {
        "ctags_definitions": len(tags),
        "ctags_by_kind": dict(Counter(tag["kind"] for tag in tags)),
        "our_definitions_in_those_files": sum(len(found) for found in ours.values()),
        "ctags_artefacts": [
            f"{tag['path']}:{tag['line']} {tag['kind']} {tag['name']}" for tag in artefacts
        ],
        "missing": len(missing),
        "missing_by_kind": dict(Counter(tag["kind"] for tag in missing)),
        "missing_name_in_file": len(missing_anywhere),
        "examples": [
            f"{tag['path']}:{tag['line']} {tag['kind']} {tag['name']}" for tag in missing[:30]
        ],
    }


def is_ctags_artefact(name: str) -> bool:
    """A "definition" ctags reports that is none: a keyword (`try: x = 1` on one line gives
    a variable `try`), a name Python rejects, or its made-up name for a lambda."""
    return keyword.iskeyword(name) or not name.isidentifier() or name.startswith("anonFunc")


def run_child(args: argparse.Namespace) -> int:
    corpus = Path(args.corpus)
    if args.child == "plain":
        result = child_plain(corpus, with_extract=False)
    elif args.child == "extract":
        result = child_plain(corpus, with_extract=True)
    elif args.child == "cold":
        result = child_cold(corpus)
    elif args.child == "lookups":
        result = child_lookups(corpus)
    else:
        result = child_warm(corpus, args.completeness)
    print(json.dumps(result))
    return 0


# ---- the parent: corpus, interleaving, summary


def stdlib_copy(into: Path) -> Path:
    """This interpreter's stdlib without site-packages and bytecode: the issue's corpus."""
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    corpus = into / "stdlib"
    shutil.copytree(stdlib, corpus, ignore=shutil.ignore_patterns("site-packages", "__pycache__"))
    return corpus


def spawn_child(mode: str, corpus: Path, cache: Path, completeness: bool = False) -> dict[str, Any]:
    argv = [sys.executable, str(Path(__file__).resolve()), "--child", mode, "--corpus", str(corpus)]
    if completeness:
        argv.append("--completeness")
    env = {**os.environ, "CLAUDE_LSP_CACHE_DIR": str(cache)}
    done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=600, cwd=REPO)
    if done.returncode != 0:
        raise RuntimeError(f"{mode} child failed ({done.returncode}): {done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return result


def run_ctags(corpus: Path, out: Path) -> dict[str, Any]:
    started = time.perf_counter()
    subprocess.run(
        ["ctags", "-R", "-f", str(out), "."],
        cwd=corpus,
        check=True,
        timeout=300,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    seconds = time.perf_counter() - started
    with out.open("rb") as tags:
        lines = sum(1 for line in tags if not line.startswith(b"!_"))
    return {"seconds": seconds, "tags": lines}


def cpu_scaling() -> float:
    """How much faster two processes finish two units of pure-Python work than one does:
    2.0 on two idle cores; near 1.0 when something else holds a core."""
    work = "x = 0\nfor i in range(12_000_000): x += i\n"

    def timed(processes: int) -> float:
        started = time.perf_counter()
        procs = [subprocess.Popen([sys.executable, "-c", work]) for _ in range(processes)]
        for proc in procs:
            proc.wait(timeout=120)
        return time.perf_counter() - started

    one = timed(1)
    return 2 * one / timed(2)


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="measured runs of each")
    parser.add_argument("--warmup", type=int, default=1, help="unmeasured runs of each first")
    parser.add_argument("--json", type=Path, help="write raw results here")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument(
        "--child", choices=("plain", "extract", "cold", "lookups", "warm"), help=argparse.SUPPRESS
    )
    parser.add_argument("--corpus", help=argparse.SUPPRESS)
    parser.add_argument("--completeness", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return run_child(args)
    if shutil.which("ctags") is None:
        print("ctags (universal-ctags) is not on PATH", file=sys.stderr)
        return 2

    load_start = warn_if_busy()
    scaling = cpu_scaling()
    print(f"two-process speed-up of a pure-Python loop here: {scaling:.2f}x (ideal 2.00)")
    rows: dict[str, list[dict[str, Any]]] = {
        name: [] for name in ("ctags", "plain", "extract", "cold", "warm")
    }
    failures: list[str] = []
    with tempfile.TemporaryDirectory(prefix="index-bench-") as tmp:
        work = Path(tmp)
        corpus = stdlib_copy(work)
        print(f"corpus: {corpus} (copy of {sysconfig.get_paths()['stdlib']})")
        order = ["ctags", "plain", "extract", "cold"]
        total = args.warmup + args.runs
        for i in range(total):
            measured = i >= args.warmup
            cache = work / f"cache-{i}"
            results: dict[str, dict[str, Any]] = {}
            for name in order[i % len(order) :] + order[: i % len(order)]:
                try:
                    if name == "ctags":
                        results[name] = run_ctags(corpus, work / "tags")
                    elif name == "cold":
                        results[name] = spawn_child("cold", corpus, cache)
                    else:
                        results[name] = spawn_child(name, corpus, work / "unused-cache")
                except (RuntimeError, subprocess.SubprocessError, OSError) as exc:
                    failures.append(f"run {i + 1} {name}: {exc}")
            if "cold" in results:
                try:
                    last = i == total - 1
                    results["warm"] = spawn_child("warm", corpus, cache, completeness=last)
                except (RuntimeError, subprocess.SubprocessError, OSError) as exc:
                    failures.append(f"run {i + 1} warm: {exc}")
            label = f"run {i - args.warmup + 1}/{args.runs}" if measured else "warm-up"
            print(
                f"{label}: " + ", ".join(f"{n} {r['seconds']:.2f} s" for n, r in results.items()),
                flush=True,
            )
            if measured:
                for name, result in results.items():
                    rows[name].append(result)
        try:
            lookups = spawn_child("lookups", corpus, work / "lookups-cache")
        except (RuntimeError, subprocess.SubprocessError, OSError) as exc:
            failures.append(f"lookups: {exc}")
            lookups = {}
        load_end = loadavg()

    summary = summarize(rows)
    summary["first_lookups"] = lookups
    print_summary(summary, rows, scaling)
    met = check_targets(summary)
    for failure in failures:
        print(f"FAILED {failure}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(
            json.dumps(
                {
                    "bench": "index",
                    "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                    "machine": {
                        "cpus": os.cpu_count(),
                        "platform": platform.platform(),
                        "python": sys.version.split()[0],
                        "two_process_speedup": scaling,
                    },
                    "loadavg": {"start": load_start, "end": load_end},
                    "runs": args.runs,
                    "warmup": args.warmup,
                    "targets": {
                        "cold_s": TARGET_COLD_S,
                        "warm_s": TARGET_WARM_S,
                        "reindex_ms": TARGET_REINDEX_MS,
                        "search_ms": TARGET_SEARCH_MS,
                        "met": met,
                    },
                    "rows": rows,
                    "summary": summary,
                    "failures": failures,
                },
                indent=2,
            )
            + "\n"
        )
        print(f"raw results: {args.json}")
    return 1 if failures or (args.strict and not all(met.values())) else 0


def summarize(rows: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    warm = rows["warm"]
    summary: dict[str, Any] = {
        name: median([row["seconds"] for row in rows[name]]) for name in rows
    }
    for name in ("plain", "extract", "cold"):
        summary[f"{name}_cpu_s"] = median([row["cpu_s"] for row in rows[name]])
    summary["references_s"] = median([row["references_s"] for row in rows["cold"]])
    summary["references_cpu_s"] = median([row["references_cpu_s"] for row in rows["cold"]])
    summary["cold_first_batch_s"] = median([row["first_batch_s"] for row in rows["cold"]])
    summary["cold_after_last_batch_s"] = median(
        [row["seconds"] - row["last_batch_s"] for row in rows["cold"]]
    )
    summary["search_median_ms"] = median([row["search"]["median_ms"] for row in warm])
    summary["search_p90_ms"] = median([row["search"]["p90_ms"] for row in warm])
    summary["search_first_ms"] = median([row["search"]["first_ms"] for row in warm])
    summary["references"] = {
        name: {
            measure: median([row["references"][name][measure] for row in warm])
            for measure in ("first_ms", "again_ms", "references", "files")
        }
        for name in (REFERENCE_NAMES if warm else ())
    }
    summary["reindex_ms"] = (
        {
            relative: median([row["reindex"][relative]["median_ms"] for row in warm])
            for relative in REINDEX_FILES
        }
        if warm
        else {}
    )
    summary["cold_rss_mib"] = median([row["rss_kib"] / 1024 for row in rows["cold"]])
    summary["cold_hwm_mib"] = median([row["hwm_kib"] / 1024 for row in rows["cold"]])
    summary["warm_rss_mib"] = median([row["rss_after_build_kib"] / 1024 for row in warm])
    summary["warm_index_mib"] = median(
        [(row["rss_after_build_kib"] - row["rss_before_kib"]) / 1024 for row in warm]
    )
    summary["cold_index_mib"] = median(
        [(row["rss_kib"] - row["rss_before_kib"]) / 1024 for row in rows["cold"]]
    )
    summary["warm_rss_after_reindex_mib"] = median([row["rss_kib"] / 1024 for row in warm])
    complete = [row["completeness"] for row in warm if "completeness" in row]
    summary["completeness"] = complete[-1] if complete else None
    summary["cold_vs_peers"] = {
        peer: [row["seconds"] / rows[peer][i]["seconds"] for i, row in enumerate(rows["cold"])]
        for peer in ("ctags", "plain")
        if len(rows[peer]) == len(rows["cold"])
    }
    return summary


def print_summary(
    summary: dict[str, Any], rows: dict[str, list[dict[str, Any]]], scaling: float
) -> None:
    def fmt(value: float | None, unit: str = "s", digits: int = 2) -> str:
        return "-" if value is None else f"{value:.{digits}f} {unit}"

    if rows["plain"]:
        plain = rows["plain"][0]
        print(f"\n{plain['files']} files, {plain['bytes'] / 1e6:.1f} MB indexed")
    if rows["cold"]:
        stats = rows["cold"][0]["stats"]
        print(f"{stats['definitions']} definitions, {stats['failed']} files failed")
    cpu_pair = f"{fmt(summary['plain_cpu_s'])} / {fmt(summary['extract_cpu_s'])}"
    batch_times = (
        f"{fmt(summary['cold_first_batch_s'])} / {fmt(summary['cold_after_last_batch_s'])}"
    )
    table = [
        ("`ctags -R`", fmt(summary["ctags"]), "-"),
        ("tree-sitter parse + tags query, one process", fmt(summary["plain"]), "-"),
        ("our extractor, one process", fmt(summary["extract"]), "-"),
        ("**cold build** (pool of 2)", fmt(summary["cold"]), f"<= {TARGET_COLD_S} s"),
        ("CPU time: plain loop / extractor", cpu_pair, "-"),
        ("CPU time: cold build, all its processes", fmt(summary["cold_cpu_s"]), "-"),
        ("cold build: first batch merged / after the last one", batch_times, "-"),
        (
            "references read after the cold build (background pass) / its CPU time",
            f"{fmt(summary['references_s'])} / {fmt(summary['references_cpu_s'])}",
            "-",
        ),
        ("**warm start**, nothing changed", fmt(summary["warm"]), f"<= {TARGET_WARM_S} s"),
    ]
    for relative, ms in summary["reindex_ms"].items():
        kib = rows["warm"][0]["reindex"][relative]["bytes"] / 1024
        table.append(
            (
                f"re-index `{relative}` ({kib:.0f} KiB)",
                fmt(ms, "ms", 1),
                f"<= {TARGET_REINDEX_MS} ms",
            )
        )
    table += [
        (
            f"**search**, median of {len(QUERIES)} queries x {SEARCH_REPEATS}",
            fmt(summary["search_median_ms"], "ms", 1),
            f"<= {TARGET_SEARCH_MS} ms",
        ),
        ("search p90", fmt(summary["search_p90_ms"], "ms", 1), "-"),
        ("first search after start", fmt(summary["search_first_ms"], "ms", 1), "-"),
        *(
            (
                f"references to `{name}` ({int(found['references'])} in {int(found['files'])}"
                " files): first lookup right after the build / once read",
                f"{fmt(summary['first_lookups'].get(name, {}).get('first_ms'), 'ms', 0)}"
                f" / {fmt(found['first_ms'], 'ms', 1)}",
                "-",
            )
            for name, found in summary["references"].items()
        ),
        ("RSS after cold build", fmt(summary["cold_rss_mib"], "MiB", 1), "-"),
        ("RSS peak during cold build", fmt(summary["cold_hwm_mib"], "MiB", 1), "-"),
        ("the index's share after the cold build", fmt(summary["cold_index_mib"], "MiB", 1), "-"),
        ("RSS after warm start", fmt(summary["warm_rss_mib"], "MiB", 1), "-"),
        ("the index's share after the warm start", fmt(summary["warm_index_mib"], "MiB", 1), "-"),
        (
            "RSS after re-indexing (tree-sitter loaded)",
            fmt(summary["warm_rss_after_reindex_mib"], "MiB", 1),
            "-",
        ),
    ]
    print("\n| Measure | median | target |\n| --- | ---: | --- |")
    for label, value, target in table:
        print(f"| {label} | {value} | {target} |")
    print(f"\ntwo-process speed-up here: {scaling:.2f}x")
    reference = {"ctags": ISSUE_CTAGS_S, "plain": ISSUE_PLAIN_S}
    for peer, ratios in summary["cold_vs_peers"].items():
        ratio, target = median(ratios), TARGET_COLD_S / reference[peer]
        if ratio is not None:
            print(
                f"cold build / {peer} in the same run: {ratio:.2f} (target {target:.3f}, the "
                f"issue's 2.0 s / {reference[peer]} s); on the issue's machine that is "
                f"{ratio * reference[peer]:.2f} s"
            )
    complete = summary["completeness"]
    if complete:
        print(
            f"completeness vs ctags: {complete['missing']} of {complete['ctags_definitions']} "
            f"ctags definitions missing at their line ({complete['missing_by_kind']}), "
            f"{complete['missing_name_in_file']} missing from their file altogether"
        )
        for example in complete["examples"]:
            print(f"  missing: {example}")
        artefacts = complete.get("ctags_artefacts", [])
        print(f"not counted, not definitions (see is_ctags_artefact): {len(artefacts)}")
        for artefact in artefacts:
            print(f"  ctags artefact: {artefact}")


def check_targets(summary: dict[str, Any]) -> dict[str, bool]:
    def at_most(value: float | None, limit: float) -> bool:
        return value is not None and value <= limit

    reindex = summary["reindex_ms"]
    met = {
        "cold": at_most(summary["cold"], TARGET_COLD_S),
        "warm": at_most(summary["warm"], TARGET_WARM_S),
        "reindex": bool(reindex) and all(at_most(ms, TARGET_REINDEX_MS) for ms in reindex.values()),
        "search": at_most(summary["search_median_ms"], TARGET_SEARCH_MS),
        "complete": bool(summary["completeness"]) and summary["completeness"]["missing"] == 0,
    }
    print("targets: " + ", ".join(f"{name} {'PASS' if ok else 'MISS'}" for name, ok in met.items()))
    return met


if __name__ == "__main__":
    run_main(main)
