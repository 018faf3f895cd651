"""Errors a user can act on. The CLI prints their message on one line; no traceback.

Stages speak their own language: an error about an option names the option's field
(`option="max_tokens"`), and the CLI adds the flag a user typed (`--max-tokens`).
"""

from __future__ import annotations


class ZhenError(Exception):
    """Base for user-facing errors; exit_code is what the CLI exits with."""

    exit_code = 1

    def __init__(self, message: str = "", option: str | None = None) -> None:
        super().__init__(message)
        self.option = option  # the options field the error is about, if any


class InputError(ZhenError):
    """An input cannot be read as a release (missing, empty, binary, undecodable, too big)."""

    exit_code = 1


class ModelUnavailable(ZhenError):
    """The translation model cannot be had: not cached, not a folder, and no way to download."""

    exit_code = 2


class UsageError(ZhenError):
    exit_code = 2
