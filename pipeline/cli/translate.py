"""zhen translate, summarize, merge and serve: the commands that run the model or rewrite outputs."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import click

from ..records import TranslateOptions
from .app import Bar, interruptible, main, read_stdin
from .options import (
    engine_of,
    engine_options,
    formats_option,
    option_for,
    run_options,
    summary_of,
    summary_options,
    translate_options_of,
)
from .render import count, say, say_each


@main.command("translate")
@click.argument("inputs", nargs=-1, type=click.Path(allow_dash=True))
@click.option("--text", "text", default=None, metavar="TEXT",
              help="Translate this Chinese text instead of files; the English goes to standard output.")
@click.option("--format", "stdout_format", type=click.Choice(["txt", "jsonl"]), default="txt", show_default=True,
              help="For standard output (input - or --text, no -o): txt, the English alone; jsonl, records with "
                   "provenance, for programs.")
@run_options
@formats_option
@click.option("--summary", "with_summary", is_flag=True,
              help="Also write NAME.summary.md and a summary record in the JSONL (see zhen summarize).")
@option_for(TranslateOptions, "cluster")
@option_for(TranslateOptions, "structure")
@option_for(TranslateOptions, "cluster_token")
@summary_options
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
    from ..run import run_translate

    if text is not None and inputs:
        raise click.UsageError("give either input files or --text, not both")
    if text is None and not inputs:
        raise click.UsageError("give input files or folders, - for standard input, or --text TEXT")
    stdin = text.encode("utf-8") if text is not None else read_stdin(inputs)
    inputs = inputs or ("-",)
    summary = summary_of(kw)
    options = translate_options_of(kw, formats, summary if with_summary else None, cluster)
    if kw["out_dir"] is None and inputs == ("-",):
        assert stdin is not None
        _translate_to_stdout(stdin, options, stdout_format, kw)
        return
    with interruptible():
        report = run_translate(list(inputs), Path(kw["out_dir"] or "."), options, stdin=stdin,
                               progress=lambda total, label: Bar(total, label, kw["quiet"]))
    report_run(report, options, kw["quiet"])


def _translate_to_stdout(stdin: bytes, options: TranslateOptions, fmt: str, kw: dict[str, Any]) -> None:
    from ..run import run_translate_stream

    if options.cluster:
        raise click.UsageError("--cluster writes files: give an output folder with -o")
    english, report = run_translate_stream(stdin, options, fmt)
    click.echo(english, nl=False)
    report_run(report, options, kw["quiet"])


@main.command("summarize")
@click.argument("inputs", nargs=-1, required=True, type=click.Path(allow_dash=True))
@run_options
@summary_options
def summarize_cmd(inputs: tuple[str, ...], **kw: Any) -> None:
    """Write an English summary of each release: NAME.summary.md and NAME.summary.json.

    By default five key sentences, chosen on the Chinese side (TextRank with news
    priors: the lead, headings, key figures; no reporter's question; no two alike) and
    given in document order with their segment ids and their translations, so the summary
    is bilingual and traceable. Only those sentences go through the model. A headline
    comes from the release's title or first heading.
    """
    from ..run import run_summarize

    summary = summary_of(kw)
    options = translate_options_of(kw, summary=summary)
    with interruptible():
        report = run_summarize(list(inputs), Path(kw["out_dir"] or "."), options,
                               stdin=read_stdin(inputs), progress=lambda total, label: Bar(total, label, kw["quiet"]))
    report_run(report, options, kw["quiet"])


# ---------------------------------------------------------------------------- the report of a run


def report_run(report: Any, options: TranslateOptions, quiet: bool) -> None:
    """Per-file lines, the glossary and facts counts, a summary table, and the exit status. With
    -q only warnings and errors: no counts, no risk line, no per-file line."""
    if report.not_releases and not quiet:
        shown = ", ".join(report.not_releases[:5]) + (" …" if len(report.not_releases) > 5 else "")
        say(f"skipped {count(len(report.not_releases), 'file')} that are not releases: {shown} "
            "(name a file to translate it anyway)")
    for r in report.results:
        _report_document(r, quiet)
    if not quiet:
        _report_counts(report, options)
    say_each("warning", report.warnings)
    if report.cluster and not quiet:
        say(f"cluster: {report.cluster}")
    _report_documents(report)


def _report_document(r: Any, quiet: bool) -> None:
    if r.error:
        say(f"error: {r.error}")
    elif r.skipped:
        if not quiet:
            say(f"{r.input}: up to date, skipped (--force to redo)")
    else:
        for w in r.warnings:
            say(f"warning: {r.input}: {w}")
        if not quiet and r.outputs:  # (printed to standard output, there is no file to name)
            say(f"{r.input}: {count(r.segments, 'segment')} -> {', '.join(str(p) for p in r.outputs)}")


def _report_counts(report: Any, options: TranslateOptions) -> None:
    """What the run found, said only where there was something: an up-to-date run counts nothing."""
    if options.glossary_mode != "off" and report.terms and sum(report.terms.values()):
        t = report.terms
        say(f"glossary: {count(sum(t.values()), 'term')} found, {t['enforced']} enforced, {t['found']} present, "
            f"{t['missing']} missing")
    if options.facts != "off" and report.facts.get("facts"):  # a release without figures: nothing to say
        f = report.facts
        say(f"facts: {f['facts']} checked, {f['matched']} matched, {f['changed']} changed, {f['missing']} missing, "
            f"{f['fixed']} fixed")
    if report.risk and sum(report.risk.values()):
        r = report.risk
        say(f"risk: {r['check'] + r['bad']} of {count(sum(r.values()), 'segment')} to check ({r['bad']} bad)")
    if report.kept_reviewed:
        say(f"reviewed: kept {count(report.kept_reviewed, 'reviewed segment')} whose Chinese is unchanged "
            "(--discard-reviewed to retranslate them)")
    if report.cache and report.cache["hits"] + report.cache["misses"]:
        say(f"translation memory: {count(report.cache['hits'], 'hit')}, {report.cache['misses']} sent to the model")


def _report_documents(report: Any) -> None:
    if len(report.results) > 1 or report.failed:
        done = [r for r in report.results if not r.error and not r.skipped]
        skipped = sum(r.skipped for r in report.results)
        say(f"documents: {len(done)} translated, {skipped} up to date, {len(report.failed)} failed; "
            f"{count(sum(r.segments for r in done), 'segment')}; {report.seconds:.1f} s")
    if report.failed:
        sys.exit(1)


# ---------------------------------------------------------------------------- merge and serve


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
    from ..merge import run_merge

    res = run_merge(Path(reviewed), Path(out_dir) if out_dir else None, release)
    changed = res.changed
    say(f"{res.reviewed}: {count(len(changed), 'segment')} changed ({', '.join(changed[:10])}"
        f"{'…' if len(changed) > 10 else ''}) -> {', '.join(str(p) for p in res.written)}")
    say_each("warning", res.warnings)
    say_each("figure", res.figures)
    if res.figures:
        say(f"facts: {count(len(res.figures), 'figure')} in the reviewed English "
            f"{'differs' if len(res.figures) == 1 else 'differ'} from the Chinese; see the outputs' notes")


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
@engine_options
def serve_cmd(host: str, port: int, workers: int, queue_size: int, token: str | None, data_dir: str | None,
              glossary_file: str | None, allow_private_urls: bool, **kw: Any) -> None:
    """Serve the review page and the JSON API (OpenAPI at /openapi.json and /docs).

    Prints the access token at start ("token: ..."); writes need 'Authorization: Bearer TOKEN',
    and every request does when --host is not loopback. The model runs with the engine options
    of zhen translate.
    """
    from ..server import ServerConfig, serve, server_home

    config = ServerConfig(data_dir=Path(data_dir) if data_dir else server_home(), host=host,
                          workers=workers, queue_size=queue_size, allow_private_urls=allow_private_urls,
                          glossary_file=Path(glossary_file) if glossary_file else None)
    if token:
        config = replace(config, token=token)
    serve(config, engine_of(kw), port, echo=say)
