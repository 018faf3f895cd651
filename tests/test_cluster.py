"""zhen translate --cluster on a real two-node Ray cluster on this machine, loopback only.

The fixture starts a head node and a second node joining it (`ray start --block`, one CPU
each, no dashboard, their own temporary folders: tests/ray_nodes.py's loopback_cluster) and
stops both by the process groups it started. Ray rewrites 127.0.0.1 to the machine's routable
address wherever it meets it (ray._private.services.resolve_ip_for_localhost), which would make
a two-node cluster on one machine listen on every interface; the nodes and the drivers here are
told to keep the loopback address as given, and a test checks that nothing of the cluster's
listens anywhere else.
"""

from __future__ import annotations

import collections
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
import ray_nodes
from click.testing import CliRunner
from ray_nodes import cluster_processes, free_port, loopback_cluster

import pipeline.cluster
import pipeline.write
from pipeline.cli import main
from pipeline.cluster import SnapshotMemory, stage_model
from pipeline.records import ModelRef, Translation

ROOT = Path(__file__).resolve().parents[1]
EPOCH = "1700000000"  # SOURCE_DATE_EPOCH: outputs record this time, so that two runs can be compared
PLACES = ["浙江", "江苏", "广东", "四川", "湖北", "山东", "河南", "福建"]
CRIMES = ["电信网络诈骗", "非法集资", "网络赌博", "盗窃", "走私", "传销"]


@dataclass
class Cluster:
    address: str
    groups: tuple[int, ...]  # the process groups of the two `ray start` commands (each its own session)
    logs: Path


@dataclass
class Batch:
    inputs: Path
    args: list[str]  # zhen translate's, without -o
    local: dict[str, bytes]  # name -> bytes of every output of the local run


@pytest.fixture(scope="module")
def ray_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """The two nodes (tests/ray_nodes.py; bench/cluster.py starts them the same way for the benchmark)."""
    root = tmp_path_factory.mktemp("ray")
    # The nodes run without token authentication; so must the drivers of these tests (this process
    # and its subprocesses), whatever this machine holds: with a ~/.ray/auth_token left by another
    # program, a driver in token mode sends a token the nodes do not know how to check, and the
    # nodes cannot fetch its objects (Ray reports the driver as dead: OwnerDiedError).
    with pytest.MonkeyPatch.context() as mp, loopback_cluster(root) as (address, groups):
        mp.setenv("RAY_AUTH_MODE", "disabled")
        yield Cluster(address, groups, root)


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory, tiny_model: Path) -> Batch:
    """40 releases and an empty file, and what a local run writes for them."""
    root = tmp_path_factory.mktemp("batch")
    inputs = root / "in"
    inputs.mkdir()
    for i in range(40):
        (inputs / f"release-{i:02d}.txt").write_text(_release(i), encoding="utf-8")
    (inputs / "empty.txt").write_text("   \n", encoding="utf-8")  # fails alone, with one line
    args = ["translate", str(inputs), "--model", str(tiny_model), "--formats", "jsonl,md,txt,xliff"]
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOURCE_DATE_EPOCH", EPOCH)
        mp.setenv("ZHEN_HOME", str(root / "home-local"))
        local = CliRunner().invoke(main, [*args, "-o", str(root / "local")])
    assert local.exit_code == 1, local.output
    want = _outputs(root / "local")
    assert len(want) == 160
    return Batch(inputs, args, want)


def _processes(groups: tuple[int, ...]) -> dict[int, str]:
    return dict(cluster_processes(groups))


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
        ray_cluster: Cluster, batch: Batch, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)  # travels with the job to the actors
    args = batch.args

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
    real_translate = pipeline.cluster.actor_stages

    def reporting_translate(docs: Any, ctx: Any) -> Any:
        first = not any(calls.iterdir())
        (calls / f"{os.getpid()}-{time.monotonic_ns()}").write_text(str(len(docs)))
        if first:
            time.sleep(5)
        return real_translate(docs, ctx)

    monkeypatch.setattr(pipeline.cluster, "actor_stages", reporting_translate)
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
    real_stream = pipeline.cluster.translate_stream

    def stream(*a: Any, **kw: Any) -> Iterator[Any]:
        for t in real_stream(*a, **kw):
            producers.append(t.pid)
            yield t

    monkeypatch.setattr(pipeline.cluster, "translate_stream", stream)
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

    want = batch.local
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
    monkeypatch.setenv("ZHEN_CLUSTER", f"127.0.0.1:{free_port()}")  # the environment names it too
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


