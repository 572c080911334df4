"""The model worker: a child process that owns the anthropic SDK.

`python -m claude_lsp.models.worker` speaks JSON lines. Requests on stdin:

    {"id": 1, "op": "stream", "credentials": {...}, "params": {...messages params...}}
    {"id": 1, "op": "cancel"}

Events on stdout, tagged with the request id:

    {"id": 1, "type": "text", "text": "..."}        a text delta
    {"id": 1, "type": "thinking", "text": "..."}    a thinking delta
    {"id": 1, "type": "done", "response": {...}}    the finished message
    {"id": 1, "type": "error", "error": {...}}      a ModelError, classified here

It makes one attempt per request (the parent retries) and exits when stdin closes,
so it never outlives the process that started it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import stat
import sys
from typing import TYPE_CHECKING, Any

from claude_lsp.models.client import ModelError
from claude_lsp.models.credentials import Credentials

if TYPE_CHECKING:
    import anthropic

log = logging.getLogger("claude_lsp.models.worker")

# SDK clients kept for reuse (their connection pools); a rotating apiKeyHelper key makes
# new ones, so the least recently used are dropped (the SDK closes them when collected).
CLIENT_CACHE = 8


class Worker:
    def __init__(self) -> None:
        self._clients: dict[Credentials, anthropic.AsyncAnthropic] = {}
        self._tasks: dict[int, asyncio.Task[None]] = {}

    def send(self, event: dict[str, Any]) -> None:
        sys.stdout.write(json.dumps(event) + "\n")
        sys.stdout.flush()

    def handle(self, request: dict[str, Any]) -> None:
        request_id = int(request["id"])
        if request.get("op") == "cancel":
            task = self._tasks.get(request_id)
            if task is not None:
                task.cancel()
            return
        task = asyncio.create_task(self._stream(request_id, request))
        self._tasks[request_id] = task
        task.add_done_callback(lambda _: self._tasks.pop(request_id, None))

    async def _stream(self, request_id: int, request: dict[str, Any]) -> None:
        from claude_lsp.models.sdk import classify, make_client, stream_once

        try:
            credentials = Credentials.from_json(request["credentials"])
            client = self._clients.pop(credentials, None)
            if client is None:
                client = make_client(credentials)
            self._clients[credentials] = client  # now the most recently used
            while len(self._clients) > CLIENT_CACHE:
                del self._clients[next(iter(self._clients))]
            response = await stream_once(
                client,
                request["params"],
                lambda text: self.send({"id": request_id, "type": "text", "text": text}),
                lambda text: self.send({"id": request_id, "type": "thinking", "text": text}),
            )
        except asyncio.CancelledError:
            return  # the parent stopped waiting; closing the stream was the point
        except Exception as exc:
            error: ModelError = classify(exc)
            if error.error_type == "unexpected":
                log.exception("model call failed unexpectedly")
            self.send({"id": request_id, "type": "error", "error": error.to_json()})
            return
        self.send({"id": request_id, "type": "done", "response": response.to_json()})

    async def serve(self) -> None:
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader(limit=64 * 1024 * 1024)
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
        while line := await reader.readline():
            try:
                self.handle(json.loads(line))
            except (ValueError, KeyError, TypeError) as exc:
                log.error("ignoring a malformed request from the parent: %s", exc)
        for task in list(self._tasks.values()):
            task.cancel()


def main() -> None:
    logging.basicConfig(
        stream=sys.stderr,
        level=logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if not stat.S_ISFIFO(os.fstat(sys.stdin.fileno()).st_mode):
        # Its lifetime is tied to the parent's pipe; anything else would never end.
        sys.exit("claude_lsp.models.worker is started by claude-lsp, with pipes")
    import anthropic  # noqa: F401  (load the SDK now, while the parent does its own start-up)

    asyncio.run(Worker().serve())
    # Nothing is left to clean up once stdin closed; skip tearing down the SDK's thousands
    # of modules (a third of a second the parent would otherwise wait for).
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
