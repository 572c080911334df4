-- :checkhealth claude_lsp
local compat = require("claude_lsp.compat")
local config = require("claude_lsp.config")

local M = {}

-- vim.health (0.8+) and 0.7's `health` module name the reports differently.
local health = vim.health or require("health")
local start = health.start or health.report_start
local ok = health.ok or health.report_ok
local warn = health.warn or health.report_warn
local fail = health.error or health.report_error

local CREDENTIALS = { "ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_BASE_URL" }

-- The server command: on 0.11+ the one vim.lsp.config resolves (lsp/claude_lsp.lua
-- with the user's changes, which start the server through vim.lsp.enable), else setup()'s.
local function server_cmd()
  local resolved = vim.fn.has("nvim-0.11") == 1 and vim.lsp.config[config.name]
  if resolved and type(resolved.cmd) == "table" then
    return resolved.cmd
  end
  return config.options.cmd
end

function M.check()
  start("claude-lsp")
  local version = vim.version()
  ok(("Neovim %d.%d.%d"):format(version.major, version.minor, version.patch))

  local cmd = server_cmd()
  local program = cmd[1]
  if vim.fn.executable(program) == 1 then
    ok(("server command: %s (%s)"):format(table.concat(cmd, " "), vim.fn.exepath(program)))
  else
    fail(("`%s` is not executable; set `cmd` (in setup() or vim.lsp.config) to the full path of claude-lsp"):format(program))
  end

  local env = vim.tbl_extend("force", {}, config.options.cmd_env or {})
  local found = vim.tbl_filter(function(name)
    return (env[name] or vim.env[name] or "") ~= ""
  end, CREDENTIALS)
  if #found > 0 then
    ok("credentials for the server: " .. table.concat(found, ", "))
  else
    warn("none of " .. table.concat(CREDENTIALS, ", ") .. " is set; prompts fail with -32001 "
      .. "unless a Claude settings file's `env` or `apiKeyHelper` provides them")
  end

  local clients = compat.get_clients({ name = config.name })
  if #clients == 0 then
    warn("no claude_lsp client is running: open a file of a configured filetype, or run :ClaudeChat")
  end
  for _, client in ipairs(clients) do
    ok(("client %d running in %s"):format(client.id, client.config.root_dir or "?"))
  end
  ok("LSP log: " .. require("vim.lsp.log").get_filename())
end

return M
