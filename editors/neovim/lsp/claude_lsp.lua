-- claude-lsp as a client configuration for Neovim 0.11+:
--   vim.lsp.enable("claude_lsp")
-- (change it with vim.lsp.config("claude_lsp", { ... })). nvim-lspconfig reads this
-- file the same way as its own `lsp/*.lua` configurations. The values come from
-- require("claude_lsp").setup() when it was called before, else from the defaults.
return require("claude_lsp.config").lsp_config()
