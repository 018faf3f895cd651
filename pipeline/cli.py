"""The `zhen` command line. Parses options and calls one function of pipeline.run per command.

Heavy imports (torch, transformers) happen inside the stages that need them, so that
`zhen --help` is instant. Errors are mapped to exit codes in one place (ZhenGroup).
"""

from __future__ import annotations

import json
import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

import click

from . import __version__
from .errors import UsageError, ZhenError
from .records import (
    DEFAULT_MODEL,
    DEFAULT_SUMMARY_MODEL,
    SEGMENT_VIEW,
    EngineOptions,
    SummaryOptions,
    TranslateOptions,
)


class _Bar:
    """A progress bar on stderr, only when stderr is a terminal (piped output stays clean)."""

    def __init__(self, total: int, label: str, quiet: bool) -> None:
        self._bar: Any = None
        self.info = ""
        if not quiet and sys.stderr.isatty() and total:
            self._bar = click.progressbar(length=total, label=f"{label} {total} document(s)", file=sys.stderr,
                                          show_eta=True, item_show_func=lambda _: self.info)
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

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code  # type: ignore[misc]


class ZhenGroup(click.Group):
    """The one place where a ZhenError becomes a one-line message and an exit code.

    Stages name the options field an error is about; the flag the user typed is added here.
    ZHEN_DEBUG=1 lets the exception through with its traceback, for debugging.
    """

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except UnicodeEncodeError as exc:
            if os.environ.get("ZHEN_DEBUG") or "surrogates" not in str(exc):
                raise
            # a command-line byte that is not UTF-8 reached a place that needs text
            raise _Failure(f"a command-line argument is not valid UTF-8 text ({exc.object[exc.start:exc.end]!r} "
                           "stands for an undecodable byte)", 2) from None
        except ZhenError as exc:
            if os.environ.get("ZHEN_DEBUG"):
                raise
            message = str(exc)
            flag = _flag_for(self, exc.option) if exc.option else None
            if flag and flag not in message:
                message = f"{message} ({flag})"
            raise _Failure(message, exc.exit_code) from None


def _flag_for(group: click.Group, name: str) -> str | None:
    """The command-line flag of an options field, found among the commands' own parameters."""
    for cmd in group.commands.values():
        if isinstance(cmd, click.Group):
            found = _flag_for(cmd, name)
            if found:
                return found
        for param in cmd.params:
            if param.name == name and isinstance(param, click.Option):
                return max(param.opts, key=len)
    return None


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


def _summary_options(f: Any) -> Any:
    for opt in reversed([
        click.option("--sentences", type=click.IntRange(min=1), default=5, show_default=True,
                     help="Length of the summary in sentences."),
        click.option("--words", type=click.IntRange(min=5), default=None,
                     help="Length of the summary in English words instead (extractive)."),
        click.option("--summarizer", type=click.Choice(["extractive", "abstractive"]), default="extractive",
                     show_default=True,
                     help="extractive: the release's own key sentences, each traced to its segment; abstractive: "
                          "a seq2seq model rewrites the English (sentences with figures not in the source are "
                          "dropped and reported)."),
        click.option("--ranker", type=click.Choice(["textrank", "embedding"]), default="textrank", show_default=True,
                     help="textrank: graph ranking over the Chinese words; embedding: the packaged English "
                          "sentence-embedding model (all-MiniLM-L6-v2) over the translation."),
        click.option("--summary-model", default=DEFAULT_SUMMARY_MODEL, show_default=True,
                     help="Abstractive summarizer: hub id or local folder, found like --model."),
    ]):
        f = opt(f)
    return f


def _summary(kw: dict[str, Any]) -> SummaryOptions:
    """Pop the summary options out of a command's keyword arguments."""
    return SummaryOptions(method=kw.pop("summarizer"), ranker=kw.pop("ranker"), sentences=kw.pop("sentences"),
                          words=kw.pop("words"), model=kw.pop("summary_model"), offline=kw.get("offline"))


def _glossary_option(f: Any) -> Any:
    return click.option(
        "--glossary", "glossary", multiple=True, type=click.Path(),
        help="Glossary TSV file or folder (repeatable; later files override earlier ones). "
             "Default: $ZHEN_GLOSSARY, else ./glossary/, else the term base shipped with zhen.",
    )(f)


@main.command("segment")
@click.argument("inputs", nargs=-1, type=click.Path(allow_dash=True))
@click.option(
    "--format", "fmt", type=click.Choice(["json", "jsonl", "text"]), default="json", show_default=True,
    help="json: one JSON list of segments; jsonl: one segment per line; text: a readable table.",
)
@click.option(
    "--max-tokens", "max_tokens", type=click.IntRange(min=8), default=200, show_default=True,
    help="Split sentences longer than this many tokens (counted as characters + 1 here).",
)
@click.option(
    "--score", "score_dir", type=click.Path(file_okay=False), default=None,
    help="Score segmentation on a folder of annotated pages (NN.txt + NN.expected.json): sentence F1, "
         "kind and speaker accuracy, overall and per file (text, or JSON with --format json).",
)
def segment_cmd(inputs: tuple[str, ...], fmt: str, max_tokens: int, score_dir: str | None) -> None:
    """Show the segments the translator will see (no model needed).

    Each segment has its id, block index and kind (title, heading, paragraph, turn,
    boilerplate), speaker, offsets into the raw input (raw[start:end], the text without
    any speaker label; a turn's label is at speaker_start:speaker_end), the text as
    displayed (own script, pinyin annotations removed) and the normalized text (simplified,
    punctuation unified) that the model reads.
    """
    from .run import run_segment

    if score_dir is not None:
        # Scores read as a table unless JSON is asked for explicitly (json is the segments' default).
        source = click.get_current_context().get_parameter_source("fmt")
        _score(score_dir, fmt if source is not click.core.ParameterSource.DEFAULT else "text")
        return
    if not inputs:
        raise click.UsageError("give an input file (or - for standard input), or --score DIR")
    with _interruptible(writes=False):
        docs = run_segment(inputs, budget=max_tokens, stdin=_stdin(inputs))
    rows: list[dict[str, Any]] = []
    for doc in docs:
        for seg in doc.segments:
            d = seg.to_dict()
            row = {k: d[k] for k in SEGMENT_VIEW}
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
            file = f"{row['input']}\t" if "input" in row else ""  # several files: say which one each row is from
            click.echo(f"{file}{row['id']}\t{row['block']}\t{row['kind']}\t{who}{row['text']}")


