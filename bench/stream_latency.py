"""Streaming bench: model text delta -> `claude/session/update` latency, and server memory.

An editor shows the agent's text as `agent_message_chunk` updates arrive, so what matters is
how long a delta takes from the API's socket to the client's pipe. The fake Messages API
(tests/fakeapi, run in this process) streams `timed_text` deltas that carry the wall-clock
time they were written; the client here notes when each update arrives, so every delta's
latency is its receive time minus its send time, whatever batching happened on the way.
Path: fake API -> model worker (anthropic SDK) -> JSON line -> claude-lsp -> UpdateStream,
which batches text for TEXT_BATCH_SECONDS (the chosen interval: 40 ms) -> stdout -> here.

Memory: `VmRSS` of the server after `initialize` (idle) and after a 20-turn chat, and of
its model-worker child, which owns the SDK.

    python bench/stream_latency.py [--runs 5] [--deltas 200] [--chats 3] [--json PATH]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from common import loadavg, run_main, warn_if_busy
from startup import Connection, rss_kib, stop

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(REPO))  # tests.fakeapi

from tests.fakeapi import (  # noqa: E402
    FakeAnthropic,
    parse_stamps,
    reply,
    text,
    timed_text,
    tool_use,
)

TARGET_OVER_BATCH_MS = 5.0  # the target: median <= batching interval + 5 ms
TARGET_IDLE_RSS_MIB = 60.0
TARGET_CHAT_RSS_MIB = 150.0
WORKER_MODULE = "claude_lsp.models.worker"
FILLER = " lorem ipsum"  # a delta's text besides its stamp; about a real delta's length
CHAT_READ_EVERY = 4  # every 4th chat turn reads a file (two model requests)
FILE_FUNCTIONS = 150  # size of the file those turns read: 750 lines


def batch_interval_ms() -> float:
    """The product's UpdateStream batching interval, read from the code under test."""
    try:
        from claude_lsp.lsp.host import TEXT_BATCH_SECONDS
    except ImportError:  # run outside the venv: the documented value
        return 40.0
    return float(TEXT_BATCH_SECONDS) * 1000


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile: a value that was actually measured."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


# --- processes ------------------------------------------------------------------------------


def cmdline(pid: int) -> str | None:
    """The command line of `pid`, or None once it is gone."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
    except OSError:
        return None


def children(pid: int) -> dict[int, str]:
    """Direct children of `pid` with their command lines: the worker is found this way."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rpartition(")")[2].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if ppid == pid and (command := cmdline(int(entry.name))) is not None:
            found[int(entry.name)] = command
    return found


def reap(pids: dict[int, str], timeout: float = 3.0) -> None:
    """Children the server left behind: wait for them to go, then kill them by pid.

    A pid counts as ours only while its command line is still the one seen earlier.
    """
    deadline = time.monotonic() + timeout
    for pid, command in pids.items():
        while cmdline(pid) == command and time.monotonic() < deadline:
            time.sleep(0.05)
        if cmdline(pid) == command:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)


