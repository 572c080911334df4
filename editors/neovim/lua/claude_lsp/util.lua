-- Small helpers for text from the server, shared by the chat and the status line.
local M = {}

-- A string field of a server message as a string: JSON null arrives as vim.NIL on
-- current releases (nil on 0.7), and a missing field as nil.
function M.text(value)
  return type(value) == "string" and value or ""
end

-- Paths inside the session's folder are shown relative to it.
function M.shorten(text, cwd)
  text = M.text(text)
  if type(cwd) ~= "string" or cwd == "" then
    return text
  end
  return (text:gsub(vim.pesc(cwd:gsub("/$", "") .. "/"), ""))
end

-- A list field of a server message as a table (see M.text).
function M.list(value)
  return type(value) == "table" and value or {}
end

function M.first_line(text)
  return M.text(text):match("^[^\n]*")
end

return M
