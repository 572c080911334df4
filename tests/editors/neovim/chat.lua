-- :ClaudeChat against the real server: the answer streams into the chat, the Edit
-- is put to vim.ui.select, and the agent's edit lands in the open buffer, unsaved.
local H = dofile(os.getenv("CLAUDE_NVIM_HARNESS"))
local R = H.results

H.run(function()
  R.commands = vim.fn.exists(":ClaudeChat") == 2 and vim.fn.exists(":ClaudeCancel") == 2
  R.loaded_before_setup = package.loaded["claude_lsp"] ~= nil
  local shown = H.fake_select(function(label)
    return label == "Allow"
  end)
  local calc = H.start_on_calc()

  -- What a status line would show, each time the plugin says it changed.
  local statuses = {}
  vim.api.nvim_create_autocmd("User", {
    pattern = "ClaudeLspStatus",
    callback = function()
      local status = require("claude_lsp").statusline()
      if statuses[#statuses] ~= status then
        table.insert(statuses, status)
      end
    end,
  })
  vim.cmd("ClaudeChat fix the bug in calc.py")
  local chat = H.chat_buffer()
  H.wait(30000, function()
    return H.find_line(chat, "^― ") ~= nil
  end, "the end of the turn")
  H.wait(5000, function()
    return require("claude_lsp").statusline() == ""
  end, "the status line to clear")

  R.chat = H.lines(chat)
  R.chat_filetype = vim.bo[chat].filetype
  R.statuses = vim.deepcopy(statuses)
  R.questions = shown

  -- `u` in the chat undoes only what the user typed there: the plugin's lines stay.
  vim.api.nvim_set_current_buf(chat)
  local last = vim.api.nvim_buf_line_count(chat)
  vim.api.nvim_win_set_cursor(0, { last, 0 })
  vim.cmd("normal! itypo")
  vim.cmd("silent! normal! uu")
  R.chat_after_undo = H.lines(chat)
  -- A prompt heading the user deleted comes back with the next output.
  vim.api.nvim_buf_set_lines(chat, last - 2, last - 1, false, {})
  vim.cmd("ClaudeMode plan")
  H.wait(10000, function()
    return H.find_line(chat, "^_mode: plan_$") ~= nil
  end, "the mode change")
  R.chat_after_mode = H.lines(chat)
  vim.cmd("buffer " .. calc)
  R.calc_lines = H.lines(calc)
  R.calc_modified = vim.bo[calc].modified
  vim.api.nvim_buf_call(calc, function()
    vim.cmd("silent normal! u")
  end)
  R.calc_after_undo = H.lines(calc)
end)
