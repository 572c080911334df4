"""The symbol index: tree-sitter definitions and references, kept per file and per workspace."""
