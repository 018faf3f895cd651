"""Options built from the options dataclasses (pipeline.records): each field's help, flag, range
and choices are described once, on the field (records.cli_field), and become a click option
here; shared decorators group them (sqlite-utils' shared option decorators and simonw/llm's
Options with field descriptions are the models). A new engine option is a field with its
description; every command that runs the model (translate, summarize, serve) has it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import Field, fields
from typing import Any

import click

from ..engines import ENGINES, PRECISIONS
from ..facts import FACT_MODES
from ..glossary import KINDS
from ..glossary import MODES as GLOSSARY_MODES
from ..records import EngineOptions, SummaryOptions, TranslateOptions, TuneOptions
from ..summarize import RANKERS, SUMMARIZERS
from ..write import ALL, DEFAULT_FORMATS, FORMATS, parse_formats

# The name tables that choices come from, by the name a field's metadata gives.
CHOICES: dict[str, Sequence[str]] = {
    "engines": ("auto", *ENGINES),
    "precisions": PRECISIONS,
    "fact_modes": FACT_MODES,
    "glossary_modes": GLOSSARY_MODES,
    "summarizers": SUMMARIZERS,
    "rankers": RANKERS,
    "kinds": KINDS,
}
Decorator = Callable[[Any], Any]


def _described(cls: type) -> list[Field[Any]]:
    return [f for f in fields(cls) if "help" in f.metadata]


def _decls(f: Field[Any]) -> list[str]:
    flag = f.metadata.get("flag", "--" + f.name.replace("_", "-"))
    return [flag] if isinstance(flag, str) else list(flag)


def param_name(f: Field[Any]) -> str:
    """The keyword a command receives: click's own name for the longest flag."""
    longest = max(_decls(f), key=len).split("/")[0]
    return longest.lstrip("-").replace("-", "_")


def _type(m: Any) -> Any:
    if "choices" in m:
        return click.Choice(list(CHOICES[m["choices"]]))
    if "min" in m:
        return click.IntRange(min=m["min"])
    return m.get("type")


def field_option(f: Field[Any]) -> Decorator:
    """The click option a described field makes."""
    m = f.metadata
    flag = bool(m.get("is_flag") or m.get("invert"))
    default = (not f.default) if m.get("invert") else f.default
    kwargs: dict[str, Any] = {"help": m["help"], "default": default}
    if flag:
        kwargs["is_flag"] = True
    else:
        kwargs["type"] = _type(m)
        kwargs["show_default"] = default is not None and "/" not in _decls(f)[0]
    for key in ("envvar", "metavar"):
        if key in m:
            kwargs[key] = m[key]
    return click.option(*_decls(f), param_name(f), **kwargs)


def option_for(cls: type, name: str) -> Decorator:
    """The option of one described field (a command's own, like translate's --cluster)."""
    return field_option(next(f for f in fields(cls) if f.name == name))


def _apply(f: Any, options: Sequence[Decorator]) -> Any:
    for opt in reversed(options):
        f = opt(f)
    return f


def options_of(cls: type, skip: Sequence[str] = ()) -> list[Decorator]:
    return [field_option(f) for f in _described(cls) if f.name not in skip]


def from_kwargs(cls: type, kw: dict[str, Any], **given: Any) -> Any:
    """An options object from a command's keyword arguments, each described field's popped."""
    values = dict(given)
    for f in _described(cls):
        name = param_name(f)
        if name in kw:
            value = kw.pop(name)
            values[f.name] = (not value) if f.metadata.get("invert") else value
    return cls(**values)


# ---------------------------------------------------------------------------- shared decorators


def glossary_option(f: Any) -> Any:
    return click.option(
        "--glossary", "glossary", multiple=True, type=click.Path(),
        help="Glossary TSV file or folder (repeatable; later files override earlier ones). "
             "Default: $ZHEN_GLOSSARY, else ./glossary/, else the term base shipped with zhen.",
    )(f)


def kind_option(default: str | None = None) -> Decorator:
    return click.option("--kind", type=click.Choice(list(CHOICES["kinds"])), default=default,
                        show_default=default is not None,
                        help="The entry's kind." if default else "Only entries of this kind.")


def engine_options(f: Any) -> Any:
    """Every option of the engine (EngineOptions): translate, summarize and serve take the same."""
    return _apply(f, options_of(EngineOptions))


def run_options(f: Any) -> Any:
    """What every command that runs the model shares: the output folder, the engine, the run's
    own options (TranslateOptions), the glossary and -q."""
    return _apply(f, [
        click.option("-o", "--out-dir", type=click.Path(file_okay=False), default=None,
                     help="Folder for the outputs, named after each input (release.txt -> release.jsonl, ...). "
                          "Default: the current folder; for standard input (-) or --text, standard output."),
        engine_options, glossary_option, *options_of(TranslateOptions, skip=("cluster", "structure", "cluster_token")),
        click.option("-q", "--quiet", is_flag=True,
                     help="No progress bar, no per-file report and no glossary, facts or memory counts: only "
                          "warnings and errors."),
    ])


def summary_options(f: Any) -> Any:
    return _apply(f, options_of(SummaryOptions))


def tune_options(f: Any) -> Any:
    """zhen tune's own options (TuneOptions)."""
    return _apply(f, options_of(TuneOptions))


def formats_option(f: Any) -> Any:
    choices = ", ".join(f"{name} ({fmt.description})" for name, fmt in FORMATS.items())
    return click.option("--formats", default=",".join(DEFAULT_FORMATS), show_default=True,
                        help=f"Comma-separated output formats, each written as NAME.SUFFIX, or {ALL}: {choices}. "
                             "The JSONL is always written.")(f)


def format_option(choices: Sequence[str], default: str | None = None, help: str | None = None) -> Decorator:
    """--format for what a command prints (pipeline.cli.render renders it)."""
    return click.option("--format", "fmt", type=click.Choice(list(choices)), default=default or choices[0],
                        show_default=True, help=help)


def engine_of(kw: dict[str, Any]) -> EngineOptions:
    engine: EngineOptions = from_kwargs(EngineOptions, kw)
    return engine


def summary_of(kw: dict[str, Any]) -> SummaryOptions:
    summary: SummaryOptions = from_kwargs(SummaryOptions, kw, offline=kw.get("offline"))
    return summary


def translate_options_of(kw: dict[str, Any], formats: str = ",".join(DEFAULT_FORMATS),
                         summary: SummaryOptions | None = None, cluster: str | None = None) -> TranslateOptions:
    """The run's options from a command's keyword arguments (what stays in kw: out_dir, quiet)."""
    engine = engine_of(kw)
    options: TranslateOptions = from_kwargs(TranslateOptions, kw, engine=engine, formats=tuple(parse_formats(formats)),
                                            glossary=kw.pop("glossary"), summary=summary, cluster=cluster or None)
    return options
