"""zhen translate --cluster on a real two-node Ray cluster on this machine, loopback only.

The fixture starts a head node and a second node joining it (`ray start --block`, one CPU
each, no dashboard, their own temporary folders) and stops both by the process groups it
started. Ray rewrites 127.0.0.1 to the machine's routable address wherever it meets it
(ray._private.services.resolve_ip_for_localhost), which would make a two-node cluster on one
machine listen on every interface; the nodes and this driver are told to keep the loopback
address as given, and a test checks that nothing of theirs listens anywhere else.
"""

from __future__ import annotations

import collections
import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import pipeline.run
import pipeline.write
from pipeline.cli import main
from pipeline.cluster import SnapshotMemory, stage_model
from pipeline.records import ModelRef, Translation

# `ray start`, keeping a loopback address as given (see the module's docstring).
LAUNCH = ("import sys, ray._private.services as s; s.resolve_ip_for_localhost = lambda host: host; "
          "from ray.scripts.scripts import main; sys.argv[0] = 'ray'; main()")
START_TIMEOUT = 120  # seconds for a node to come up on a loaded machine
PLACES = ["浙江", "江苏", "广东", "四川", "湖北", "山东", "河南", "福建"]
CRIMES = ["电信网络诈骗", "非法集资", "网络赌博", "盗窃", "走私", "传销"]


