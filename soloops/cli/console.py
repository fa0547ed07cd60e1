"""What every command group shares: the one-line error, reading a file named on the command
line, and adding a subcommand with its help."""

import sys


def fail(message: str) -> int:
    print(f"soloops: error: {message}", file=sys.stderr)
    return 1


def read_file(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except OSError as e:
        raise SystemExit(f"soloops: error: cannot read {path}: {e.strerror}") from None


def add_command(sub, name: str, func, help_text: str):
    p = sub.add_parser(name, help=help_text, description=help_text)
    p.set_defaults(func=func)
    return p
