-- The conversation of each client: its session on the server, its chat buffer, its
-- running turn and the code action commands it runs. Requests go through compat so
-- they work on 0.7 as on 0.11+.
local chat = require("claude_lsp.chat")
local compat = require("claude_lsp.compat")
local render = require("claude_lsp.render")
local util = require("claude_lsp.util")

local M = {}

local states = {} -- client id -> state
local turns_started = 0

local function notify_error(what, err)
  local hint = ""
  if err.code == -32001 then
    hint = " (start Neovim with ANTHROPIC_API_KEY set, or set `cmd_env` in setup())"
  end
  vim.notify(("Claude: %s failed: %s%s"):format(what, err.message, hint), vim.log.levels.ERROR)
end

-- The chat's keys act on its client while that runs.
local function while_running(client, action)
  return function()
    if vim.lsp.get_client_by_id(client.id) then
      action(client)
    else
      vim.notify("claude-lsp has exited; :ClaudeChat starts it again", vim.log.levels.WARN)
    end
  end
end

function M.state(client)
  local state = states[client.id]
  if not state then
    -- A client started outside a root (vim.lsp.enable with no marker found) has no
    -- root_dir; its sessions work in Neovim's working directory.
    state = {
      cwd = client.config.root_dir or vim.fn.getcwd(),
      views = {},
      commands = {},
      left = {},
      actions = {}, -- request ids of code action commands in flight
    }
    states[client.id] = state
  end
  if not (state.buf and vim.api.nvim_buf_is_valid(state.buf)) then
    state.views = {} -- their marks were in the old buffer
    state.buf = chat.buffer(client.id, {
      on_send = while_running(client, M.send_input),
      on_cancel = while_running(client, M.cancel),
    })
  end
  return state
end

-- Show the client's chat and put the cursor in its prompt area.
function M.open_chat(client)
  chat.show(M.state(client).buf)
end

-- The view of a session in the chat. Sessions this chat did not start (code action
-- tasks) get a heading of their own on their first update.
local function view_of(state, session_id)
  local view = state.views[session_id]
  if not view then
    view = { tools = {} }
    state.views[session_id] = view
    if session_id ~= state.id then
      chat.add_section(state.buf, { "## Claude (code action)" })
    end
  end
  return view
end

local function adopt(state, result)
  state.id = result.sessionId
  local meta = type(result._meta) == "table" and type(result._meta.claude) == "table" and result._meta.claude or {}
  state.cwd = util.text(meta.cwd) ~= "" and meta.cwd or state.cwd
  state.modes = {}
  local modes = type(result.modes) == "table" and result.modes.availableModes
  for _, mode in ipairs(util.list(modes)) do
    table.insert(state.modes, mode.id)
  end
  for _, warning in ipairs(util.list(meta.warnings)) do
    chat.add_lines(state.buf, { "_warning: " .. util.text(warning) .. "_" })
  end
end

-- Call `callback(state)` once the client has a session, creating one if needed.
function M.with_session(client, callback, on_failure)
  local state = M.state(client)
  if state.id then
    return callback(state)
  end
  compat.request(client, "claude/session/new", { cwd = state.cwd }, function(err, result)
    if err then
      if on_failure then
        on_failure()
      end
      return notify_error("starting a session", err)
    end
    adopt(state, result)
    callback(state)
  end)
end

-- `claude/session/update` handler. Updates of sessions the server runs for code
-- actions are shown in the client's chat too.
function M.on_update(_, params, ctx)
  local client = vim.lsp.get_client_by_id(ctx.client_id)
  if not client then
    return
  end
  local state = M.state(client)
  if state.left[params.sessionId] then
    return
  end
  local update = params.update
  if params.sessionId == state.id and update.sessionUpdate == "available_commands_update" then
    state.commands = util.list(update.availableCommands)
  end
  render.update(state.buf, view_of(state, params.sessionId), update, state.cwd)
end