def clean_env(base_url: str, home: Path) -> dict[str, str]:
    """Only the fake's credentials: no real key, model or CLAUDE_* setting leaks in."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("ANTHROPIC_", "CLAUDE")) and k != "HOME"
    }
    env.update(HOME=str(home), ANTHROPIC_BASE_URL=base_url, ANTHROPIC_API_KEY="test")
    return env


@dataclass
class Update:
    """One `agent_message_chunk` and when it arrived (time.time_ns, like the fake's stamps)."""

    received_ns: int
    text: str


@dataclass
class LspServer:
    """claude-lsp over stdio, initialised as a client that takes `claude/session/update`."""

    exe: str
    root: Path
    env: dict[str, str]
    timeout: float
    proc: subprocess.Popen[bytes] | None = None
    conn: Connection | None = None
    seen_children: dict[int, str] = field(default_factory=dict)
    next_id: int = 1

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [self.exe],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            cwd=self.root,
            env=self.env,
            bufsize=0,
        )
        self.conn = Connection(self.proc)
        capabilities = {"experimental": {"claude": {"protocolVersion": 1, "sessionUpdate": True}}}
        params = {"processId": os.getpid(), "rootUri": self.root.as_uri()}
        self.request("initialize", {**params, "capabilities": capabilities})
        self.conn.send({"method": "initialized", "params": {}})

    def request(self, method: str, params: dict[str, Any]) -> Any:
        """Send a request and wait (bounded) for its result; errors raise RuntimeError."""
        result, _ = self.request_with_updates(method, params)
        return result

    def request_with_updates(self, method: str, params: dict[str, Any]) -> tuple[Any, list[Any]]:
        """The result, plus every `claude/session/update` that came before it.

        agent_message_chunk updates are returned as `Update`s stamped on arrival, the
        others as their `update` object.
        """
        assert self.conn is not None
        request_id, self.next_id = self.next_id, self.next_id + 1
        self.conn.send({"id": request_id, "method": method, "params": params})
        deadline = time.perf_counter() + self.timeout
        updates: list[Any] = []
        while True:
            message = self.conn.recv(deadline)
            received_ns = time.time_ns()
            if message.get("method") == "claude/session/update":
                update = message["params"]["update"]
                if update.get("sessionUpdate") == "agent_message_chunk":
                    updates.append(Update(received_ns, update["content"]["text"]))
                else:
                    updates.append(update)
            elif "method" in message:
                self.conn._answer_server_request(message)
            elif message.get("id") == request_id:
                if "error" in message:
                    raise RuntimeError(f"{method} failed: {message['error']}")
                return message.get("result"), updates

    def idle(self, seconds: float) -> None:
        assert self.conn is not None
        self.conn.idle(seconds)

    def memory(self) -> dict[str, Any]:
        """RSS in KiB of the server, of its model worker and of any other child."""
        assert self.proc is not None
        kids = children(self.proc.pid)
        self.seen_children.update(kids)
        worker = [pid for pid, cmd in kids.items() if WORKER_MODULE in cmd]
        others = [pid for pid, cmd in kids.items() if WORKER_MODULE not in cmd]
        return {
            "server_kib": rss_kib(self.proc.pid),
            "worker_kib": sum(rss_kib(pid) for pid in worker),
            "workers": len(worker),
            "other_children_kib": sum(rss_kib(pid) for pid in others),
        }

    def close(self) -> None:
        """`shutdown` + `exit` when the server still answers; then make sure all is gone."""
        if self.proc is None:
            return
        self.seen_children.update(children(self.proc.pid))
        try:
            if self.proc.poll() is None and self.conn is not None:
                self.timeout = min(self.timeout, 10.0)
                self.request("shutdown", {})
                self.conn.send({"method": "exit"})
                self.proc.wait(timeout=5)
        except (OSError, ValueError, RuntimeError, EOFError, TimeoutError) as exc:
            print(f"  note: unclean shutdown ({type(exc).__name__}: {exc})", file=sys.stderr)
        except subprocess.TimeoutExpired:
            print("  note: the server did not exit after `exit`", file=sys.stderr)
        finally:
            stop(self.proc)
            reap(self.seen_children)


# --- delta latency --------------------------------------------------------------------------


def prompt_params(session_id: str, words: str) -> dict[str, Any]:
    return {"sessionId": session_id, "prompt": [{"type": "text", "text": words}]}


def latency_prompt(
    server: LspServer, fake: FakeAnthropic, session_id: str, deltas: int, delay: float
) -> dict[str, Any]:
    """One prompt answered with `deltas` stamped deltas; per-delta latencies in ms."""
    fake.script(reply(timed_text(deltas, filler=FILLER), chunk_delay=delay))
    started = time.perf_counter()
    result, updates = server.request_with_updates(
        "claude/session/prompt", prompt_params(session_id, "stream something")
    )
    wall_s = time.perf_counter() - started
    if result.get("stopReason") != "end_turn":
        raise RuntimeError(f"prompt ended with {result.get('stopReason')}")
    chunks = [u for u in updates if isinstance(u, Update)]
    latencies: list[float] = []
    oldest: list[float] = []
    newest: list[float] = []
    seen: list[int] = []
    for chunk in chunks:
        stamps = parse_stamps(chunk.text)
        if not stamps:
            continue
        ms = [(chunk.received_ns - sent) / 1e6 for _, sent in stamps]
        latencies.extend(ms)
        oldest.append(ms[0])  # waited the whole batching interval
        newest.append(ms[-1])  # flushed soon after it reached the server
        seen.extend(index for index, _ in stamps)
    if seen != list(range(deltas)):
        missing = sorted(set(range(deltas)) - set(seen))
        raise RuntimeError(
            f"deltas lost or out of order: got {len(seen)} of {deltas}, missing {missing[:10]}"
        )
    return {
        "latencies_ms": latencies,
        "oldest_in_batch_ms": oldest,
        "newest_in_batch_ms": newest,
        "updates": len(chunks),
        "wall_s": wall_s,
        "duration_api_ms": result.get("durationApiMs"),
    }


