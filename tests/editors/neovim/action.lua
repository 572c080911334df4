-- :ClaudeAction on a visual selection: the server's Claude code actions are offered,
-- "Claude: explain" is picked, and its session's answer shows in the chat.
local H = dofile(os.getenv("CLAUDE_NVIM_HARNESS"))
local R = H.results

H.run(function()
  local shown = H.fake_select(function(label)
    return label == "Claude: explain"
  end)
  H.start_on_calc()

  -- A diagnostic from another source on line 2, for "Claude: fix this".
  local ns = vim.api.nvim_create_namespace("test_linter")
  vim.diagnostic.set(ns, 0, { { lnum = 1, col = 11, end_col = 16, message = "add subtracts", source = "lint" } })

  -- Select "a - b" on line 2, then run the command on the selection.
  vim.api.nvim_win_set_cursor(0, { 2, 11 })
  vim.cmd("normal! v4l\27")
  vim.cmd("'<,'>ClaudeAction")
  H.wait(10000, function()
    return #shown > 0
  end, "the code actions")
  R.titles = shown[1].labels

  H.wait(30000, function()
    local chat = H.chat_buffer()
    return chat ~= nil and H.find_line(chat, "difference") ~= nil
  end, "the action's answer in the chat")
  H.wait(10000, function()
    return require("claude_lsp").statusline() == ""
  end, "the action to finish")
  R.chat = H.lines(H.chat_buffer())
end)
