"""Write every output zhen makes for the samples, to compare two versions byte for byte.

    python bench/snapshot_outputs.py OUT_DIR            # run the CLI of this checkout
    python bench/snapshot_outputs.py --compare A B      # differences, provenance times masked

A restructuring must not change what users get: run it before and after, then compare.
The model is a tiny random-weight Marian built from tests/tiny.py in a fixed folder, so
that both runs see the same model id and revision; ZHEN_HOME is a fresh folder each run.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODEL = Path(tempfile.gettempdir()) / "zhen-snapshot-model"
# Provenance times and the TMX creation date are the only parts allowed to differ.
_TIME = re.compile(r'("created": ")[^"]*(")|(creationdate=")[^"]*(")|(· )\d{4}-\d\d-\d\dT[\d:+]+(\*|</footer>)')


_OUTPUT_SUM = re.compile(r'"([^"/]+\.(?:md|html|tmx|xliff|txt|json|docx))": "([0-9a-f]{64})"')


def _zhen(*args: str, home: Path) -> None:
    env = {**os.environ, "ZHEN_HOME": str(home), "HF_HUB_OFFLINE": "1"}
    cmd = [sys.executable, "-c", "from pipeline.cli import main; main()", *args]
    subprocess.run(cmd, cwd=ROOT, env=env, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def snapshot(out: Path) -> None:
    sys.path.insert(0, str(ROOT / "tests"))
    from tiny import build_tiny_marian

    if not (MODEL / "config.json").exists():
        build_tiny_marian(MODEL, beams=2)
    home = Path(tempfile.mkdtemp(prefix="zhen-snap-home-"))
    samples = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "samples").glob("*.txt"))
    m = ["--model", str(MODEL), "--engine", "torch", "--precision", "float32"]
    _zhen("translate", *samples, "-o", str(out / "translate"), *m, "--formats", "jsonl,md,txt,tmx,xliff,html",
          "--summary", "-q", home=home)
    _zhen("translate", *samples, "-o", str(out / "check"), *m, "--glossary-mode", "check", "--facts", "fix",
          "--no-cache", "-q", home=home)
    _zhen("summarize", *samples, "-o", str(out / "summarize"), *m, "--sentences", "3", "-q", home=home)
    for fmt in ("json", "text"):
        env = {**os.environ, "ZHEN_HOME": str(home)}
        res = subprocess.run([sys.executable, "-c", "from pipeline.cli import main; main()", "segment", *samples,
                              "--format", fmt], cwd=ROOT, env=env, capture_output=True, text=True, check=False)
        (out / f"segment.{fmt}").write_text(res.stdout + res.stderr, encoding="utf-8")
    shutil.rmtree(home, ignore_errors=True)


def _masked(path: Path, a: Path, b: Path) -> str:
    """The file with its times masked, and, in a JSONL's provenance, the checksum of every output
    that is itself the same in both snapshots once its times are masked (a Markdown, page or TMX
    holds its creation time, so its checksum differs between any two runs)."""
    text = _TIME.sub("T", path.read_text(encoding="utf-8"))
    folder = path.parent.relative_to(a if path.is_relative_to(a) else b)

    def same(m: re.Match[str]) -> str:
        fa, fb = a / folder / m[1], b / folder / m[1]
        if fa.exists() and fb.exists() and _TIME.sub("T", fa.read_text("utf-8")) == _TIME.sub(
                "T", fb.read_text("utf-8")):
            return f'"{m[1]}": "same in both"'
        return m[0]

    return _OUTPUT_SUM.sub(same, text) if path.suffix == ".jsonl" else text


def compare(a: Path, b: Path) -> int:
    names = sorted({p.relative_to(a) for p in a.rglob("*") if p.is_file()}
                   | {p.relative_to(b) for p in b.rglob("*") if p.is_file()})
    bad = 0
    for name in names:
        pa, pb = a / name, b / name
        if not (pa.exists() and pb.exists()):
            print(f"only in one: {name}")
            bad += 1
            continue
        ta, tb = (_masked(p, a, b) for p in (pa, pb))
        if ta != tb:
            print(f"differs: {name}")
            bad += 1
    print(f"{len(names)} files, {len(names) - bad} identical (times masked), {bad} different")
    return 1 if bad else 0


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("out", nargs="?")
    ap.add_argument("--compare", nargs=2, metavar=("A", "B"))
    args = ap.parse_args()
    if args.compare:
        sys.exit(compare(Path(args.compare[0]), Path(args.compare[1])))
    snapshot(Path(args.out))
