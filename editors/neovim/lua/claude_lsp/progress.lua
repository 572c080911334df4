-- What Claude is doing, for the status line: the work-done progress of each running
-- turn (the server reports every tool call's title on it), and open permission
-- questions.
local util = require("claude_lsp.util")

local M = {}

local MAX_WIDTH = 50

local turns = {} -- progress token -> { message, root, seq, client_id }
local questions = {} -- question id -> { text, client_id }
local seq = 0

local function changed()
  vim.cmd("redrawstatus!")
  vim.api.nvim_exec_autocmds("User", { pattern = "ClaudeLspStatus", modeline = false })
end

local function root_of(client_id)
  local client = vim.lsp.get_client_by_id(client_id)
  return client and client.config.root_dir
end

-- `$/progress` handler: keep Neovim's own handling (vim.lsp.status(), LspProgress),
-- and follow the progress that turns run under (title "Claude").
function M.on_progress(err, result, ctx, handler_config)
  local default = vim.lsp.handlers["$/progress"]
  if default then
    default(err, result, ctx, handler_config)
  end
  local value = result and result.value
  if type(value) ~= "table" then
    return
  end
  local token = result.token
  if value.kind == "begin" and value.title == "Claude" then
    seq = seq + 1
    turns[token] = {
      message = util.text(value.message),
      root = root_of(ctx.client_id),
      seq = seq,
      client_id = ctx.client_id,
    }
  elseif value.kind == "report" and turns[token] and type(value.message) == "string" then
    turns[token].message = value.message
  elseif value.kind == "end" and turns[token] then
    turns[token] = nil
  else
    return
  end
  changed()
end

function M.question_opened(id, client_id, text)
  questions[id] = { text = text, client_id = client_id }
  changed()
end

function M.question_closed(id)
  questions[id] = nil
  changed()
end

-- The server of `client_id` exited: its turns and questions end with it.
function M.client_exited(client_id)
  for _, entries in ipairs({ turns, questions }) do
    for key, entry in pairs(entries) do
      if entry.client_id == client_id then
        entries[key] = nil
      end
    end
  end
  changed()
end

local function truncate(text)
  text = text:match("^[^\n]*")
  if vim.fn.strchars(text) > MAX_WIDTH then
    return vim.fn.strcharpart(text, 0, MAX_WIDTH - 1) .. "…"
  end
  return text
end

-- "Claude: Edit calc.py…" while a turn runs, the question while one is open, else "".
function M.statusline()
  local _, question = next(questions)
  if question then
    return "Claude: " .. truncate(question.text)
  end
  local latest
  for _, turn in pairs(turns) do
    if not latest or turn.seq > latest.seq then
      latest = turn
    end
  end
  if not latest then
    return ""
  end
  return "Claude: " .. truncate(util.shorten(latest.message, latest.root)) .. "…"
end

return M
