"""zhen glossary: keep the term base (list, add, remove, lint, diff, import, export, suggest, mine, check)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..errors import UsageError
from ..records import Term
from .app import main, read_stdin
from .options import format_option, glossary_option, kind_option
from .render import count, render, say


@main.group("glossary")
def glossary_group() -> None:
    """Keep the term base: list, add, remove, lint, diff, import, export, suggest, check.

    The term base is plain TSV (zh, en, kind, note, variants, source, earlier), one term a line,
    sorted by zh; glossary/README.md describes it. Edits go to the last --glossary FILE, or to
    ./glossary/police.tsv.
    """


def _text(value: str, name: str) -> str:
    """A command-line argument that must be text: a byte that is not UTF-8 reaches us as a lone
    surrogate, which no glossary, file or terminal can hold."""
    if any("\ud800" <= ch <= "\udfff" for ch in value):
        raise UsageError(f"{name} {value!r}: not valid UTF-8 text (an undecodable byte)")
    return value


@glossary_group.command("list")
@glossary_option
@click.option("--grep", "pattern", help="Only entries whose zh, en or note contain TEXT (any script).")
@kind_option()
@click.option("--source", "show_source", is_flag=True, help="Add a fourth column: where the English comes from.")
def glossary_list(glossary: tuple[str, ...], pattern: str | None, kind: str | None, show_source: bool) -> None:
    """Print entries, one a line: zh, en, kind (tab-separated); with --source, also the source."""
    from ..corpus.commands import run_glossary_list

    terms = run_glossary_list(glossary, _text(pattern, "--grep") if pattern else None, kind)
    render(terms, "text", lambda t: f"{t.zh}\t{t.en}\t{t.kind}" + (f"\t{t.source}" if show_source else ""))


@glossary_group.command("add")
@click.argument("zh")
@click.argument("en")
@kind_option("term")
@click.option("--note", default="", help="Where the rendering comes from, or how to use it.")
@click.option("--variant", "variants", multiple=True, help="Another Chinese form that should match (repeatable).")
@click.option("--source", default="", help='Where the English comes from: \'Publisher year, URL: "quoted English"\', '
                                           "or 'convention: <rule>'.")
@glossary_option
def glossary_add(zh: str, en: str, kind: str, note: str, variants: tuple[str, ...], source: str,
                 glossary: tuple[str, ...]) -> None:
    """Add a term (or change its English if it is there already).

    Refused as lint would refuse it: a term in traditional script (write the simplified form;
    traditional forms match automatically), and a new entry without --source in a file that
    keeps sources.
    """
    from ..corpus.commands import run_glossary_edit

    term = Term(zh.strip(), en.strip(), kind, note.strip(), tuple(variants), source=source.strip())
    path, res = run_glossary_edit(glossary, add=[term], by_hand=True)
    what = "added" if res.added else "changed" if res.changed else "unchanged"
    say(f"{what}: {zh}\t{en}\t{kind} ({path})")


@glossary_group.command("remove")
@click.argument("zh")
@glossary_option
def glossary_remove(zh: str, glossary: tuple[str, ...]) -> None:
    """Remove a term (matched in simplified form)."""
    from ..corpus.commands import run_glossary_edit

    path, res = run_glossary_edit(glossary, remove=[_text(zh, "ZH")])
    if not res.removed:
        raise click.ClickException(f"{zh}: not in {path}")
    say(f"removed: {zh} ({path})")


@glossary_group.command("lint")
@glossary_option
@click.option("--strict", is_flag=True, help="Warnings count as errors.")
@click.option("--allow-list", "allow_list", type=click.Path(exists=True, dir_okay=False),
              help="The allowed source hosts (host<TAB>publisher lines). Default: allowed-sources.txt beside the "
                   "glossary file, else the list shipped with zhen.")
def glossary_lint(glossary: tuple[str, ...], strict: bool, allow_list: str | None) -> None:
    """Check the term base: duplicates, conflicting renderings, untrimmed or invisible characters,
    traditional script, and terms whose English disagrees with a term they contain;
    warn on an entry without a source, a source from a host outside the allow-list, a source
    none of whose quotations holds the English as a whole phrase, and English that a variant
    form's other entry renders differently.

    Exits 1 when it finds errors (or warnings, with --strict).
    """
    from ..corpus.commands import run_glossary_lint

    paths, findings = run_glossary_lint(glossary, Path(allow_list) if allow_list else None)
    render(findings, "text", str)
    errors = [f for f in findings if f.level == "error" or strict]
    say(f"{count(len(paths), 'file')}, {count(len(errors), 'error')}, {count(len(findings) - len(errors), 'warning')}")
    if errors:
        sys.exit(1)


@glossary_group.command("diff")
@click.argument("old", type=click.Path(exists=True))
@click.argument("new", type=click.Path(exists=True))
@format_option(["text", "json"])
def glossary_diff(old: str, new: str, fmt: str) -> None:
    """What changed between two versions of a term base (files or folders): to review a
    colleague's edits before they are published.

    One line each: `+` added, `-` removed, `~` re-rendered (the English or its dated renderings
    changed: old -> new), `*` the same English with other fields changed (kind, note, variants,
    source). Exits 0 either way; the counts go to standard error.
    """
    from ..corpus.commands import run_glossary_diff

    d = run_glossary_diff(old, new)
    click.echo(d.to_json() if fmt == "json" else "\n".join(d.lines()), nl=fmt == "json" or bool(d))
    say(f"{len(d.added)} added, {len(d.removed)} removed, {len(d.rerendered)} re-rendered, "
        f"{len(d.changed)} otherwise changed")


@glossary_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@glossary_option
@click.option("--overwrite", is_flag=True, help="Where the English differs, take the imported one.")
def glossary_import(file: str, glossary: tuple[str, ...], overwrite: bool) -> None:
    """Merge a TSV, CSV (zh,en) or TBX file into the glossary file given by --glossary.

    Reports added, changed and conflicting entries; conflicts keep the existing English
    unless --overwrite.
    """
    from ..corpus.commands import run_glossary_import

    path, res = run_glossary_import(Path(file), glossary, overwrite)
    render(res.conflicts, "text", lambda c: f"conflict: {c[0].zh}: keeping {c[0].en!r}, imported {c[1].en!r}")
    render(res.changed, "text", lambda c: f"changed: {c[0].zh}: {c[0].en!r} -> {c[1].en!r}")
    say(f"{path}: {len(res.added)} added, {len(res.changed)} changed, {len(res.conflicts)} conflicting")


@glossary_group.command("export")
@glossary_option
@format_option(["tsv", "csv", "tbx"],
               help="tsv: zhen's own; csv: two columns zh,en (DeepL, Google); tbx: TBX-Basic (ISO 30042).")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write here instead of standard output.")
@click.option("--source", "with_source", is_flag=True,
              help="csv: a header row and a third column, source (tsv and tbx always carry it).")
def glossary_export(glossary: tuple[str, ...], fmt: str, output: str | None, with_source: bool) -> None:
    """Export the term base."""
    from ..corpus.commands import run_glossary_export

    n, text = run_glossary_export(glossary, fmt, with_source, Path(output) if output else None)
    if output:
        say(f"{n} terms -> {output}")
    else:
        click.echo(text, nl=False)


@glossary_group.command("suggest")
@click.argument("inputs", nargs=-1, required=True, type=click.Path(allow_dash=True))
@glossary_option
@click.option("--limit", type=click.IntRange(min=1), default=40, show_default=True)
@format_option(["tsv", "json"])
def glossary_suggest(inputs: tuple[str, ...], glossary: tuple[str, ...], limit: int, fmt: str) -> None:
    """Propose terms that the glossary lacks, read from releases.

    Quoted names (“云剑”), person and speaker names with their pinyin, and words that recur
    in the releases but are rare in general Chinese, each with its count, an example and a
    CC-CEDICT gloss as a hint. Columns: zh, hint, kind, count, why, example.
    """
    from ..corpus.commands import run_glossary_suggest

    found = run_glossary_suggest(inputs, glossary, limit, stdin=read_stdin(inputs))
    render(found, fmt, lambda s: f"{s.zh}\t{s.hint}\t{s.kind}\t{s.count}\t{s.why}\t{s.example}")


@glossary_group.command("mine")
@click.argument("aligned", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@glossary_option
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
    from ..corpus.commands import run_glossary_mine

    rep = run_glossary_mine(aligned, glossary, min_count, limit, include_low, Path(output) if output else None,
                            keep_everyday)
    if not output:
        click.echo(rep.text, nl=False)
    where = f" -> {output}" if output else ""
    say(f"{rep.used} of {rep.pairs} aligned pairs mined: {count(len(rep.candidates), 'candidate')}{where}")


@glossary_group.command("check")
@click.argument("output", type=click.Path(exists=True, dir_okay=False))
@glossary_option
def glossary_check(output: str, glossary: tuple[str, ...]) -> None:
    """Check a zhen JSONL output against the glossary; exit 1 if any term's English is missing."""
    from ..corpus.commands import run_glossary_check

    misses = run_glossary_check(Path(output), glossary)
    render(misses, "text", lambda m: f"{m['id']}\t{m['zh']}\texpected {m['en']!r}\t{m['target']}")
    say(f"{output}: {count(len(misses), 'missing term')}")
    if misses:
        sys.exit(1)
