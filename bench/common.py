"""What both benches need: load checks and a main that always cleans up."""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path


def loadavg() -> list[float]:
    """1/5/15-minute load averages: a busy machine makes wall-clock figures suspect."""
    return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]


def warn_if_busy() -> list[float]:
    load = loadavg()
    if load[0] > 0.5 * (os.cpu_count() or 1):
        print(
            f"warning: load average {load[0]:.2f} on {os.cpu_count()} CPUs; figures will be noisy"
        )
    return load


def _exit_on_sigterm(signum: int, frame: object) -> None:
    """SIGTERM unwinds like Ctrl-C, so the `finally` blocks stop every child."""
    raise KeyboardInterrupt


def run_main(main: Callable[[], int]) -> None:
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)


# What a user might type into a workspace symbol picker, shared by index.py and
# lsp_symbols.py: whole names, prefixes, camelCase and snake_case initials, and loose
# subsequences (one with a typo).
QUERIES = (
    "Path",
    "urlopen",
    "HTTPServer",
    "TestCase",
    "assertEqual",
    "getattr",
    "gcp",
    "tsf",
    "json",
    "Decoder",
    "parse_args",
    "mkstmp",
    "sqlite",
    "__init__",
    "read",
    "dump",
    "Thread",
    "async",
    "ZipFile",
    "deque",
)
