"""JSON-schema validation shared by tool inputs and protocol params.

jsonschema is imported on first use so that start-up does not pay for it.
"""

from __future__ import annotations

from typing import Any


def schema_error(schema: dict[str, Any], value: Any) -> str | None:
    """Return a one-line description of the first problem in `value`, or None if valid.

    The message names the offending field so that a model (or a client author) can fix
    the call without guessing.
    """
    from jsonschema import Draft202012Validator

    errors = sorted(Draft202012Validator(schema).iter_errors(value), key=lambda e: e.path)
    if not errors:
        return None
    error = errors[0]
    where = ".".join(str(part) for part in error.absolute_path)
    return f"{where}: {error.message}" if where else error.message
