-- The lsp/claude_lsp.lua configuration through vim.lsp.enable (0.11+), without setup(),
-- in a project without root markers: the client has no root folder, and the chat's
-- session works in Neovim's working directory.
local H = dofile(os.getenv("CLAUDE_NVIM_HARNESS"))
local P, R = H.params, H.results

H.run(function()
  vim.lsp.config("claude_lsp", { cmd = P.server_cmd })
  vim.lsp.enable("claude_lsp")
  vim.cmd("edit " .. vim.fn.fnameescape(P.project .. "/calc.py"))
  H.wait(20000, function()
    local client = vim.lsp.get_clients({ name = "claude_lsp", bufnr = 0 })[1]
    return client ~= nil and client.initialized
  end, "the enabled server to attach")
  local client = vim.lsp.get_clients({ name = "claude_lsp", bufnr = 0 })[1]
  R.root_dir = client.config.root_dir or vim.NIL
  R.server_protocol = client.server_capabilities.experimental.claude.protocolVersion
  R.client_capability = client.config.capabilities.experimental.claude

  vim.cmd("ClaudeChat say hello")
  local chat = H.chat_buffer()
  H.wait(20000, function()
    return H.find_line(chat, "^― end_turn") ~= nil
  end, "the answer")
  R.chat = H.lines(chat)
  R.session_cwd = require("claude_lsp.session").info(client).cwd

  -- :checkhealth reads the command from vim.lsp.config, not setup()'s default.
  vim.cmd("checkhealth claude_lsp")
  R.health = table.concat(H.lines(0), "\n")
end)