def _score(folder: str, fmt: str) -> None:
    """zhen segment --score DIR: the figures of pipeline.score, as text or JSON."""
    from .score import score_dir

    report = score_dir(folder)
    if fmt == "text":
        click.echo(report.format_text())
    else:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2 if fmt == "json" else None))


def _model_options(f: Any) -> Any:
    """Options shared by every command that runs the translation model."""
    for opt in reversed([
        click.option("-o", "--out-dir", type=click.Path(file_okay=False), default=None,
                     help="Folder for the outputs, named after each input (release.txt -> release.jsonl, ...). "
                          "Default: the current folder; for standard input (-) or --text, standard output."),
        click.option("--model", envvar="ZHEN_MODEL", default=DEFAULT_MODEL, show_default=True,
                     help="Hugging Face model id, or a local folder holding the model (air-gapped use). "
                          "Env: ZHEN_MODEL."),
        click.option("--offline", is_flag=True, default=None,
                     help="Never touch the network: use the local folder or the Hugging Face cache only "
                          "(also HF_HUB_OFFLINE=1)."),
        click.option("--beams", type=click.IntRange(min=1), default=None,
                     help="Beam size. Default: the model's own generation config (6 for opus-mt-zh-en)."),
        click.option("--batch-size", type=click.IntRange(min=1), default=None,
                     help="Sentences per model call. Default: the engine's (torch 16, ctranslate2 8)."),
        click.option("--precision", type=click.Choice(["auto", "float32", "bfloat16", "int8"]), default="auto",
                     show_default=True,
                     help="Weights' precision. auto: torch in bfloat16 where the CPU computes it natively, else "
                          "float32; CTranslate2 as converted (int8). int8 on torch quantizes the linear layers."),
        click.option("--threads", type=click.IntRange(min=1), default=None,
                     help="CPU threads for the model. Default: all cores."),
        click.option("--shortlist/--no-shortlist", default=None,
                     help="CTranslate2 only: score only the English pieces the batch's Chinese can produce "
                          "(the model's vmap.txt, from `zhen models shortlist`). Default: on where the model has "
                          "one."),
        click.option("--engine", envvar="ZHEN_ENGINE", default="auto", show_default=True,
                     type=click.Choice(["auto", "torch", "ctranslate2"]),
                     help="Inference engine. auto: CTranslate2 when the model store holds a converted copy of "
                          "the model (zhen models convert), else torch. Env: ZHEN_ENGINE."),
        click.option("--no-cache", "no_cache", is_flag=True,
                     help="Bypass the translation memory (ZHEN_HOME/tm.sqlite): translate everything afresh."),
        click.option("--max-tokens", "max_tokens", type=click.IntRange(min=8), default=200, show_default=True,
                     help="Longest model input in sentencepiece tokens; longer sentences are split at ；then ，."),
        _glossary_option,
        click.option("--glossary-mode", type=click.Choice(["enforce", "check", "off"]), default="enforce",
                     show_default=True,
                     help="enforce: protect glossary terms through translation and put in the glossary's English; "
                          "check: translate freely, then report terms whose English is missing; off: no glossary."),
        click.option("--facts", "facts", type=click.Choice(["off", "check", "fix"]), default="check",
                     show_default=True,
                     help="check: compare every number, date, percentage and amount of the Chinese with the "
                          "English and mark segments where one changed or went missing; fix: also rewrite a "
                          "changed number to the source's value where the correction is unambiguous (recorded in "
                          "the output); off: no check."),
        click.option("--min-confidence", type=float, default=None,
                     help="Flag segments whose English the model scored below this mean token log-probability "
                          "(e.g. -1.0); off by default. Calibrate it on your releases with zhen eval."),
        click.option("--force", is_flag=True,
                     help="Translate again even where outputs are up to date (the same input made with the same "
                          "settings). Segments a reviewer's English was merged into are kept unless "
                          "--discard-reviewed."),
        click.option("--discard-reviewed", "discard_reviewed", is_flag=True,
                     help="Let the model redo reviewed segments too: drop the reviewed English of these releases "
                          "from the outputs and from the translation memory (implies --force)."),
        click.option("-j", "--jobs", type=click.IntRange(min=1), default=1, show_default=True,
                     help="Processes for reading and segmenting; the model runs in one place."),
        click.option("-q", "--quiet", is_flag=True,
                     help="No progress bar, no per-file report and no glossary, facts or memory counts: only "
                          "warnings and errors."),
    ]):
        f = opt(f)  # type: ignore[operator]
    return f


def _engine_options(kw: dict[str, Any]) -> EngineOptions:
    """The engine's options, popped by name: each shared click option is named after its field."""
    return EngineOptions(**{f.name: kw.pop(f.name) for f in fields(EngineOptions)})


def _options(kw: dict[str, Any], formats: str = "jsonl,md,txt",
             summary: SummaryOptions | None = None) -> TranslateOptions:
    from .write import parse_formats

    return TranslateOptions(
        engine=_engine_options(kw), formats=tuple(parse_formats(formats)), max_tokens=kw["max_tokens"],
        glossary=kw["glossary"], glossary_mode=kw["glossary_mode"], facts=kw["facts"], summary=summary,
        min_confidence=kw["min_confidence"],
        cache=not kw["no_cache"], force=kw["force"], jobs=kw["jobs"], discard_reviewed=kw["discard_reviewed"],
    )


