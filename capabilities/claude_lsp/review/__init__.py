"""Claude's one-shot editor tasks: review findings, task prompts, diff previews."""
