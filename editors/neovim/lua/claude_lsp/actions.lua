-- `:ClaudeAction`: the server's Claude code actions for a range (fix, explain,
-- refactor, tests, docs, add to chat), plus a free-form question about it.
local compat = require("claude_lsp.compat")
local session = require("claude_lsp.session")

local M = {}

local running = {} -- client id -> { request ids of commands in flight }

-- The LSP range of a command's range. A visual selection on those lines keeps its
-- columns; a plain line range covers whole lines; no range is the cursor.
local function range_params(client, bufnr, opts)
  local encoding = client.offset_encoding or "utf-16"
  if opts.range == 0 then
    return vim.lsp.util.make_range_params(0, encoding)
  end
  local first, last = vim.api.nvim_buf_get_mark(bufnr, "<"), vim.api.nvim_buf_get_mark(bufnr, ">")
  local charwise = vim.fn.visualmode() == "v" and first[1] == opts.line1 and last[1] == opts.line2
  if charwise then
    return vim.lsp.util.make_given_range_params(first, last, bufnr, encoding)
  end
  return {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
    range = { start = { line = opts.line1 - 1, character = 0 }, ["end"] = { line = opts.line2, character = 0 } },
  }
end

-- Diagnostics on the range's lines, as LSP diagnostics (for "Claude: fix this"). 0.10+
-- keeps the server's original in user_data.lsp; 0.7 keeps only some of its fields there.
local function diagnostics(bufnr, range)
  local found = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    if d.lnum >= range.start.line and d.lnum <= range["end"].line then
      local lsp = {
        range = {
          start = { line = d.lnum, character = d.col },
          ["end"] = { line = d.end_lnum or d.lnum, character = d.end_col or d.col },
        },
        message = d.message,
        severity = d.severity,
        source = d.source,
        code = d.code,
      }
      table.insert(found, vim.tbl_extend("force", lsp, d.user_data and d.user_data.lsp or {}))
    end
  end
  return found
end

local function execute(client, command)
  local ids = running[client.id] or {}
  running[client.id] = ids
  local id
  local function done(err)
    ids[id] = nil
    if err then
      vim.notify("Claude: " .. err.message, vim.log.levels.ERROR)
    end
  end
  local params = { command = command.command, arguments = command.arguments }
  id = select(2, compat.request(client, "workspace/executeCommand", params, done))
  ids[id] = true
end

-- Listed actions carry their command only after `codeAction/resolve` when the client
-- can resolve (Neovim can); resolving runs nothing on the server.
local function run_action(client, bufnr, action)
  local function apply(resolved)
    if resolved.edit then
      vim.lsp.util.apply_workspace_edit(resolved.edit, client.offset_encoding)
    end
    if resolved.command then
      execute(client, resolved.command)
    end
  end
  if action.command or not action.data then
    return apply(action)
  end
  compat.request(client, "codeAction/resolve", action, function(err, resolved)
    if err then
      return vim.notify("Claude: " .. err.message, vim.log.levels.ERROR)
    end
    apply(resolved)
  end, bufnr)
end

local function ask(client, params)
  vim.ui.input({ prompt = "Ask Claude about the selection: " }, function(text)
    if text and vim.trim(text) ~= "" then
      require("claude_lsp").open_chat(client)
      session.prompt(client, text, { textDocument = params.textDocument, ranges = { params.range } })
    end
  end)
end

-- `opts` is the user command's: range, line1, line2.
function M.pick(client, bufnr, opts)
  local params = range_params(client, bufnr, opts)
  params.context = { diagnostics = diagnostics(bufnr, params.range) }
  compat.request(client, "textDocument/codeAction", params, function(err, actions)
    if err then
      return vim.notify("Claude: " .. err.message, vim.log.levels.ERROR)
    end
    local items = vim.list_extend({}, actions or {})
    table.insert(items, { title = "Claude: ask about this…", ask = true })
    vim.ui.select(items, {
      prompt = "Claude",
      kind = "codeaction",
      format_item = function(item)
        return item.title
      end,
    }, function(choice)
      if not choice then
        return
      elseif choice.ask then
        ask(client, params)
      else
        run_action(client, bufnr, choice)
      end
    end)
  end, bufnr)
end

-- Cancel the code action commands still running; true if there were any.
function M.cancel(client)
  local any = false
  for id in pairs(running[client.id] or {}) do
    compat.cancel_request(client, id)
    any = true
  end
  running[client.id] = {}
  return any
end

return M
