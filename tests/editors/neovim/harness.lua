-- Shared by the Neovim test scripts: the parameters pytest wrote, waiting with a
-- deadline, and the JSON file of results pytest reads back. Works on 0.7 and 0.12.
local H = {}

local function read(path)
  local file = assert(io.open(path, "r"))
  local text = file:read("*a")
  file:close()
  return text
end

H.params = vim.json.decode(read(os.getenv("CLAUDE_NVIM_TEST")))
H.results = { version = tostring(vim.version().major) .. "." .. tostring(vim.version().minor) }

-- Wait for `condition` (polled, events processed meanwhile); fail the run on timeout.
function H.wait(ms, condition, what)
  if not vim.wait(ms, condition, 20) then
    error("timed out after " .. ms .. " ms waiting for " .. what, 2)
  end
end

-- Set the plugin up on the test's server (`options` added), open calc.py and wait for
-- the server to be initialized; returns calc.py's buffer.
function H.start_on_calc(options)
  local setup = vim.tbl_extend("force", { cmd = H.params.server_cmd, filetypes = { "python" } }, options or {})
  require("claude_lsp").setup(setup)
  vim.cmd("edit " .. vim.fn.fnameescape(H.params.project .. "/calc.py"))
  local calc = vim.api.nvim_get_current_buf()
  H.wait(20000, function()
    local client = H.clients()[1]
    return client ~= nil and client.initialized
  end, "the server to start")
  return calc
end

-- The claude_lsp clients, or those attached to `bufnr`.
function H.clients(bufnr)
  local clients = vim.lsp.get_clients and vim.lsp.get_clients({ bufnr = bufnr })
    or (bufnr and vim.lsp.buf_get_clients(bufnr) or vim.lsp.get_active_clients())
  return vim.tbl_filter(function(client)
    return client.name == "claude_lsp"
  end, vim.tbl_values(clients))
end

function H.lines(buf)
  return vim.api.nvim_buf_get_lines(buf, 0, -1, false)
end

function H.find_line(buf, pattern)
  for _, line in ipairs(H.lines(buf)) do
    if line:find(pattern) then
      return line
    end
  end
end

function H.chat_buffer()
  for _, buf in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_get_name(buf):match("^claude://chat/") then
      return buf
    end
  end
end

-- Answer the questions put to the user with the first choice whose label `choose`
-- accepts (nil when none does), and record what was shown. vim.ui.select answers later,
-- as a picker plugin does; vim.fn.inputlist (what the plugin asks with where it cannot
-- wait for a picker, 0.7) answers at once, by number.
function H.fake_select(choose)
  local shown = {}
  vim.ui.select = function(items, opts, on_choice)
    local labels = {}
    for _, item in ipairs(items) do
      table.insert(labels, opts.format_item and opts.format_item(item) or tostring(item))
    end
    table.insert(shown, { prompt = opts.prompt, kind = opts.kind, labels = labels, items = items })
    vim.defer_fn(function()
      for i, label in ipairs(labels) do
        if choose(label) then
          return on_choice(items[i])
        end
      end
      on_choice(nil)
    end, 50)
  end
  vim.fn.inputlist = function(choices)
    local labels = vim.tbl_map(function(choice)
      return (choice:gsub("^%d+: ", ""))
    end, vim.list_slice(choices, 2))
    table.insert(shown, { prompt = choices[1], kind = "inputlist", labels = labels })
    for i, label in ipairs(labels) do
      if choose(label) then
        return i
      end
    end
    return 0
  end
  return shown
end

-- Run the test body, then write the results (and any error) and quit.
function H.run(body)
  local ok, err = xpcall(body, debug.traceback)
  if not ok then
    H.results.error = err
  end
  H.results.messages = vim.fn.execute("messages")
  local file = assert(io.open(H.params.out, "w"))
  file:write(vim.json.encode(H.results))
  file:close()
  vim.cmd("qa!")
end

return H
