-- Handlers for what the server sends beyond standard LSP. Modules are required when
-- a message arrives, so loading a client configuration stays cheap.
local M = {}

-- `claude/saveDocuments`: write the listed buffers that have unsaved changes, so a
-- shell command the agent runs next sees its edits.
local function save_documents(_, params)
  local wanted = {}
  for _, uri in ipairs(params.uris or {}) do
    wanted[uri] = true
  end
  local saved = {}
  for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
    local uri = vim.api.nvim_buf_is_loaded(bufnr) and vim.uri_from_bufnr(bufnr)
    if uri and wanted[uri] then
      local ok = not vim.bo[bufnr].modified
        or pcall(vim.api.nvim_buf_call, bufnr, function()
          vim.cmd("silent write")
        end)
      if ok then
        table.insert(saved, uri)
      end
    end
  end
  return { saved = saved }
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
