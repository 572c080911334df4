-- `:ClaudeAction`: the server's Claude code actions for a range (fix, explain,
-- refactor, tests, docs, add to chat), plus a free-form question about it.
local compat = require("claude_lsp.compat")
local session = require("claude_lsp.session")
local util = require("claude_lsp.util")

local M = {}

-- The LSP range of a command's range. A visual selection on those lines keeps its
-- columns; otherwise the range covers whole lines (the cursor line without a range).
local function range_params(client, bufnr, opts)
  local encoding = client.offset_encoding or "utf-16"
  local first, last = vim.api.nvim_buf_get_mark(bufnr, "<"), vim.api.nvim_buf_get_mark(bufnr, ">")
  local charwise = opts.range > 0
    and vim.fn.visualmode() == "v"
    and first[1] == opts.line1
    and last[1] == opts.line2
  if charwise then
    return vim.lsp.util.make_given_range_params(first, last, bufnr, encoding)
  end
  return {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
    range = { start = { line = opts.line1 - 1, character = 0 }, ["end"] = { line = opts.line2, character = 0 } },
  }
end

local function in_range(line, range)
  local last = range["end"]
  return line >= range.start.line and (line < last.line or (line == last.line and last.character > 0))
end

-- Diagnostics on the range's lines, as LSP diagnostics (for "Claude: fix this"), with
-- their byte columns in the client's position encoding. 0.10+ keeps the server's
-- original in user_data.lsp; 0.7 keeps only some of its fields there.
local function diagnostics(client, bufnr, range)
  local encoding = client.offset_encoding or "utf-16"
  local function position(line, col)
    return { line = line, character = vim.lsp.util.character_offset(bufnr, line, col, encoding) }
  end
  local found = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    if in_range(d.lnum, range) then
      local lsp = {
        range = {
          start = position(d.lnum, d.col),
          ["end"] = position(d.end_lnum or d.lnum, d.end_col or d.col),
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

-- Listed actions carry their command only after `codeAction/resolve` when the client
-- can resolve (Neovim can); resolving runs nothing on the server.
local function run_action(client, bufnr, action)
  local function apply(resolved)
    if resolved.edit then
      vim.lsp.util.apply_workspace_edit(resolved.edit, client.offset_encoding)
    end
    if resolved.command then
      session.execute(client, resolved.command)
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
      session.open_chat(client)
      session.prompt(client, text, { textDocument = params.textDocument, ranges = { params.range } })
    end
  end)
end

-- `opts` is the user command's: range, line1, line2.
function M.pick(client, bufnr, opts)
  local params = range_params(client, bufnr, opts)
  params.context = { diagnostics = diagnostics(client, bufnr, params.range) }
  compat.request(client, "textDocument/codeAction", params, function(err, actions)
    if err then
      return vim.notify("Claude: " .. err.message, vim.log.levels.ERROR)
    end
    local items = vim.list_extend({}, util.list(actions))
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

return M
