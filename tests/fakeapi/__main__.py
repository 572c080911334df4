"""Run the fake API in the foreground: prints its base URL as the first stdout line.

python -m tests.fakeapi --port 0 --scenario fix-calc --calc-path /abs/calc.py
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from types import FrameType

from .scenarios import fix_calc
from .server import FakeAnthropic


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fakeapi", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--scenario", choices=["fix-calc"], help="fallback for every request")
    parser.add_argument("--calc-path", help="file for the fix-calc scenario (absolute path)")
    parser.add_argument("--system-contains", help="fix-calc: only main requests carry this")
    parser.add_argument("--chunk-delay", type=float, default=0.0, help="seconds between events")
    parser.add_argument("--request-log", help="append each request as a JSON line here")
    parser.add_argument("--verbose", action="store_true", help="log requests to stderr")
    args = parser.parse_args(argv)

    server = FakeAnthropic(
        host=args.host,
        port=args.port,
        chunk_delay=args.chunk_delay,
        request_log=args.request_log,
        verbose=args.verbose,
    )
    if args.scenario == "fix-calc":
        if not args.calc_path:
            parser.error("--scenario fix-calc needs --calc-path")
        server.set_fallback(fix_calc(args.calc_path, system_contains=args.system_contains))

    done = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        done.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    with server:
        print(server.base_url, flush=True)
        while not done.wait(0.5):
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