@dataclass
class Cluster:
    address: str
    groups: tuple[int, ...]  # the process groups of the two `ray start` commands (each its own session)
    logs: Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_started(proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if log.exists() and "Ray runtime started" in log.read_text(errors="replace"):
            return
        if proc.poll() is not None:
            break
        time.sleep(0.25)
    raise AssertionError(f"ray start did not come up:\n{log.read_text(errors='replace')[-3000:]}")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """The node and everything it started (its own process group, our child's id)."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    except ProcessLookupError:
        return
    except subprocess.TimeoutExpired:
        pass
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)


@pytest.fixture(scope="module")
def ray_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    import ray._private.services as services

    root = tmp_path_factory.mktemp("ray")
    (root / "tmp").mkdir()
    port = _free_port()
    # TMPDIR: what the actors stage (zhen-cluster-models) stays in this test's folder
    # RAY_AUTH_MODE: a token left in ~/.ray by some other Ray use must not turn authentication on
    env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0", "RAY_GRACEFUL_SHUTDOWN_DRAIN_TIMEOUT_S": "0",
           "RAY_AUTH_MODE": "disabled", "TMPDIR": str(root / "tmp")}
    common = ["--node-ip-address", "127.0.0.1", "--num-cpus", "1", "--object-store-memory", "200000000",
              "--disable-usage-stats", "--block"]
    procs: list[subprocess.Popen[bytes]] = []
    try:
        head_log, node_log = root / "head.log", root / "node.log"
        with head_log.open("wb") as fh:
            procs.append(subprocess.Popen(
                [sys.executable, "-c", LAUNCH, "start", "--head", "--port", str(port), "--include-dashboard=false",
                 "--temp-dir", str(root / "session"), *common], env=env, stdout=fh, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True))
        _wait_started(procs[0], head_log)
        with node_log.open("wb") as fh:
            procs.append(subprocess.Popen(
                [sys.executable, "-c", LAUNCH, "start", "--address", f"127.0.0.1:{port}", *common], env=env,
                stdout=fh, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True))
        _wait_started(procs[1], node_log)
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(services, "resolve_ip_for_localhost", lambda host: host)
            yield Cluster(f"127.0.0.1:{port}", tuple(p.pid for p in procs), root)
    finally:
        for proc in reversed(procs):
            _stop(proc)


def _processes(groups: tuple[int, ...]) -> dict[int, str]:
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


def _listening(groups: tuple[int, ...]) -> list[str]:
    """The local addresses that processes of these groups listen on (TCP, from /proc/net)."""
    inodes: set[str] = set()
    for pid in _processes(groups):
        try:
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                link = os.readlink(fd)
                if link.startswith("socket:["):
                    inodes.add(link[8:-1])
        except OSError:
            continue
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            cols = line.split()
            if cols[3] == "0A" and cols[9] in inodes:  # 0A: LISTEN
                found.append(cols[1].split(":")[0])
    return found


def _release(i: int) -> str:
    """A short release of our own making whose every sentence is its own (none recurs in another)."""
    place, crime = PLACES[i % len(PLACES)], CRIMES[i % len(CRIMES)]
    return (f"{place}警方通报第{i + 1}号案件\n\n"
            f"{2015 + i % 10}年{i % 12 + 1}月，{place}省公安厅破获{crime}案件{10 + i}起，"
            f"抓获犯罪嫌疑人{3 * i + 2}名。\n\n"
            f"第{i + 1}批专项行动中，{place}警方共追回资金{i + 1}.{i % 10}亿元。\n")


def _outputs(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if not p.name.startswith(".")}


def test_nothing_of_the_cluster_listens_beyond_loopback(ray_cluster: Cluster) -> None:
    addresses = _listening(ray_cluster.groups)
    assert addresses, "the nodes listen on nothing: the scan found none of their sockets"
    # 127.0.0.1, as IPv4 and as IPv4 mapped into IPv6 (::ffff:127.0.0.1); ::1
    loopback = {"0100007F", "0000000000000000FFFF00000100007F", "00000000000000000000000001000000"}
    assert set(addresses) <= loopback, addresses


def test_cluster_run_is_the_local_run_byte_for_byte_even_when_an_actor_dies(
        ray_cluster: Cluster, tiny_model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    for i in range(40):
        (inputs / f"release-{i:02d}.txt").write_text(_release(i), encoding="utf-8")
    (inputs / "empty.txt").write_text("   \n", encoding="utf-8")  # fails alone, with one line
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # travels with the job to the actors
    args = ["translate", str(inputs), "--model", str(tiny_model), "--formats", "jsonl,md,txt,xliff"]

    monkeypatch.setenv("ZHEN_HOME", str(tmp_path / "home-local"))
    local = CliRunner().invoke(main, [*args, "-o", str(tmp_path / "local")])
    assert local.exit_code == 1, local.output

    # The cluster run, with a fresh translation memory so that the actors really translate; every
    # output write counted. The translation stage the actors run reports each call's process in a
    # file (this local function travels by value), and the first call lingers: the test kills that
    # actor by its PID while it holds its chunk.
    monkeypatch.setenv("ZHEN_HOME", str(tmp_path / "home-cluster"))
    writes: collections.Counter[str] = collections.Counter()
    real_write = pipeline.write.atomic_write

    def counting_write(path: Path, text: str) -> None:
        writes[str(path)] += 1
        real_write(path, text)

    monkeypatch.setattr(pipeline.write, "atomic_write", counting_write)
    calls = tmp_path / "calls"
    calls.mkdir()
    real_translate = pipeline.run.translate_checked

    def reporting_translate(docs: Any, translator: Any, glossary: Any, options: Any) -> Any:
        first = not any(calls.iterdir())
        (calls / f"{os.getpid()}-{time.monotonic_ns()}").write_text(str(len(docs)))
        if first:
            time.sleep(5)
        return real_translate(docs, translator, glossary, options)

    monkeypatch.setattr(pipeline.run, "translate_checked", reporting_translate)
    killed: list[int] = []

    def kill_first_translating_actor() -> None:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and not killed:
            found = sorted(calls.iterdir())
            if found:
                pid = int(found[0].name.split("-")[0])
                assert "TranslateActor" in _processes(ray_cluster.groups).get(pid, ""), pid
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
            time.sleep(0.05)

    killer = threading.Thread(target=kill_first_translating_actor, daemon=True)
    killer.start()
    producers: list[int] = []
    real_stream = pipeline.run.translate_stream

    def stream(*a: Any, **kw: Any) -> Iterator[Any]:
        for t in real_stream(*a, **kw):
            producers.append(t.pid)
            yield t

    monkeypatch.setattr(pipeline.run, "translate_stream", stream)
    out = tmp_path / "cluster"
    run = CliRunner().invoke(main, [*args, "-o", str(out), "--cluster", ray_cluster.address])
    assert run.exit_code == 1, run.output
    assert "Traceback" not in run.output
    errors = [ln for ln in run.output.splitlines() if ln.startswith("error: ")]
    assert len(errors) == 1 and "empty.txt" in errors[0], run.output
    assert f"cluster: Ray 2.60.0 at {ray_cluster.address}: 2 node(s), 2 CPU(s)" in run.output
    assert "documents: 40 translated, 0 up to date, 1 failed" in run.output
    killer.join(timeout=5)
    assert len(killed) == 1
    assert killed[0] not in producers  # its chunk came back from another actor process
    assert len(list(calls.iterdir())) >= 3  # two chunks, one of them twice

    want = _outputs(tmp_path / "local")
    assert len(want) == 160
    got = _outputs(out)
    assert sorted(got) == sorted(want)
    assert [n for n in want if got[n] != want[n]] == []
    assert set(writes.values()) == {1} and len(writes) == 160  # every output written once, none twice
    assert len(producers) == 40
    record = (out / ".zhen-cluster.jsonl").read_text(encoding="utf-8")
    assert ray_cluster.address in record and "release-39" in record

    # A second run finds everything up to date (as a run after Ctrl-C finds what was written).
    again = CliRunner().invoke(main, [*args, "-o", str(out), "--cluster", ray_cluster.address])
    assert "documents: 0 translated, 40 up to date, 1 failed" in again.output, again.output
    assert set(writes.values()) == {1}


def test_without_ray_cluster_says_how_to_install_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "a.txt").write_text(_release(0), encoding="utf-8")
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray raises ImportError, as without the extra
    r = CliRunner().invoke(main, ["translate", str(tmp_path / "a.txt"), "-o", str(tmp_path / "out"),
                                  "--cluster", "127.0.0.1:1"])
    assert r.exit_code == 2, r.output
    assert "install it with: pip install 'zhen[cluster]'" in r.output
    assert "Traceback" not in r.output
    assert not (tmp_path / "out" / "a.jsonl").exists()


def test_an_address_nobody_answers_is_a_setup_error(tmp_path: Path, tiny_model: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "a.txt").write_text(_release(0), encoding="utf-8")
    monkeypatch.setenv("ZHEN_CLUSTER", f"127.0.0.1:{_free_port()}")  # the environment names it too
    r = CliRunner().invoke(main, ["translate", str(tmp_path / "a.txt"), "-o", str(tmp_path / "out"),
                                  "--model", str(tiny_model)])
    assert r.exit_code == 2, r.output
    assert "cannot reach the Ray cluster at 127.0.0.1:" in r.output and "--cluster" in r.output


def test_a_node_without_the_model_stages_it_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = {"config.json": b"{}", "source.spm": b"spm" * 100, "sub/extra.bin": b"\0" * 10}
    sizes = {k: len(v) for k, v in files.items()}
    ref = ModelRef(id="some/model", path=tmp_path / "not-on-this-node", revision="r1", origin="folder")
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))  # this "node"'s temporary folder
    fetched: list[int] = []

    def fetch() -> dict[str, bytes]:
        fetched.append(1)
        return files

    staged = stage_model(ref, sizes, fetch)
    assert staged.is_relative_to(tmp_path / "tmp")
    assert {str(p.relative_to(staged)): p.read_bytes() for p in staged.rglob("*") if p.is_file()} == files
    assert stage_model(ref, sizes, fetch) == staged and len(fetched) == 1  # the node's second actor finds it
    # a node that sees the model's own folder (shared, or staged there beforehand) uses it as it is
    seen = tmp_path / "shared"
    for name, data in files.items():
        (seen / name).parent.mkdir(parents=True, exist_ok=True)
        (seen / name).write_bytes(data)
    assert stage_model(ModelRef("some/model", seen, "r1", "folder"), sizes, fetch) == seen
    assert len(fetched) == 1


def test_actors_read_the_memory_snapshot_and_hand_new_entries_back() -> None:
    known = Translation("Known.", (), -0.1)
    memory = SnapshotMemory({"已知": known})
    assert memory.get_many("ctx", ["已知", "新句"]) == {"已知": known}
    memory.hits, memory.misses = 1, 1
    memory.put_many("ctx", [("新句", Translation("New."))])
    assert memory.get_many("ctx", ["新句"]) == {"新句": Translation("New.")}  # the actor's later chunks see it
    assert memory.take() == ([("新句", Translation("New."))], 1, 1)
    assert memory.take() == ([], 0, 0)  # handed back once
