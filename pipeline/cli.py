"""The `zhen` command line. Parses options and calls pipeline.run; nothing else lives here.

Heavy imports (torch, transformers) happen inside the stages that need them, so that
`zhen --help` is instant.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from . import __version__
from .errors import ZhenError

DEFAULT_MODEL = "Helsinki-NLP/opus-mt-zh-en"


class _Bar:
    """A progress bar on stderr, only when stderr is a terminal (piped output stays clean)."""

    def __init__(self, total: int, label: str, quiet: bool) -> None:
        self._bar = None
        if not quiet and sys.stderr.isatty() and total:
            self._bar = click.progressbar(length=total, label=label, file=sys.stderr)
            self._bar.__enter__()

    def update(self, n: int) -> None:
        if self._bar is not None:
            self._bar.update(n)

    def finish(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None


class _Failure(click.ClickException):
    """Prints our one-line message and exits with the error's own code (2 for setup errors)."""

    def __init__(self, exc: ZhenError) -> None:
        super().__init__(str(exc))
        self.exit_code = exc.exit_code  # type: ignore[misc]


def _fail(exc: ZhenError) -> click.ClickException:
    return _Failure(exc)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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
    """


@main.command("segment")
@click.argument("inputs", nargs=-1, required=True, type=click.Path(allow_dash=True))
@click.option(
    "--format", "fmt", type=click.Choice(["json", "jsonl", "text"]), default="json", show_default=True,
    help="json: one JSON list of segments; jsonl: one segment per line; text: a readable table.",
)
@click.option(
    "--max-tokens", "budget", type=click.IntRange(min=8), default=200, show_default=True,
    help="Split sentences longer than this many tokens (counted as characters + 1 here).",
)
def segment_cmd(inputs: tuple[str, ...], fmt: str, budget: int) -> None:
    """Show the segments the translator will see (no model needed).

    Each segment has its id, block index and kind (title, heading, paragraph, turn,
    boilerplate), speaker, offsets into the raw input (raw[start:end]), the text as
    displayed (own script, pinyin annotations removed) and the normalized text (simplified,
    punctuation unified) that the model reads.
    """
    from .run import run_segment

    try:
        docs = run_segment(inputs, budget=budget)
    except ZhenError as exc:
        raise _fail(exc) from None
    rows: list[dict[str, Any]] = []
    for doc in docs:
        for seg in doc.segments:
            row = {
                "id": seg.id, "block": seg.block, "kind": seg.kind, "speaker": seg.speaker,
                "speaker_en": seg.speaker_en, "start": seg.start, "end": seg.end,
                "text": seg.text, "norm": seg.norm, "flags": list(seg.flags),
            }
            if len(docs) > 1:
                row = {"input": doc.source.path, **row}
            rows.append(row)
        for w in doc.warnings:
            click.echo(f"warning: {doc.source.path}: {w}", err=True)
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    elif fmt == "jsonl":
        for row in rows:
            click.echo(json.dumps(row, ensure_ascii=False))
    else:
        for row in rows:
            who = f"{row['speaker']}: " if row["speaker"] else ""
            click.echo(f"{row['id']}\t{row['block']}\t{row['kind']}\t{who}{row['text']}")


@main.command("translate")
@click.argument("inputs", nargs=-1, required=True, type=click.Path(allow_dash=True))
@click.option("-o", "--out-dir", type=click.Path(file_okay=False), default=".", show_default=True,
              help="Folder for the outputs, named after each input (release.txt -> release.jsonl, ...).")
@click.option("--model", envvar="ZHEN_MODEL", default=DEFAULT_MODEL, show_default=True,
              help="Hugging Face model id, or a local folder holding the model (air-gapped use). Env: ZHEN_MODEL.")
@click.option("--offline", is_flag=True, default=None,
              help="Never touch the network: use the local folder or the Hugging Face cache only "
                   "(also HF_HUB_OFFLINE=1).")
@click.option("--formats", default="jsonl,md,txt", show_default=True,
              help="Comma-separated output formats: jsonl, md, txt.")
@click.option("--beams", type=click.IntRange(min=1), default=None,
              help="Beam size. Default: the model's own generation config (6 for opus-mt-zh-en).")
@click.option("--batch-size", type=click.IntRange(min=1), default=16, show_default=True,
              help="Sentences per model call.")
@click.option("--threads", type=click.IntRange(min=1), default=None,
              help="CPU threads for the model. Default: all cores.")
@click.option("--engine", envvar="ZHEN_ENGINE", default="torch", show_default=True,
              help="Inference engine: torch. Env: ZHEN_ENGINE.")
@click.option("--max-tokens", "budget", type=click.IntRange(min=8), default=200, show_default=True,
              help="Longest model input in sentencepiece tokens; longer sentences are split at ；then ，.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar and no per-file report.")
def translate_cmd(
    inputs: tuple[str, ...], out_dir: str, model: str, offline: bool | None, formats: str, beams: int | None,
    batch_size: int, threads: int | None, engine: str, budget: int, quiet: bool,
) -> None:
    """Translate releases (files, or - for stdin) and write aligned bilingual output.

    For each input NAME this writes NAME.jsonl (provenance, then one record per
    segment), NAME.md (Chinese and English side by side) and NAME.en.txt (the English
    with the release's structure). Outputs are written whole or not at all.

    Exit status: 0 all inputs translated, 1 some input failed, 2 usage or setup error
    (for instance the model cannot be found).
    """
    from .run import TranslateOptions, run_translate
    from .write import parse_formats

    try:
        options = TranslateOptions(
            model=model, engine=engine, beams=beams, batch_size=batch_size, threads=threads,
            offline=offline, formats=tuple(parse_formats(formats)), budget=budget,
        )
        stdin = sys.stdin.buffer.read() if "-" in inputs else None
        report = run_translate(
            list(inputs), Path(out_dir), options, stdin=stdin,
            progress=lambda total, label: _Bar(total, label, quiet),
        )
    except ZhenError as exc:
        raise _fail(exc) from None
    for r in report.results:
        if r.error:
            click.echo(f"error: {r.error}", err=True)
            continue
        for w in r.warnings:
            click.echo(f"warning: {r.input}: {w}", err=True)
        if not quiet:
            click.echo(f"{r.input}: {r.segments} segments -> {', '.join(str(p) for p in r.outputs)}", err=True)
    if report.failed:
        sys.exit(1)


if __name__ == "__main__":  # pragma: no cover
    main()
