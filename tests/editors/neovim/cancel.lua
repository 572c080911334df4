-- :ClaudeCancel while an answer streams: the turn ends "cancelled" at once, and the
-- next prompt is answered.
local H = dofile(os.getenv("CLAUDE_NVIM_HARNESS"))
local P, R = H.params, H.results

H.run(function()
  H.start_on_calc({ model = P.model })

  vim.cmd("ClaudeChat count slowly")
  local chat = H.chat_buffer()
  H.wait(20000, function()
    return H.find_line(chat, "words") ~= nil
  end, "streamed text")

  -- From the chat window, as a user would after reading a little.
  vim.api.nvim_set_current_buf(chat)
  local cancelled_at = vim.loop.hrtime()
  vim.cmd("ClaudeCancel")
  H.wait(10000, function()
    return H.find_line(chat, "^― ") ~= nil
  end, "the cancelled turn to end")
  R.cancel_to_result_ms = (vim.loop.hrtime() - cancelled_at) / 1e6

  -- The next prompt, typed in the chat's prompt area and sent with <CR>.
  local last = vim.api.nvim_buf_line_count(chat)
  vim.api.nvim_buf_set_lines(chat, last - 1, last, false, { "go on" })
  vim.api.nvim_win_set_cursor(0, { last, 0 })
  vim.api.nvim_feedkeys(vim.api.nvim_replace_termcodes("<CR>", true, false, true), "x", false)
  H.wait(20000, function()
    return H.find_line(chat, "^― end_turn") ~= nil
  end, "the next turn to end")
  H.wait(5000, function()
    return require("claude_lsp").statusline() == ""
  end, "the status line to clear")
  R.status_after = require("claude_lsp").statusline()
  R.chat = H.lines(chat)
end)
