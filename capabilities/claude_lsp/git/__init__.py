"""Git facts for the agent, read with pygit2."""
