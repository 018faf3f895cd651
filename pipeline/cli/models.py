"""zhen models, tm and cache: the model store, the human translations and the translation memory."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from ..records import TuneOptions
from .app import main
from .options import format_option, from_kwargs, glossary_option, tune_options
from .render import count, render, say


@main.group("models")
def models_group() -> None:
    """The model store under ZHEN_HOME (default: the user cache folder, ~/.cache/zhen)."""


@models_group.command("list")
def models_list() -> None:
    """Stored models: name, id, revision, engine, size, origin."""
    from ..engines.store import list_models, models_dir

    rows = list_models()
    if not rows:
        say(f"no models in {models_dir()} (zhen models pull|import|convert)")
    for m in rows:
        q = f"-{m.quantization}" if m.quantization else ""
        click.echo(f"{m.name}\t{m.id}\t{m.revision[:16]}\t{m.engine}{q}\t{m.size / 2**20:.1f} MiB\t{m.origin}")


@models_group.command("pull")
@click.argument("model")
def models_pull(model: str) -> None:
    """Download a model from the Hugging Face hub into the cache and the store."""
    from ..engines.store import pull

    click.echo(pull(model).path)


@models_group.command("import")
@click.argument("folder", type=click.Path(exists=True, file_okay=False))
@click.option("--id", "model_id",
              help="The model id to record (default: the folder's name). With --id Helsinki-NLP/opus-mt-zh-en "
                   "the default --model finds it, offline too.")
def models_import(folder: str, model_id: str | None) -> None:
    """Copy a model folder brought in by hand (air-gapped machines) into the store, checking its files."""
    from ..engines.store import import_folder

    click.echo(import_folder(folder, model_id).path)


@models_group.command("path")
@click.argument("model")
def models_path(model: str) -> None:
    """Print the folder of a stored model (by name or id)."""
    from ..engines.store import lookup

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
    from ..engines.store import convert

    click.echo(convert(model, quantization=quantization, offline=offline).path)


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
    from ..corpus.commands import run_shortlist

    r = run_shortlist(model, Path(corpus), per_source, common)
    say(f"{r.folder}/vmap.txt: {count(r.entries, 'source piece')}, {r.always} always allowed")
    if r.held:
        say(f"held-out check: the shortlist allows {r.coverage:.1%} of the reference English pieces of {r.held} "
            "pairs it was not built from")
    if r.too_small:
        say(f"warning: under {r.minimum:.0%}: the decoder will miss words; build from a larger corpus, raise "
            "--common/--per-source, or translate with --no-shortlist")


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
    from ..corpus.commands import run_tm_import

    stored, left = run_tm_import(Path(file))
    say(f"{file}: {count(stored, 'pair')} stored as human translations"
        + (f", {left} left out (low, unaligned or empty)" if left else ""))


@tm_group.command("search")
@click.argument("text")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True)
@format_option(["text", "json"])
def tm_search(text: str, limit: int, fmt: str) -> None:
    """Human translations whose Chinese or English contains TEXT (a concordance), newest first."""
    from ..corpus.commands import run_tm_search

    rows = run_tm_search(text, limit)
    render(rows, fmt, lambda r: f"{r[0]}\t{r[1]}\t{r[4]}",
           record=lambda r: dict(zip(("zh", "en", "reviewer", "when", "origin"), r, strict=True)))
    if not rows:
        say(f"no human translation holds {text!r}")


@tm_group.command("export")
@format_option(["tsv", "tmx"])
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write here instead of standard output.")
def tm_export(fmt: str, output: str | None) -> None:
    """Every human translation of the memory (imported, merged, approved)."""
    from ..corpus.commands import run_tm_export

    text = run_tm_export(fmt, Path(output) if output else None)
    if not output:
        click.echo(text, nl=False)


@main.group("cache")
def cache_group() -> None:
    """The translation memory (ZHEN_HOME/tm.sqlite)."""


@cache_group.command("stats")
def cache_stats() -> None:
    """Entries, contexts and size of the translation memory."""
    from ..corpus.commands import run_cache_count, run_cache_stats

    st = run_cache_stats()
    if st is None:
        click.echo(f"{run_cache_count(None)[0]}: no translation memory yet (0 entries)")
        return
    click.echo(f"{st['path']}: {count(st['entries'], 'entry', 'entries')} in {count(st['contexts'], 'context')}, "
               f"{st['reviewed']} reviewed, "
               f"{st['bytes'] / 2**20:.1f} MiB")


@cache_group.command("clear")
@click.option("--model", "model", default=None,
              help="Only entries made with this model: its id, or the folder as it was given to --model.")
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
def cache_clear(model: str | None, yes: bool) -> None:
    """Remove translations from the memory (after asking, unless --yes)."""
    from ..corpus.commands import run_cache_clear, run_cache_count

    path, n = run_cache_count(model)
    which = f" made with {model}" if model else ""
    if n is None:
        say(f"{path}: no translation memory, nothing to remove")
    elif n == 0:
        say(f"no entries{which} in {path}")
    else:
        if not yes:
            click.confirm(f"remove {count(n, 'entry', 'entries')}{which} from {path}?", abort=True, err=True)
        say(f"removed {count(run_cache_clear(model), 'entry', 'entries')}{which} (reviewed English is kept)")


@main.command("tune")
@click.option("--pairs", "pairs_file", type=click.Path(exists=True, dir_okay=False),
              help="Train on these pairs: zhen align TSV/JSONL (links marked ok), any zh<TAB>en TSV with a header, "
                   "or a TMX. Default: the memory's human translations (reviews, approvals, zhen tm import).")
@glossary_option
@tune_options
def tune_cmd(pairs_file: str | None, glossary: tuple[str, ...], **kw: Any) -> None:
    """Fine-tune the translation model on approved translations and store the result.

    A tenth of the pairs is held out: the base and the tuned model translate it and chrF,
    BLEU and term accuracy are printed before and after. The tuned model goes into the model
    store with its lineage (base, data checksum, steps, figures): translate with
    --model NAME, convert it with zhen models convert NAME. A checkpoint is written every 50
    steps and on Ctrl-C (exit 130); running the same command again goes on from it. On 2 idle
    cores one epoch over 1,000 pairs takes about 13 minutes at opus-mt-zh-en's size.
    """
    from ..corpus.tune import memory_pairs, read_pairs_file, render_report, run_tune

    options: TuneOptions = from_kwargs(TuneOptions, kw, glossary=glossary)
    pairs = read_pairs_file(Path(pairs_file)) if pairs_file else memory_pairs()
    bar = _StepBar()
    try:
        report = run_tune(pairs, options, progress=bar.update, say=say)
    finally:
        bar.finish()
    for line in render_report(report):
        click.echo(line)


class _StepBar:
    """tune's progress bar with the estimated time left, on a terminal only; made at the first step
    so that a resumed tune starts it where the checkpoint was."""

    def __init__(self) -> None:
        self._bar: Any = None
        self._done = 0

    def update(self, step: int, total: int) -> None:
        if not sys.stderr.isatty():
            return
        if self._bar is None:
            self._bar = click.progressbar(length=total, label="tuning (steps)", file=sys.stderr, show_eta=True)
            self._bar.__enter__()
            self._done = step - 1
        self._bar.update(step - self._done)
        self._done = step

    def finish(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None
