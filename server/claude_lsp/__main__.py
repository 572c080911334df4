"""`python -m claude_lsp`: the same entry point as the `claude-lsp` command."""

from claude_lsp.cli.main import main

raise SystemExit(main())
