"""Slash commands: the built-in ones and the user's own from `.claude/commands`."""
