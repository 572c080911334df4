-- The server dies while Claude answers: the status line clears, the chat says so, and
-- the next :ClaudeChat starts a new server.
local H = dofile(os.getenv("CLAUDE_NVIM_HARNESS"))
local P, R = H.params, H.results

H.run(function()
  H.start_on_calc()
  local first = H.clients()[1].id

  vim.cmd("ClaudeChat count slowly")
  local chat = H.chat_buffer()
  H.wait(20000, function()
    return H.find_line(chat, "words") ~= nil
  end, "streamed text")
  R.status_before = require("claude_lsp").statusline()

  for _, pid in ipairs(vim.api.nvim_get_proc_children(vim.fn.getpid())) do
    vim.loop.kill(pid, 9)
  end
  H.wait(10000, function()
    return H.find_line(chat, "^― server exited$") ~= nil
  end, "the chat to say the server exited")
  R.status_after = require("claude_lsp").statusline()
  R.chat = H.lines(chat)

  vim.cmd("buffer " .. vim.fn.bufnr(P.project .. "/calc.py"))
  vim.cmd("ClaudeChat are you back")
  H.wait(20000, function()
    local client = H.clients()[1]
    return client ~= nil and client.id ~= first and client.initialized
  end, "a new server")
  local new_chat = require("claude_lsp.session").chat_buffer(H.clients()[1])
  H.wait(20000, function()
    return H.find_line(new_chat, "^― end_turn") ~= nil
  end, "the answer of the new server")
  R.new_chat = H.lines(new_chat)
end)
