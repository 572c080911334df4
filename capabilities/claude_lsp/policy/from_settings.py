"""Permission rules from the merged settings files, each knowing where it was written.

Decisions name the rule's origin ("denied by rule Bash(rm:*) from project settings"),
and `/path` rules are anchored at their scope's base folder.
"""

from __future__ import annotations

from claude_lsp.policy.permissions import RuleBehavior, parse_rules
from claude_lsp.policy.rules import Rule, RuleScope, RuleSource
from claude_lsp.settings.files import Scope
from claude_lsp.settings.merge import LoadedSettings

RULE_SCOPES = {
    Scope.MANAGED: RuleScope.MANAGED_SETTINGS,
    Scope.EDITOR: RuleScope.FLAG_SETTINGS,
    Scope.LOCAL: RuleScope.LOCAL_SETTINGS,
    Scope.PROJECT: RuleScope.PROJECT_SETTINGS,
    Scope.USER: RuleScope.USER_SETTINGS,
}


def settings_rules(
    settings: LoadedSettings, behavior: RuleBehavior, warnings: list[str]
) -> list[Rule]:
    """The `permissions.<behavior>` rules of every scope; malformed ones warn (see
    `parse_rules` for how a malformed deny or ask rule still restricts its tool)."""
    rules: list[Rule] = []
    for entry in settings.rules(behavior):
        source = RuleSource(RULE_SCOPES[entry.scope], entry.base_dir)
        rules += parse_rules([entry.text], behavior=behavior, warnings=warnings, source=source)
    return rules
