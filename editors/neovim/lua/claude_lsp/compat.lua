-- One place for the differences between Neovim 0.7 and current releases, so the
-- rest of the plugin calls these helpers instead of checking versions itself.
local M = {}

M.uv = vim.uv or vim.loop

-- 0.11 turned the client's functions into methods (`client:request`); older
-- releases only accept the plain function call.
local has_methods = vim.fn.has("nvim-0.11") == 1

function M.request(client, method, params, handler, bufnr)
  if has_methods then
    return client:request(method, params, handler, bufnr)
  end
  return client.request(method, params, handler, bufnr)
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

-- Wait for `start(done)` to call `done(value)` and return that value. A server
-- request handler must return its answer, but a `vim.ui.select` replacement may
-- answer later. Where the handler runs in a coroutine (current releases), yield
-- until the answer comes, so the editor stays responsive; otherwise (0.7) spin the
-- event loop with `vim.wait`. Either way `fallback` is returned after `timeout_ms`.
function M.await(start, timeout_ms, fallback)
  local co = coroutine.running()
  local can_yield = co and (not coroutine.isyieldable or coroutine.isyieldable())
  local answered, value, waiting = false, nil, false
  local timer
  local function finish(result)
    if answered then
      return
    end
    answered, value = true, result
    if timer then
      timer:stop()
      timer:close()
    end
    if waiting then
      coroutine.resume(co)
    end
  end
  start(function(result)
    vim.schedule(function()
      finish(result)
    end)
  end)
  if answered then
    return value
  end
  if can_yield then
    timer = M.uv.new_timer()
    timer:start(timeout_ms, 0, vim.schedule_wrap(function()
      finish(fallback)
    end))
    waiting = true
    coroutine.yield()
    return value
  end
  vim.wait(timeout_ms, function()
    return answered
  end, 20)
  if not answered then
    answered, value = true, fallback
  end
  return value
end

return M