def _report(report: Any, kw: dict[str, Any]) -> None:
    """Per-file lines, the glossary and facts counts, a summary table, and the exit status."""
    quiet = kw["quiet"]
    if report.not_releases and not quiet:
        shown = ", ".join(report.not_releases[:5]) + (" …" if len(report.not_releases) > 5 else "")
        click.echo(f"skipped {len(report.not_releases)} file(s) that are not releases: {shown} "
                   "(name a file to translate it anyway)", err=True)
    for r in report.results:
        if r.error:
            click.echo(f"error: {r.error}", err=True)
            continue
        if r.skipped:
            if not quiet:
                click.echo(f"{r.input}: up to date, skipped (--force to redo)", err=True)
            continue
        for w in r.warnings:
            click.echo(f"warning: {r.input}: {w}", err=True)
        if not quiet and r.outputs:  # (printed to standard output, there is no file to name)
            click.echo(f"{r.input}: {r.segments} segments -> {', '.join(str(p) for p in r.outputs)}", err=True)
    if kw["glossary_mode"] != "off" and report.terms and not quiet:
        t = report.terms
        click.echo(f"glossary: {sum(t.values())} terms found, {t['enforced']} enforced, "
                   f"{t['found']} present, {t['missing']} missing", err=True)
    if kw["facts"] != "off" and report.facts.get("facts") and not quiet:  # a release without figures: nothing to say
        f = report.facts
        click.echo(f"facts: {f['facts']} checked, {f['matched']} matched, {f['changed']} changed, "
                   f"{f['missing']} missing, {f['fixed']} fixed", err=True)
    if report.risk and sum(report.risk.values()):
        r = report.risk
        click.echo(f"risk: {r['check'] + r['bad']} of {sum(r.values())} segments to check ({r['bad']} bad)",
                   err=True)
    for w in report.warnings:
        click.echo(f"warning: {w}", err=True)
    if report.kept_reviewed:
        click.echo(f"reviewed: kept {report.kept_reviewed} reviewed segment(s) whose Chinese is unchanged "
                   "(--discard-reviewed to retranslate them)", err=True)
    if getattr(report, "cluster", None) and not quiet:
        click.echo(f"cluster: {report.cluster}", err=True)
    if report.cache and not quiet:
        c = report.cache
        click.echo(f"translation memory: {c['hits']} hits, {c['misses']} sent to the model", err=True)
    if len(report.results) > 1 or report.failed:
        done = [r for r in report.results if not r.error and not r.skipped]
        skipped = sum(r.skipped for r in report.results)
        click.echo(f"documents: {len(done)} translated, {skipped} up to date, {len(report.failed)} failed; "
                   f"segments: {sum(r.segments for r in done)}; {report.seconds:.1f} s", err=True)
    if report.failed:
        sys.exit(1)


class _Terminated(KeyboardInterrupt):
    """SIGTERM, stopping the run like Ctrl-C does, but with its own exit status."""


@contextmanager
def _interruptible(writes: bool = True) -> Iterator[None]:
    """Ctrl-C or SIGTERM: stop, keep every document already written (all written whole), and exit
    128 + the signal (130 for Ctrl-C, 143 for SIGTERM), never 1, which means "some input failed"."""
    def term(_signum: int, _frame: Any) -> None:
        raise _Terminated

    old = signal.signal(signal.SIGTERM, term)
    try:
        yield
    except KeyboardInterrupt as exc:
        if writes:
            click.echo("\ninterrupted: finished documents are written in full; run the same command again "
                       "to do the rest", err=True)
        else:
            click.echo("\ninterrupted", err=True)
        sys.exit(143 if isinstance(exc, _Terminated) else 130)
    finally:
        signal.signal(signal.SIGTERM, old)


def _stdin(inputs: tuple[str, ...]) -> bytes | None:
    return sys.stdin.buffer.read() if "-" in inputs else None


@main.command("translate")
@click.argument("inputs", nargs=-1, type=click.Path(allow_dash=True))
@click.option("--text", "text", default=None, metavar="TEXT",
              help="Translate this Chinese text instead of files; the English goes to standard output.")
@click.option("--format", "stdout_format", type=click.Choice(["txt", "jsonl"]), default="txt", show_default=True,
              help="For standard output (input - or --text, no -o): txt, the English alone; jsonl, records with "
                   "provenance, for programs.")
@_model_options
@click.option("--formats", default="jsonl,md,txt", show_default=True,
              help="Comma-separated output formats, each written as NAME.SUFFIX: jsonl (records with "
                   "provenance), md (bilingual document), txt (NAME.en.txt, English only), tmx (TMX 1.4b), xliff "
                   "(XLIFF 1.2, for review and zhen merge), html (review page), docx (a bilingual Word table, for "
                   "review and zhen merge), docx-en (NAME.en.docx, the English as a Word document).")
@click.option("--summary", "with_summary", is_flag=True,
              help="Also write NAME.summary.md and a summary record in the JSONL (see zhen summarize).")
@click.option("--cluster", envvar="ZHEN_CLUSTER", default=None, metavar="ADDRESS",
              help="Run the batch on a Ray cluster: HOST:PORT of its head, auto (RAY_ADDRESS, or the cluster a "
                   "`ray start` on this machine runs) or local (one started in this process). The same outputs "
                   "as without it; needs pip install 'zhen[cluster]'. Env: ZHEN_CLUSTER.")
@_summary_options
def translate_cmd(inputs: tuple[str, ...], text: str | None, stdout_format: str, formats: str, with_summary: bool,
                  cluster: str | None, **kw: Any) -> None:
    """Translate releases (files, folders, or - for stdin) and write aligned bilingual output.

    For each input NAME this writes NAME.jsonl (provenance, then one record per
    segment), NAME.md (the English with the Chinese quoted under each block) and
    NAME.en.txt (the English alone, ready to paste). Outputs are written whole or not at all.

    With - (standard input) or --text and no -o, the English is printed instead:
    `echo 公安部召开新闻发布会。 | zhen translate -`.

    Exit status: 0 all inputs translated, 1 some input failed (or a folder held no
    release), 2 usage or setup error (for instance the model cannot be found).
    """
    from .run import run_translate, run_translate_stream

    if text is not None and inputs:
        raise click.UsageError("give either input files or --text, not both")
    if text is None and not inputs:
        raise click.UsageError("give input files or folders, - for standard input, or --text TEXT")
    stdin = text.encode("utf-8") if text is not None else _stdin(inputs)
    inputs = inputs or ("-",)
    summary = _summary(kw)
    options = replace(_options(kw, formats, summary if with_summary else None), cluster=cluster or None)
    if kw["out_dir"] is None and inputs == ("-",):
        assert stdin is not None
        if options.cluster:
            raise click.UsageError("--cluster writes files: give an output folder with -o")
        english, report = run_translate_stream(stdin, options, stdout_format)
        click.echo(english, nl=False)
        _report(report, kw)
        return
    with _interruptible():
        report = run_translate(list(inputs), Path(kw["out_dir"] or "."), options, stdin=stdin,
                               progress=lambda total, label: _Bar(total, label, kw["quiet"]))
    _report(report, kw)


