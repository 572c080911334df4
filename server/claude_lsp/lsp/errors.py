"""JSON-RPC errors of the claude/* protocol (codes from docs/protocol.md)."""

from __future__ import annotations

import json
import logging
from typing import Any

from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams, JsonRpcInvalidRequest

log = logging.getLogger(__name__)

NO_CREDENTIALS = -32001
MODEL_FAILURE = -32002


def invalid_params(message: str) -> JsonRpcException:
    return JsonRpcInvalidParams(message=f"Invalid params: {message}")


def invalid_request(message: str) -> JsonRpcException:
    return JsonRpcInvalidRequest(message=message)


def no_credentials(message: str) -> JsonRpcException:
    return JsonRpcException(code=NO_CREDENTIALS, message=message)


def model_failure(message: str, *, status: int | None, error_type: str) -> JsonRpcException:
    return JsonRpcException(
        code=MODEL_FAILURE, message=message, data={"status": status, "type": error_type}
    )


class ExpectedErrorFilter(logging.Filter):
    """Log the errors we answer on purpose as one INFO line, not an ERROR traceback.

    pygls logs every exception a request handler raises with its traceback; for a
    deliberate -32602 or -32002 that is noise (and print mode shows ERROR logs).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], JsonRpcException):
            error = record.exc_info[1]
            record.msg, record.args = (
                "request answered with error %s: %s",
                (error.code, error.message),
            )
            record.exc_info = None
            record.levelno, record.levelname = logging.INFO, "INFO"
            return logging.getLogger(record.name).isEnabledFor(logging.INFO)
        return True


def quiet_expected_errors() -> None:
    logging.getLogger("pygls.protocol.json_rpc").addFilter(ExpectedErrorFilter())


def answer_unreadable_message(protocol: Any, error: Exception) -> None:
    """Answer a message that could not be read on `protocol`'s connection.

    JSON-RPC wants a -32700 (bad JSON) or -32600 (not a valid message) response with a
    null id, where pygls would only log it (and pop an "Error in server" up).
    """
    code = -32700 if isinstance(error, json.JSONDecodeError) else -32600
    kind = "Parse error" if code == -32700 else "Invalid request"
    log.warning("%s in a message from the client: %s", kind, error)
    # No public pygls API answers a message without an id; typed messages would drop the
    # null id, so send the JSON-RPC error object as it is.
    protocol._send_data(
        {"jsonrpc": "2.0", "id": None, "error": {"code": code, "message": f"{kind}: {error}"}}
    )