# A driver in its own process, for Ctrl-C: zhen's CLI, keeping the loopback address (as the
# fixture's driver does), its actors' translation stage lingering on every chunk after the first
# (this function travels by value), so that the interrupt lands while a chunk is at work.
DRIVER = """
import os, sys, time
import ray._private.services as services
services.resolve_ip_for_localhost = lambda host: host
import pipeline.cluster as cluster
real = cluster.actor_stages
CALLS = sys.argv.pop(1)
def lingering(docs, ctx):
    later = len(os.listdir(CALLS)) > 0
    open(os.path.join(CALLS, f"{os.getpid()}-{time.monotonic_ns()}"), "w").close()
    if later:
        time.sleep(600)
    return real(docs, ctx)
cluster.actor_stages = lingering
from pipeline.cli import main
sys.argv[0] = "zhen"
main()
"""


def test_ctrl_c_stops_the_job_and_a_second_run_does_the_rest(
        ray_cluster: Cluster, batch: Batch, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out, calls = tmp_path / "out", tmp_path / "calls"
    calls.mkdir()
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH, "ZHEN_HOME": str(tmp_path / "home")}
    driver = subprocess.Popen([sys.executable, "-c", DRIVER, str(calls), *batch.args, "-o", str(out),
                               "--cluster", ray_cluster.address], env=env, cwd=tmp_path,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        # Ctrl-C once the first chunk is written and the next one is at work
        deadline, seen, stable_since = time.monotonic() + 300, -1, time.monotonic()
        while time.monotonic() < deadline and driver.poll() is None:
            done = len(list(out.glob("*.jsonl"))) if out.exists() else 0
            if done != seen:
                seen, stable_since = done, time.monotonic()
            elif done and len(list(calls.iterdir())) >= 2 and time.monotonic() - stable_since > 2:
                break
            time.sleep(0.2)
        assert driver.poll() is None, driver.communicate()
        driver.send_signal(signal.SIGINT)
        _, err = driver.communicate(timeout=120)
    finally:
        if driver.poll() is None:
            driver.kill()
            driver.wait()
    stderr = err.decode()
    assert driver.returncode == 130, stderr
    assert "interrupted: finished documents are written in full" in stderr and "Traceback" not in stderr
    written = _outputs(out)
    assert 0 < len(written) < 160 and len(written) % 4 == 0  # whole documents, four files each
    assert all(batch.local[name] == data for name, data in written.items())
    assert not list(out.glob(".*.tmp"))
    # the job went with its driver: no translation actor lives on (the lingering one included)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and any("TranslateActor" in c for c in _processes(ray_cluster.groups).values()):
        time.sleep(0.5)
    assert not any("TranslateActor" in c for c in _processes(ray_cluster.groups).values())

    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    monkeypatch.setenv("ZHEN_HOME", str(tmp_path / "home"))
    rest = CliRunner().invoke(main, [*batch.args, "-o", str(out), "--cluster", ray_cluster.address])
    before = len(written) // 4
    assert f"documents: {40 - before} translated, {before} up to date, 1 failed" in rest.output, rest.output
    assert _outputs(out) == batch.local


# ---------------------------------------------------------------------------- issue 31, items 16 and 21


def _readme_local_cluster() -> tuple[list[str], list[str]]:
    """The README's two lines for a cluster on one machine: the node, then zhen."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = next(b for b in text.split("```")[1::2] if "pipeline.loopback_ray" in b)
    lines = [ln.split("#", 1)[0].split() for ln in block.strip().splitlines()]
    assert len(lines) == 2 and lines[0][:3] == ["python", "-m", "pipeline.loopback_ray"] and lines[1][0] == "zhen"
    return lines[0], lines[1]


@pytest.mark.parametrize("token_file", [True, False], ids=["token-file", "no-token-file"])
def test_readme_local_cluster_steps_as_written(token_file: bool, tmp_path: Path, tiny_model: Path) -> None:
    """Issue 31 items 16 and 21: the README's steps with the pinned Ray, under a temporary home
    folder with and without ~/.ray/auth_token (the real one is never touched): zhen joins, the
    outputs are written, and nothing of the node listens beyond loopback."""
    bench = ray_nodes
    home = tmp_path / "home"
    (home / ".ray").mkdir(parents=True)
    if token_file:
        (home / ".ray" / "auth_token").write_text("0123456789abcdef0123456789abcdef", encoding="utf-8")
    (tmp_path / "tmp").mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAY_")}
    env.update(HOME=str(home), TMPDIR=str(tmp_path / "tmp"), RAY_USAGE_STATS_ENABLED="0",
               ZHEN_HOME=str(tmp_path / "zhen-home"), ZHEN_CLUSTER_TIMEOUT="120")
    port = str(free_port())
    node, driver = _readme_local_cluster()
    session = Path(tempfile.mkdtemp(prefix="zhen-ray-"))  # Ray's socket paths must stay short
    # as written, plus what keeps a test's node small and its session its own
    node = [sys.executable if w == "python" else port if w == "6379" else w for w in node]
    node += ["--num-cpus", "1", "--object-store-memory", "200000000", "--disable-usage-stats",
             "--temp-dir", str(session)]
    inputs = tmp_path / "archive"
    inputs.mkdir()
    for i in range(3):
        (inputs / f"r{i}.txt").write_text(_release(i), encoding="utf-8")
    zhen = Path(sys.executable).parent / "zhen"
    driver = [str(zhen) if w == "zhen" else str(inputs) if w == "archive/" else str(tmp_path / "out")
              if w == "out/" else w.replace("6379", port) for w in driver]
    driver += ["--model", str(tiny_model)]  # the README's default model is not on this machine
    log = tmp_path / "node.log"
    with log.open("wb") as fh:
        proc = subprocess.Popen(node, env=env, stdout=fh, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                cwd=ROOT, start_new_session=True, preexec_fn=bench._die_with_parent)
    try:
        bench._wait(proc, log)
        head = log.read_text(errors="replace")
        assert ("Token authentication is enabled" in head) == token_file, head[-2000:]
        assert "Local node IP: 127.0.0.1" in head  # not rewritten to the machine's routable address
        run = subprocess.run(driver, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, run.stderr[-3000:]
        assert sorted(p.name for p in (tmp_path / "out").glob("r*.jsonl")) == ["r0.jsonl", "r1.jsonl", "r2.jsonl"]
        listening = _listening((proc.pid,))
        assert listening and set(listening) <= {"0100007F", "0000000000000000FFFF00000100007F",
                                                "00000000000000000000000001000000"}, listening
    finally:
        bench._stop(proc)
        import shutil

        shutil.rmtree(session, ignore_errors=True)
    assert (home / ".ray" / "auth_token").exists() == token_file  # no token written where there was none


def test_the_driver_finds_the_cluster_token_where_ray_does(tmp_path: Path) -> None:
    """Issue 31 item 16, without a cluster: the token from the option, else where `ray start`
    would find it (a temporary home folder here, never the real one); an explicit mode is kept."""
    from pipeline.cluster import use_token_auth

    with pytest.MonkeyPatch.context() as mp:
        for k in ("RAY_AUTH_MODE", "RAY_AUTH_TOKEN", "RAY_AUTH_TOKEN_PATH"):
            mp.delenv(k, raising=False)
        mp.setenv("HOME", str(tmp_path))
        assert not use_token_auth(None) and "RAY_AUTH_MODE" not in os.environ  # no token: Ray's default
        (tmp_path / ".ray").mkdir()
        (tmp_path / ".ray" / "auth_token").write_text("f" * 32, encoding="utf-8")
        assert use_token_auth(None) and os.environ["RAY_AUTH_MODE"] == "token"  # the file ray start would use
        mp.setenv("RAY_AUTH_MODE", "disabled")
        assert not use_token_auth(None)  # said explicitly: respected
        assert use_token_auth("a" * 32) and os.environ["RAY_AUTH_TOKEN"] == "a" * 32  # the option wins
    use_token_auth(None)  # Ray's settings back to this process's own environment


def test_joining_what_is_no_ray_cluster_is_one_line_within_the_limit(tmp_path: Path, tiny_model: Path) -> None:
    """Issue 31 item 16: an address that accepts connections but is no cluster the driver can
    join (as a cluster with a token it lacks was) ends with one line and exit 2, within
    ZHEN_CLUSTER_TIMEOUT, instead of retrying for ever."""
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(64)  # accepts (the kernel does), answers nothing
    held: list[socket.socket] = []
    stop = threading.Event()

    def hold() -> None:
        silent.settimeout(0.2)
        while not stop.is_set():  # bounded by the test below
            try:
                held.append(silent.accept()[0])
            except OSError:
                continue

    holder = threading.Thread(target=hold, daemon=True)
    holder.start()
    (tmp_path / "a.txt").write_text(_release(0), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAY_")}
    env.update(HOME=str(tmp_path), ZHEN_HOME=str(tmp_path / "zh"), ZHEN_CLUSTER_TIMEOUT="15")
    try:
        run = subprocess.run([str(Path(sys.executable).parent / "zhen"), "translate", str(tmp_path / "a.txt"), "-o",
                              str(tmp_path / "out"), "--model", str(tiny_model), "--cluster",
                              f"127.0.0.1:{silent.getsockname()[1]}"], env=env, capture_output=True, text=True,
                             timeout=240)
    finally:
        stop.set()
        holder.join(timeout=5)
        for s in held:
            s.close()
        silent.close()
    errors = [ln for ln in run.stderr.splitlines() if ln.startswith("error:")]
    assert run.returncode == 2, run.stderr[-2000:]
    assert len(errors) == 1 and "cannot join the Ray cluster at 127.0.0.1:" in errors[0]
    assert "--cluster-token" in errors[0]
    assert "Traceback" not in run.stderr and not (tmp_path / "out" / "a.jsonl").exists()
