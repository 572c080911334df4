"""`claude-lsp`: serve LSP (stdio or TCP), chat in the terminal, or answer one prompt in
print mode.

Only argparse is imported up front; each mode imports what it needs, so `--version`
and the server's start-up stay fast.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

PERMISSION_MODES = ("default", "acceptEdits", "plan", "bypassPermissions")
OUTPUT_FORMATS = ("text", "json", "stream-json")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="claude-lsp",
        description="A coding agent that runs as a Language Server. With no mode flag it "
        "serves LSP on stdio.",
    )
    parser.add_argument(
        "prompt", nargs="?", help="the prompt (print mode), or the chat's first message"
    )
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    transport = parser.add_argument_group("server")
    transport.add_argument("--stdio", action="store_true", help="serve LSP on stdio (default)")
    transport.add_argument("--tcp", metavar="HOST:PORT", help="serve LSP on a TCP socket")
    transport.add_argument("--log-file", metavar="PATH", help="write logs here (not stdout)")
    transport.add_argument(
        "--log-level",
        default=None,
        choices=("debug", "info", "warning", "error"),
        help="log verbosity (default: warning; error in print mode)",
    )
    parser.add_argument(
        "--acp",
        action="store_true",
        help="serve the Agent Client Protocol on stdio (Zed's agent panel, other ACP clients)",
    )
    parser.add_argument(
        "--chat", action="store_true", help="chat in the terminal (an LSP client of the server)"
    )
    parser.add_argument(
        "--no-attach",
        action="store_true",
        help="clients: start a server of their own even when an editor's server runs for "
        "this folder; a server: take no terminal clients",
    )
    printing = parser.add_argument_group("print mode and chat")
    printing.add_argument(
        "-p",
        "--print",
        action="store_true",
        dest="print_mode",
        help="answer PROMPT (or standard input) and exit",
    )
    printing.add_argument("--output-format", choices=OUTPUT_FORMATS, default="text")
    printing.add_argument(
        "--verbose", action="store_true", help="accepted for Claude Code compatibility"
    )
    printing.add_argument("--model", help="model id or alias (sonnet, opus, haiku)")
    printing.add_argument("--max-turns", type=int, metavar="N", help="stop after N model requests")
    printing.add_argument("--permission-mode", choices=PERMISSION_MODES)
    printing.add_argument(
        "--allowedTools",
        "--allowed-tools",
        dest="allowed_tools",
        action="extend",
        nargs="+",
        default=[],
        metavar="RULE",
        help="tools to allow without asking (comma or space separated)",
    )
    printing.add_argument(
        "--disallowedTools",
        "--disallowed-tools",
        dest="disallowed_tools",
        action="extend",
        nargs="+",
        default=[],
        metavar="RULE",
        help="tools to remove and deny",
    )
    printing.add_argument(
        "--append-system-prompt", metavar="TEXT", help="text added to the end of the system prompt"
    )
    printing.add_argument(
        "--add-dir",
        dest="add_dirs",
        action="extend",
        nargs="+",
        default=[],
        metavar="DIR",
        help="more directories the agent may work in",
    )
    printing.add_argument(
        "--settings",
        metavar="FILE_OR_JSON",
        help="a settings JSON file, or an inline JSON object, above the settings files",
    )
    resuming = printing.add_mutually_exclusive_group()
    resuming.add_argument(
        "-c",
        "--continue",
        action="store_true",
        dest="continue_session",
        help="continue the most recent conversation in the current directory",
    )
    resuming.add_argument(
        "-r", "--resume", metavar="SESSION_ID", help="continue the conversation with this id"
    )
    printing.add_argument(
        "--fork-session",
        action="store_true",
        help="with --continue or --resume: go on in a new session; the old one stays as it was",
    )
    return parser


def configure_logging(level: str | None, log_file: str | None, *, default: int) -> None:
    """Logs go to a file or stderr, never stdout (stdout is the LSP channel)."""
    handler: logging.Handler = (
        logging.FileHandler(log_file, encoding="utf-8")
        if log_file
        else logging.StreamHandler(sys.stderr)
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper() if level else default)


def main(argv: Sequence[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else list(argv)
    if arguments[:1] == ["mcp"]:  # Claude Code's `claude mcp ...`
        from claude_lsp.cli.mcp_command import run_mcp_command

        configure_logging(None, None, default=logging.ERROR)  # failures are in the output
        return run_mcp_command(arguments[1:])
    args = build_parser().parse_args(arguments)
    if args.version:
        from claude_lsp.version import __version__

        print(f"claude-lsp {__version__}")
        return 0
    if args.print_mode:
        configure_logging(args.log_level, args.log_file, default=logging.ERROR)
        from claude_lsp.cli.print_mode import run_print_mode
        from claude_lsp.lsp.process_exit import exit_now

        exit_now(run_print_mode(args))
    if args.acp:
        configure_logging(args.log_level, args.log_file, default=logging.WARNING)
        from claude_lsp.acp.main import serve_acp

        return serve_acp()
    if args.chat or args.prompt:
        # Logs go to --log-file only: the terminal is the chat's.
        configure_logging(args.log_level, args.log_file or os.devnull, default=logging.ERROR)
        import asyncio

        from claude_lsp.cli.chat.app import run_chat

        return asyncio.run(run_chat(args))
    configure_logging(args.log_level, args.log_file, default=logging.WARNING)
    return serve(args.tcp, attachable=not args.no_attach)


def serve(tcp: str | None, *, attachable: bool) -> int:
    from claude_lsp.lsp.server import create_server

    server = create_server(attachable=attachable)
    if tcp:
        host, _, port = tcp.rpartition(":")
        if not host or not port.isdigit():
            print(f"claude-lsp: --tcp wants HOST:PORT, got {tcp!r}", file=sys.stderr)
            return 2
        server.start_tcp(host, int(port))
    else:
        server.start_io()
    return server.exit_code
