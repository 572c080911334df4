"""Where and how to reach the Messages API.

Kept apart from the client so that print mode can check for credentials and launch the
model worker before loading anything heavier.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from claude_lsp.models.key_helper import ApiKeyHelper

NO_CREDENTIALS_HELP = (
    "No Anthropic credentials: set ANTHROPIC_API_KEY (or ANTHROPIC_AUTH_TOKEN), "
    "or point ANTHROPIC_BASE_URL at a gateway that does not need a key."
)

# The variables the credentials are made of; the model worker gets them from us only.
CREDENTIAL_VARIABLES = (
    "ANTHROPIC_API_KEY",
    "ANTHROPIC_AUTH_TOKEN",
    "ANTHROPIC_BASE_URL",
    "ANTHROPIC_CUSTOM_HEADERS",
)


class NoCredentialsError(Exception):
    """No API key, token or gateway URL: the model cannot be reached at all."""

    def __init__(self) -> None:
        super().__init__(NO_CREDENTIALS_HELP)


def parse_custom_headers(text: str) -> tuple[tuple[str, str], ...]:
    """`ANTHROPIC_CUSTOM_HEADERS`: one `Name: Value` per line; other lines are skipped."""
    headers = []
    for line in text.splitlines():
        name, colon, value = line.partition(":")
        if colon and name.strip():
            headers.append((name.strip(), value.strip()))
    return tuple(headers)


@dataclass(frozen=True)
class Credentials:
    """Where and how to reach the API. Never log the key, the token or header values."""

    api_key: str | None = None
    auth_token: str | None = None
    base_url: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    helper_key: str | None = None  # from apiKeyHelper: sent as both X-Api-Key and a bearer token

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Credentials:
        return cls().overlaid(os.environ if env is None else env)

    def overlaid(self, env: Mapping[str, str]) -> Credentials:
        """These credentials with every variable that `env` sets taking over its field.

        A variable set to "" clears its field, as an empty environment variable would.
        """
        found = self
        if "ANTHROPIC_API_KEY" in env:
            found = replace(found, api_key=env["ANTHROPIC_API_KEY"] or None)
        if "ANTHROPIC_AUTH_TOKEN" in env:
            found = replace(found, auth_token=env["ANTHROPIC_AUTH_TOKEN"] or None)
        if "ANTHROPIC_BASE_URL" in env:
            found = replace(found, base_url=env["ANTHROPIC_BASE_URL"] or None)
        if "ANTHROPIC_CUSTOM_HEADERS" in env:
            found = replace(found, headers=parse_custom_headers(env["ANTHROPIC_CUSTOM_HEADERS"]))
        return found

    @property
    def has_key(self) -> bool:
        """An API key or token of its own (which wins over apiKeyHelper, as in Claude Code)."""
        return bool(self.api_key or self.auth_token)

    @property
    def usable(self) -> bool:
        return bool(self.has_key or self.helper_key or self.base_url)

    def to_json(self) -> dict[str, Any]:
        """For the model worker's line protocol."""
        return {
            "api_key": self.api_key,
            "auth_token": self.auth_token,
            "base_url": self.base_url,
            "headers": [list(header) for header in self.headers],
            "helper_key": self.helper_key,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Credentials:
        return cls(
            api_key=data.get("api_key"),
            auth_token=data.get("auth_token"),
            base_url=data.get("base_url"),
            headers=tuple((str(name), str(value)) for name, value in data.get("headers", [])),
            helper_key=data.get("helper_key"),
        )

    def __repr__(self) -> str:
        def state(value: str | None) -> str:
            return "set" if value else "unset"

        names = [name for name, _ in self.headers]
        return (
            f"Credentials(base_url={self.base_url!r}, key={state(self.api_key)}, "
            f"token={state(self.auth_token)}, helper_key={state(self.helper_key)}, "
            f"headers={names!r})"
        )


@dataclass(frozen=True)
class SessionCredentials:
    """A session's credentials: fixed values, plus apiKeyHelper when they hold no key.

    `fixed` is the server's environment with the settings' `env` on top, so a project
    can name its own gateway or key the way Claude Code lets it.
    """

    fixed: Credentials
    helper: ApiKeyHelper | None = None

    @classmethod
    def for_session(
        cls,
        base: Credentials,
        settings_env: Mapping[str, str],
        api_key_helper: str | None,
        cwd: Path,
    ) -> SessionCredentials:
        """`base` (the process environment's) with the settings' `env` and helper applied."""
        fixed = base.overlaid(settings_env)
        if not api_key_helper or fixed.has_key:
            return cls(fixed)
        from claude_lsp.models.key_helper import ApiKeyHelper, helper_ttl_s

        env = {**os.environ, **settings_env}
        return cls(fixed, ApiKeyHelper(api_key_helper, cwd=cwd, env=env, ttl_s=helper_ttl_s(env)))

    @property
    def usable(self) -> bool:
        return self.fixed.usable or self.helper is not None

    async def resolve(self, *, rejected: Credentials | None = None) -> Credentials:
        """The credentials for one request; `rejected`: those the API just refused (401)."""
        if self.helper is None:
            return self.fixed
        stale = rejected.helper_key if rejected is not None else None
        return replace(self.fixed, helper_key=await self.helper.key(rejected=stale))
