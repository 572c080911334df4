-- Finding, starting and attaching the claude-lsp client.
local compat = require("claude_lsp.compat")
local config = require("claude_lsp.config")

local M = {}

local START_TIMEOUT_MS = 20000

local function is_file_buffer(bufnr)
  return vim.bo[bufnr].buftype == "" and vim.api.nvim_buf_get_name(bufnr) ~= ""
end

-- The buffer's file, or "" for a buffer that is not a file.
local function file_of(bufnr)
  return is_file_buffer(bufnr) and vim.api.nvim_buf_get_name(bufnr) or ""
end

local function contains(root, path)
  return root and (path == root or vim.startswith(path, root:gsub("/$", "") .. "/"))
end

-- The client for `bufnr`: the chat's own client, the one attached to the buffer, or
-- one whose root holds the buffer's file (or the working directory).
function M.find(bufnr)
  local chat_client = vim.b[bufnr].claude_lsp_client_id
  if chat_client then
    return vim.lsp.get_client_by_id(chat_client)
  end
  local attached = compat.get_clients({ name = config.name, bufnr = bufnr })[1]
  if attached then
    return attached
  end
  local path = file_of(bufnr)
  if path == "" then
    path = vim.fn.getcwd()
  end
  for _, client in ipairs(compat.get_clients({ name = config.name })) do
    if contains(client.config.root_dir, path) then
      return client
    end
  end
end

local reported_missing = false

-- Whether the server command can run; says so once when it cannot (autostart tries
-- every buffer it opens), or every time for a command the user ran.
local function can_start(quiet_after_first)
  local program = config.options.cmd[1]
  if vim.fn.executable(program) == 1 then
    return true
  end
  if not (quiet_after_first and reported_missing) then
    reported_missing = true
    local message = "claude-lsp: `%s` is not executable; set `cmd` in setup() to the full path of claude-lsp"
    vim.notify(message:format(program), vim.log.levels.ERROR)
  end
  return false
end

function M.attach(bufnr)
  if is_file_buffer(bufnr) and can_start(true) then
    return compat.start(config.client_config(file_of(bufnr)), bufnr)
  end
end

-- Start attaching to buffers of the configured filetypes, including those already open.
function M.autostart()
  local group = vim.api.nvim_create_augroup("claude_lsp_autostart", { clear = true })
  vim.api.nvim_create_autocmd("FileType", {
    group = group,
    pattern = config.options.filetypes,
    callback = function(args)
      M.attach(args.buf)
    end,
  })
  for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(bufnr) and vim.tbl_contains(config.options.filetypes, vim.bo[bufnr].filetype) then
      M.attach(bufnr)
    end
  end
end

local function when_initialized(client_id, callback)
  local started = compat.uv.now()
  local function check()
    local client = vim.lsp.get_client_by_id(client_id)
    if not client then
      vim.notify("claude-lsp exited while starting; see :checkhealth vim.lsp and its log", vim.log.levels.ERROR)
    elseif client.initialized then
      callback(client)
    elseif compat.uv.now() - started > START_TIMEOUT_MS then
      vim.notify("claude-lsp did not finish starting", vim.log.levels.ERROR)
    else
      vim.defer_fn(check, 50)
    end
  end
  check()
end

-- Call `callback(client)` with an initialized client for `bufnr`, starting one
-- (attached to the buffer when it is a file) if there is none.
function M.with_client(bufnr, callback)
  local client = M.find(bufnr)
  local id = client and client.id
  if not id then
    if not can_start(false) then
      return
    end
    -- A buffer that is not a file (empty, scratch, the chat) starts the server in the
    -- working directory, unattached.
    id = compat.start(config.client_config(file_of(bufnr)), is_file_buffer(bufnr) and bufnr or nil)
  end
  if not id then
    vim.notify("claude-lsp could not be started; see :checkhealth claude_lsp", vim.log.levels.ERROR)
    return
  end
  when_initialized(id, callback)
end

return M
