-- :ClaudeMode, :ClaudeNew and :ClaudeSessions: change the mode, start over, then load
-- the first conversation back into the chat.
local H = dofile(os.getenv("CLAUDE_NVIM_HARNESS"))
local P, R = H.params, H.results

H.run(function()
  local shown = H.fake_select(function(label)
    return vim.startswith(label, "remember the number 42  (")
  end)
  H.start_on_calc()

  -- A second file of the project shares the client.
  vim.cmd("edit " .. vim.fn.fnameescape(P.project .. "/notes.py"))
  H.wait(5000, function()
    return #H.clients(0) > 0
  end, "the second buffer to attach")
  R.clients = #H.clients()

  vim.cmd("ClaudeChat remember the number 42")
  local chat = H.chat_buffer()
  H.wait(20000, function()
    return H.find_line(chat, "^― end_turn") ~= nil
  end, "the first answer")
  vim.cmd("ClaudeMode plan")
  H.wait(10000, function()
    return H.find_line(chat, "^_mode: plan_$") ~= nil
  end, "the mode change")
  R.first_chat = H.lines(chat)

  vim.cmd("ClaudeNew")
  R.after_new = H.lines(chat)
  vim.cmd("ClaudeSessions")
  H.wait(20000, function()
    return H.find_line(chat, "I will remember 42.") ~= nil
  end, "the replayed session")
  R.session_titles = shown[1] and shown[1].labels
  R.loaded_chat = H.lines(chat)
end)
