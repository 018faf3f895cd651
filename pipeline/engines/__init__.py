"""Engines: what turns simplified Chinese into English, behind one name table.

    torch        MarianMTModel from transformers (engines/torch.py)
    ctranslate2  the same model converted to int8 (engines/ctranslate2.py)

Each takes a ModelRef and the run's EngineOptions and returns one Translation per input,
in order. The table holds import paths, not classes, so that naming an engine costs no
import of torch or ctranslate2 (`zhen --help` stays instant).
"""

from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path

from ..errors import UsageError
from ..records import EngineOptions, ModelRef
from .base import MarianEngine, Translator
from .models import folder_fingerprint, lookup, resolve_model
from .store import find_converted, is_ct2_folder, read_meta

ENGINES: dict[str, str] = {
    "torch": "pipeline.engines.torch:TorchMarian",
    "ctranslate2": "pipeline.engines.ctranslate2:CT2Marian",
}
PRECISIONS = ("auto", "float32", "bfloat16", "int8")  # of the weights; CTranslate2 runs int8 or float32

__all__ = ["ENGINES", "PRECISIONS", "MarianEngine", "Translator", "engine_class", "load_translator", "resolve_engine"]


def engine_class(name: str) -> type[MarianEngine]:
    try:
        module, cls = ENGINES[name].split(":")
    except KeyError:
        raise UsageError(f"unknown engine {name!r}; choose one of: auto, {', '.join(sorted(ENGINES))}") from None
    found: type[MarianEngine] = getattr(importlib.import_module(module), cls)
    return found


def resolve_engine(model: str, engine: str = "auto", offline: bool | None = None) -> tuple[str, ModelRef]:
    """Pick the engine and the model folder. auto: CTranslate2 when a converted copy of the
    model is in the store (or the folder is one) and the package is installed, else torch."""
    if engine != "auto" and engine not in ENGINES:
        engine_class(engine)
    path = Path(model).expanduser()
    if path.is_dir() and is_ct2_folder(path):
        if engine == "torch":
            raise UsageError(f"{model} is a CTranslate2 model; it runs on the ctranslate2 engine")
        return "ctranslate2", ModelRef(id=model, path=path.resolve(), revision=_ct2_revision(path), origin="folder")
    if engine in ("auto", "ctranslate2"):
        stored = find_converted(model) or lookup(model, engine="ctranslate2")
        if stored is not None and (engine == "ctranslate2" or _has_ct2()):
            ref = ModelRef(id=model, path=Path(stored.path), revision=f"{stored.revision}+ct2-{stored.quantization}",
                           origin="store")
            return "ctranslate2", ref
        if engine == "ctranslate2":
            raise UsageError(f"no CTranslate2 copy of {model} in the model store; run `zhen models convert {model}`")
    return "torch", resolve_model(model, offline=offline)


def load_translator(options: EngineOptions) -> MarianEngine:
    if options.engine == "ctranslate2":
        _check_precision("ctranslate2", options)
    name, ref = resolve_engine(options.model, options.engine, options.offline)
    _check_precision(name, options)
    missing = [m for m in ("torch", "transformers") if name == "torch" and importlib.util.find_spec(m) is None]
    if missing:
        # An install without torch (setup.sh --no-torch) runs converted models only: say so
        # here, not as an ImportError from deep inside the first batch.
        raise UsageError(f"model {options.model} needs the torch engine, and this install has no "
                         f"{' or '.join(missing)}: install it (bash setup.sh, or pip install 'zhen[torch]'), or "
                         "convert the model where torch is (zhen models convert) and zhen models import the "
                         "converted folder here")
    return engine_class(name)(ref, options)


def _check_precision(engine: str, options: EngineOptions) -> None:
    """CTranslate2 runs a converted model as converted (int8) or in float32; it offers no
    bfloat16 on CPU, and running something else than asked would go unnoticed."""
    if engine == "ctranslate2" and options.precision == "bfloat16":
        how = "" if options.engine == "ctranslate2" else " (chosen because the store holds a converted copy)"
        raise UsageError(f"bfloat16 is a torch precision: the CTranslate2 engine{how} runs int8 or float32; "
                         "choose --engine torch for bfloat16, or int8/float32/auto", option="precision")


def _has_ct2() -> bool:
    return importlib.util.find_spec("ctranslate2") is not None


def _ct2_revision(folder: Path) -> str:
    meta = read_meta(folder)
    return meta.revision if meta else folder_fingerprint(folder)
