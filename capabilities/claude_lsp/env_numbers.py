"""Numbers read from environment variables (limits, timeouts), one way everywhere.

`str.isdigit` accepts characters `int` refuses (`²`), so a stray value could raise
where a setting is read; here anything but plain decimal digits counts as unset.
"""

from __future__ import annotations

from collections.abc import Mapping


def whole_number(environ: Mapping[str, str], name: str) -> int | None:
    """The variable as a whole number (0 included); None when unset or not one."""
    value = environ.get(name, "").strip()
    return int(value) if value.isascii() and value.isdecimal() else None


def positive_number(environ: Mapping[str, str], name: str) -> int | None:
    """The variable as a number above 0; None when unset, 0 or not a number."""
    number = whole_number(environ, name)
    return number if number else None