@main.command("summarize")
@click.argument("inputs", nargs=-1, required=True, type=click.Path(allow_dash=True))
@_model_options
@_summary_options
def summarize_cmd(inputs: tuple[str, ...], **kw: Any) -> None:
    """Write an English summary of each release: NAME.summary.md and NAME.summary.json.

    By default five key sentences, chosen on the Chinese side (TextRank with news
    priors: the lead, headings, key figures; no reporter's question; no two alike) and
    given in document order with their segment ids and their translations, so the summary
    is bilingual and traceable. Only those sentences go through the model. A headline
    comes from the release's title or first heading.
    """
    from .run import run_summarize

    summary = _summary(kw)
    with _interruptible():
        report = run_summarize(list(inputs), Path(kw["out_dir"] or "."), _options(kw, summary=summary),
                               stdin=_stdin(inputs), progress=lambda total, label: _Bar(total, label, kw["quiet"]))
    _report(report, kw)


@main.command("merge")
@click.argument("reviewed", type=click.Path(exists=True, dir_okay=False))
@click.option("-o", "--out-dir", type=click.Path(file_okay=False), default=None,
              help="Folder of the release's outputs (default: the reviewed file's folder).")
@click.option("--release", help="The release's name (NAME of NAME.jsonl); default: taken from the file.")
def merge_cmd(reviewed: str, out_dir: str | None, release: str | None) -> None:
    """Bring an editor's corrections back: read a reviewed FILE.xliff, FILE.tmx or FILE.docx
    (the Word review table, saved under any name: its properties name the release) and rewrite
    every output of the release from it (segments matched by id; figures checked again).

    A file that belongs to another release (different input checksum or segment ids) is refused.
    """
    from .run import run_merge

    res = run_merge(Path(reviewed), Path(out_dir) if out_dir else None, release)
    changed = res.changed
    click.echo(f"{res.reviewed}: {len(changed)} segment(s) changed ({', '.join(changed[:10])}"
               f"{'…' if len(changed) > 10 else ''}) -> {', '.join(str(p) for p in res.written)}", err=True)
    for w in res.warnings:
        click.echo(f"warning: {w}", err=True)
    for f in res.figures:
        click.echo(f"figure: {f}", err=True)
    if res.figures:
        click.echo(f"facts: {len(res.figures)} figure(s) in the reviewed English differ from the Chinese; "
                   "see the outputs' notes", err=True)


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Beyond loopback every request needs the token.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True,
              help="Translation workers: jobs translated at once (the model is loaded once and shared).")
@click.option("--queue", "queue_size", type=click.IntRange(min=1), default=16, show_default=True,
              help="Jobs that may wait; more are refused with 503 until some finish.")
@click.option("--token", envvar="ZHEN_TOKEN", default=None,
              help="Access token for 'Authorization: Bearer'. Default: a new one, printed at start. Env: ZHEN_TOKEN.")
@click.option("--data-dir", type=click.Path(file_okay=False), default=None,
              help="Folder for jobs and the server's glossary. Default: ZHEN_HOME/server.")
@click.option("--glossary", "glossary_file", type=click.Path(dir_okay=False), default=None,
              help="The glossary file the server uses and edits. Default: DATA/glossary.tsv (a copy of the "
                   "term base shipped with zhen, made on first start).")
@click.option("--allow-private-urls", is_flag=True,
              help="Let submitted URLs reach loopback, private and link-local addresses (refused by default).")
@click.option("--model", envvar="ZHEN_MODEL", default=DEFAULT_MODEL, show_default=True,
              help="Hugging Face model id or local folder, as for zhen translate.")
@click.option("--offline", is_flag=True, default=None, help="Never touch the network (as for zhen translate).")
@click.option("--engine", envvar="ZHEN_ENGINE", default="auto", show_default=True,
              type=click.Choice(["auto", "torch", "ctranslate2"]))
@click.option("--precision", type=click.Choice(["auto", "float32", "bfloat16", "int8"]), default="auto",
              show_default=True)
@click.option("--threads", type=click.IntRange(min=1), default=None, help="CPU threads for the model.")
def serve_cmd(host: str, port: int, workers: int, queue_size: int, token: str | None, data_dir: str | None,
              glossary_file: str | None, allow_private_urls: bool, **kw: Any) -> None:
    """Serve the review page and the JSON API (OpenAPI at /openapi.json and /docs).

    Prints the access token at start ("token: ..."); writes need 'Authorization: Bearer TOKEN',
    and every request does when --host is not loopback.
    """
    from .files import zhen_home
    from .server import ServerConfig, serve

    config = ServerConfig(data_dir=Path(data_dir) if data_dir else zhen_home() / "server", host=host,
                          workers=workers, queue_size=queue_size, allow_private_urls=allow_private_urls,
                          glossary_file=Path(glossary_file) if glossary_file else None)
    if token:
        config = replace(config, token=token)
    serve(config, EngineOptions(**kw), port, echo=lambda line: click.echo(line, err=True))


def _pair_inputs(f: Any) -> Any:
    """A bilingual text made anywhere: a zhen OUTPUT.jsonl, or --zh FILE --en FILE (line-aligned)."""
    for opt in reversed([
        click.argument("output", required=False, type=click.Path(exists=True, dir_okay=False)),
        click.option("--zh", "zh_file", type=click.Path(exists=True, dir_okay=False),
                     help="Chinese text, one segment a line."),
        click.option("--en", "en_file", type=click.Path(exists=True, dir_okay=False),
                     help="English text, line-aligned."),
    ]):
        f = opt(f)
    return f


@main.group("facts")
def facts_group() -> None:
    """Check numbers, dates, percentages and amounts between Chinese and English."""


