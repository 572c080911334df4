-- User commands only: nothing is loaded and no server starts until one is used
-- (or until require("claude_lsp").setup() is called).
if vim.g.loaded_claude_lsp then
  return
end
vim.g.loaded_claude_lsp = true

local function claude()
  return require("claude_lsp")
end

local command = vim.api.nvim_create_user_command

command("ClaudeChat", function(opts)
  claude().chat(opts.args)
end, {
  nargs = "*",
  desc = "Open the Claude chat; with text, send it",
  complete = function(arglead, cmdline)
    return claude().complete_chat(arglead, cmdline)
  end,
})

command("ClaudeCancel", function()
  claude().cancel()
end, { desc = "Stop Claude's running turn" })

command("ClaudeAction", function(opts)
  claude().action(opts)
end, { range = true, desc = "Claude code actions for the selection" })

command("ClaudeNew", function()
  claude().new_session()
end, { desc = "Start a new Claude conversation" })

command("ClaudeMode", function(opts)
  claude().set_mode(opts.args)
end, {
  nargs = 1,
  desc = "Set the permission mode of the Claude conversation",
  complete = function(arglead)
    return claude().complete_mode(arglead)
  end,
})

command("ClaudeSessions", function()
  claude().sessions()
end, { desc = "Load an earlier Claude conversation" })
