-- The chat buffer: a transcript that grows above a prompt area. The prompt area
-- starts at a heading line tracked by an extmark; output is always inserted above
-- it, so the user can type the next prompt while an answer streams, and a window
-- whose cursor is in the prompt area follows the output (Neovim moves the cursor
-- down with the lines inserted above it).
local config = require("claude_lsp.config")

local M = {}

local ns = vim.api.nvim_create_namespace("claude_lsp_chat")
local api = vim.api

-- Per chat buffer: the prompt heading's mark, whether the transcript ends in a text
-- run still streaming, and the mark where that run began.
local buffers = {}

local function prompt_heading()
  local keys = config.options.chat.keys
  return ("## You (%s: send, %s: cancel)"):format(keys.send, keys.cancel)
end

-- Run `change` with undo off for the buffer, so `u` undoes only what the user typed
-- (undoing the plugin's lines would take the prompt heading with them). A change made
-- with undo off also drops the buffer's undo history, which in the chat is only the
-- prompt being typed.
local function write(buf, change)
  local levels = vim.bo[buf].undolevels
  vim.bo[buf].undolevels = -1
  local ok, result = pcall(change)
  vim.bo[buf].undolevels = levels
  if not ok then
    error(result, 0)
  end
  return result
end

-- The row of the prompt heading, written again where the user deleted it (its mark
-- then sits on the line that followed it).
local function heading_row(buf)
  local state = buffers[buf]
  local row = api.nvim_buf_get_extmark_by_id(buf, ns, state.heading, {})[1]
  local line = api.nvim_buf_get_lines(buf, row, row + 1, false)[1]
  if line ~= prompt_heading() then
    write(buf, function()
      api.nvim_buf_set_lines(buf, row, row, false, { prompt_heading() })
    end)
    api.nvim_buf_del_extmark(buf, ns, state.heading)
    state.heading = api.nvim_buf_set_extmark(buf, ns, row, 0, {})
  end
  return row
end

-- Empty the chat, leaving the prompt heading.
function M.reset(buf)
  write(buf, function()
    api.nvim_buf_clear_namespace(buf, ns, 0, -1)
    api.nvim_buf_set_lines(buf, 0, -1, false, { prompt_heading(), "" })
    buffers[buf] = { heading = api.nvim_buf_set_extmark(buf, ns, 0, 0, {}), text_open = false }
  end)
end

local function create(client_id, on_send, on_cancel)
  local buf = api.nvim_create_buf(true, true)
  api.nvim_buf_set_name(buf, ("claude://chat/%d"):format(client_id))
  vim.bo[buf].filetype = "markdown"
  vim.bo[buf].swapfile = false
  vim.b[buf].claude_lsp_client_id = client_id
  M.reset(buf)
  local keys = config.options.chat.keys
  vim.keymap.set("n", keys.send, on_send, { buffer = buf, desc = "Send the prompt to Claude" })
  vim.keymap.set("n", keys.cancel, on_cancel, { buffer = buf, desc = "Cancel Claude's turn" })
  api.nvim_create_autocmd("BufWipeout", {
    buffer = buf,
    callback = function()
      buffers[buf] = nil
    end,
  })
  return buf
end

-- The chat buffer of a client, made when missing. `handlers` has on_send and on_cancel.
function M.buffer(client_id, handlers)
  for buf in pairs(buffers) do
    if api.nvim_buf_is_valid(buf) and vim.b[buf].claude_lsp_client_id == client_id then
      return buf
    end
  end
  return create(client_id, handlers.on_send, handlers.on_cancel)
end

-- Show the chat in a window (reusing one that shows it) and put the cursor in the
-- prompt area.
function M.show(buf)
  local win = vim.fn.bufwinid(buf)
  if win == -1 then
    vim.cmd(config.options.chat.open)
    win = api.nvim_get_current_win()
    api.nvim_win_set_buf(win, buf)
    vim.wo[win].wrap = true
    vim.wo[win].linebreak = true
  end
  api.nvim_set_current_win(win)
  api.nvim_win_set_cursor(win, { api.nvim_buf_line_count(buf), 0 })
end

-- Streamed text: continue the open text run, or begin one on a line of its own.
function M.append_text(buf, text)
  local state = buffers[buf]
  write(buf, function()
    local row = heading_row(buf)
    if not state.text_open then
      api.nvim_buf_set_lines(buf, row, row, false, { "" })
      state.run = api.nvim_buf_set_extmark(buf, ns, row, 0, {})
      state.text_open = true
      row = row + 1
    end
    local last = api.nvim_buf_get_lines(buf, row - 1, row, false)[1]
    api.nvim_buf_set_text(buf, row - 1, #last, row - 1, #last, vim.split(text, "\n", { plain = true }))
  end)
end

-- Lines after the transcript; they end any text run. Returns a mark on the first one.
function M.add_lines(buf, lines)
  buffers[buf].text_open = false
  return write(buf, function()
    local row = heading_row(buf)
    api.nvim_buf_set_lines(buf, row, row, false, lines)
    return api.nvim_buf_set_extmark(buf, ns, row, 0, {})
  end)
end

-- A heading and what follows it, after a blank line unless the transcript has one.
function M.add_section(buf, lines)
  local row = heading_row(buf)
  local last = row > 0 and api.nvim_buf_get_lines(buf, row - 1, row, false)[1]
  if last and last ~= "" then
    lines = vim.list_extend({ "" }, lines)
  end
  return M.add_lines(buf, lines)
end

-- Replace the `count` lines starting at `mark` with `lines`; the mark stays on the first.
function M.replace_lines(buf, mark, count, lines)
  local row = api.nvim_buf_get_extmark_by_id(buf, ns, mark, {})[1]
  if not row then
    return
  end
  local last = api.nvim_buf_get_lines(buf, row + count - 1, row + count, false)[1] or ""
  write(buf, function()
    api.nvim_buf_set_text(buf, row, 0, row + count - 1, #last, lines)
  end)
end

-- Remove the text streamed since the last text run began (an API retry streams it again).
function M.drop_text_run(buf)
  local state = buffers[buf]
  if not state.text_open then
    return
  end
  write(buf, function()
    local start = api.nvim_buf_get_extmark_by_id(buf, ns, state.run, {})[1]
    api.nvim_buf_set_lines(buf, start, heading_row(buf), false, {})
  end)
  state.text_open = false
end

-- The text typed in the prompt area, which is emptied.
function M.take_input(buf)
  return write(buf, function()
    local row = heading_row(buf)
    local lines = api.nvim_buf_get_lines(buf, row + 1, -1, false)
    local text = vim.trim(table.concat(lines, "\n"))
    if text ~= "" then
      api.nvim_buf_set_lines(buf, row + 1, -1, false, { "" })
    end
    return text
  end)
end

return M
