-- The model writes a new file (its diff has `oldText: null`): the question shows the
-- whole file, "Allow" is picked, and the file is created. Its plan shows as a checklist.
local H = dofile(os.getenv("CLAUDE_NVIM_HARNESS"))
local P, R = H.params, H.results

H.run(function()
  local shown = H.fake_select(function(label)
    return label == "Allow"
  end)
  H.start_on_calc()

  vim.cmd("ClaudeChat add a test file")
  local chat = H.chat_buffer()
  H.wait(30000, function()
    return H.find_line(chat, "^― ") ~= nil
  end, "the end of the turn")
  R.chat = H.lines(chat)
  R.questions = vim.tbl_map(function(entry)
    return entry.prompt
  end, shown)
  local new = vim.fn.bufnr(P.project .. "/test_calc.py")
  R.buffer_lines = new ~= -1 and vim.api.nvim_buf_is_loaded(new) and H.lines(new) or vim.NIL
end)
