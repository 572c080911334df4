"""The `claude-lsp` command: the language server, and print mode as its client."""
