-- Finding, starting and attaching the claude-lsp client.
local compat = require("claude_lsp.compat")
local config = require("claude_lsp.config")

local M = {}

local START_TIMEOUT_MS = 20000

local function is_file_buffer(bufnr)
  return vim.bo[bufnr].buftype == "" and vim.api.nvim_buf_get_name(bufnr) ~= ""
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
  local path = is_file_buffer(bufnr) and vim.api.nvim_buf_get_name(bufnr) or vim.fn.getcwd()
  for _, client in ipairs(compat.get_clients({ name = config.name })) do
    if contains(client.config.root_dir, path) then
      return client
    end
  end
end

function M.attach(bufnr)
  if is_file_buffer(bufnr) then
    return compat.start(config.client_config(bufnr), bufnr)
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
    -- Not a file (an empty or scratch buffer): start in the working directory.
    id = M.attach(bufnr) or compat.start(config.client_config(bufnr))
  end
  if not id then
    vim.notify("claude-lsp could not be started (is `claude-lsp` on your PATH?)", vim.log.levels.ERROR)
    return
  end
  when_initialized(id, callback)
end

return M