def measure_latency(exe: str, root: Path, home: Path, args: argparse.Namespace) -> dict[str, Any]:
    """Warm-up prompt(s) (the first waits for the worker's SDK import), then measured ones."""
    prompts: list[dict[str, Any]] = []
    with FakeAnthropic() as fake:
        server = LspServer(exe, root, clean_env(fake.base_url, home), args.timeout)
        try:
            server.start()
            session = server.request("claude/session/new", {"cwd": str(root)})["sessionId"]
            for i in range(args.warmup + args.runs):
                run = latency_prompt(server, fake, session, args.deltas, args.delay)
                measured = i >= args.warmup
                if measured:
                    prompts.append(run)
                label = f"prompt {i - args.warmup + 1}/{args.runs}" if measured else "warm-up"
                print(
                    f"latency {label}: median {statistics.median(run['latencies_ms']):.1f} ms, "
                    f"p99 {percentile(run['latencies_ms'], 99):.1f} ms, "
                    f"{args.deltas} deltas in {run['updates']} updates, {run['wall_s']:.2f} s",
                    flush=True,
                )
            memory = server.memory()
        finally:
            server.close()
        requests = len(fake.message_requests())
    return {"prompts": prompts, "memory_after": memory, "requests": requests}


# --- memory over a chat ---------------------------------------------------------------------


def chat_turn(
    server: LspServer, fake: FakeAnthropic, session_id: str, turn: int, file: Path
) -> None:
    """One short scripted exchange; every CHAT_READ_EVERY-th one reads `file` first."""
    reads = turn % CHAT_READ_EVERY == CHAT_READ_EVERY - 1
    if reads:
        fake.script(
            reply(text("Let me look at the file."), tool_use("Read", {"file_path": str(file)})),
            reply(text(f"Turn {turn + 1}: the file defines {FILE_FUNCTIONS} functions.")),
        )
    else:
        fake.script(reply(text(f"Turn {turn + 1}: a short answer, " + "words " * 30)))
    result, updates = server.request_with_updates(
        "claude/session/prompt", prompt_params(session_id, f"question {turn + 1}")
    )
    expected = 2 if reads else 1
    if result.get("stopReason") != "end_turn" or result.get("numTurns") != expected:
        raise RuntimeError(f"chat turn {turn + 1} ended badly: {result}")
    if reads:
        done = [
            u
            for u in updates
            if isinstance(u, dict)
            and u.get("sessionUpdate") == "tool_call_update"
            and u.get("status") in ("completed", "failed")
        ]
        if [u["status"] for u in done] != ["completed"]:
            raise RuntimeError(f"chat turn {turn + 1}: the Read did not complete: {done}")


def sample_file(root: Path) -> Path:
    """A Python file of a few hundred lines for the chat's Read calls."""
    path = root / "module.py"
    body = "".join(
        f"def function_{i}(a, b):\n    '''Add with offset {i}.'''\n    return a + b + {i}\n\n\n"
        for i in range(FILE_FUNCTIONS)
    )
    path.write_text(body)
    return path


def measure_chat(exe: str, root: Path, home: Path, args: argparse.Namespace) -> dict[str, Any]:
    """A fresh server: RSS idle after initialize, then after `args.turns` prompts."""
    file = sample_file(root)
    with FakeAnthropic() as fake:
        server = LspServer(exe, root, clean_env(fake.base_url, home), args.timeout)
        try:
            server.start()
            server.idle(args.idle)
            idle = server.memory()
            session = server.request("claude/session/new", {"cwd": str(root)})["sessionId"]
            new = server.memory()
            per_turn = []  # server RSS after each turn: a leak shows as a steady climb
            for turn in range(args.turns):
                chat_turn(server, fake, session, turn, file)
                per_turn.append(server.memory()["server_kib"])
            server.idle(args.idle)
            after = server.memory()
        finally:
            server.close()
    if after["workers"] != 1:
        raise RuntimeError(f"expected one model worker child, found {after['workers']}")
    return {"idle": idle, "session_new": new, "per_turn_server_kib": per_turn, "after_chat": after}


# --- report ---------------------------------------------------------------------------------


