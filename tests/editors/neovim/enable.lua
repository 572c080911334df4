-- The lsp/claude_lsp.lua configuration through vim.lsp.enable (0.11+), without setup().
local H = dofile(os.getenv("CLAUDE_NVIM_HARNESS"))
local P, R = H.params, H.results

H.run(function()
  vim.lsp.config("claude_lsp", { cmd = P.server_cmd, root_markers = { "calc.py" } })
  vim.lsp.enable("claude_lsp")
  vim.cmd("edit " .. vim.fn.fnameescape(P.project .. "/calc.py"))
  H.wait(20000, function()
    local client = vim.lsp.get_clients({ name = "claude_lsp", bufnr = 0 })[1]
    return client ~= nil and client.initialized
  end, "the enabled server to attach")
  local client = vim.lsp.get_clients({ name = "claude_lsp", bufnr = 0 })[1]
  R.attached = client.config.root_dir == P.project
  R.server_protocol = client.server_capabilities.experimental.claude.protocolVersion
  R.client_capability = client.config.capabilities.experimental.claude

  vim.cmd("ClaudeChat say hello")
  local chat = H.chat_buffer()
  H.wait(20000, function()
    return H.find_line(chat, "^― end_turn") ~= nil
  end, "the answer")
  R.chat = H.lines(chat)
end)
