//! Starts `claude-lsp` for Zed: the `lsp.claude-lsp.binary` settings when given, else
//! the `claude-lsp` found on the worktree's PATH, in the worktree's shell environment
//! (so a key exported in the shell reaches the server).

use zed_extension_api::{self as zed, settings::LspSettings, serde_json::Value};

struct ClaudeLsp;

const NOT_FOUND: &str = "claude-lsp is not on PATH: install it (pip install claude-lsp) \
     or set lsp.claude-lsp.binary.path in Zed's settings";

impl zed::Extension for ClaudeLsp {
    fn new() -> Self {
        ClaudeLsp
    }

    fn language_server_command(
        &mut self,
        id: &zed::LanguageServerId,
        worktree: &zed::Worktree,
    ) -> zed::Result<zed::Command> {
        let binary = LspSettings::for_worktree(id.as_ref(), worktree)
            .ok()
            .and_then(|settings| settings.binary);
        let args = binary
            .as_ref()
            .and_then(|binary| binary.arguments.clone())
            .unwrap_or_default();
        let command = binary
            .and_then(|binary| binary.path)
            .or_else(|| worktree.which("claude-lsp"))
            .ok_or_else(|| NOT_FOUND.to_string())?;
        Ok(zed::Command {
            command,
            args,
            env: worktree.shell_env(),
        })
    }

    fn language_server_initialization_options(
        &mut self,
        id: &zed::LanguageServerId,
        worktree: &zed::Worktree,
    ) -> zed::Result<Option<Value>> {
        Ok(LspSettings::for_worktree(id.as_ref(), worktree)
            .ok()
            .and_then(|settings| settings.initialization_options))
    }

    fn language_server_workspace_configuration(
        &mut self,
        id: &zed::LanguageServerId,
        worktree: &zed::Worktree,
    ) -> zed::Result<Option<Value>> {
        Ok(LspSettings::for_worktree(id.as_ref(), worktree)
            .ok()
            .and_then(|settings| settings.settings))
    }
}

zed::register_extension!(ClaudeLsp);
