"""Claude Code settings files: finding, reading, checking and merging them, and saving rules."""
