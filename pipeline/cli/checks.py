"""zhen segment, facts check, check, eval and align: commands that read releases or bilingual
texts and print what they find."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from ..records import SEGMENT_VIEW
from .app import interruptible, main, read_stdin, usage_errors
from .options import format_option, glossary_option
from .render import count, render, render_one, say


@main.command("segment")
@click.argument("inputs", nargs=-1, type=click.Path(allow_dash=True))
@format_option(["json", "jsonl", "text"],
               help="json: one JSON list of segments; jsonl: one segment per line; text: a readable table.")
@click.option("--max-tokens", "max_tokens", type=click.IntRange(min=8), default=200, show_default=True,
              help="Split sentences longer than this many tokens (counted as characters + 1 here).")
@click.option("--score", "score_dir", type=click.Path(file_okay=False), default=None,
              help="Score segmentation on a folder of annotated pages (NN.txt + NN.expected.json): sentence F1, "
                   "kind and speaker accuracy, overall and per file (text, or JSON with --format json).")
@click.option("--explain", is_flag=True,
              help="Show every line with its kind, its speaker and the features or rules that decided them "
                   "(kind label: a speaker-label line, which makes no block).")
def segment_cmd(inputs: tuple[str, ...], fmt: str, max_tokens: int, score_dir: str | None, explain: bool) -> None:
    """Show the segments the translator will see (no model needed).

    Each segment has its id, block index and kind (title, heading, paragraph, turn,
    boilerplate), speaker, offsets into the raw input (raw[start:end], the text without
    any speaker label; a turn's label is at speaker_start:speaker_end), the text as
    displayed (own script, pinyin annotations removed) and the normalized text (simplified,
    punctuation unified) that the model reads.

    The JSON rows carry the input's checksum: edit a kind or a speaker in them and give the
    file to zhen translate --structure to translate with that structure.
    """
    from ..run import run_segment

    if score_dir is not None:
        # Scores read as a table unless JSON is asked for explicitly (json is the segments' default).
        explicit = click.get_current_context().get_parameter_source("fmt") is not click.core.ParameterSource.DEFAULT
        _score(score_dir, fmt if explicit else "text")
        return
    if not inputs:
        raise click.UsageError("give an input file (or - for standard input), or --score DIR")
    if explain:
        from ..structure_run import run_explain

        # A table unless a format is asked for explicitly (json is the segments' default).
        explicit = click.get_current_context().get_parameter_source("fmt") is not click.core.ParameterSource.DEFAULT
        render(run_explain(inputs, read_stdin(inputs)), fmt if explicit else "text", _explain_line, whole=True)
        return
    with interruptible(writes=False):
        docs = run_segment(inputs, budget=max_tokens, stdin=read_stdin(inputs))
    rows: list[dict[str, Any]] = []
    for doc in docs:
        for seg in doc.segments:
            d = seg.to_dict()
            rows.append({**({"input": doc.source.path} if len(docs) > 1 else {}), **{k: d[k] for k in SEGMENT_VIEW},
                         "source_sha256": doc.source.sha256})
        for w in doc.warnings:
            say(f"warning: {doc.source.path}: {w}")
    render(rows, fmt, _segment_line, whole=True)


def _explain_line(row: dict[str, Any]) -> str:
    """One line of --explain: number, kind, speaker, the text (cut at 40 characters), then why."""
    text = str(row["text"])
    shown = text if len(text) <= 40 else text[:39] + "…"
    feats = ", ".join(f"{k} {v:+.2f}" for k, v in row["features"])
    rules = "; rules: " + ", ".join(row["rules"]) if row["rules"] else ""
    where = f"{row['input']}\t" if "input" in row else ""
    return f"{where}L{row['line']}\t{row['kind']}\t{row['speaker'] or '-'}\t{shown}\t[{feats}{rules}]"


@main.command("names")
@click.argument("file", type=click.Path(allow_dash=True))
@click.option("--zh", "lines", is_flag=True,
              help="FILE is Chinese text line per line (each line alone), not a release.")
@format_option(["text", "json"],
               help='json: one object per input line, {"line": N, "names": [{"zh", "en", "kind", "start", "end"}]}.')
@glossary_option
def names_cmd(file: str, lines: bool, fmt: str, glossary: tuple[str, ...]) -> None:
    """The person names in a release and the English zhen gives them.

    Chinese names are romanized by the rules of official English (Hanyu Pinyin without tones,
    surname first, the given name one word: 孙劲峰 Sun Jinfeng; 贾某 "a suspect surnamed Jia");
    a name in the term base, or written in English by the release itself, wins. Kind `foreign`
    (a transliteration such as 特朗普) and `regional` (Hong Kong, Macao, Taiwan) names are left
    to the model and the glossary. Text output gives LINE:START-END, the name, its English, the
    kind and the evidence; offsets count characters of the line.
    """
    from ..glossary import load_glossary
    from ..names_run import name_rows, run_names

    with interruptible(writes=False):
        results = run_names(file, lines=lines, stdin=read_stdin((file,)), glossary=load_glossary(glossary))
    render(results, fmt, lambda r: "\n".join(name_rows(r)) or None)


def _segment_line(row: dict[str, Any]) -> str:
    who = f"{row['speaker']}: " if row["speaker"] else ""
    file = f"{row['input']}\t" if "input" in row else ""  # several files: say which one each row is from
    return f"{file}{row['id']}\t{row['block']}\t{row['kind']}\t{who}{row['text']}"


def _score(folder: str, fmt: str) -> None:
    """zhen segment --score DIR: the figures of pipeline.corpus.score, as text or JSON."""
    from ..corpus.score import score_dir

    report = score_dir(folder)
    render_one(report, fmt, lambda r: [r.format_text()], indent=2)


def pair_inputs(f: Any) -> Any:
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


def _one_source(output: str | None, zh_file: str | None, en_file: str | None) -> None:
    if output and (zh_file or en_file):
        raise click.UsageError("give either OUTPUT.jsonl or --zh and --en, not both")
    if not output and not (zh_file and en_file):
        raise click.UsageError("give OUTPUT.jsonl, or both --zh FILE and --en FILE")


@main.group("facts")
def facts_group() -> None:
    """Check numbers, dates, percentages and amounts between Chinese and English."""


@facts_group.command("check")
@pair_inputs
@format_option(["text", "json"], help="json: one object per pair with line, status (ok or mismatch) and its facts.")
def facts_check(output: str | None, zh_file: str | None, en_file: str | None, fmt: str) -> None:
    """Check a bilingual pair made anywhere: --zh FILE --en FILE (line-aligned), or a zhen OUTPUT.jsonl.

    Exits 0 when every pair is ok, 1 when any figure changed or went missing.
    """
    from ..corpus.commands import run_facts_check

    _one_source(output, zh_file, en_file)
    rows = run_facts_check(output, zh_file, en_file)
    render(rows, fmt, lambda row: "\n".join(row.lines) or None)
    bad = sum(not row.ok for row in rows)
    say(f"{count(len(rows), 'pair')}, {len(rows) - bad} ok, {bad} mismatch")
    if bad:
        sys.exit(1)


@main.command("check")
@pair_inputs
@format_option(["text", "json"], help="json: one object per pair with line, risk (ok, check or bad) and its flags.")
@click.option("--no-glossary", is_flag=True, help="Skip the glossary check.")
@click.option("--min-confidence", type=float, default=None,
              help="With a zhen OUTPUT.jsonl: also flag segments the model scored below this mean token "
                   "log-probability (try thresholds without translating again; zhen eval calibrates them).")
@glossary_option
@usage_errors
def check_cmd(output: str | None, zh_file: str | None, en_file: str | None, fmt: str, no_glossary: bool,
              min_confidence: float | None, glossary: tuple[str, ...]) -> None:
    """Which lines need a human: every check on each pair (figures, omission and addition,
    untranslated text, names, loops, glossary terms) and a risk of ok, check or bad.

    --zh FILE --en FILE (line-aligned), or a zhen OUTPUT.jsonl. Exits 0 when every pair is ok,
    1 otherwise, 2 on a usage error. `zhen facts check` is the figures-only view.
    """
    from ..corpus.check import check_files, summary

    pairs = check_files(output, zh_file, en_file, glossary, use_glossary=not no_glossary,
                        min_confidence=min_confidence)
    render(pairs, fmt, lambda p: "\n".join(f"{p.result.line}\t{p.result.risk}\t{f.kind}\t{f.reason}"
                                           for f in p.result.flags) or None)
    n = summary(pairs)
    say(f"{count(n['pairs'], 'pair')}: {n['ok']} ok, {n['check']} to check, {n['bad']} bad")
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
@format_option(["text", "json"])
@glossary_option
@usage_errors
def eval_cmd(hyp: str, ref: str, src: str | None, compare: str | None, fmt: str, glossary: tuple[str, ...]) -> None:
    """Score HYP (a zhen JSONL output or a line file) against references: sacrebleu BLEU and chrF
    with signatures, term accuracy, figure agreement and the share of segments per risk level."""
    from ..corpus.evaluate import evaluate, render_text

    render_one(evaluate(hyp, ref, src, compare, glossary), fmt, render_text)


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
@glossary_option
@click.option("--model", default=None,
              help="Also translate the unsure stretches with this model (hub id or folder, found like translate's "
                   "--model) and compare the translation with the English by chrF. Default: no model.")
@click.option("--offline", is_flag=True, default=None, help="With --model: never touch the network.")
def align_cmd(zh_doc: str | None, en_doc: str | None, pairs: str | None, output: str | None, fmt: str | None,
              min_score: float | None, glossary: tuple[str, ...], model: str | None, offline: bool | None) -> None:
    """Align a Chinese release with its English version, paragraph by paragraph, then sentence
    by sentence.

    The Chinese is segmented as for translation; the English is split by pysbd, a line being a
    paragraph. Paragraphs are paired first; inside each paragraph pair links may be 1-1, 1-2,
    2-1, 2-2, 1-3, 3-1, or leave a sentence without partner (1-0, 0-1); where paragraphs do not
    correspond, the whole document is aligned sentence by sentence. Every pair gets a 0-1
    score and a status: ok, low (under --min-score: check it) or unaligned. TSV and JSONL keep
    every pair; TMX keeps the links, low ones marked by an x-align-status property.
    """
    from ..corpus.commands import align_options, read_pair_list, run_align

    if pairs and (zh_doc or en_doc):
        raise click.UsageError("give either ZH_DOC EN_DOC or --pairs LIST.tsv, not both")
    if not pairs and not (zh_doc and en_doc):
        raise click.UsageError("give ZH_DOC and EN_DOC, or --pairs LIST.tsv")
    documents = read_pair_list(Path(pairs)) if pairs else [(str(zh_doc), str(en_doc))]
    options = align_options(output, fmt, min_score=min_score, glossary=glossary, model=model, offline=offline)
    report = run_align(documents, options, Path(output) if output else None, lists=[pairs] if pairs else [])
    for line in report.failures:
        say(f"error: {line}")
    if report.documents and not output:
        click.echo(report.text, nl=False)
    c = report.counts
    where = f" -> {report.output}" if report.output else ""
    beads = ", ".join(f"{k}: {v}" for k, v in sorted(c.beads.items()))
    say(f"{count(report.documents, 'document pair')}: {count(c.pairs, 'pair')} ({beads}); {c.ok} ok, {c.low} low, "
        f"{c.unaligned} unaligned{where}")
    if report.failures:
        sys.exit(1)
