"""A symbol index worker process (`python -m claude_lsp.index.worker`, see pool.py): it
reads and parses batches of files and sends back their encoded symbols, or stores their
references in the cache itself.

Kept apart from `build` so that a worker loads only the extractor and the cache encoding,
not the index's asyncio and in-memory machinery: every module a worker imports is
start-up time taken from the parse.

Protocol, on stdin and stdout: a request is its length (`HEADER_BYTES`, little-endian)
and then that many bytes of marshal data. The first request sets the worker up
(`start_worker`'s arguments); each one after it is a `Job`. A reply is a status byte
(`OK`, or `FAILED` and the traceback of the exception the job raised), the length, and
the job's result. The worker exits when stdin closes.
"""

from __future__ import annotations

import contextlib
import gc
import marshal
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any

from claude_lsp.index.extract import parse, prepare, rows_of
from claude_lsp.index.store import ReadReferences, encode_references, encode_rows, store_references

HEADER_BYTES = 4
# A reply's first byte: the job returned, or it raised.
OK = b"\x00"
FAILED = b"\x01"
Job = tuple[Any, ...]
"""The name of one of the functions in `_JOBS`, then its arguments (marshallable values):
made by `parse_job` and `references_job`."""

# One file of a worker's batch: path, language, and the stat of the version to read.
Batched = tuple[str, str, int, int]
# One file of a worker's batch as it travels back: (path, mtime_ns, size, (definitions,
# names, references) of its `EncodedSymbols` or None, error)
Sent = tuple[str, int, int, tuple[bytes, bytes, list[tuple[str, bytes]] | None] | None, str]


def start_worker(languages: Sequence[str], references: bool, niceness: int) -> None:
    """Get a worker process ready before its first batch arrives: a lower priority,
    grammars loaded, queries compiled, and the cyclic garbage collector off. A worker
    makes no reference cycles (each file's objects are freed as soon as its rows are
    encoded), and the collector, set off again and again by the query's short-lived
    objects, cost 3-6% of a worker's time."""
    gc.disable()
    with contextlib.suppress(AttributeError, OSError):  # no os.nice on Windows
        os.nice(niceness)
    for language in languages:
        prepare(language, references)


def parse_files(root: str, files: Sequence[Batched], references: bool) -> bytes:
    """Read and parse `files` (see `Batched`), a worker's whole job: the
    results, marshalled (see `Sent`), are one compact message back. Their references are
    read only when `references` is set. The stat sent back is taken before the file is read:
    a file written meanwhile looks changed at the next scan."""
    base = Path(root)
    sent: list[Sent] = []
    for relative, language, *_ in files:
        mtime_ns, size = 0, -1
        try:
            with open(base / relative, "rb") as file:
                stat = os.fstat(file.fileno())
                mtime_ns, size = stat.st_mtime_ns, stat.st_size
                source = file.read()
            symbols = encode_rows(*rows_of(language, parse(language, source), references))
        except Exception as exc:
            sent.append((relative, mtime_ns, size, None, f"{type(exc).__name__}: {exc}"))
        else:
            encoded = (symbols.definitions, symbols.names, symbols.references)
            sent.append((relative, mtime_ns, size, encoded, ""))
    return marshal.dumps(sent)


def store_read_references(root: str, database: str, files: Sequence[Batched]) -> bytes:
    """Read the references of `files` and store them in the cache at `database` from here
    (a worker): a file changed since the version given is left alone. The paths stored,
    marshalled."""
    base = Path(root)
    found: list[ReadReferences] = []
    for relative, language, mtime_ns, size in files:
        try:
            with open(base / relative, "rb") as file:
                stat = os.fstat(file.fileno())
                if (stat.st_mtime_ns, stat.st_size) != (mtime_ns, size):
                    continue
                source = file.read()
            _, used = rows_of(language, parse(language, source), True)
        except Exception:  # unreadable or unparsable now: it stays unread
            continue
        found.append((relative, mtime_ns, size, encode_references(used or {})))
    return marshal.dumps(store_references(Path(database), found))


_JOBS: dict[str, Callable[..., bytes]] = {
    job.__name__: job for job in (parse_files, store_read_references)
}


def parse_job(root: str, files: Sequence[Batched], references: bool) -> Job:
    """The `Job` of `parse_files`."""
    return (parse_files.__name__, root, files, references)


def references_job(root: str, database: str, files: Sequence[Batched]) -> Job:
    """The `Job` of `store_read_references`."""
    return (store_read_references.__name__, root, database, files)


def run_job(job: Job) -> bytes:
    """Run a `Job` here: in a worker, or in a thread of the server for a little work."""
    name, *arguments = job
    return _JOBS[name](*arguments)


def serve(requests: IO[bytes], replies: IO[bytes]) -> None:
    """A worker's life: set up, then answer jobs until `requests` ends."""
    setup = _read(requests)
    if setup is None:
        return
    start_worker(*marshal.loads(setup))
    while (request := _read(requests)) is not None:
        try:
            status, reply = OK, run_job(marshal.loads(request))
        except Exception:
            status, reply = FAILED, traceback.format_exc().encode("utf-8", "replace")
        replies.write(status + len(reply).to_bytes(HEADER_BYTES, "little"))
        replies.write(reply)
        replies.flush()


def _read(stream: IO[bytes]) -> bytes | None:
    """The next message, or None at the end of the stream."""
    header = stream.read(HEADER_BYTES)
    if len(header) < HEADER_BYTES:
        return None
    return stream.read(int.from_bytes(header, "little"))


if __name__ == "__main__":
    # The protocol gets stdout to itself: anything else printed goes to stderr. (This
    # module's imports ran before this, but they print nothing.)
    protocol_out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    # Ctrl-C in a terminal reaches the whole process group, and a parent that went away
    # closes the pipes: either way the parent is done with this worker, so it ends quietly.
    with contextlib.suppress(KeyboardInterrupt, BrokenPipeError):
        serve(sys.stdin.buffer, protocol_out)
