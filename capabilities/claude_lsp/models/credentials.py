"""Where and how to reach the Messages API.

Kept apart from the client so that print mode can check for credentials and launch the
model worker before loading anything heavier.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

NO_CREDENTIALS_HELP = (
    "No Anthropic credentials: set ANTHROPIC_API_KEY (or ANTHROPIC_AUTH_TOKEN), "
    "or point ANTHROPIC_BASE_URL at a gateway that does not need a key."
)


class NoCredentialsError(Exception):
    """No API key, token or gateway URL: the model cannot be reached at all."""

    def __init__(self) -> None:
        super().__init__(NO_CREDENTIALS_HELP)


@dataclass(frozen=True)
class Credentials:
    """Where and how to reach the API. Never log the key or token."""

    api_key: str | None = None
    auth_token: str | None = None
    base_url: str | None = None

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Credentials:
        env = dict(os.environ) if env is None else env
        return cls(
            api_key=env.get("ANTHROPIC_API_KEY") or None,
            auth_token=env.get("ANTHROPIC_AUTH_TOKEN") or None,
            base_url=env.get("ANTHROPIC_BASE_URL") or None,
        )

    @property
    def usable(self) -> bool:
        return bool(self.api_key or self.auth_token or self.base_url)

    def __repr__(self) -> str:
        return f"Credentials(base_url={self.base_url!r}, key={'set' if self.api_key else 'unset'})"
