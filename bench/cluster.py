"""zhen translate on one machine against the same batch on a two-node Ray cluster on loopback.

300 documents are composed at run time from WMT18 sentences (bench/bench.py reads them where
they lie; nothing of them is kept), 6 sentences each under a title of our own, and translated
twice at beam 4 by the random-weight opus-mt-zh-en twin of bench/bench.py (CTranslate2 int8,
output lengths fixed at 1.3x the source, so that the work does not depend on what random
weights say):

    local    zhen's local path: one CTranslate2 translator, 2 workers x 1 thread (both cores)
    cluster  --cluster: a head node and a second node on 127.0.0.1, one CPU each, one
             translation actor per CPU (1 worker x 1 thread), reading and segmenting as tasks

The cluster's timing starts when zhen connects (the nodes are up, as on a real cluster) and
includes everything after: reading and segmenting as tasks, the actors' start and model load,
translating, writing. Both runs skip the translation memory. The output is the figures of each
run, their ratio, and the machine's load average (the cores are shared).

    python bench/cluster.py              # 300 documents
    python bench/cluster.py --docs 40    # a quicker look
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BEAMS = 4
SENTENCES = 6  # per document, under its title
# `ray start`, keeping a loopback address as given: Ray otherwise rewrites 127.0.0.1 to the
# machine's routable address wherever it meets it, and a cluster on one machine would then
# listen on every interface.
LAUNCH = ("import sys, ray._private.services as s; s.resolve_ip_for_localhost = lambda host: host; "
          "from ray.scripts.scripts import main; sys.argv[0] = 'ray'; main()")


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("zhen_bench", ROOT / "bench" / "bench.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def compose(folder: Path, docs: int, pairs: list[tuple[str, str]]) -> int:
    """docs releases of SENTENCES WMT18 sentences each, in order; returns the sentence count."""
    folder.mkdir(parents=True, exist_ok=True)
    zh = [p[0] for p in pairs]
    for i in range(docs):
        body = [zh[(i * SENTENCES + k) % len(zh)] for k in range(SENTENCES)]
        text = f"第{i + 1}号通报\n\n" + "\n\n".join(body) + "\n"
        (folder / f"doc-{i:03d}.txt").write_text(text, encoding="utf-8")
    return docs * (SENTENCES + 1)


def _free_port() -> int:
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
    import ray._private.services as services

    (root / "tmp").mkdir(parents=True, exist_ok=True)
    port = _free_port()
    env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0", "RAY_GRACEFUL_SHUTDOWN_DRAIN_TIMEOUT_S": "0",
           "RAY_AUTH_MODE": "disabled", "TMPDIR": str(root / "tmp")}
    common = ["--node-ip-address", "127.0.0.1", "--num-cpus", str(cpus), "--object-store-memory", "200000000",
              "--disable-usage-stats", "--block"]
    procs: list[subprocess.Popen[bytes]] = []
    old = services.resolve_ip_for_localhost
    session = Path(tempfile.mkdtemp(prefix="zhen-ray-"))
    try:
        for n in range(nodes):
            where = (["--head", "--port", str(port), "--include-dashboard=false", "--temp-dir", str(session)]
                     if n == 0 else ["--address", f"127.0.0.1:{port}"])
            log = root / f"node-{n}.log"
            with log.open("wb") as fh:
                procs.append(subprocess.Popen([sys.executable, "-c", LAUNCH, "start", *where, *common], env=env,
                                              stdout=fh, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                              start_new_session=True, preexec_fn=_die_with_parent))
            _wait(procs[-1], log)
        services.resolve_ip_for_localhost = lambda host: host  # this driver keeps the loopback address too
        yield f"127.0.0.1:{port}", tuple(p.pid for p in procs)
    finally:
        services.resolve_ip_for_localhost = old
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


def actor_memory(groups: tuple[int, ...], peak: dict[str, float], stop: threading.Event) -> None:
    """The largest resident memory of a translation actor, sampled while the cluster runs."""
    # Every 2 s: a scan of /proc takes CPU from the run it measures, and an actor's memory
    # changes slowly (the model, then the chunks in turn).
    while not stop.wait(2.0):
        for pid, cmd in cluster_processes(groups).items():
            if "TranslateActor" not in cmd:
                continue
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            mb = next((int(line.split()[1]) / 1024 for line in status.splitlines() if line.startswith("VmRSS:")), 0.0)
            peak["actor_mb"] = max(peak.get("actor_mb", 0.0), mb)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=300)
    args = ap.parse_args()
    bench = _bench()
    from pipeline.engines.ctranslate2 import CT2Marian
    from pipeline.records import EngineOptions, ModelRef, TranslateOptions
    from pipeline.run import run_translate

    _, ct2, _ = bench.build(bench.WORK)
    work = Path(tempfile.mkdtemp(prefix="zhen-cluster-bench-"))
    os.environ["ZHEN_HOME"] = str(work / "home")
    started, load_at_start = time.perf_counter(), bench.load_average()
    try:
        inputs = work / "in"
        segments_planned = compose(inputs, args.docs, bench.pairs())
        engine = EngineOptions(model=str(ct2), engine="ctranslate2", beams=BEAMS, threads=1)
        options = TranslateOptions(engine=engine, cache=False)
        rows: list[tuple[str, float, int, int]] = []

        ref = ModelRef(id=str(ct2), path=ct2, revision="random", origin="folder")
        t = time.perf_counter()
        local_tr = CT2Marian(ref, engine, fixed_ratio=bench.RATIO, workers=2)
        report = run_translate([str(inputs)], work / "local", options, translator=local_tr)
        rows.append(("local: 1 translator, 2 workers x 1 thread", time.perf_counter() - t,
                     len([r for r in report.results if not r.error]), sum(r.segments for r in report.results)))
        assert not report.failed, report.failed

        peak: dict[str, float] = {}
        with loopback_cluster(work / "ray") as (address, groups):
            stop = threading.Event()
            sampler = threading.Thread(target=actor_memory, args=(groups, peak, stop), daemon=True)
            sampler.start()
            t = time.perf_counter()
            report = run_translate([str(inputs)], work / "cluster", replace(options, cluster=address),
                                   engine_kwargs={"fixed_ratio": bench.RATIO, "workers": 1})
            rows.append((f"cluster: 2 nodes x 1 CPU, {report.cluster.rsplit(', ', 1)[-1] if report.cluster else ''}",
                         time.perf_counter() - t, len([r for r in report.results if not r.error]),
                         sum(r.segments for r in report.results)))
            assert not report.failed, report.failed
            stop.set()
            sampler.join()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"{args.docs} documents ({segments_planned} sentences planned: {SENTENCES} + a title each), beam {BEAMS}, "
          "random-weight opus-mt-zh-en twin, CTranslate2 int8, output 1.3x the source tokens")
    print(f"{'run':<58} {'seconds':>8} {'docs/s':>8} {'sent/s':>8}")
    for name, secs, docs, segs in rows:
        print(f"{name:<58} {secs:8.1f} {docs / secs:8.2f} {segs / secs:8.2f}")
    (_, l_secs, _, l_segs), (_, c_secs, _, c_segs) = rows
    ratio = (c_segs / c_secs) / (l_segs / l_secs) if l_secs and c_secs else math.nan
    print(f"cluster / local sentences per second: {ratio:.2f}")
    model_mb = sum(p.stat().st_size for p in ct2.rglob("*") if p.is_file()) / 2**20
    print(f"translation actor: peak resident memory {peak.get('actor_mb', math.nan):.0f} MiB; the model's files "
          f"(what the object store carries to a node without them) {model_mb:.0f} MiB")
    print(f"wall time {time.perf_counter() - started:.0f} s; load average {load_at_start} at the start, "
          f"{bench.load_average()} at the end (2 cores, shared)")


if __name__ == "__main__":
    main()
