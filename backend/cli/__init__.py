"""`weaver`, the command line: its arguments (arguments.py) and commands (main.py), what a person sees
in the terminal (terminal.py), and the drivers of the commands for people — ingest, ask, chat, demo."""

from .arguments import MODES, build_parser
from .main import main

__all__ = ["MODES", "build_parser", "main"]
