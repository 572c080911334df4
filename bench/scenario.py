"""Scenario bench: "fix the bug in calc.py" in print mode, claude-lsp vs Claude Code.

Every tool talks to the same fake Messages API (tests/fakeapi, scenario fix-calc: Read, Edit,
final answer = 3 turns), so the model costs nothing and what is timed is each tool's own
overhead: start-up, prompt assembly, tool execution and output. claude-lsp runs twice over:
cold (`--no-attach`: a server of its own in the process) and attached to a warm server
held open for the work folder the way an editor holds one. Runs are interleaved and rotate
which tool goes first, so machine noise hits all alike. Every run is verified (JSON result
and the edited file); a run that fails verification is a failure, never a time.

    python bench/scenario.py [--runs 5] [--json PATH] [--peer PATH]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import resource
import select
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from common import loadavg, run_main, warn_if_busy

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
PROMPT = "fix the bug in calc.py"
BUGGY = "def add(a, b):\n    return a - b\n"
FIXED_LINE = "return a + b"
# Targets, as ratios to Claude Code's median in the same run.
TARGETS = {"claude-lsp": 2.0, "claude-lsp attached": 0.5}
PEER_NAME = "Claude Code"
PEER_CANDIDATES = (
    Path("/tmp/cc/node_modules/.bin/claude"),
    BENCH / ".peer" / "node_modules" / ".bin" / "claude",
)


@dataclass
class Tool:
    """One tool under test: how to run it, its own HOME, and what it measured."""

    name: str
    argv: list[str]
    home: Path
    runs: list[dict[str, Any]] = field(default_factory=list)
    failures: list[dict[str, Any]] = field(default_factory=list)


def kill_group(proc: subprocess.Popen[Any]) -> None:
    """Stop `proc` and everything it started (it leads its own session), bounded waits."""
    if proc.poll() is not None:
        # The leader is gone; sweep up anything it left behind in its process group.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        return
    for sig, wait in ((signal.SIGTERM, 3.0), (signal.SIGKILL, 3.0)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def find_claude_lsp(given: str | None) -> str:
    exe = given or shutil.which("claude-lsp", path=str(Path(sys.executable).parent))
    exe = exe or shutil.which("claude-lsp")
    if exe is None:
        sys.exit("claude-lsp is not on PATH: activate the venv (. .venv/bin/activate)")
    return exe


def find_peer(given: str | None, install: bool) -> str:
    """Claude Code: --peer, a known install, or (last resort) npm into bench/.peer/."""
    if given:
        return given
    for candidate in PEER_CANDIDATES:
        if os.access(candidate, os.X_OK):
            return str(candidate)
    if not install:
        sys.exit("Claude Code not found; pass --peer PATH or drop --no-install")
    npm = shutil.which("npm")
    if npm is None:
        sys.exit("Claude Code not found and npm is missing; pass --peer PATH")
    print("installing Claude Code into bench/.peer/ (npm) ...", flush=True)
    cmd = [npm, "install", "--prefix", str(BENCH / ".peer"), "@anthropic-ai/claude-code"]
    subprocess.run(cmd, check=True, timeout=600, stdin=subprocess.DEVNULL)
    peer = PEER_CANDIDATES[1]
    if not os.access(peer, os.X_OK):
        sys.exit(f"npm install finished but {peer} is missing")
    return str(peer)


@contextlib.contextmanager
def fake_api(calc: Path, log: Path, stderr_path: Path, timeout_s: float) -> Iterator[str]:
    """Run tests.fakeapi (fix-calc) for the whole bench; yield its base URL; always stop it."""
    cmd = [sys.executable, "-m", "tests.fakeapi", "--port", "0", "--scenario", "fix-calc"]
    cmd += ["--calc-path", str(calc), "--request-log", str(log)]
    with stderr_path.open("wb") as stderr:
        proc = subprocess.Popen(
            cmd,
            cwd=REPO,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=stderr,
            start_new_session=True,
        )
    try:
        assert proc.stdout is not None
        ready = select.select([proc.stdout], [], [], timeout_s)[0]
        line = proc.stdout.readline().decode().strip() if ready else ""
        if not line.startswith("http"):
            tail = stderr_path.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"fake API did not start (got {line!r}); stderr:\n{tail}")
        yield line
    finally:
        kill_group(proc)
        if proc.stdout is not None:
            proc.stdout.close()


def count_lines(path: Path) -> int:
    try:
        with path.open("rb") as f:
            return sum(1 for _ in f)
    except FileNotFoundError:
        return 0


def parse_result(stdout: str) -> dict[str, Any]:
    """The JSON result object: the whole output, or failing that its last JSON line."""
    with contextlib.suppress(ValueError):
        return dict(json.loads(stdout))
    for line in reversed(stdout.strip().splitlines()):
        with contextlib.suppress(ValueError):
            return dict(json.loads(line))
    raise ValueError("no JSON result on stdout")


def verify(returncode: int, stdout: str, calc: Path) -> tuple[dict[str, Any], list[str]]:
    """(result object, problems): a run counts only when `problems` is empty."""
    problems: list[str] = []
    if returncode != 0:
        problems.append(f"exit status {returncode}")
    try:
        result = parse_result(stdout)
    except ValueError as exc:
        return {}, [*problems, str(exc)]
    expected = {"type": "result", "subtype": "success", "num_turns": 3, "is_error": False}
    for key, want in expected.items():
        if result.get(key) != want:
            problems.append(f"{key} = {result.get(key)!r}, expected {want!r}")
    source = calc.read_text() if calc.exists() else ""
    if FIXED_LINE not in source or "return a - b" in source:
        problems.append(f"calc.py not fixed: {source!r}")
    return result, problems


def run_once(
    tool: Tool, env: dict[str, str], work: Path, log: Path, timeout_s: float
) -> dict[str, Any]:
    """Restore calc.py, run the tool once, time it, verify it.

    The record has a "problems" list when the run failed verification.
    """
    calc = work / "calc.py"
    calc.write_text(BUGGY)
    before = count_lines(log)
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.Popen(
        tool.argv,
        cwd=work,
        env={**env, "HOME": str(tool.home)},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=timeout_s)
        wall_ms = (time.perf_counter() - started) * 1000
    except subprocess.TimeoutExpired:
        return {"problems": [f"timed out after {timeout_s} s"]}
    finally:
        kill_group(proc)
    cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_ms = (cpu.ru_utime + cpu.ru_stime - cpu_before.ru_utime - cpu_before.ru_stime) * 1000
    stdout, stderr = out.decode(errors="replace"), err.decode(errors="replace")
    result, problems = verify(proc.returncode, stdout, calc)
    record = {
        "wall_ms": wall_ms,
        "cpu_ms": cpu_ms,
        "duration_ms": result.get("duration_ms"),
        "duration_api_ms": result.get("duration_api_ms"),
        "num_turns": result.get("num_turns"),
        "api_requests": count_lines(log) - before,
    }
    if problems:
        record |= {"problems": problems, "stdout": stdout[-2000:], "stderr": stderr[-2000:]}
    return record


def median_of(runs: list[dict[str, Any]], key: str) -> float | None:
    values = [r[key] for r in runs if isinstance(r.get(key), int | float)]
    return statistics.median(values) if values else None


def summarize(tool: Tool) -> dict[str, Any]:
    walls = [r["wall_ms"] for r in tool.runs]
    return {
        "ok_runs": len(walls),
        "failures": len(tool.failures),
        "median_ms": statistics.median(walls) if walls else None,
        "min_ms": min(walls) if walls else None,
        "max_ms": max(walls) if walls else None,
        "median_cpu_ms": median_of(tool.runs, "cpu_ms"),
        "median_duration_ms": median_of(tool.runs, "duration_ms"),
        "median_duration_api_ms": median_of(tool.runs, "duration_api_ms"),
        "median_api_requests": median_of(tool.runs, "api_requests"),
    }


def fmt(value: float | None, spec: str = ".0f") -> str:
    return "-" if value is None else format(value, spec)


def report(
    tools: list[Tool], summaries: dict[str, dict[str, Any]], runs: int
) -> dict[str, float | None]:
    """Print the table and the target checks; return each claude-lsp row's ratio to
    Claude Code's."""
    print(f'\n"{PROMPT}" in print mode, {runs} runs each, interleaved (wall clock, ms)')
    columns = (
        ("ok", 4),
        ("median", 9),
        ("min", 8),
        ("max", 8),
        ("cpu", 7),
        ("duration_ms", 13),
        ("api_ms", 8),
        ("requests", 10),
    )
    header = f"{'tool':<20}" + "".join(f"{name:>{width}}" for name, width in columns)
    print(header)
    print("-" * len(header))
    for tool in tools:
        s = summaries[tool.name]
        print(
            f"{tool.name:<20}{s['ok_runs']:>4}{fmt(s['median_ms']):>9}{fmt(s['min_ms']):>8}"
            f"{fmt(s['max_ms']):>8}{fmt(s['median_cpu_ms']):>7}{fmt(s['median_duration_ms']):>13}"
            f"{fmt(s['median_duration_api_ms']):>8}{fmt(s['median_api_requests']):>10}"
        )
    print("(cpu: user+sys of the tool and its children; duration_ms / api_ms: medians of the")
    print(" tools' own JSON fields; requests: HTTP requests the fake API got per run, side")
    print(" requests included)")
    peer = summaries.get(PEER_NAME, {}).get("median_ms")
    ratios: dict[str, float | None] = {}
    for name, target in TARGETS.items():
        ours = summaries.get(name, {}).get("median_ms")
        if ours is None or peer is None:
            print(f"target: {name} not measurable (no successful run of it or of the peer)")
            ratios[name] = None
            continue
        ratios[name] = ratio = ours / peer
        verdict = "PASS" if ratio <= target else "MISS"
        print(f"target: {name} / {PEER_NAME} = {ratio:.2f} <= {target}: {verdict}")
    return ratios


