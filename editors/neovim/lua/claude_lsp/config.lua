-- The user's options and the LSP client configuration built from them.
local M = {}

M.name = "claude_lsp"

local defaults = {
  cmd = { "claude-lsp" },
  cmd_env = nil,
  filetypes = {
    "c", "cpp", "go", "java", "javascript", "javascriptreact", "lua", "python",
    "ruby", "rust", "sh", "typescript", "typescriptreact",
  },
  -- Start the server for buffers of `filetypes` (setup() only; vim.lsp.enable has its own).
  autostart = true,
  root_markers = { ".git", ".claude", "pyproject.toml", "package.json", "go.mod", "Cargo.toml" },
  -- Claude Code settings for the server (`initializationOptions.claude`).
  model = nil,
  permission_mode = nil,
  max_turns = nil,
  settings = {},
  -- Ask to save the buffers the agent changed before it runs Bash, Grep or Glob.
  save_documents = true,
  -- A permission question left unanswered this long is answered "cancelled" (denied).
  permission_timeout_ms = 5 * 60 * 1000,
  chat = {
    -- Where `:ClaudeChat` opens the chat: a command that makes the window.
    open = "botright vsplit",
    -- Normal-mode keys in the chat buffer.
    keys = { send = "<CR>", cancel = "<C-c>" },
  },
}

M.options = vim.deepcopy(defaults)

function M.set(opts)
  M.options = vim.tbl_deep_extend("force", vim.deepcopy(defaults), opts or {})
  -- Lists replace the defaults instead of being merged index by index.
  for _, key in ipairs({ "cmd", "filetypes", "root_markers" }) do
    if opts and opts[key] then
      M.options[key] = opts[key]
    end
  end
  return M.options
end

-- The `experimental.claude` client capability: this client shows streamed session
-- updates and answers permission questions itself.
function M.capabilities()
  return vim.tbl_deep_extend("force", vim.lsp.protocol.make_client_capabilities(), {
    experimental = {
      claude = {
        protocolVersion = 1,
        sessionUpdate = true,
        requestPermission = true,
        saveDocuments = M.options.save_documents,
      },
    },
  })
end

-- The `claude` settings object: the Claude Code settings plus the shortcuts.
function M.claude_settings()
  local o = M.options
  local settings = vim.tbl_extend("force", o.settings or {}, {
    model = o.model,
    permissionMode = o.permission_mode,
    maxTurns = o.max_turns,
  })
  -- An empty Lua table would be sent as a JSON list.
  return next(settings) == nil and vim.empty_dict() or settings
end

-- The folder of a file: the nearest one above it with a root marker, else the
-- working directory (also for "", a buffer that is not a file).
function M.root_dir(path)
  local root = path ~= "" and require("claude_lsp.compat").find_root(path, M.options.root_markers)
  return root or vim.fn.getcwd()
end

-- Handlers and callbacks shared by every way of starting the server (setup(),
-- `vim.lsp.enable`, nvim-lspconfig).
function M.client_parts()
  local handlers = require("claude_lsp.handlers")
  local claude = M.claude_settings()
  return {
    capabilities = M.capabilities(),
    handlers = handlers.table(),
    on_exit = handlers.on_exit,
    init_options = { claude = claude },
    settings = { claude = claude },
  }
end

-- The configuration `vim.lsp.config` takes (lsp/claude_lsp.lua): roots found by markers.
function M.lsp_config()
  local o = M.options
  return vim.tbl_extend("force", M.client_parts(), {
    cmd = o.cmd,
    cmd_env = o.cmd_env,
    filetypes = o.filetypes,
    root_markers = o.root_markers,
  })
end

-- A complete client configuration for the file at `path` ("" for none), for
-- vim.lsp.start / start_client.
function M.client_config(path)
  local o = M.options
  return vim.tbl_extend("force", M.client_parts(), {
    name = M.name,
    cmd = o.cmd,
    cmd_env = o.cmd_env,
    root_dir = M.root_dir(path),
  })
end

return M