@facts_group.command("check")
@_pair_inputs
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="json: one object per pair with line, status (ok or mismatch) and its facts.")
def facts_check(output: str | None, zh_file: str | None, en_file: str | None, fmt: str) -> None:
    """Check a bilingual pair made anywhere: --zh FILE --en FILE (line-aligned), or a zhen OUTPUT.jsonl.

    Exits 0 when every pair is ok, 1 when any figure changed or went missing.
    """
    from .facts import describe
    from .run import run_facts_check

    if output and (zh_file or en_file):
        raise click.UsageError("give either OUTPUT.jsonl or --zh and --en, not both")
    if not output and not (zh_file and en_file):
        raise click.UsageError("give OUTPUT.jsonl, or both --zh FILE and --en FILE")
    rows = run_facts_check(output, zh_file, en_file)
    bad = 0
    for line, pc in rows:
        bad += not pc.ok
        if fmt == "json":
            click.echo(json.dumps({"line": line, "status": pc.status, "facts": [c.to_dict() for c in pc.checks]},
                                  ensure_ascii=False))
        elif not pc.ok:
            for c in pc.checks:
                if c.status != "matched":
                    click.echo(f"{line}\t{c.status}\t{describe(c)}")
    click.echo(f"{len(rows)} pair(s), {len(rows) - bad} ok, {bad} mismatch", err=True)
    if bad:
        sys.exit(1)


@main.command("check")
@_pair_inputs
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="json: one object per pair with line, risk (ok, check or bad) and its flags.")
@click.option("--no-glossary", is_flag=True, help="Skip the glossary check.")
@click.option("--min-confidence", type=float, default=None,
              help="With a zhen OUTPUT.jsonl: also flag segments the model scored below this mean token "
                   "log-probability (try thresholds without translating again; zhen eval calibrates them).")
@_glossary_option
def check_cmd(output: str | None, zh_file: str | None, en_file: str | None, fmt: str, no_glossary: bool,
              min_confidence: float | None, glossary: tuple[str, ...]) -> None:
    """Which lines need a human: every check on each pair (figures, omission and addition,
    untranslated text, names, loops, glossary terms) and a risk of ok, check or bad.

    --zh FILE --en FILE (line-aligned), or a zhen OUTPUT.jsonl. Exits 0 when every pair is ok,
    1 otherwise, 2 on a usage error. `zhen facts check` is the figures-only view.
    """
    from .check_run import check_files, summary

    try:
        pairs = check_files(output, zh_file, en_file, glossary, use_glossary=not no_glossary,
                            min_confidence=min_confidence)
    except ZhenError as exc:  # 1 means "some pair needs a look" here: a run that cannot start is 2
        raise UsageError(str(exc), option=exc.option) from None
    for p in pairs:
        if fmt == "json":
            click.echo(json.dumps(p.to_dict(), ensure_ascii=False))
        else:
            for f in p.result.flags:
                click.echo(f"{p.result.line}\t{p.result.risk}\t{f.kind}\t{f.reason}")
    n = summary(pairs)
    click.echo(f"{n['pairs']} pair(s): {n['ok']} ok, {n['check']} to check, {n['bad']} bad", err=True)
    if n["ok"] != n["pairs"]:
        sys.exit(1)


@main.command("eval")
@click.argument("hyp", type=click.Path(exists=True, dir_okay=False))
@click.option("--ref", "ref", type=click.Path(exists=True, dir_okay=False), required=True,
              help="Reference translations, one a line, aligned with HYP's segments.")
@click.option("--src", type=click.Path(exists=True, dir_okay=False),
              help="The Chinese, line-aligned (for a line-file HYP; a zhen JSONL carries its own).")