@contextlib.contextmanager
def editor_server(
    claude_lsp: str, work: Path, env: dict[str, str], timeout_s: float
) -> Iterator[None]:
    """A claude-lsp server held open for `work` as an editor holds one (initialized, its
    stdout drained); yields once its attach lock is in place."""
    from claude_lsp.lsp import attach_files

    proc = subprocess.Popen(
        [claude_lsp],
        cwd=work,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    assert proc.stdin is not None and proc.stdout is not None
    stdout = proc.stdout
    threading.Thread(target=lambda: stdout.read(), daemon=True).start()

    def send(message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        assert proc.stdin is not None
        proc.stdin.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
        proc.stdin.flush()

    try:
        params = {"processId": os.getpid(), "rootUri": work.as_uri(), "capabilities": {}}
        send({"id": 1, "method": "initialize", "params": params})
        send({"method": "initialized", "params": {}})
        lock = attach_files.lock_path(attach_files.runtime_folder(), work)
        deadline = time.monotonic() + timeout_s
        while not lock.exists():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the editor's server did not start listening")
            time.sleep(0.05)
        yield
    finally:
        with contextlib.suppress(OSError):
            send({"id": 2, "method": "shutdown"})
            send({"method": "exit"})
            proc.wait(timeout=5)
        kill_group(proc)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="measured runs per tool")
    parser.add_argument("--warmup", type=int, default=1, help="unmeasured runs per tool first")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per run")
    parser.add_argument("--claude-lsp", help="path of the claude-lsp executable")
    parser.add_argument("--peer", help="path of the Claude Code `claude` executable")
    parser.add_argument("--no-install", action="store_true", help="never npm-install the peer")
    parser.add_argument("--skip-peer", action="store_true", help="time claude-lsp alone")
    parser.add_argument("--json", type=Path, help="write raw results here")
    parser.add_argument("--strict", action="store_true", help="exit 1 when the target is missed")
    args = parser.parse_args(argv)
    args.loadavg_start = warn_if_busy()

    claude_lsp = find_claude_lsp(args.claude_lsp)
    peer = None if args.skip_peer else find_peer(args.peer, install=not args.no_install)
    tmp = Path(tempfile.mkdtemp(prefix="cl-scenario-")).resolve()
    try:
        work, homes = tmp / "work", tmp / "homes"
        work.mkdir()
        common = ["-p", PROMPT, "--permission-mode", "acceptEdits", "--output-format", "json"]
        tools = [
            Tool("claude-lsp", [claude_lsp, *common, "--no-attach"], homes / "claude-lsp"),
            Tool("claude-lsp attached", [claude_lsp, *common], homes / "claude-lsp"),
        ]
        if peer is not None:
            tools.append(Tool(PEER_NAME, [peer, *common], homes / "claude-code"))
        for tool in tools:
            tool.home.mkdir(parents=True, exist_ok=True)
        log = tmp / "requests.jsonl"
        with contextlib.ExitStack() as running:
            base_url = running.enter_context(
                fake_api(work / "calc.py", log, tmp / "fakeapi.stderr", 15.0)
            )
            env = {k: v for k, v in os.environ.items() if not k.startswith("ANTHROPIC_")}
            env |= {"ANTHROPIC_BASE_URL": base_url, "ANTHROPIC_API_KEY": "test"}
            env["CLAUDE_LSP_RUNTIME_DIR"] = str(tmp / "run")
            os.environ["CLAUDE_LSP_RUNTIME_DIR"] = env["CLAUDE_LSP_RUNTIME_DIR"]
            server_env = {**env, "HOME": str(homes / "claude-lsp")}
            running.enter_context(editor_server(claude_lsp, work, server_env, 30.0))
            print(f"fake API at {base_url}; work dir {work}; an editor's server holds it")
            for i in range(args.warmup + args.runs):
                measured = i >= args.warmup
                shift = i % len(tools)
                order = tools[shift:] + tools[:shift]
                done = []
                for tool in order:
                    record = run_once(tool, env, work, log, args.timeout)
                    if measured:
                        (tool.failures if "problems" in record else tool.runs).append(record)
                    done.append(describe(tool.name, record))
                label = f"run {i - args.warmup + 1}/{args.runs}" if measured else "warm-up"
                print(f"{label}: " + ", ".join(done), flush=True)

        summaries = {t.name: summarize(t) for t in tools}
        ratios = report(tools, summaries, args.runs)
        for tool in tools:
            for failure in tool.failures:
                print(f"FAILED {tool.name}: {'; '.join(failure['problems'])}")
                if failure.get("stderr"):
                    print(f"  stderr: {failure['stderr'][-500:]}")
        if args.json:
            write_json(args, tools, summaries, ratios)
        failed = any(t.failures for t in tools)
        missed = any(ratio is None or ratio > TARGETS[name] for name, ratio in ratios.items())
        return 1 if failed or (args.strict and missed and peer is not None) else 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def describe(name: str, record: dict[str, Any]) -> str:
    if "problems" in record:
        return f"{name} FAILED ({'; '.join(record['problems'])})"
    return f"{name} {record['wall_ms']:.0f} ms"


def write_json(
    args: argparse.Namespace,
    tools: list[Tool],
    summaries: dict[str, dict[str, Any]],
    ratios: dict[str, float | None],
) -> None:
    raw = {
        "bench": "scenario",
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": sys.version.split()[0],
        },
        "loadavg": {"start": args.loadavg_start, "end": loadavg()},
        "prompt": PROMPT,
        "runs": args.runs,
        "warmup": args.warmup,
        "targets": TARGETS,
        "ratios": ratios,
        "tools": [asdict(t) | {"home": str(t.home)} for t in tools],
        "summary": summaries,
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(raw, indent=2) + "\n")
    print(f"raw results: {args.json}")


if __name__ == "__main__":
    run_main(main)
