-- Handlers for what the server sends beyond standard LSP. Modules are required when
-- a message arrives, so loading a client configuration stays cheap.
local M = {}

-- `claude/saveDocuments`: write the listed buffers that have unsaved changes, so a
-- shell command the agent runs next sees its edits. It is a plain `:write`, with the
-- user's autocommands: the file gets their BufWritePre formatting as on any save, and
-- other servers hear of it. Neovim may ask first (the file changed on disk); a "no",
-- or a failed write, leaves the buffer modified and its uri out of the answer.
local function save_documents(_, params)
  local wanted = {}
  for _, uri in ipairs(type(params.uris) == "table" and params.uris or {}) do
    wanted[uri] = true
  end
  local saved = {}
  for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
    local uri = vim.api.nvim_buf_is_loaded(bufnr) and vim.uri_from_bufnr(bufnr)
    if uri and wanted[uri] then
      if vim.bo[bufnr].modified then
        pcall(vim.api.nvim_buf_call, bufnr, function()
          vim.cmd("silent write")
        end)
      end
      if not vim.bo[bufnr].modified then
        table.insert(saved, uri)
      end
    end
  end
  return { saved = saved }
end

-- The client's `on_exit` (called outside the main loop on 0.7): end what the server
-- was doing, in the status line and in the chat.
function M.on_exit(_, _, client_id)
  vim.schedule(function()
    require("claude_lsp.progress").client_exited(client_id)
    require("claude_lsp.session").client_exited(client_id)
  end)
end

function M.table()
  return {
    ["claude/session/update"] = function(...)
      return require("claude_lsp.session").on_update(...)
    end,
    ["claude/session/requestPermission"] = function(...)
      return require("claude_lsp.permission").handle(...)
    end,
    ["claude/saveDocuments"] = save_documents,
    ["$/progress"] = function(...)
      return require("claude_lsp.progress").on_progress(...)
    end,
  }
end

return M
