"""`weaver`, the command line: the parser and commands (main.py), what a person sees in the terminal
(terminal.py), and the drivers of the commands for people — ingest, ask, chat, demo."""

from .main import MODES, build_parser, main

__all__ = ["MODES", "build_parser", "main"]
