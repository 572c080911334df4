"""`claude-lsp --acp`: the core served as an Agent Client Protocol agent (Zed's agent
panel and other ACP clients), beside the LSP adapter."""
