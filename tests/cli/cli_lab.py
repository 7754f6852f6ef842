"""Shared helpers for command-line tests."""

from __future__ import annotations

from latentlab.cli import main


def run(argv, capsys) -> tuple[int, str, str]:
    """Run `latentlab ARGV` in this process: (exit code, stdout, stderr)."""
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err
