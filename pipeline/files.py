"""Files zhen owns: where its home is, how an output is written, how a shared file is locked."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import UsageError

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]


def zhen_home() -> Path:
    """ZHEN_HOME, else the platform's user cache folder (~/.cache/zhen on Linux): the model
    store and the translation memory live there. Tests set ZHEN_HOME to stay hermetic."""
    if os.environ.get("ZHEN_HOME"):
        return Path(os.environ["ZHEN_HOME"]).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("zhen", appauthor=False))


def new_folders(folder: Path) -> list[Path]:
    """The folders that making `folder` would create, deepest first (none when it exists)."""
    made: list[Path] = []
    p = folder.absolute()
    while not p.exists() and p != p.parent:
        made.append(p)
        p = p.parent
    return made


def remove_empty(folders: Iterable[Path]) -> None:
    """Remove the folders a run made, deepest first, while they are empty: a run that wrote
    nothing (every input failed, no model) leaves no empty output folder behind."""
    for folder in folders:
        try:
            folder.rmdir()
        except OSError:  # something is in it (or it is gone): it stays, and so do its parents
            return


def ensure_dir(path: Path) -> Path:
    """A folder zhen keeps things in (under ZHEN_HOME), created if need be; a one-line error when
    it cannot be (ZHEN_HOME names a file, a read-only place)."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"{path}: cannot create this folder ({exc.strerror or exc}); check ZHEN_HOME") from None
    return path


def atomic_write(path: Path, text: str | bytes) -> None:
    """Write to a temporary file beside `path`, then rename: a reader never sees half a file.

    The temporary name is chosen before the file exists, so an interrupt at any moment (even
    one landing as the file is created, which tempfile.mkstemp cannot clean up after) leaves
    nothing behind. The temporary file is locked (flock) until renamed, which tells a live
    writer's file from one a killed run left behind (remove_stale_temps)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    for attempt in (1, 2):
        tmp = path.parent / f".{path.name}.{secrets.token_hex(4)}.tmp"
        try:
            # 0o666 less the umask: outputs are ordinary files
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
            with os.fdopen(fd, "wb") as fh:
                if fcntl is not None:
                    fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
                fh.write(text.encode("utf-8") if isinstance(text, str) else text)
                fh.flush()
                os.fsync(fh.fileno())
                if fcntl is not None:
                    os.replace(tmp, path)  # still locked: a cleaner never takes it for a dead run's
            if fcntl is None:
                os.replace(tmp, path)  # Windows renames only a closed file
            return
        except FileExistsError:
            raise  # another writer's file by that name (a 1 in 4 billion chance): not ours to remove
        except FileNotFoundError:
            # a cleaner removed it between its creation and its lock: write it once more
            if attempt == 2 or not path.parent.is_dir():
                raise
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise


def same_file(a: Path, b: Path) -> bool:
    """Whether two paths name one file (through links, `..` or another spelling of the path)."""
    try:
        return os.path.samefile(a, b)
    except OSError:  # one does not exist yet: compare where they would be
        return os.path.realpath(a) == os.path.realpath(b)


def refuse_overwrite(output: Path, inputs: Iterable[Path | str], option: str = "output") -> None:
    """A command never writes its output over one of its own inputs (`zhen align ZH EN -o EN`
    would replace the human English with the TSV): a one-line usage error, nothing written."""
    for given in inputs:
        if str(given) != "-" and same_file(output, Path(given)):
            raise UsageError(f"{output}: is also an input of this command ({given}); write the output "
                             "elsewhere", option=option)


def write_output(path: Path, text: str) -> None:
    """A command's one output file (an export, an alignment): the temporary files a killed run
    of it left are removed first, then it is written whole (atomic_write)."""
    remove_stale_temps([path])
    atomic_write(path, text)


def remove_stale_temps(paths: Iterable[Path]) -> None:
    """Temporary files a killed run left beside these outputs (.NAME.xxxxxxxx.tmp): those no
    live writer holds locked. Without flock (Windows) nothing is removed: a live writer's file
    cannot be told from a dead one's. Each folder is listed once, however many outputs it
    holds (an archive's output folder has hundreds of thousands)."""
    if fcntl is None:
        return
    by_folder: dict[Path, set[str]] = {}
    for path in paths:
        by_folder.setdefault(path.parent, set()).add(path.name)
    for folder, names in by_folder.items():
        try:
            entries = [e.name for e in os.scandir(folder)]
        except OSError:
            continue
        for entry in entries:
            # .NAME.xxxxxxxx.tmp, as atomic_write names them
            if not (entry.startswith(".") and entry.endswith(".tmp") and "." in entry[1:-4]
                    and entry[1:-4].rsplit(".", 1)[0] in names):
                continue
            tmp = folder / entry
            try:
                fd = os.open(tmp, os.O_RDONLY)
            except OSError:
                continue
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                tmp.unlink(missing_ok=True)
            except OSError:
                continue  # a live writer holds it
            finally:
                os.close(fd)


@contextmanager
def locked(path: Path) -> Iterator[None]:
    """An exclusive lock beside the file for a whole read-modify-write (another process waits)."""
    from filelock import FileLock

    with FileLock(str(path.with_name(f".{path.name}.lock"))):
        yield
