"""JSON-RPC errors of the claude/* protocol (codes from docs/protocol.md)."""

from __future__ import annotations

from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams, JsonRpcInvalidRequest

NO_CREDENTIALS = -32001
MODEL_FAILURE = -32002


def invalid_params(message: str) -> JsonRpcException:
    return JsonRpcInvalidParams(message=f"Invalid params: {message}")


def invalid_request(message: str) -> JsonRpcException:
    return JsonRpcInvalidRequest(message=message)


def no_credentials(message: str) -> JsonRpcException:
    return JsonRpcException(code=NO_CREDENTIALS, message=message)


def model_failure(message: str, *, status: int | None, error_type: str) -> JsonRpcException:
    return JsonRpcException(code=MODEL_FAILURE, message=message,
                            data={"status": status, "type": error_type})
