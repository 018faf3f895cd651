"""A Ray cluster of real nodes on loopback, for tests/test_cluster.py and bench/cluster.py: a
head and more nodes started by `ray start` on 127.0.0.1 only, stopped by the PIDs we started,
and the processes they run (the raylet's workers, the translation actors among them)."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

# `ray start`, keeping a loopback address as given (pipeline/loopback_ray.py says why): the
# README's local cluster starts the same way.
LAUNCH = ["-m", "pipeline.loopback_ray"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(proc: subprocess.Popen[bytes], log: Path, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if log.exists() and "Ray runtime started" in log.read_text(errors="replace"):
            return
        if proc.poll() is not None:
            break
        time.sleep(0.25)
    raise RuntimeError(f"ray start did not come up:\n{log.read_text(errors='replace')[-3000:]}")


def _die_with_parent() -> None:
    """In the child, before exec: SIGTERM when the process that started it dies (a killed test
    run must not leave a cluster behind; `ray start --block` stops its node on SIGTERM)."""
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG, Linux only


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """A node and everything it started: its own process group, named by our child's PID."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)


@contextlib.contextmanager
def loopback_cluster(root: Path, nodes: int = 2, cpus: int = 1) -> Iterator[tuple[str, tuple[int, ...]]]:
    """A head node and nodes-1 more joining it, on 127.0.0.1 only, `cpus` CPUs each, no
    dashboard; the actors' temporary files under root, Ray's session in a short-named
    temporary folder (its socket paths must stay under 108 bytes), removed at the end; yields
    the head's address and the nodes' process groups; stops every node by its PID."""
    (root / "tmp").mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0", "RAY_GRACEFUL_SHUTDOWN_DRAIN_TIMEOUT_S": "0",
           "RAY_AUTH_MODE": "disabled", "TMPDIR": str(root / "tmp")}
    common = ["--node-ip-address", "127.0.0.1", "--num-cpus", str(cpus), "--object-store-memory", "200000000",
              "--disable-usage-stats", "--block"]
    procs: list[subprocess.Popen[bytes]] = []
    session = Path(tempfile.mkdtemp(prefix="zhen-ray-"))
    try:
        for n in range(nodes):
            where = (["--head", "--port", str(port), "--include-dashboard=false", "--temp-dir", str(session)]
                     if n == 0 else ["--address", f"127.0.0.1:{port}"])
            log = root / f"node-{n}.log"
            with log.open("wb") as fh:
                procs.append(subprocess.Popen([sys.executable, *LAUNCH, "start", *where, *common], env=env,
                                              stdout=fh, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                              start_new_session=True, preexec_fn=_die_with_parent))
            _wait(procs[-1], log)
        yield f"127.0.0.1:{port}", tuple(p.pid for p in procs)
    finally:
        for proc in reversed(procs):
            _stop(proc)
        shutil.rmtree(session, ignore_errors=True)


def cluster_processes(groups: tuple[int, ...]) -> dict[int, str]:
    """pid -> command line of every process of these process groups and of their descendants
    (the raylet starts its workers, the translation actors among them, in groups of their own)."""
    parent: dict[int, int] = {}
    group: dict[int, int] = {}
    cmds: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            cmds[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        parent[int(entry.name)], group[int(entry.name)] = int(fields[1]), int(fields[2])

    def ours(pid: int) -> bool:
        for _ in range(64):
            if group.get(pid) in groups:
                return True
            if pid not in parent or pid <= 1:
                return False
            pid = parent[pid]
        return False

    return {pid: cmd for pid, cmd in cmds.items() if ours(pid)}