-- Send `text` as a prompt; `editor_context` names the file and ranges it is about.
function M.prompt(client, text, editor_context)
  local state = M.state(client)
  if state.turn then
    vim.notify("Claude is still answering; :ClaudeCancel stops it", vim.log.levels.WARN)
    return
  end
  state.turn = true
  M.with_session(client, function()
    local buf, session_id = state.buf, state.id
    chat.add_section(buf, { "## You" })
    chat.add_lines(buf, vim.split(text, "\n", { plain = true }))
    chat.add_section(buf, { "## Claude" })
    state.views[state.id] = { tools = {} }
    -- Our own progress token, so the status line follows this turn from its start.
    turns_started = turns_started + 1
    local token = ("claude_lsp/%s/%d"):format(state.id, turns_started)
    compat.request(client, "claude/session/prompt", {
      sessionId = state.id,
      prompt = { { type = "text", text = text } },
      editorContext = editor_context,
      workDoneToken = token,
    }, function(err, result)
      state.turn = nil
      if states[client.id] ~= state or state.id ~= session_id then
        return -- the server exited, or the chat moved on to another session
      end
      local shown_in = M.state(client).buf -- a new one if the chat was wiped meanwhile
      if err then
        chat.add_lines(shown_in, { "― error: " .. err.message, "" })
        return notify_error("the prompt", err)
      end
      chat.add_lines(shown_in, { render.result_line(result), "" })
    end)
  end, function()
    state.turn = nil
  end)
end

-- The chat buffer's <CR>: send what was typed in the prompt area.
function M.send_input(client)
  local state = M.state(client)
  local text = chat.take_input(state.buf)
  if text ~= "" then
    M.prompt(client, text)
  end
end

-- Run a code action's command; its session's updates show in the chat.
function M.execute(client, command)
  local actions = M.state(client).actions
  local id
  local ok
  ok, id = compat.request(client, "workspace/executeCommand", {
    command = command.command,
    arguments = command.arguments,
  }, function(err)
    if id then
      actions[id] = nil
    end
    if err then
      vim.notify("Claude: " .. err.message, vim.log.levels.ERROR)
    end
  end)
  if ok and id then
    actions[id] = true
  end
end

-- Stop the chat's turn and the code action commands still running.
function M.cancel(client)
  local state = states[client.id]
  local any = false
  if state and state.turn and state.id then
    compat.notify(client, "claude/session/cancel", { sessionId = state.id })
    any = true
  end
  if state then
    for id in pairs(state.actions) do
      compat.cancel_request(client, id)
      any = true
    end
    state.actions = {}
  end
  if not any then
    vim.notify("Claude is not running anything", vim.log.levels.INFO)
  end
end

-- Forget the conversation: the next prompt starts a new session.
function M.reset(client)
  local state = M.state(client)
  if state.turn and state.id then
    compat.notify(client, "claude/session/cancel", { sessionId = state.id })
  end
  if state.id then
    state.left[state.id] = true -- its last updates are not for the new chat
  end
  state.id, state.views = nil, {}
  chat.reset(state.buf)
end

function M.set_mode(client, mode)
  M.with_session(client, function(state)
    compat.request(client, "claude/session/setMode", { sessionId = state.id, modeId = mode }, function(err)
      if err then
        notify_error("changing the mode", err)
      end
    end)
  end)
end

-- All of the project's sessions, newest first, following the server's pages.
function M.list(client, callback)
  local cwd = M.state(client).cwd
  local sessions = {}
  local function page(cursor)
    compat.request(client, "claude/session/list", { cwd = cwd, cursor = cursor }, function(err, result)
      if err then
        return notify_error("listing sessions", err)
      end
      vim.list_extend(sessions, util.list(result.sessions))
      local next_cursor = util.text(result.nextCursor)
      if next_cursor ~= "" then
        return page(next_cursor)
      end
      callback(sessions)
    end)
  end
  page(nil)
end

-- Load an earlier session into the chat; its history is replayed as updates, which
-- arrive before the answer, so the chat takes the session id first.
function M.load(client, session_id)
  M.reset(client)
  local state = M.state(client)
  state.id, state.left[session_id] = session_id, nil
  compat.request(client, "claude/session/load", { sessionId = session_id }, function(err, result)
    if err then
      state.id = nil
      return notify_error("loading the session", err)
    end
    adopt(state, result)
  end)
end

function M.chat_buffer(client)
  return M.state(client).buf
end

-- The client's server exited: end its turn in the chat and forget its state.
function M.client_exited(client_id)
  local state = states[client_id]
  states[client_id] = nil
  if state and state.buf and vim.api.nvim_buf_is_valid(state.buf) then
    chat.add_lines(state.buf, { "― server exited", "" })
  end
end

function M.info(client)
  return states[client.id]
end

return M
