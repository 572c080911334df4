-- claude-lsp for Neovim: setup() and what the user commands call.
local M = {}

local function client_module()
  return require("claude_lsp.client")
end

local function session_module()
  return require("claude_lsp.session")
end

-- setup({ cmd, cmd_env, filetypes, autostart, root_markers, model, permission_mode,
-- max_turns, settings, save_documents, permission_timeout_ms, chat = { open, keys } }).
-- With `autostart = false` the server starts when a command needs it, or through
-- `vim.lsp.enable("claude_lsp")`.
function M.setup(opts)
  local options = require("claude_lsp.config").set(opts)
  if options.autostart then
    client_module().autostart()
  end
end

-- :ClaudeChat [text]: open the chat; with text (or what vim.ui.input returns when the
-- chat is already in view), send it.
function M.chat(text)
  client_module().with_client(vim.api.nvim_get_current_buf(), function(client)
    local was_visible = vim.fn.bufwinid(session_module().chat_buffer(client)) ~= -1
    session_module().open_chat(client)
    if text and text ~= "" then
      session_module().prompt(client, text)
    elseif was_visible then
      vim.ui.input({ prompt = "Ask Claude: " }, function(input)
        if input and vim.trim(input) ~= "" then
          session_module().prompt(client, input)
        end
      end)
    end
  end)
end

local function with_running_client(callback)
  local client = client_module().find(vim.api.nvim_get_current_buf())
  if not client then
    return vim.notify("claude-lsp is not running for this buffer", vim.log.levels.WARN)
  end
  callback(client)
end

-- :ClaudeCancel: stop the chat's turn and any code action still running.
function M.cancel()
  with_running_client(session_module().cancel)
end

function M.new_session()
  client_module().with_client(vim.api.nvim_get_current_buf(), function(client)
    session_module().reset(client)
    session_module().open_chat(client)
  end)
end

function M.set_mode(mode)
  client_module().with_client(vim.api.nvim_get_current_buf(), function(client)
    session_module().set_mode(client, mode)
  end)
end

-- :ClaudeSessions: pick an earlier conversation of this project and continue it.
function M.sessions()
  client_module().with_client(vim.api.nvim_get_current_buf(), function(client)
    session_module().list(client, function(sessions)
      if #sessions == 0 then
        return vim.notify("No earlier Claude sessions in this project", vim.log.levels.INFO)
      end
      vim.ui.select(sessions, {
        prompt = "Load a Claude session",
        kind = "claude_lsp.session",
        format_item = function(item)
          return ("%s  (%s)"):format(item.title or item.sessionId, item.updatedAt or "")
        end,
      }, function(choice)
        if choice then
          session_module().open_chat(client)
          session_module().load(client, choice.sessionId)
        end
      end)
    end)
  end)
end

-- :ClaudeAction over a range; `opts` is the command's (range, line1, line2). Without
-- it, the cursor line.
function M.action(opts)
  local bufnr = vim.api.nvim_get_current_buf()
  if not opts then
    local line = vim.api.nvim_win_get_cursor(0)[1]
    opts = { range = 0, line1 = line, line2 = line }
  end
  client_module().with_client(bufnr, function(client)
    require("claude_lsp.actions").pick(client, bufnr, opts)
  end)
end

-- Completion for :ClaudeChat (slash commands) and :ClaudeMode (modes).
local function current_state()
  local client = client_module().find(vim.api.nvim_get_current_buf())
  return client and session_module().info(client)
end

function M.complete_chat(arglead, cmdline)
  if not cmdline:match("^%S+%s+/%S*$") then
    return {}
  end
  local names = {}
  for _, command in ipairs((current_state() or {}).commands or {}) do
    local name = "/" .. command.name
    if vim.startswith(name, arglead) then
      table.insert(names, name)
    end
  end
  return names
end

function M.complete_mode(arglead)
  local modes = (current_state() or {}).modes or { "default", "acceptEdits", "plan", "bypassPermissions" }
  return vim.tbl_filter(function(mode)
    return vim.startswith(mode, arglead)
  end, modes)
end

-- The `default_config` for nvim-lspconfig's setup() framework (Neovim before 0.11):
--   require("lspconfig.configs").claude_lsp = { default_config = require("claude_lsp").lspconfig() }
--   require("lspconfig").claude_lsp.setup({})
function M.lspconfig()
  local config = require("claude_lsp.config")
  local lsp_config = config.lsp_config()
  lsp_config.root_markers = nil
  lsp_config.root_dir = config.root_dir
  return lsp_config
end

-- For the status line: "Claude: Edit calc.py…" while Claude works, "" otherwise.
function M.statusline()
  return require("claude_lsp.progress").statusline()
end

return M
