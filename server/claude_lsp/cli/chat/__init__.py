"""`claude-lsp --chat`: an interactive terminal client of the language server."""
