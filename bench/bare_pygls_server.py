"""A pygls 2 language server with no features: the floor that `bench/startup.py` compares
claude-lsp against, so the ratio shows what claude-lsp adds on top of pygls itself."""

from __future__ import annotations

from pygls.lsp.server import LanguageServer


def main() -> None:
    LanguageServer("bare-pygls", "0").start_io()


if __name__ == "__main__":
    main()
