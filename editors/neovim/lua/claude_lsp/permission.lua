-- `claude/session/requestPermission`: put the tool call to the user with vim.ui.select.
-- The diff or command being approved goes into the chat first (shown if hidden), so
-- the one-line question can name it and the user can read it whole.
local chat = require("claude_lsp.chat")
local compat = require("claude_lsp.compat")
local config = require("claude_lsp.config")
local progress = require("claude_lsp.progress")
local render = require("claude_lsp.render")
local session = require("claude_lsp.session")
local util = require("claude_lsp.util")

local M = {}

local asked = 0

-- Show the chat, keeping the cursor where it is. Where no window can be split (the
-- command-line window), the question is asked all the same.
local function show_without_focus(buf)
  if vim.fn.bufwinid(buf) == -1 then
    local win = vim.api.nvim_get_current_win()
    pcall(chat.show, buf)
    vim.api.nvim_set_current_win(win)
  end
end

local function fence(details, kind)
  local lines = { kind == "edit" and "```diff" or "```" }
  vim.list_extend(lines, vim.split(details, "\n", { plain = true }))
  table.insert(lines, "```")
  return lines
end

function M.handle(_, params, ctx)
  local tool_call = params.toolCall
  -- The client's chat shows its own session and those of code actions.
  local client = vim.lsp.get_client_by_id(ctx.client_id)
  local state = client and session.state(client)
  local cwd = state and state.cwd
  local title = util.shorten(util.text(tool_call.title) ~= "" and tool_call.title or "a tool", cwd)
  local details = render.question_details(tool_call, cwd)
  if state and details ~= "" then
    chat.add_lines(state.buf, fence(details, tool_call.kind))
    show_without_focus(state.buf)
  end

  asked = asked + 1
  local id = asked
  progress.question_opened(id, ctx.client_id, "allow " .. title .. "?")
  local option = compat.select(params.options, {
    prompt = ("Claude wants to use %s%s"):format(title, details ~= "" and " (shown in the chat)" or ""),
    kind = "claude_lsp.permission",
    format_item = function(option)
      return option.name
    end,
  }, config.options.permission_timeout_ms)
  progress.question_closed(id)

  -- Meanwhile the chat may have been wiped (session.state makes a new one) or the
  -- server may have exited.
  if client and vim.lsp.get_client_by_id(client.id) then
    local answer = option and option.name or "no answer (denied)"
    chat.add_lines(session.state(client).buf, { ("_%s: %s_"):format(title, answer) })
  end
  if option then
    return { outcome = { outcome = "selected", optionId = option.optionId } }
  end
  return { outcome = { outcome = "cancelled" } }
end

return M
