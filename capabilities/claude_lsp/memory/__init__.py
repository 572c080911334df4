"""Memory: the CLAUDE.md files and rules whose instructions the model must follow."""
