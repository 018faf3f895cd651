"""The model store under ZHEN_HOME/models.

Models live in ZHEN_HOME/models/NAME, each with a zhen-model.json that says what it is (id,
revision, engine, quantization, where it came from).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..errors import ModelUnavailable, UsageError
from ..files import ensure_dir
from ..records import StoredModel
from .base import quiet_transformers
from .models import (
    META,
    check_model_folder,
    folder_fingerprint,
    list_models,
    lookup,
    models_dir,
    read_meta,
    resolve_model,
)

__all__ = ["META", "convert", "converted_folder", "find_converted", "import_folder", "install_tuned", "is_ct2_folder",
           "list_models", "lookup", "models_dir", "pull", "read_meta", "slug"]
CT2_FILES = ("model.bin", "config.json")


def slug(model_id: str, engine: str, quantization: str | None = None) -> str:
    base = re.sub(r"[^A-Za-z0-9._-]+", "--", model_id.strip("/").replace("/", "--"))[-80:]
    return f"{base}--{engine}" + (f"-{quantization}" if quantization else "")


def find_converted(model_id: str, engine: str = "ctranslate2") -> StoredModel | None:
    """The newest stored model of this engine made from `model_id` (a hub id or a folder path)."""
    keys = {model_id, str(Path(model_id).expanduser().resolve()) if Path(model_id).expanduser().exists() else ""}
    found = [m for m in list_models() if m.engine == engine and m.id in keys]
    return max(found, key=lambda m: m.created) if found else None


def is_ct2_folder(folder: Path) -> bool:
    return all((folder / f).is_file() for f in CT2_FILES) and any(
        (folder / v).is_file() for v in ("shared_vocabulary.json", "source_vocabulary.json", "shared_vocabulary.txt"))


def _install(tmp: Path, meta: StoredModel) -> StoredModel:
    """Write the metadata, then move the finished folder into place (a half copy is never listed)."""
    (tmp / META).write_text(json.dumps({k: v for k, v in asdict(meta).items() if k not in ("path", "size")},
                                       indent=2) + "\n", encoding="utf-8")
    dest = models_dir() / slug(meta.id, meta.engine, meta.quantization)
    if dest.exists():
        shutil.rmtree(dest)
    os.replace(tmp, dest)
    stored = read_meta(dest)
    assert stored is not None
    return stored


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def convert(model: str, quantization: str = "int8", offline: bool | None = None) -> StoredModel:
    """Convert a Marian model (hub id or folder) with CTranslate2's converter into the store."""
    ref = resolve_model(model, offline=offline)
    try:
        from ctranslate2.converters import TransformersConverter
    except ImportError:
        raise UsageError("converting needs the ctranslate2 package (pip install ctranslate2)") from None
    ensure_dir(models_dir())
    tmp = Path(tempfile.mkdtemp(prefix=".convert-", dir=models_dir()))
    try:
        out = tmp / "model"
        with quiet_transformers():  # the converter loads the model through transformers
            TransformersConverter(str(ref.path)).convert(str(out), quantization=quantization, force=True)
        # The sentencepiece models and generation settings travel with the converted model,
        # so that running it needs neither torch nor transformers.
        for f in ("source.spm", "target.spm", "generation_config.json", "tokenizer_config.json"):
            if (ref.path / f).is_file():
                shutil.copy2(ref.path / f, out / f)
        tuned = lookup(model, engine="torch")  # a tuned model's copy keeps its lineage
        meta = StoredModel(id=model if not Path(model).expanduser().exists() else str(ref.path), revision=ref.revision,
                           engine="ctranslate2", quantization=quantization, origin="converted", created=_now(),
                           lineage=tuned.lineage if tuned is not None else None)
        return _install(out, meta)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def import_folder(folder: str, model_id: str | None = None) -> StoredModel:
    """Copy a model brought in by hand (a Marian folder or a converted one) and check its files."""
    src = Path(folder).expanduser()
    if not src.is_dir():
        raise ModelUnavailable(f"{folder}: not a folder")
    engine = "ctranslate2" if is_ct2_folder(src) else "torch"
    if engine == "torch":
        check_model_folder(src, folder)
    elif not all((src / f).is_file() for f in ("source.spm", "target.spm")):
        raise ModelUnavailable(f"{folder}: a converted model needs source.spm and target.spm beside model.bin")
    old = read_meta(src)
    return _copy_in(src, lambda out: StoredModel(
        id=model_id or (old.id if old else src.name), revision=folder_fingerprint(out), engine=engine,
        quantization=old.quantization if old else None, origin="imported", created=_now()))


def install_tuned(folder: Path, name: str, revision: str, lineage: dict[str, Any]) -> StoredModel:
    """A model made by zhen tune, stored under `name` with its lineage (found by `--model NAME`)."""
    check_model_folder(folder, name)
    return _copy_in(folder, lambda _: StoredModel(id=name, revision=revision, engine="torch", quantization=None,
                                                  origin="tuned", created=_now(), lineage=lineage))


def _copy_in(src: Path, make_meta: Callable[[Path], StoredModel]) -> StoredModel:
    ensure_dir(models_dir())
    tmp = Path(tempfile.mkdtemp(prefix=".import-", dir=models_dir()))
    try:
        out = tmp / "model"
        shutil.copytree(src, out, ignore=shutil.ignore_patterns(META))
        return _install(out, make_meta(out))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def pull(model: str) -> StoredModel:
    """Download a hub model into the Hugging Face cache and record it in the store."""
    ref = resolve_model(model, offline=False)
    return import_folder(str(ref.path), model_id=model)


def converted_folder(model: str) -> Path:
    """The folder of a converted (CTranslate2) model given as a folder, a store name or an id.

    By id the store may also hold the torch original: the converted copy is the one meant."""
    folder = Path(model).expanduser()
    if folder.is_dir() and is_ct2_folder(folder):
        return folder
    m = find_converted(model) or lookup(model)
    if m is None or m.engine != "ctranslate2":
        raise UsageError(f"{model}: no converted model by that name or id, and not a CTranslate2 folder "
                         "(zhen models convert)")
    return Path(m.path)
