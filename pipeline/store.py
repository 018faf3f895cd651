"""The model store and the translation memory, both under ZHEN_HOME.

ZHEN_HOME defaults to the platform's user cache folder (~/.cache/zhen on Linux). Models
live in ZHEN_HOME/models/NAME, each with a zhen-model.json that says what it is (id,
revision, engine, quantization, where it came from). The translation memory is one SQLite
file, ZHEN_HOME/tm.sqlite, in WAL mode so that concurrent runs can share it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .errors import ModelUnavailable, UsageError

META = "zhen-model.json"
CT2_FILES = ("model.bin", "config.json")


def zhen_home() -> Path:
    if os.environ.get("ZHEN_HOME"):
        return Path(os.environ["ZHEN_HOME"]).expanduser()
    if sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    elif os.name == "nt":
        base = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local"))
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "zhen"


def models_dir() -> Path:
    return zhen_home() / "models"


@dataclass(frozen=True)
class StoredModel:
    id: str  # the model it was made from (hub id or folder)
    revision: str
    engine: str  # torch or ctranslate2
    quantization: str | None
    origin: str  # pulled, imported, converted
    created: str
    path: str = ""
    size: int = 0

    @property
    def name(self) -> str:
        return Path(self.path).name


def slug(model_id: str, engine: str, quantization: str | None = None) -> str:
    base = re.sub(r"[^A-Za-z0-9._-]+", "--", model_id.strip("/").replace("/", "--"))[-80:]
    return f"{base}--{engine}" + (f"-{quantization}" if quantization else "")


def _size(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())


def read_meta(folder: Path) -> StoredModel | None:
    try:
        data = json.loads((folder / META).read_text(encoding="utf-8"))
        return StoredModel(**{**data, "path": str(folder), "size": _size(folder)})
    except (OSError, ValueError, TypeError):
        return None


def list_models() -> list[StoredModel]:
    root = models_dir()
    if not root.is_dir():
        return []
    out = [m for d in sorted(root.iterdir()) if d.is_dir() and (m := read_meta(d)) is not None]
    return out


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
    from .models import resolve_model

    ref = resolve_model(model, offline=offline)
    try:
        from ctranslate2.converters import TransformersConverter
    except ImportError:
        raise UsageError("converting needs the ctranslate2 package (pip install ctranslate2)") from None
    models_dir().mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".convert-", dir=models_dir()))
    try:
        out = tmp / "model"
        TransformersConverter(str(ref.path)).convert(str(out), quantization=quantization, force=True)
        # The sentencepiece models and generation settings travel with the converted model,
        # so that running it needs neither torch nor transformers.
        for f in ("source.spm", "target.spm", "generation_config.json", "tokenizer_config.json"):
            if (ref.path / f).is_file():
                shutil.copy2(ref.path / f, out / f)
        meta = StoredModel(id=model if not Path(model).expanduser().exists() else str(ref.path), revision=ref.revision,
                           engine="ctranslate2", quantization=quantization, origin="converted", created=_now())
        return _install(out, meta)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def import_folder(folder: str, model_id: str | None = None) -> StoredModel:
    """Copy a model brought in by hand (a Marian folder or a converted one) and check its files."""
    from .models import check_model_folder, folder_fingerprint

    src = Path(folder).expanduser()
    if not src.is_dir():
        raise ModelUnavailable(f"{folder}: not a folder")
    engine = "ctranslate2" if is_ct2_folder(src) else "torch"
    if engine == "torch":
        check_model_folder(src, folder)
    elif not all((src / f).is_file() for f in ("source.spm", "target.spm")):
        raise ModelUnavailable(f"{folder}: a converted model needs source.spm and target.spm beside model.bin")
    models_dir().mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".import-", dir=models_dir()))
    try:
        out = tmp / "model"
        shutil.copytree(src, out, ignore=shutil.ignore_patterns(META))
        old = read_meta(src)
        meta = StoredModel(id=model_id or (old.id if old else src.name), revision=folder_fingerprint(out),
                           engine=engine, quantization=old.quantization if old else None, origin="imported",
                           created=_now())
        return _install(out, meta)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def pull(model: str) -> StoredModel:
    """Download a hub model into the Hugging Face cache and record it in the store."""
    from .models import resolve_model

    ref = resolve_model(model, offline=False)
    return import_folder(str(ref.path), model_id=model)


def lookup(name: str) -> StoredModel | None:
    """A stored model by folder name, or by the id it was made from."""
    for m in list_models():
        if name in (m.name, m.id):
            return m
    return None


# ---------------------------------------------------------------------------- translation memory


class TranslationMemory:
    """source text -> English, keyed on everything that decides the English."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or zhen_home() / "tm.sqlite"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(str(self.path), timeout=30, isolation_level=None)
        self._setup()
        self.hits = 0
        self.misses = 0

    def _setup(self, wait: float = 30.0) -> None:
        """WAL mode and the tables. Switching a new file to WAL takes an exclusive lock that
        SQLite's busy timeout does not always wait for (two runs creating the memory at once
        measured 4 failures in 160 openings), so contention is retried here for up to `wait` seconds."""
        deadline = time.monotonic() + wait
        delay = 0.01
        while True:
            try:
                if self.db.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                    self.db.execute("PRAGMA journal_mode=WAL")
                self.db.execute("PRAGMA synchronous=NORMAL")
                self.db.execute(
                    "CREATE TABLE IF NOT EXISTS tm (key TEXT PRIMARY KEY, source TEXT NOT NULL, target TEXT NOT NULL,"
                    " flags TEXT NOT NULL, context TEXT NOT NULL, created REAL NOT NULL)"
                )
                self.db.execute("CREATE TABLE IF NOT EXISTS memo (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
                return
            except sqlite3.OperationalError as exc:
                if ("locked" not in str(exc) and "busy" not in str(exc)) or time.monotonic() > deadline:
                    raise
                time.sleep(delay)
                delay = min(delay * 2, 0.5)

    @staticmethod
    def key(context: str, source: str) -> str:
        return hashlib.sha256(f"{context}\0{source}".encode()).hexdigest()

    def get_many(self, context: str, sources: Sequence[str]) -> dict[str, tuple[str, tuple[str, ...]]]:
        out: dict[str, tuple[str, tuple[str, ...]]] = {}
        keys = {self.key(context, s): s for s in set(sources)}
        items = list(keys)
        for i in range(0, len(items), 500):
            chunk = items[i : i + 500]
            rows = self.db.execute(
                f"SELECT key, target, flags FROM tm WHERE key IN ({','.join('?' * len(chunk))})", chunk
            ).fetchall()
            for k, target, flags in rows:
                out[keys[k]] = (target, tuple(json.loads(flags)))
        return out

    def put_many(self, context: str, rows: Sequence[tuple[str, str, tuple[str, ...]]]) -> None:
        now = time.time()
        with self.db:  # one transaction: all or nothing
            self.db.execute("BEGIN IMMEDIATE")
            self.db.executemany(
                "INSERT OR REPLACE INTO tm (key, source, target, flags, context, created) VALUES (?, ?, ?, ?, ?, ?)",
                [(self.key(context, s), s, t, json.dumps(list(f)), context, now) for s, t, f in rows],
            )

    def memo_get(self, namespace: str, keys: Sequence[str]) -> dict[str, Any]:
        """Stored results of other deterministic work (glossary matching), by namespace and key."""
        out: dict[str, Any] = {}
        want = {self.key(namespace, k): k for k in set(keys)}
        items = list(want)
        for i in range(0, len(items), 500):
            chunk = items[i : i + 500]
            for k, v in self.db.execute(
                f"SELECT key, value FROM memo WHERE key IN ({','.join('?' * len(chunk))})", chunk
            ).fetchall():
                out[want[k]] = json.loads(v)
        return out

    def memo_put(self, namespace: str, items: dict[str, Any]) -> None:
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.executemany("INSERT OR REPLACE INTO memo (key, value) VALUES (?, ?)",
                                [(self.key(namespace, k), json.dumps(v)) for k, v in items.items()])

    def stats(self) -> dict[str, Any]:
        n, contexts = self.db.execute("SELECT COUNT(*), COUNT(DISTINCT context) FROM tm").fetchone()
        return {"path": str(self.path), "entries": n, "contexts": contexts,
                "bytes": self.path.stat().st_size if self.path.exists() else 0}

    def clear(self) -> int:
        n = self.db.execute("SELECT COUNT(*) FROM tm").fetchone()[0]
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.execute("DELETE FROM tm")
            self.db.execute("DELETE FROM memo")
        self.db.execute("VACUUM")
        return int(n)

    def close(self) -> None:
        self.db.close()
