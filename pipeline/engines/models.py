"""Finding a model: a local folder, the model store, the Hugging Face cache, or the hub, in that order.

Never hangs and never falls back to something else: when the model cannot be had, one
ModelUnavailable says which model, where we looked and how to get it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path

from ..errors import ModelUnavailable
from ..files import zhen_home
from ..records import DEFAULT_MODEL, DEFAULT_SUMMARY_MODEL, ModelRef, StoredModel

__all__ = ["DEFAULT_MODEL", "DEFAULT_SUMMARY_MODEL", "META", "ModelRef", "list_models", "lookup", "models_dir",
           "read_meta", "resolve_model"]
META = "zhen-model.json"  # what a stored model is: id, revision, engine, quantization, origin
_REPO_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")
# What a Marian translation model needs; weights in either format (safetensors preferred).
_NEEDED = ("config.json", "vocab.json", "source.spm", "target.spm")
_WEIGHTS = ("model.safetensors", "pytorch_model.bin")


def offline_requested(offline: bool | None = None) -> bool:
    if offline:
        return True
    return os.environ.get("HF_HUB_OFFLINE", "").lower() in {"1", "true", "yes", "on"} or os.environ.get(
        "TRANSFORMERS_OFFLINE", ""
    ).lower() in {"1", "true", "yes", "on"}


def resolve_model(name: str, offline: bool | None = None, kind: str = "translation") -> ModelRef:
    """Find the model's folder, looking in this order (the README's "Where zhen looks for a model"):

    1. a folder: `name` is a path that exists;
    2. the model store (ZHEN_HOME/models): a model stored under that name or made from that id
       (`zhen models import DIR --id ID`, `zhen models pull ID`);
    3. the Hugging Face cache, for a hub id (owner/name);
    4. the hub itself, unless offline.

    When none has it, one ModelUnavailable lists every place looked at and the three ways to
    get the model there.
    """
    option = "model" if kind == "translation" else "summary_model"
    p = Path(name).expanduser()
    if p.exists():
        if not p.is_dir():
            raise ModelUnavailable(f"model {name}: is a file; pass the folder that holds config.json and the weights",
                                   option=option)
        check_model_folder(p, name, kind)
        return ModelRef(id=name, path=p.resolve(), revision=folder_fingerprint(p), origin="folder")
    looked = [f"no folder {name}"]
    stored = lookup(name, engine="torch")
    if stored is not None:
        folder = Path(stored.path)
        check_model_folder(folder, name, kind)
        return ModelRef(id=stored.id, path=folder, revision=stored.revision, origin="store")
    looked.append(f"not in the model store ({models_dir()})")
    if not _REPO_ID.match(name):
        looked.append("not a Hugging Face model id (owner/name), so neither the cache nor the hub was tried")
        raise ModelUnavailable(_how_to_get(name, looked, kind), option=option)
    from huggingface_hub import constants, snapshot_download

    patterns = ["*.json", "*.spm", "*.model", "*.txt", "*.safetensors"]
    try:
        path = snapshot_download(name, local_files_only=True, allow_patterns=patterns)
        origin = "cache"
    except Exception:
        looked.append(f"not in the Hugging Face cache ({constants.HF_HUB_CACHE})")
        if offline_requested(offline):
            looked.append("the hub not tried: offline mode is on (--offline or HF_HUB_OFFLINE=1)")
            raise ModelUnavailable(_how_to_get(name, looked, kind), option=option) from None
        try:
            path = snapshot_download(name, allow_patterns=patterns)
            origin = "download"
        except Exception as exc:
            looked.append(_hub_failure(exc, constants.ENDPOINT))
            raise ModelUnavailable(_how_to_get(name, looked, kind), option=option) from None
    folder = Path(path)
    check_model_folder(folder, name, kind)
    return ModelRef(id=name, path=folder, revision=folder.name, origin=origin)


# huggingface_hub's errors when the hub cannot be reached at all (its message leads with
# "Got: ConnectError: ...", which tells a user nothing they can act on).
_UNREACHABLE = {"LocalEntryNotFoundError", "ConnectError", "ConnectTimeout", "ReadTimeout", "Timeout",
                "ConnectionError", "ProxyError", "SSLError"}


def _hub_failure(exc: BaseException, endpoint: str) -> str:
    """Why the hub download failed, in words: unreachable, or the hub's own first line."""
    chain = [e for e in (exc, exc.__cause__, exc.__context__) if e is not None]
    if any(type(e).__name__ in _UNREACHABLE or isinstance(e, ConnectionError) for e in chain):
        return f"the hub ({endpoint}) cannot be reached from this machine"
    reason = re.sub(r"^Got: \w+: ", "", str(exc).splitlines()[0])[:160] if str(exc) else type(exc).__name__
    return f"the hub download failed: {reason}"


def _how_to_get(name: str, looked: list[str], kind: str) -> str:
    """One line: where we looked, then the three ways to get the model there."""
    from huggingface_hub import constants  # its cache as HF_HOME or HF_HUB_CACHE place it

    hub_id = name if _REPO_ID.match(name) else (DEFAULT_MODEL if kind == "translation" else DEFAULT_SUMMARY_MODEL)
    return (
        f"model {name} not found: {'; '.join(looked)}. "
        f"To get it: (1) on a machine with internet run `hf download {hub_id}` and copy the hub folder of its "
        f"Hugging Face cache to {constants.HF_HUB_CACHE} here; (2) copy the model folder here and run "
        f"`zhen models import DIR --id {hub_id}`; (3) pass the model folder's path as the model "
        f"({'--model' if kind == 'translation' else '--summary-model'} PATH)."
    )


# ---------------------------------------------------------------------------- the model store's index
# Reading the store lives here, not in store.py, because finding a model consults the store
# and store.py (which fills it) needs resolve_model: this keeps the dependency one-way.


def models_dir() -> Path:
    return zhen_home() / "models"


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
    return [m for d in sorted(root.iterdir()) if d.is_dir() and (m := read_meta(d)) is not None]


def lookup(name: str, engine: str | None = None) -> StoredModel | None:
    """A stored model by folder name, or by the id it was made from (the newest such); of one engine if given."""
    found = [m for m in list_models() if name in (m.name, m.id) and (engine is None or m.engine == engine)]
    exact = [m for m in found if m.name == name]
    return exact[0] if exact else (max(found, key=lambda m: m.created) if found else None)


def check_model_folder(folder: Path, name: str, kind: str = "translation") -> None:
    needed = _NEEDED if kind == "translation" else ("config.json",)
    missing = [f for f in needed if not (folder / f).is_file()]
    if not any((folder / w).is_file() for w in _WEIGHTS):
        missing.append("model.safetensors (or pytorch_model.bin)")
    if missing:
        raise ModelUnavailable(f"model {name}: folder {folder} lacks {', '.join(missing)}")


def folder_fingerprint(folder: Path) -> str:
    """A content hash of a model folder: small files whole, weights by size and both ends.

    Hashing 300 MB of weights on every run would cost a second; their size and first and
    last MiB change whenever the weights do.
    """
    h = hashlib.sha256()
    for f in sorted(folder.iterdir()):
        if not f.is_file():
            continue
        size = f.stat().st_size
        h.update(f"{f.name}\0{size}\0".encode())
        with f.open("rb") as fh:
            if size <= 4 * 2**20:
                h.update(fh.read())
            else:
                h.update(fh.read(2**20))
                fh.seek(-(2**20), os.SEEK_END)
                h.update(fh.read())
    return "sha256:" + h.hexdigest()[:16]
