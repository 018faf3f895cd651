"""The `zhen` group, the one place where errors become exit codes, and what every command shares
at run time (the progress bar, Ctrl-C, standard input)."""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

from .. import __version__
from ..errors import ZhenError


class Bar:
    """A progress bar on stderr, only when stderr is a terminal (piped output stays clean): the
    run's sentences, done of all, with the time left; `resize` when the run learns the total better."""

    def __init__(self, total: int, label: str, quiet: bool) -> None:
        self._bar: Any = None
        self.info = ""
        self.label = label
        self.shown = not quiet and sys.stderr.isatty()
        self.resize(total)

    def resize(self, total: int) -> None:
        if self._bar is not None:
            self._bar.length = max(total, self._bar.pos)
        elif self.shown and total:
            self._bar = click.progressbar(length=total, label=f"{self.label} (sentences)", file=sys.stderr,
                                          show_eta=True, show_pos=True, item_show_func=lambda _: self.info)
            self._bar.__enter__()

    def update(self, n: int) -> None:
        if self._bar is not None:
            self._bar.update(n)

    def finish(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None


class Failure(click.ClickException):
    """Prints our one-line message and exits with the error's own code (2 for setup errors)."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code  # type: ignore[misc]


class ZhenGroup(click.Group):
    """The one place where a ZhenError becomes a one-line message and an exit code.

    Stages name the options field an error is about; the flag the user typed is added here.
    A command whose exit status 1 means "some pair needs a look" (check, eval) declares
    `usage_errors=True`: there, an error that stops it is a usage error (2).
    ZHEN_DEBUG=1 lets the exception through with its traceback, for debugging.
    """

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except UnicodeEncodeError as exc:
            if os.environ.get("ZHEN_DEBUG") or "surrogates" not in str(exc):
                raise
            # a command-line byte that is not UTF-8 reached a place that needs text
            raise Failure(f"a command-line argument is not valid UTF-8 text ({exc.object[exc.start:exc.end]!r} "
                          "stands for an undecodable byte)", 2) from None
        except ZhenError as exc:
            if os.environ.get("ZHEN_DEBUG"):
                raise
            message = str(exc)
            flag = flag_for(self, exc.option) if exc.option else None
            if flag and flag not in message:
                message = f"{message} ({flag})"
            raise Failure(message, 2 if _usage_errors(ctx) else exc.exit_code) from None


def _usage_errors(ctx: click.Context) -> bool:
    sub = ctx.invoked_subcommand
    cmd = ctx.command.commands.get(sub) if isinstance(ctx.command, click.Group) and sub else None
    return bool(getattr(getattr(cmd, "callback", None), "usage_errors", False))


def flag_for(group: click.Group, name: str) -> str | None:
    """The command-line flag of an options field, found among the commands' own parameters."""
    for cmd in group.commands.values():
        if isinstance(cmd, click.Group):
            found = flag_for(cmd, name)
            if found:
                return found
        for param in cmd.params:
            if param.name == name and isinstance(param, click.Option):
                return max(param.opts, key=len)
    return None


def usage_errors(fn: Any) -> Any:
    """Mark a command whose exit status 1 means "some pair needs a look": errors that stop it exit 2."""
    fn.usage_errors = True
    return fn


@click.group(cls=ZhenGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="zhen")
def main() -> None:
    """Translate Chinese government and police press releases into English.

    zhen segments a release into titles, headings, paragraphs and press-conference
    turns, translates each sentence with the MarianMT model Helsinki-NLP/opus-mt-zh-en,
    and writes sentence-aligned bilingual output.

    \b
    Examples:
      zhen segment release.txt --format text
      zhen translate release.txt -o out/
      zhen translate --model ./opus-mt-zh-en --offline a.txt b.txt -o out/
      echo 公安部召开新闻发布会。 | zhen translate -
      zhen models import ./opus-mt-zh-en --id Helsinki-NLP/opus-mt-zh-en
    """


class Terminated(KeyboardInterrupt):
    """SIGTERM, stopping the run like Ctrl-C does, but with its own exit status."""


@contextmanager
def interruptible(writes: bool = True) -> Iterator[None]:
    """Ctrl-C or SIGTERM: stop, keep every document already written (all written whole), and exit
    128 + the signal (130 for Ctrl-C, 143 for SIGTERM), never 1, which means "some input failed"."""
    def term(_signum: int, _frame: Any) -> None:
        raise Terminated

    old = signal.signal(signal.SIGTERM, term)
    try:
        yield
    except KeyboardInterrupt as exc:
        if writes:
            click.echo("\ninterrupted: finished documents are written in full; run the same command again "
                       "to do the rest", err=True)
        else:
            click.echo("\ninterrupted", err=True)
        sys.exit(143 if isinstance(exc, Terminated) else 130)
    finally:
        signal.signal(signal.SIGTERM, old)


def read_stdin(inputs: tuple[str, ...]) -> bytes | None:
    """Standard input when an input is -, read no further than the size limit allows."""
    from ..run import read_stdin as bounded

    return bounded() if "-" in inputs else None
