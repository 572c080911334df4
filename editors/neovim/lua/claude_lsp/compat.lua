-- One place for the differences between Neovim 0.7 and current releases, so the
-- rest of the plugin calls these helpers instead of checking versions itself.
local M = {}

M.uv = vim.uv or vim.loop

-- 0.11 turned the client's functions into methods (`client:request`); older
-- releases only accept the plain function call.
local has_methods = vim.fn.has("nvim-0.11") == 1

-- Returns the request's success and id like client.request. A request that could not
-- be sent (the server exited) is answered with an error, so callers handle it once.
function M.request(client, method, params, handler, bufnr)
  local ok, id
  if has_methods then
    ok, id = client:request(method, params, handler, bufnr)
  else
    ok, id = client.request(method, params, handler, bufnr)
  end
  if not ok and handler then
    vim.schedule(function()
      handler({ code = -32603, message = "claude-lsp is not running" })
    end)
  end
  return ok, id
end

function M.notify(client, method, params)
  if has_methods then
    return client:notify(method, params)
  end
  return client.notify(method, params)
end

function M.cancel_request(client, id)
  if has_methods then
    return client:cancel_request(id)
  end
  return client.cancel_request(id)
end

-- `get_clients` (0.10) filters by name and buffer; 0.7's `get_active_clients`
-- takes no filter, so filter here.
function M.get_clients(filter)
  filter = filter or {}
  if vim.lsp.get_clients then
    return vim.lsp.get_clients(filter)
  end
  local found = {}
  local clients = filter.bufnr and vim.lsp.buf_get_clients(filter.bufnr) or vim.lsp.get_active_clients()
  for _, client in pairs(clients) do
    if not filter.name or client.name == filter.name then
      table.insert(found, client)
    end
  end
  return found
end

-- Start a client, attached to `bufnr` when it is given; like `vim.lsp.start`, reuse
-- a client of the same name and root. 0.7 has no `vim.lsp.start` and 0.8/0.9 cannot
-- start one without a buffer, so those use `start_client`.
function M.start(config, bufnr)
  if vim.lsp.start and (bufnr or vim.fn.has("nvim-0.10") == 1) then
    return vim.lsp.start(config, { bufnr = bufnr, attach = bufnr ~= nil })
  end
  local id
  for _, client in ipairs(M.get_clients({ name = config.name })) do
    if client.config.root_dir == config.root_dir then
      id = client.id
    end
  end
  id = id or vim.lsp.start_client(config)
  if id and bufnr then
    vim.lsp.buf_attach_client(bufnr, id)
  end
  return id
end

-- The nearest folder above `path` holding one of `markers` (`vim.fs.root` is 0.10+).
function M.find_root(path, markers)
  local dir = vim.fn.fnamemodify(path, ":p:h")
  while dir and dir ~= "" do
    for _, marker in ipairs(markers) do
      if M.uv.fs_stat(dir .. "/" .. marker) then
        return dir
      end
    end
    local parent = vim.fn.fnamemodify(dir, ":h")
    if parent == dir then
      return nil
    end
    dir = parent
  end
end

-- `vim.diff` moved to `vim.text.diff` in 0.12.
function M.diff(old, new, opts)
  local diff = vim.text and vim.text.diff or vim.diff
  return diff(old, new, opts)
end

-- Whether vim.ui.select is still Neovim's own, which answers before it returns.
local function builtin_select()
  local info = debug.getinfo(vim.ui.select, "S")
  return info ~= nil and info.source:match("lua/vim/ui%.lua$") ~= nil
end

-- Ask at once (0.7): through vim.ui.select while it is Neovim's own (a numbered list
-- answered before it returns); when a picker plugin has replaced it, with that same
-- numbered list directly, since the picker would answer only after we return.
local function select_now(items, opts)
  if builtin_select() then
    local chosen
    vim.ui.select(items, opts, function(choice)
      chosen = choice
    end)
    return chosen
  end
  local choices = { opts.prompt }
  for i, item in ipairs(items) do
    table.insert(choices, ("%d: %s"):format(i, opts.format_item(item)))
  end
  return items[vim.fn.inputlist(choices)]
end

-- Ask with vim.ui.select and return the item chosen, or nil. A server request handler
-- must return its answer, but a picker plugin answers later. Where the handler runs in
-- a coroutine (current releases), yield until the answer comes, so the editor stays
-- responsive, and give up after `timeout_ms`. Otherwise (0.7) a wait would take no
-- keys meanwhile, so ask with the built-in list, which answers at once.
function M.select(items, opts, timeout_ms)
  local co = coroutine.running()
  if not (co and (not coroutine.isyieldable or coroutine.isyieldable())) then
    return select_now(items, opts)
  end
  local answered, value, waiting = false, nil, false
  local timer = M.uv.new_timer()
  local function finish(result)
    if answered then
      return
    end
    answered, value = true, result
    timer:stop()
    timer:close()
    if waiting then
      coroutine.resume(co)
    end
  end
  timer:start(timeout_ms, 0, vim.schedule_wrap(function()
    finish(nil)
  end))
  vim.ui.select(items, opts, function(choice)
    vim.schedule(function()
      finish(choice)
    end)
  end)
  if not answered then
    waiting = true
    coroutine.yield()
  end
  return value
end

return M
