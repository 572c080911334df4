"""Start-up bench: spawn -> `initialize` response latency and idle RSS of claude-lsp over stdio.

Editors time the `initialize` round trip, so that is the figure that matters; it is compared
with a bare pygls 2 server (bench/bare_pygls_server.py) to show what claude-lsp adds on top of
Python + pygls. Servers are run interleaved (a, b, a, b, ...) so machine noise hits all alike.

    python bench/startup.py [--runs 10] [--with-jedi] [--json PATH]
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import os
import platform
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from common import loadavg, run_main, warn_if_busy

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
TARGET_RATIO = 1.2
TARGET_RSS_MIB = 60.0


@dataclass
class Server:
    """One server under test: a display name and the command that serves LSP on stdio."""

    name: str
    argv: list[str]
    runs: list[dict[str, Any]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


class Connection:
    """Content-Length framed JSON-RPC over a child's pipes; every read has a deadline."""

    def __init__(self, proc: subprocess.Popen[bytes]) -> None:
        assert proc.stdin is not None and proc.stdout is not None
        self.proc = proc
        self.stdin = proc.stdin
        self.fd = proc.stdout.fileno()
        self.buf = b""

    def send(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        self.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.stdin.flush()

    def _parse(self) -> dict[str, Any] | None:
        head, sep, rest = self.buf.partition(b"\r\n\r\n")
        if not sep:
            return None
        length = None
        for line in head.split(b"\r\n"):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        if length is None:
            raise ValueError(f"frame without Content-Length: {head!r}")
        if len(rest) < length:
            return None
        self.buf = rest[length:]
        message: dict[str, Any] = json.loads(rest[:length])
        return message

    def recv(self, deadline: float) -> dict[str, Any]:
        """The next message; TimeoutError at `deadline` (perf_counter), EOFError on close."""
        while (message := self._parse()) is None:
            remaining = deadline - time.perf_counter()
            if remaining <= 0 or not select.select([self.fd], [], [], remaining)[0]:
                raise TimeoutError("no message from the server before the deadline")
            chunk = os.read(self.fd, 65536)
            if not chunk:
                raise EOFError("the server closed stdout")
            self.buf += chunk
        return message

    def _answer_server_request(self, message: dict[str, Any]) -> None:
        # A server -> client request (e.g. client/registerCapability) must not stall it.
        if "method" in message and "id" in message:
            self.send({"id": message["id"], "result": None})

    def response(self, request_id: int, deadline: float) -> dict[str, Any]:
        """Wait for the response to `request_id`, skipping notifications on the way."""
        while True:
            message = self.recv(deadline)
            if message.get("id") == request_id and "method" not in message:
                return message
            self._answer_server_request(message)

    def idle(self, seconds: float) -> None:
        """Let the server settle for `seconds`, draining (and answering) what it sends."""
        deadline = time.perf_counter() + seconds
        with contextlib.suppress(TimeoutError):
            while True:
                self._answer_server_request(self.recv(deadline))


def _ppid(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat.rpartition(")")[2].split()[1])


def rss_kib(pid: int) -> int:
    """VmRSS of one process in KiB (0 if it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_rss_kib(root: int) -> tuple[int, int]:
    """(RSS of `root` plus all its descendants in KiB, number of descendants)."""
    parents = {int(p.name): _ppid(int(p.name)) for p in Path("/proc").iterdir() if p.name.isdigit()}
    tree, changed = {root}, True
    while changed:
        grown = tree | {pid for pid, ppid in parents.items() if ppid in tree}
        changed, tree = grown != tree, grown
    return sum(rss_kib(pid) for pid in tree), len(tree) - 1


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Make sure `proc` is gone: terminate, then kill, each with a bounded wait."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=3)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=3)
    for stream in (proc.stdin, proc.stdout):
        if stream is not None:
            with contextlib.suppress(OSError):
                stream.close()


def measure_once(server: Server, root: Path, idle_s: float, timeout_s: float) -> dict[str, Any]:
    """One spawn: initialize latency, idle RSS, then a clean shutdown + exit."""
    initialize = {
        "id": 1,
        "method": "initialize",
        "params": {"processId": os.getpid(), "rootUri": root.as_uri(), "capabilities": {}},
    }
    started = time.perf_counter()
    proc = subprocess.Popen(
        server.argv,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        cwd=root,
        bufsize=0,
    )
    try:
        conn = Connection(proc)
        conn.send(initialize)
        reply = conn.response(1, started + timeout_s)
        initialize_ms = (time.perf_counter() - started) * 1000
        if "result" not in reply or "capabilities" not in (reply["result"] or {}):
            raise RuntimeError(f"bad initialize response: {reply}")
        conn.send({"method": "initialized", "params": {}})
        conn.idle(idle_s)
        rss = rss_kib(proc.pid)
        tree_rss, children = tree_rss_kib(proc.pid)
        conn.send({"id": 2, "method": "shutdown"})
        shutdown_started = time.perf_counter()
        conn.response(2, shutdown_started + timeout_s)
        conn.send({"method": "exit"})
        exit_code = proc.wait(timeout=timeout_s)
        return {
            "initialize_ms": initialize_ms,
            "rss_kib": rss,
            "tree_rss_kib": tree_rss,
            "children": children,
            "shutdown_exit_ms": (time.perf_counter() - shutdown_started) * 1000,
            "exit_code": exit_code,
        }
    finally:
        stop(proc)


def servers(with_jedi: bool, claude_lsp: str | None) -> list[Server]:
    """claude-lsp, the bare pygls floor and (with --with-jedi, when importable) jedi."""
    exe = claude_lsp or shutil.which("claude-lsp", path=str(Path(sys.executable).parent))
    exe = exe or shutil.which("claude-lsp")
    if exe is None:
        sys.exit("claude-lsp is not on PATH: activate the venv (. .venv/bin/activate)")
    found = [
        Server("claude-lsp", [exe]),
        Server("bare pygls", [sys.executable, str(BENCH / "bare_pygls_server.py")]),
    ]
    if with_jedi:
        if importlib.util.find_spec("jedi_language_server") is not None:
            jedi = [sys.executable, "-m", "jedi_language_server"]
            found.append(Server("jedi-language-server", jedi))
        else:
            print("note: jedi_language_server is not importable; skipped (nothing installed)")
    return found


def summarize(server: Server, floor_ms: float | None) -> dict[str, Any]:
    times = [r["initialize_ms"] for r in server.runs]
    rss = [r["tree_rss_kib"] / 1024 for r in server.runs]
    if not times:
        return {"ok_runs": 0, "failures": len(server.failures)}
    median = statistics.median(times)
    return {
        "ok_runs": len(times),
        "failures": len(server.failures),
        "median_ms": median,
        "min_ms": min(times),
        "max_ms": max(times),
        "ratio_vs_bare": median / floor_ms if floor_ms else None,
        "median_rss_mib": statistics.median(rss),
    }


def print_table(summaries: dict[str, dict[str, Any]], runs: int, idle_s: float) -> None:
    print(f"\nspawn -> initialize response, {runs} runs each, interleaved;", end=" ")
    print(f"RSS after {idle_s} s idle")
    columns = ("ok", 4), ("median ms", 11), ("min", 9), ("max", 9), ("ratio", 8), ("RSS MiB", 9)
    header = f"{'server':<22}" + "".join(f"{name:>{width}}" for name, width in columns)
    print(header)
    print("-" * len(header))
    for name, s in summaries.items():
        if not s["ok_runs"]:
            print(f"{name:<22}{0:>4}  all runs failed")
            continue
        ratio = f"{s['ratio_vs_bare']:.2f}" if s["ratio_vs_bare"] else "-"
        print(
            f"{name:<22}{s['ok_runs']:>4}{s['median_ms']:>11.1f}{s['min_ms']:>9.1f}"
            f"{s['max_ms']:>9.1f}{ratio:>8}{s['median_rss_mib']:>9.1f}"
        )


def check_targets(summary: dict[str, Any]) -> bool:
    """Print claude-lsp against the targets; True when both are met."""
    if not summary.get("ok_runs") or summary.get("ratio_vs_bare") is None:
        print("\ntargets: not measurable (claude-lsp or bare pygls had no successful run)")
        return False
    ratio, rss = summary["ratio_vs_bare"], summary["median_rss_mib"]
    ratio_ok, rss_ok = ratio <= TARGET_RATIO, rss <= TARGET_RSS_MIB
    print("\ntargets for claude-lsp:")
    print(
        f"  initialize ratio vs bare pygls {ratio:.2f} <= {TARGET_RATIO}: "
        f"{'PASS' if ratio_ok else 'MISS'}"
    )
    print(f"  idle RSS {rss:.1f} MiB <= {TARGET_RSS_MIB:.0f} MiB: {'PASS' if rss_ok else 'MISS'}")
    return ratio_ok and rss_ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10, help="measured runs per server")
    parser.add_argument("--warmup", type=int, default=1, help="unmeasured runs per server first")
    parser.add_argument("--idle", type=float, default=0.5, help="seconds idle before RSS")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per LSP wait")
    parser.add_argument(
        "--with-jedi",
        action="store_true",
        help="also run jedi-language-server if importable (installs nothing)",
    )
    parser.add_argument("--claude-lsp", help="path of the claude-lsp executable")
    parser.add_argument("--json", type=Path, help="write raw results here")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)

    load_start = warn_if_busy()
    under_test = servers(args.with_jedi, args.claude_lsp)
    with tempfile.TemporaryDirectory(prefix="claude-lsp-startup-") as tmp:
        root = Path(tmp).resolve()
        for i in range(args.warmup + args.runs):
            measured = i >= args.warmup
            for server in under_test:
                try:
                    result = measure_once(server, root, args.idle, args.timeout)
                except (
                    OSError,
                    ValueError,
                    RuntimeError,
                    EOFError,
                    TimeoutError,
                    subprocess.TimeoutExpired,
                ) as exc:
                    if measured:
                        server.failures.append(f"{type(exc).__name__}: {exc}")
                    print(f"  {server.name}: run {i + 1} FAILED: {exc}", file=sys.stderr)
                    continue
                if measured:
                    server.runs.append(result)
            label = f"run {i - args.warmup + 1}/{args.runs}" if measured else "warm-up"
            print(
                f"{label}: "
                + ", ".join(
                    f"{s.name} {s.runs[-1]['initialize_ms']:.0f} ms"
                    if measured and s.runs
                    else s.name
                    for s in under_test
                ),
                flush=True,
            )

    floor = summarize(under_test[1], None).get("median_ms")
    summaries = {s.name: summarize(s, floor) for s in under_test}
    print_table(summaries, args.runs, args.idle)
    met = check_targets(summaries["claude-lsp"])
    failed = any(s.failures for s in under_test)
    for s in under_test:
        for failure in s.failures:
            print(f"FAILED {s.name}: {failure}")

    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(
            json.dumps(
                {
                    "bench": "startup",
                    "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                    "machine": {
                        "cpus": os.cpu_count(),
                        "platform": platform.platform(),
                        "python": sys.version.split()[0],
                    },
                    "loadavg": {"start": load_start, "end": loadavg()},
                    "runs": args.runs,
                    "warmup": args.warmup,
                    "idle_s": args.idle,
                    "targets": {"ratio": TARGET_RATIO, "rss_mib": TARGET_RSS_MIB, "met": met},
                    "servers": [asdict(s) for s in under_test],
                    "summary": summaries,
                },
                indent=2,
            )
            + "\n"
        )
        print(f"raw results: {args.json}")
    return 1 if failed or (args.strict and not met) else 0


if __name__ == "__main__":
    run_main(main)
