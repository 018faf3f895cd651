"""Finding a model: a local folder as it is, or a hub id in the Hugging Face cache or online.

Never hangs and never falls back to something else: when the model cannot be had, one
ModelUnavailable says which model, where we looked and how to get it.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

from ..errors import ModelUnavailable
from ..records import DEFAULT_MODEL, DEFAULT_SUMMARY_MODEL, ModelRef

__all__ = ["DEFAULT_MODEL", "DEFAULT_SUMMARY_MODEL", "ModelRef", "resolve_model"]
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
    """Find the model's folder. A path that exists wins; otherwise `name` is a hub id."""
    p = Path(name).expanduser()
    if p.exists():
        if not p.is_dir():
            raise ModelUnavailable(f"model {name}: is a file; pass the folder that holds config.json and the weights")
        check_model_folder(p, name, kind)
        return ModelRef(id=name, path=p.resolve(), revision=folder_fingerprint(p), origin="folder")
    if not _REPO_ID.match(name):
        raise ModelUnavailable(f"model {name}: no such folder, and not a Hugging Face model id (owner/name)")
    from huggingface_hub import constants, snapshot_download

    patterns = ["*.json", "*.spm", "*.model", "*.txt", "*.safetensors"]
    try:
        path = snapshot_download(name, local_files_only=True, allow_patterns=patterns)
        origin = "cache"
    except Exception:
        if offline_requested(offline):
            raise ModelUnavailable(_how_to_get(name, constants.HF_HUB_CACHE, offline=True)) from None
        try:
            path = snapshot_download(name, allow_patterns=patterns)
            origin = "download"
        except Exception as exc:
            reason = str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__
            raise ModelUnavailable(_how_to_get(name, constants.HF_HUB_CACHE, offline=False, reason=reason)) from None
    folder = Path(path)
    check_model_folder(folder, name, kind)
    return ModelRef(id=name, path=folder, revision=folder.name, origin=origin)


def _how_to_get(name: str, cache: str, offline: bool, reason: str = "") -> str:
    why = "offline mode is on (--offline or HF_HUB_OFFLINE=1)" if offline else f"download failed: {reason}"
    return (
        f"model {name} is not available: not in the Hugging Face cache ({cache}) and {why}. "
        f"To get it, on a machine with internet run `hf download {name}` "
        f"(older clients: `huggingface-cli download {name}`) "
        f"(then copy the cache folder over), or copy the model folder here and pass --model PATH."
    )


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