@click.option("--compare", type=click.Path(exists=True, dir_okay=False),
              help="Another system's output: adds a paired bootstrap significance test.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@_glossary_option
def eval_cmd(hyp: str, ref: str, src: str | None, compare: str | None, fmt: str, glossary: tuple[str, ...]) -> None:
    """Score HYP (a zhen JSONL output or a line file) against references: sacrebleu BLEU and chrF
    with signatures, term accuracy, figure agreement and the share of segments per risk level."""
    from .eval_run import evaluate, render_text

    try:
        result = evaluate(hyp, ref, src, compare, glossary)
    except ZhenError as exc:  # 1 means "some pair needs a look" here: a run that cannot start is 2
        raise UsageError(str(exc), option=exc.option) from None
    if fmt == "json":
        click.echo(json.dumps(result, ensure_ascii=False))
    else:
        for line in render_text(result):
            click.echo(line)




@main.command("align")
@click.argument("zh_doc", required=False, type=click.Path(exists=True, dir_okay=False))
@click.argument("en_doc", required=False, type=click.Path(exists=True, dir_okay=False))
@click.option("--pairs", "pairs", type=click.Path(exists=True, dir_okay=False),
              help="A TSV list of document pairs, Chinese<TAB>English per line (paths relative to the list).")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write here instead of standard output.")
@click.option("--format", "fmt", type=click.Choice(["tsv", "jsonl", "tmx"]), default=None,
              help="Default: from the output's suffix, else tsv.")
@click.option("--min-score", "min_score", type=click.FloatRange(0, 1), default=None,
              help="Pairs scoring under this are marked low (default: the aligner's tuned threshold).")
@_glossary_option
@click.option("--model", default=None,
              help="Also translate the unsure stretches with this model (hub id or folder, found like translate's "
                   "--model) and compare the translation with the English by chrF. Default: no model.")
@click.option("--offline", is_flag=True, default=None, help="With --model: never touch the network.")
def align_cmd(zh_doc: str | None, en_doc: str | None, pairs: str | None, output: str | None, fmt: str | None,
              min_score: float | None, glossary: tuple[str, ...], model: str | None, offline: bool | None) -> None:
    """Align a Chinese release with its English version, sentence by sentence.

    The Chinese is segmented as for translation; the English is split by pysbd. Links may be
    1-1, 1-2, 2-1, 2-2, or leave a sentence without partner (1-0, 0-1). Every pair gets a 0-1
    score and a status: ok, low (under --min-score: check it) or unaligned. TSV and JSONL keep
    every pair; TMX keeps the links, low ones marked by an x-align-status property.
    """
    from .align import count, format_for
    from .records import AlignOptions
    from .run import read_pair_list, run_align

    if pairs and (zh_doc or en_doc):
        raise click.UsageError("give either ZH_DOC EN_DOC or --pairs LIST.tsv, not both")
    if not pairs and not (zh_doc and en_doc):
        raise click.UsageError("give ZH_DOC and EN_DOC, or --pairs LIST.tsv")
    documents = read_pair_list(Path(pairs)) if pairs else [(str(zh_doc), str(en_doc))]
    options = AlignOptions(fmt=format_for(output, fmt), min_score=min_score, glossary=glossary, model=model,
                           offline=offline)
    report = run_align(documents, options, Path(output) if output else None)
    for line in report.failures:
        click.echo(f"error: {line}", err=True)
    if report.documents and not output:
        click.echo(report.text, nl=False)
    c = count(report.pairs)
    where = f" -> {report.output}" if report.output else ""
    click.echo(f"{report.documents} document pair(s): {c.pairs} pairs "
               f"({', '.join(f'{k}: {v}' for k, v in sorted(c.beads.items()))}); {c.ok} ok, {c.low} low, "
               f"{c.unaligned} unaligned{where}", err=True)
    if report.failures:
        sys.exit(1)


@main.group("models")
def models_group() -> None:
    """The model store under ZHEN_HOME (default: the user cache folder, ~/.cache/zhen)."""


@models_group.command("list")
def models_list() -> None:
    """Stored models: name, id, revision, engine, size, origin."""
    from .engines.store import list_models, models_dir

    rows = list_models()
    if not rows:
        click.echo(f"no models in {models_dir()} (zhen models pull|import|convert)", err=True)
    for m in rows:
        q = f"-{m.quantization}" if m.quantization else ""
        click.echo(f"{m.name}\t{m.id}\t{m.revision[:16]}\t{m.engine}{q}\t{m.size / 2**20:.1f} MiB\t{m.origin}")


@models_group.command("pull")
@click.argument("model")
def models_pull(model: str) -> None:
    """Download a model from the Hugging Face hub into the cache and the store."""
    from .engines.store import pull

    m = pull(model)
    click.echo(m.path)


@models_group.command("import")
@click.argument("folder", type=click.Path(exists=True, file_okay=False))
@click.option("--id", "model_id",
              help="The model id to record (default: the folder's name). With --id Helsinki-NLP/opus-mt-zh-en "
                   "the default --model finds it, offline too.")
def models_import(folder: str, model_id: str | None) -> None:
    """Copy a model folder brought in by hand (air-gapped machines) into the store, checking its files."""
    from .engines.store import import_folder

    m = import_folder(folder, model_id)
    click.echo(m.path)


@models_group.command("path")
@click.argument("model")
def models_path(model: str) -> None:
    """Print the folder of a stored model (by name or id)."""
    from .engines.store import lookup

    m = lookup(model)
    if m is None:
        raise click.ClickException(f"{model}: not in the model store (zhen models list)")
    click.echo(m.path)


@models_group.command("convert")
@click.argument("model")
@click.option("--quantization", type=click.Choice(["int8", "int8_float32", "int16", "float32"]), default="int8",
              show_default=True)
@click.option("--offline", is_flag=True, default=None, help="Use only local folders and the Hugging Face cache.")
def models_convert(model: str, quantization: str, offline: bool | None) -> None:
    """Convert a Marian model (hub id or folder) to CTranslate2 into the store.

    Translation with the converted model needs neither torch nor transformers, and
    `--engine auto` picks it from then on.
    """
    from .engines.store import convert

    m = convert(model, quantization=quantization, offline=offline)
    click.echo(m.path)


@models_group.command("shortlist")
@click.argument("model", metavar="MODEL_OR_FOLDER")
@click.option("--corpus", type=click.Path(exists=True, dir_okay=False), required=True,
              help="Parallel text, zh<TAB>en per line, to learn which English pieces each Chinese piece needs.")
@click.option("--per-source", type=click.IntRange(min=1), default=20, show_default=True,
              help="English pieces allowed for each Chinese piece (the strongest by the Dice coefficient).")
@click.option("--common", type=click.IntRange(min=0), default=1000, show_default=True,
              help="The most frequent English pieces, always allowed.")
def models_shortlist(model: str, corpus: str, per_source: int, common: int) -> None:
    """Build a target-vocabulary shortlist (vmap.txt) for a converted model.

    The decoder then scores only the English pieces that the batch's Chinese can produce,
    instead of all 65,001. Every 20th pair is first held out to measure how much of its
    reference English the shortlist still allows; a shortlist from a small corpus leaves out
    rare words' pieces. Translation uses it from then on; --no-shortlist turns it off.
    """
    from .engines.shortlist import MIN_COVERAGE, build_checked, read_pairs
    from .engines.store import converted_folder

    folder = converted_folder(model)
    entries, always, cover, held = build_checked(read_pairs(Path(corpus)), folder, per_source, common)
    click.echo(f"{folder}/vmap.txt: {entries} source pieces, {always} always allowed", err=True)
    if held:
        click.echo(f"held-out check: the shortlist allows {cover:.1%} of the reference English pieces of {held} "
                   "pairs it was not built from", err=True)
        if cover < MIN_COVERAGE:
            click.echo(f"warning: under {MIN_COVERAGE:.0%}: the decoder will miss words; build from a "
                       "larger corpus, raise --common/--per-source, or translate with --no-shortlist", err=True)


@main.group("tm")
def tm_group() -> None:
    """Human translations in the translation memory: import them, search them, export them.

    Imported pairs are reviewed English: every later run keeps them for the same Chinese
    sentence (as it keeps an editor's merged corrections and the server's approvals).
    """


@tm_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def tm_import(file: str) -> None:
    """Store FILE's pairs as human translations: a TMX from any tool, or `zhen align` output
    (TSV or JSONL; links marked low or unaligned are left out)."""
    from .run import run_tm_import

    stored, left = run_tm_import(Path(file))
    click.echo(f"{file}: {stored} pair(s) stored as human translations"
               + (f", {left} left out (low, unaligned or empty)" if left else ""), err=True)


@tm_group.command("search")
@click.argument("text")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def tm_search(text: str, limit: int, fmt: str) -> None:
    """Human translations whose Chinese or English contains TEXT (a concordance), newest first."""
    from .run import run_tm_search

    rows = run_tm_search(text, limit)
    for zh, en, by, at, origin in rows:
        if fmt == "json":
            click.echo(json.dumps({"zh": zh, "en": en, "reviewer": by, "when": at, "origin": origin},
                                  ensure_ascii=False))
        else:
            click.echo(f"{zh}\t{en}\t{origin}")
    if not rows:
        click.echo(f"no human translation holds {text!r}", err=True)


@tm_group.command("export")
@click.option("--format", "fmt", type=click.Choice(["tsv", "tmx"]), default="tsv", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write here instead of standard output.")
def tm_export(fmt: str, output: str | None) -> None:
    """Every human translation of the memory (imported, merged, approved)."""
    from .files import atomic_write
    from .run import run_tm_export

    text = run_tm_export(fmt)
    if output:
        atomic_write(Path(output), text)
    else:
        click.echo(text, nl=False)


@main.group("cache")
def cache_group() -> None:
    """The translation memory (ZHEN_HOME/tm.sqlite)."""


@cache_group.command("stats")
def cache_stats() -> None:
    """Entries, contexts and size of the translation memory."""
    from .engines.memory import TranslationMemory, default_path

    path = default_path()
    if not path.exists():  # looking must not create ZHEN_HOME
        click.echo(f"{path}: no translation memory yet (0 entries)")
        return
    st = TranslationMemory(path, strict=True).stats()  # a broken memory is a one-line error here
    click.echo(f"{st['path']}: {st['entries']} entries in {st['contexts']} context(s), {st['reviewed']} reviewed, "
               f"{st['bytes'] / 2**20:.1f} MiB")


@cache_group.command("clear")
@click.option("--model", "model", default=None,
              help="Only entries made with this model: its id, or the folder as it was given to --model.")
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
def cache_clear(model: str | None, yes: bool) -> None:
    """Remove translations from the memory (after asking, unless --yes)."""
    from .engines.memory import TranslationMemory, default_path

    path = default_path()
    if not path.exists():
        click.echo(f"{path}: no translation memory, nothing to remove", err=True)
        return
    tm = TranslationMemory(path, strict=True)  # a broken memory is a one-line error here
    n = tm.count(model)
    which = f" made with {model}" if model else ""
    if n == 0:
        click.echo(f"no entries{which} in {path}", err=True)
        return
    if not yes:
        click.confirm(f"remove {n} entries{which} from {path}?", abort=True, err=True)
    click.echo(f"removed {tm.clear(model)} entries{which} (reviewed English is kept)", err=True)


@main.group("glossary")
def glossary_group() -> None:
    """Keep the term base: list, add, remove, lint, import, export, suggest, check.

    The term base is plain TSV (zh, en, kind, note, variants, source), one term a line, sorted by zh.
    Edits go to the last --glossary FILE, or to ./glossary/police.tsv.
    """


def _text(value: str, name: str) -> str:
    """A command-line argument that must be text: a byte that is not UTF-8 reaches us as a lone
    surrogate, which no glossary, file or terminal can hold."""
    if any("\ud800" <= ch <= "\udfff" for ch in value):
        raise UsageError(f"{name} {value!r}: not valid UTF-8 text (an undecodable byte)")
    return value


def _load(glossary: tuple[str, ...]) -> Any:
    from .glossary import load_glossary

    return load_glossary(glossary)  # errors reach ZhenGroup like any other


@glossary_group.command("list")
@_glossary_option
@click.option("--grep", "pattern", help="Only entries whose zh, en or note contain TEXT (any script).")
@click.option("--kind", type=click.Choice(["term", "campaign", "org", "title", "person", "place"]),
              help="Only entries of this kind.")
@click.option("--source", "show_source", is_flag=True, help="Add a fourth column: where the English comes from.")
def glossary_list(glossary: tuple[str, ...], pattern: str | None, kind: str | None, show_source: bool) -> None:
    """Print entries, one a line: zh, en, kind (tab-separated); with --source, also the source."""
    from .normalize import to_norm

    g = _load(glossary)
    needle = to_norm(_text(pattern, "--grep")).lower() if pattern else None
    for t in sorted(g.terms, key=lambda t: t.zh):
        if kind and t.kind != kind:
            continue
        if needle and not any(needle in to_norm(x).lower() for x in (t.zh, t.en, t.note, *t.variants)):
            continue
        click.echo(f"{t.zh}\t{t.en}\t{t.kind}" + (f"\t{t.source}" if show_source else ""))


@glossary_group.command("add")
@click.argument("zh")
@click.argument("en")
@click.option("--kind", type=click.Choice(["term", "campaign", "org", "title", "person", "place"]), default="term",
              show_default=True)
@click.option("--note", default="", help="Where the rendering comes from, or how to use it.")
@click.option("--variant", "variants", multiple=True, help="Another Chinese form that should match (repeatable).")
@click.option("--source", default="", help='Where the English comes from: \'Publisher year, URL: "quoted English"\', '
                                           "or 'convention: <rule>'.")
@_glossary_option
def glossary_add(zh: str, en: str, kind: str, note: str, variants: tuple[str, ...], source: str,
                 glossary: tuple[str, ...]) -> None:
    """Add a term (or change its English if it is there already)."""
    from .records import Term
    from .termbase import edit_file, edit_target

    path = edit_target(glossary)
    res = edit_file(path, add=[Term(zh.strip(), en.strip(), kind, note.strip(), tuple(variants),
                                    source=source.strip())])
    what = "added" if res.added else "changed" if res.changed else "unchanged"
    click.echo(f"{what}: {zh}\t{en}\t{kind} ({path})", err=True)


@glossary_group.command("remove")
@click.argument("zh")
@_glossary_option
def glossary_remove(zh: str, glossary: tuple[str, ...]) -> None:
    """Remove a term (matched in simplified form)."""
    from .termbase import edit_file, edit_target

    path = edit_target(glossary)
    res = edit_file(path, remove=[_text(zh, "ZH")])
    if not res.removed:
        raise click.ClickException(f"{zh}: not in {path}")
    click.echo(f"removed: {zh} ({path})", err=True)


@glossary_group.command("lint")
@_glossary_option
@click.option("--strict", is_flag=True, help="Warnings count as errors.")
def glossary_lint(glossary: tuple[str, ...], strict: bool) -> None:
    """Check the term base: duplicates, conflicting renderings, untrimmed fields,
    traditional script, and terms whose English disagrees with a term they contain;
    warn on an entry without a source, and on English that contradicts what its source
    quotes or that a variant form's other entry renders differently.

    Exits 1 when it finds errors (or warnings, with --strict).
    """
    from .glossary import glossary_paths
    from .termbase import lint_files

    paths = glossary_paths(glossary)
    findings = lint_files(paths)
    for f in findings:
        click.echo(str(f))
    errors = [f for f in findings if f.level == "error" or strict]
    click.echo(f"{len(paths)} file(s), {len(errors)} error(s), {len(findings) - len(errors)} warning(s)", err=True)
    if errors:
        sys.exit(1)


@glossary_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@_glossary_option
@click.option("--overwrite", is_flag=True, help="Where the English differs, take the imported one.")
def glossary_import(file: str, glossary: tuple[str, ...], overwrite: bool) -> None:
    """Merge a TSV, CSV (zh,en) or TBX file into the glossary file given by --glossary.

    Reports added, changed and conflicting entries; conflicts keep the existing English
    unless --overwrite.
    """
    from .termbase import edit_file, edit_target, import_terms

    terms = import_terms(Path(file))
    path = edit_target(glossary)
    res = edit_file(path, add=terms, overwrite=overwrite)
    for old, new in res.conflicts:
        click.echo(f"conflict: {old.zh}: keeping {old.en!r}, imported {new.en!r}")
    for old, new in res.changed:
        click.echo(f"changed: {old.zh}: {old.en!r} -> {new.en!r}")
    click.echo(f"{path}: {len(res.added)} added, {len(res.changed)} changed, {len(res.conflicts)} conflicting",
               err=True)


@glossary_group.command("export")
@_glossary_option
@click.option("--format", "fmt", type=click.Choice(["tsv", "csv", "tbx"]), default="tsv", show_default=True,
              help="tsv: zhen's own; csv: two columns zh,en (DeepL, Google); tbx: TBX-Basic (ISO 30042).")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write here instead of standard output.")
@click.option("--source", "with_source", is_flag=True,
              help="csv: a header row and a third column, source (tsv and tbx always carry it).")
def glossary_export(glossary: tuple[str, ...], fmt: str, output: str | None, with_source: bool) -> None:
    """Export the term base."""
    from .files import atomic_write
    from .termbase import export_terms

    g = _load(glossary)
    text = export_terms(g.terms, fmt, source=with_source)
    if output:
        atomic_write(Path(output), text)
        click.echo(f"{len(g)} terms -> {output}", err=True)
    else:
        click.echo(text, nl=False)


@glossary_group.command("suggest")
@click.argument("inputs", nargs=-1, required=True, type=click.Path(allow_dash=True))
@_glossary_option
@click.option("--limit", type=click.IntRange(min=1), default=40, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["tsv", "json"]), default="tsv", show_default=True)
def glossary_suggest(inputs: tuple[str, ...], glossary: tuple[str, ...], limit: int, fmt: str) -> None:
    """Propose terms that the glossary lacks, read from releases.

    Quoted names (“云剑”), person and speaker names with their pinyin, and words that recur
    in the releases but are rare in general Chinese, each with its count, an example and a
    CC-CEDICT gloss as a hint. Columns: zh, hint, kind, count, why, example.
    """
    from .run import run_glossary_suggest

    found = run_glossary_suggest(inputs, _load(glossary), limit, stdin=_stdin(inputs))
    for s in found:
        if fmt == "json":
            click.echo(json.dumps(s.to_dict(), ensure_ascii=False))
        else:
            click.echo(f"{s.zh}\t{s.hint}\t{s.kind}\t{s.count}\t{s.why}\t{s.example}")


@glossary_group.command("mine")
@click.argument("aligned", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@_glossary_option
@click.option("--min-count", type=click.IntRange(min=2), default=3, show_default=True,
              help="Chinese words and phrases seen in fewer aligned pairs are not proposed.")
@click.option("--limit", type=click.IntRange(min=1), default=100, show_default=True)
@click.option("--include-low", is_flag=True, help="Also mine links that zhen align marked low.")
@click.option("--keep-everyday", is_flag=True,
              help="Also propose everyday words rendered as the dictionary renders them (发展 development).")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write here instead of standard output.")
def glossary_mine(aligned: tuple[str, ...], glossary: tuple[str, ...], min_count: int, limit: int,
                  include_low: bool, keep_everyday: bool, output: str | None) -> None:
    """Propose term pairs from aligned sentence pairs (zhen align TSV or JSONL, or zh<TAB>en TSV).

    Recurring Chinese words and phrases, each with its most consistent English rendering across
    the pairs (Dice over English word n-grams; CC-CEDICT breaks near ties), ranked by
    log-likelihood; terms the glossary holds, and everyday words rendered as the dictionary
    renders them, are skipped. Columns: zh, en, kind, note,
    variants, count, score, example: review it, then `zhen glossary import FILE`.
    """
    from .run import run_glossary_mine

    rep = run_glossary_mine(aligned, _load(glossary), min_count, limit, include_low,
                            Path(output) if output else None, keep_everyday)
    if not output:
        click.echo(rep.text, nl=False)
    where = f" -> {output}" if output else ""
    click.echo(f"{rep.used} of {rep.pairs} aligned pairs mined: {len(rep.candidates)} candidate(s){where}", err=True)


@glossary_group.command("check")
@click.argument("output", type=click.Path(exists=True, dir_okay=False))
@_glossary_option
def glossary_check(output: str, glossary: tuple[str, ...]) -> None:
    """Check a zhen JSONL output against the glossary; exit 1 if any term's English is missing."""
    from .run import run_glossary_check

    misses = run_glossary_check(Path(output), _load(glossary))
    for m in misses:
        click.echo(f"{m['id']}\t{m['zh']}\texpected {m['en']!r}\t{m['target']}")
    click.echo(f"{output}: {len(misses)} missing term(s)", err=True)
    if misses:
        sys.exit(1)


if __name__ == "__main__":  # pragma: no cover
    main()
