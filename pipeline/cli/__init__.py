"""The `zhen` command line: it parses options and renders results; the run layer (pipeline.run,
pipeline.corpus.commands, merge's and the server's drivers) does the work.

    app.py       the group, the one place that maps errors to exit codes, Ctrl-C, progress
    options.py   options built from the options dataclasses' fields; shared decorators
    render.py    the one renderer for --format
    translate.py translate, summarize, merge, serve
    checks.py    segment, facts check, check, eval, align
    models.py    models, tm, cache
    glossary.py  glossary

Heavy imports (torch, transformers) happen inside the stages that need them, so that
`zhen --help` is instant.
"""

from __future__ import annotations

from . import checks, glossary, models, translate  # noqa: F401  (each registers its commands)
from .app import main

__all__ = ["main"]
