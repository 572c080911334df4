-- How `claude/session/update` notifications and prompt results look in the chat.
local chat = require("claude_lsp.chat")
local compat = require("claude_lsp.compat")
local util = require("claude_lsp.util")

local M = {}

local status_marks = {
  pending = "○",
  in_progress = "◐",
  completed = "✓",
  failed = "✗",
}

local plan_marks = { pending = "[ ]", in_progress = "[-]", completed = "[x]" }

local shorten, first_line, text_of, list_of = util.shorten, util.first_line, util.text, util.list

-- The text of a `content` item holding text, else nil.
local function text_content(item)
  local content = item.type == "content" and type(item.content) == "table" and item.content
  return content and content.type == "text" and text_of(content.text) or nil
end

-- "+2 -1" for a diff item, from the changed line ranges.
local function diff_stat(item)
  local added, removed = 0, 0
  local hunks = compat.diff(text_of(item.oldText), text_of(item.newText), { result_type = "indices" })
  for _, hunk in ipairs(hunks) do
    removed, added = removed + hunk[2], added + hunk[4]
  end
  return ("+%d -%d"):format(added, removed)
end

-- What a finished call says in its line: the diff size of an edit, the error of a failure.
local function outcome(call)
  for _, item in ipairs(list_of(call.content)) do
    if call.status == "completed" and item.type == "diff" then
      return diff_stat(item)
    end
    if call.status == "failed" and text_content(item) then
      return first_line(text_content(item))
    end
  end
end

function M.tool_line(call, cwd)
  local title = text_of(call.title) ~= "" and call.title or "tool"
  local line = ("%s %s"):format(status_marks[call.status] or "○", shorten(title, cwd))
  local extra = outcome(call)
  if extra and extra ~= "" then
    line = line .. " · " .. shorten(extra, cwd)
  end
  return line
end

-- The text of what a permission question approves: the diff of an edit, the
-- command, or the plan.
function M.question_details(tool_call, cwd)
  local parts = {}
  for _, item in ipairs(list_of(tool_call.content)) do
    if item.type == "diff" then
      local path = shorten(item.path, cwd)
      local diff = compat.diff(text_of(item.oldText), text_of(item.newText), { ctxlen = 2 })
      table.insert(parts, ("--- %s\n+++ %s\n%s"):format(path, path, diff))
    elseif text_content(item) then
      table.insert(parts, text_content(item))
    end
  end
  return vim.trim(table.concat(parts, "\n"))
end

function M.plan_lines(entries)
  local lines = { "**Plan**" }
  for _, entry in ipairs(list_of(entries)) do
    table.insert(lines, ("- %s %s"):format(plan_marks[entry.status] or "[ ]", text_of(entry.content)))
  end
  return lines
end

function M.result_line(result)
  local parts = { text_of(result.stopReason) }
  if type(result.numTurns) == "number" then
    table.insert(parts, ("%d request%s"):format(result.numTurns, result.numTurns == 1 and "" or "s"))
  end
  if type(result.costUsd) == "number" then
    table.insert(parts, ("$%.4f"):format(result.costUsd))
  end
  if type(result.durationMs) == "number" then
    table.insert(parts, ("%.1f s"):format(result.durationMs / 1000))
  end
  for _, denial in ipairs(list_of(result.permissionDenials)) do
    table.insert(parts, "denied " .. text_of(denial.tool_name))
  end
  return "― " .. table.concat(parts, " · ")
end

-- Render one session update into `buf`. `view` holds what later updates of the same
-- conversation change: the tool call lines and the plan block.
function M.update(buf, view, update, cwd)
  local kind = update.sessionUpdate
  if kind == "agent_message_chunk" then
    if update.content.type == "text" then
      chat.append_text(buf, text_of(update.content.text))
    end
  elseif kind == "user_message_chunk" then
    -- A replayed (or added-to-chat) message of the user.
    if update.content.type == "text" then
      chat.add_section(buf, { "## You" })
      chat.append_text(buf, text_of(update.content.text))
      chat.add_section(buf, { "## Claude" })
    end
  elseif kind == "tool_call" then
    local call = vim.deepcopy(update)
    call.mark = chat.add_lines(buf, { M.tool_line(call, cwd) })
    view.tools[update.toolCallId] = call
  elseif kind == "tool_call_update" then
    local call = view.tools[update.toolCallId]
    if call then
      for key, value in pairs(update) do
        if value ~= vim.NIL then -- null: unchanged
          call[key] = value
        end
      end
      chat.replace_lines(buf, call.mark, 1, { M.tool_line(call, cwd) })
    end
  elseif kind == "plan" then
    local lines = M.plan_lines(update.entries)
    if view.plan then
      chat.replace_lines(buf, view.plan.mark, view.plan.count, lines)
      view.plan.count = #lines
    else
      view.plan = { mark = chat.add_lines(buf, lines), count = #lines }
    end
  elseif kind == "current_mode_update" then
    chat.add_lines(buf, { ("_mode: %s_"):format(text_of(update.currentModeId)) })
  elseif kind == "api_retry" then
    chat.drop_text_run(buf)
    chat.add_lines(buf, {
      ("_retrying (%d/%d): %s_"):format(
        tonumber(update.attempt) or 0,
        tonumber(update.maxRetries) or 0,
        first_line(update.error)
      ),
    })
  end
  -- Not shown: usage_update (the result line has the turn's cost),
  -- available_commands_update (session.lua keeps it for completion) and thought chunks.
end

return M
