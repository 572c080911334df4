"""The session's side of hooks: which commands an event runs, with what payload, and
where their messages go.

The turn loop and the tool runner call `run` at each event and act on the outcome;
this class only fills in what every payload shares and reports what users should see.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from claude_lsp.hooks import EventOutcome, HookConfig, HookEvent, hook_payload, run_hooks
from claude_lsp.hooks.prompt_hook import AskModel

log = logging.getLogger(__name__)


@dataclass
class SessionHooks:
    config: HookConfig
    # The payload fields every event shares (session id, transcript, cwd, mode), now.
    common: Callable[[], dict[str, Any]]
    project_dir: Path
    env: Callable[[], dict[str, str]]
    # Shows a line to the user (not the model): system messages, stop reasons.
    notify: Callable[[str], None]
    # Answers `prompt` hooks with a small model.
    ask_model: AskModel | None = None

    async def run(
        self, event: HookEvent, match_value: str | None = None, **fields: Any
    ) -> EventOutcome | None:
        """Run the hooks `event` has (None: it has none) and report their messages."""
        commands = self.config.matching(event, match_value)
        if not commands:
            return None
        payload = hook_payload(event, **self.common(), **fields)
        outcome = await run_hooks(
            commands,
            payload,
            project_dir=self.project_dir,
            env=self.env(),
            ask_model=self.ask_model,
        )
        for warning in outcome.warnings:
            log.warning("%s hook: %s", event.value, warning)
        for message in outcome.system_messages:
            self.notify(message)
        if outcome.stop and outcome.stop_reason:
            self.notify(outcome.stop_reason)
        elif outcome.message_for_user:
            self.notify(outcome.message_for_user)
        return outcome