def summarize(latency: dict[str, Any] | None, chats: list[dict[str, Any]]) -> dict[str, Any]:
    summary: dict[str, Any] = {}
    if latency and latency["prompts"]:
        prompts = latency["prompts"]
        every = [ms for p in prompts for ms in p["latencies_ms"]]
        summary["latency"] = {
            "deltas": len(every),
            "median_ms": statistics.median(every),
            "p99_ms": percentile(every, 99),
            "max_ms": max(every),
            "min_ms": min(every),
            "oldest_in_batch_median_ms": statistics.median(
                ms for p in prompts for ms in p["oldest_in_batch_ms"]
            ),
            "newest_in_batch_median_ms": statistics.median(
                ms for p in prompts for ms in p["newest_in_batch_ms"]
            ),
            "deltas_per_update": len(every) / sum(p["updates"] for p in prompts),
            "prompt_median_ms": [statistics.median(p["latencies_ms"]) for p in prompts],
        }
    if chats:
        # growth over the second half of each chat, once start-up imports are done
        halves = [c["per_turn_server_kib"][len(c["per_turn_server_kib"]) // 2 :] for c in chats]
        growth = [(h[-1] - h[0]) / (len(h) - 1) for h in halves if len(h) >= 2]

        def mib(part: str, key: str) -> float:
            return float(statistics.median(c[part][key] / 1024 for c in chats))

        summary["memory"] = {
            "chats": len(chats),
            "idle_server_mib": mib("idle", "server_kib"),
            "idle_children_mib": statistics.median(
                (c["idle"]["worker_kib"] + c["idle"]["other_children_kib"]) / 1024 for c in chats
            ),
            "session_new_server_mib": mib("session_new", "server_kib"),
            "chat_server_mib": mib("after_chat", "server_kib"),
            "chat_worker_mib": mib("after_chat", "worker_kib"),
            "chat_total_mib": statistics.median(
                (c["after_chat"]["server_kib"] + c["after_chat"]["worker_kib"]) / 1024
                for c in chats
            ),
            "late_growth_kib_per_turn": statistics.median(growth) if growth else None,
        }
    return summary


def check(summary: dict[str, Any], batch_ms: float, args: argparse.Namespace) -> bool:
    """Print the table with PASS/MISS per target; True when every measured target is met."""
    rows: list[tuple[str, str, str, bool | None]] = []
    lat = summary.get("latency")
    if lat:
        median, p99 = lat["median_ms"], lat["p99_ms"]
        oldest = lat["oldest_in_batch_median_ms"]  # held the whole interval: the rest is pipe
        limit = batch_ms + TARGET_OVER_BATCH_MS
        rows += [
            ("delta latency, median", f"{median:.1f} ms", f"<= {limit:.0f} ms", median <= limit),
            ("delta latency, p99", f"{p99:.1f} ms", "-", None),
            ("median - batching", f"{median - batch_ms:+.1f} ms", "<= +5 ms", median <= limit),
            ("p99 - batching", f"{p99 - batch_ms:+.1f} ms", "-", None),
            ("oldest in batch, median", f"{oldest:.1f} ms", "-", None),
            ("  minus batching = pipeline", f"{oldest - batch_ms:+.1f} ms", "-", None),
            ("newest in batch, median", f"{lat['newest_in_batch_median_ms']:.1f} ms", "-", None),
        ]
    mem = summary.get("memory")
    if mem:
        idle, chat = mem["idle_server_mib"], mem["chat_server_mib"]
        turns = args.turns
        rows += [
            ("server RSS, idle", f"{idle:.1f} MiB", "<= 60 MiB", idle <= TARGET_IDLE_RSS_MIB),
            ("server RSS, session/new", f"{mem['session_new_server_mib']:.1f} MiB", "-", None),
            (
                f"server RSS, {turns} turns",
                f"{chat:.1f} MiB",
                "<= 150 MiB",
                chat <= TARGET_CHAT_RSS_MIB,
            ),
            (f"worker RSS, {turns} turns", f"{mem['chat_worker_mib']:.1f} MiB", "-", None),
            (f"server + worker, {turns} t.", f"{mem['chat_total_mib']:.1f} MiB", "-", None),
        ]
        if mem["late_growth_kib_per_turn"] is not None:
            growth = mem["late_growth_kib_per_turn"]
            rows.append(("server growth, late turns", f"{growth:.0f} KiB/t", "-", None))
    print(
        f"\nbatching interval (TEXT_BATCH_SECONDS, chosen): {batch_ms:.0f} ms; "
        f"{args.runs} prompts x {args.deltas} deltas, {args.delay * 1000:g} ms apart; "
        f"RSS medians over {args.chats} fresh servers"
    )
    header = f"{'measure':<28}{'value':>12}  {'target':<12}result"
    print(header)
    print("-" * len(header))
    for name, value, target, ok in rows:
        verdict = "" if ok is None else "PASS" if ok else "MISS"
        print(f"{name:<28}{value:>12}  {target:<12}{verdict}")
    verdicts = [ok for *_, ok in rows if ok is not None]
    return bool(verdicts) and all(verdicts)


def find_exe(given: str | None) -> str:
    exe = given or shutil.which("claude-lsp", path=str(Path(sys.executable).parent))
    exe = exe or shutil.which("claude-lsp")
    if exe is None:
        sys.exit("claude-lsp is not on PATH: activate the venv (. .venv/bin/activate)")
    return exe


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="measured latency prompts")
    parser.add_argument("--warmup", type=int, default=1, help="unmeasured prompts first")
    parser.add_argument("--deltas", type=int, default=200, help="text deltas per prompt")
    parser.add_argument("--delay", type=float, default=0.005, help="seconds between SSE events")
    parser.add_argument("--chats", type=int, default=3, help="fresh servers for the RSS chat")
    parser.add_argument("--turns", type=int, default=20, help="prompts in each RSS chat")
    parser.add_argument("--idle", type=float, default=0.5, help="seconds idle before RSS")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per LSP request")
    parser.add_argument("--claude-lsp", help="path of the claude-lsp executable")
    parser.add_argument("--json", type=Path, help="write raw results here")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    if args.runs < 1 or args.deltas < 1:
        parser.error("--runs and --deltas must be at least 1")

    # The fake API's threads share this interpreter: let the reading thread in promptly.
    sys.setswitchinterval(0.0005)
    load_start = warn_if_busy()
    exe = find_exe(args.claude_lsp)
    batch_ms = batch_interval_ms()
    failures: list[str] = []
    latency: dict[str, Any] | None = None
    chats: list[dict[str, Any]] = []
    errors = (OSError, ValueError, RuntimeError, EOFError, TimeoutError, KeyError, TypeError)
    with tempfile.TemporaryDirectory(prefix="claude-lsp-stream-") as tmp:
        home = Path(tmp, "home")
        home.mkdir()
        for name in ("latency", *(f"chat-{i + 1}" for i in range(args.chats))):
            root = Path(tmp, name).resolve()
            root.mkdir()
            try:
                if name == "latency":
                    latency = measure_latency(exe, root, home, args)
                else:
                    chats.append(measure_chat(exe, root, home, args))
                    c = chats[-1]
                    print(
                        f"{name}: idle server {c['idle']['server_kib'] / 1024:.1f} MiB; after "
                        f"{args.turns} turns server {c['after_chat']['server_kib'] / 1024:.1f} "
                        f"MiB, worker {c['after_chat']['worker_kib'] / 1024:.1f} MiB",
                        flush=True,
                    )
            except errors as exc:
                failures.append(f"{name}: {type(exc).__name__}: {exc}")
                print(f"{name} FAILED: {type(exc).__name__}: {exc}", file=sys.stderr)

    summary = summarize(latency, chats)
    met = check(summary, batch_ms, args)
    load_end = loadavg()
    print(f"load average (1 min): {load_start[0]:.2f} at start, {load_end[0]:.2f} at end")
    for failure in failures:
        print(f"FAILED {failure}")

    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        raw = {
            "bench": "stream_latency",
            "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "machine": {
                "cpus": os.cpu_count(),
                "platform": platform.platform(),
                "python": sys.version.split()[0],
            },
            "loadavg": {"start": load_start, "end": load_end},
            "options": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
            "batch_interval_ms": batch_ms,
            "targets": {
                "median_ms": batch_ms + TARGET_OVER_BATCH_MS,
                "idle_rss_mib": TARGET_IDLE_RSS_MIB,
                "chat_rss_mib": TARGET_CHAT_RSS_MIB,
                "met": met,
            },
            "latency": latency,
            "chats": chats,
            "summary": summary,
            "failures": failures,
        }
        args.json.write_text(json.dumps(raw, indent=2) + "\n")
        print(f"raw results: {args.json}")
    return 1 if failures or (args.strict and not met) else 0


if __name__ == "__main__":
    run_main(main)
