-- A permission question that vim.ui.select never answers: after the configured
-- timeout the plugin answers "cancelled", so the edit is denied and the turn goes on.
-- (On 0.7 the plugin asks with the built-in list, which the user leaves with <Esc>.)
local H = dofile(os.getenv("CLAUDE_NVIM_HARNESS"))
local P, R = H.params, H.results

H.run(function()
  local asked = 0
  vim.ui.select = function()
    asked = asked + 1
  end
  vim.fn.inputlist = function()
    asked = asked + 1
    return 0
  end
  require("claude_lsp").setup({
    cmd = P.server_cmd,
    filetypes = { "python" },
    permission_timeout_ms = 1000,
  })
  vim.cmd("edit " .. vim.fn.fnameescape(P.project .. "/calc.py"))
  local calc = vim.api.nvim_get_current_buf()
  H.wait(20000, function()
    local client = H.clients()[1]
    return client ~= nil and client.initialized
  end, "the server to start")

  vim.cmd("ClaudeChat fix the bug in calc.py")
  local chat = H.chat_buffer()
  H.wait(30000, function()
    return H.find_line(chat, "^― ") ~= nil
  end, "the end of the turn")
  R.asked = asked
  R.chat = H.lines(chat)
  R.calc_lines = H.lines(calc)
  R.calc_modified = vim.bo[calc].modified
end)
