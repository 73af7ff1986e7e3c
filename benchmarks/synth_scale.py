#!/usr/bin/env python
"""Synth at platform scale: the library against raw cdktf, same resources.

For each N it writes three environments (the shipped dev, staging and prod
files with their apps replaced by N apps shaped like `myapp`: secrets, and
every fourth app calling the one before it through Connect), synthesizes them
with `main.py` (the library's own path), replays the output through
`raw_cdktf.py` (prebuilt provider classes, literal values), checks the two
outputs are byte-identical, and reports wall time, CPU time of the whole
process tree (Node runtimes included) and its peak RSS, each the median of
--repeat runs taken in turn. Then it times `python -m hashistack check` on
the largest output and the ACL engine's look-ups per second.

    python benchmarks/synth_scale.py [--apps 5 100 500] [--jobs N] [--repeat 3] [--json]

The last line with --json is one JSON list, a row per N.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
ENVIRONMENTS = ("dev", "staging", "prod")


def app_toml(i: int, tier: str) -> str:
    name = f"app-{i:04d}"
    lines = [
        "[[apps]]",
        f'name = "{name}"',
        f'image = "registry.example.internal/{name}:1.{i}.0"',
        f"port = {8000 + i % 1000}",
        'secrets = { DB_USER = "username", DB_PASS = "password" }',
    ]
    if tier == "prod":
        lines.append("count = 3")
    if i % 4 == 3:
        lines.append(f'upstreams = ["app-{i - 1:04d}"]')
    return "\n".join(lines) + "\n"


def write_environments(directory: Path, apps: int) -> None:
    """The shipped environment files, each with `apps` generated apps."""
    directory.mkdir(parents=True, exist_ok=True)
    for env in ENVIRONMENTS:
        text = (ROOT / "environments" / f"{env}.toml").read_text()
        head = text.split("[[apps]]", 1)[0].rstrip() + "\n\n"
        tier = "prod" if env == "prod" else env
        body = "\n".join(app_toml(i, tier) for i in range(apps))
        (directory / f"{env}.toml").write_text(head + body)


# Measuring ---------------------------------------------------------------------


def _tree_rss(root: int) -> int:
    """Resident bytes of `root` and every descendant, from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(entry)
        children.setdefault(int(fields[1]), []).append(pid)
        rss[pid] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo += children.get(pid, [])
    return total


def _adopt_orphans() -> None:
    """Become the reaper of every descendant (Linux PR_SET_CHILD_SUBREAPER), so a
    process whose parent exits first (a worker's Node runtime) is still counted."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(36, 1, 0, 0, 0) != 0:  # PR_SET_CHILD_SUBREAPER
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER) failed")


def _reap_all() -> None:
    while True:
        try:
            os.wait()
        except ChildProcessError:
            return


def measure(cmd: list[str], env: dict[str, str] | None = None) -> dict:
    """Wall and CPU seconds of the process tree, and its peak RSS in MB."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **(env or {})},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.05):
            peak[0] = max(peak[0], _tree_rss(proc.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    wall = time.perf_counter() - start
    done.set()
    sampler.join()
    _reap_all()  # orphans adopted from the tree: their CPU counts too
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{err[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall": wall, "cpu": cpu, "rss_mb": peak[0] / 2**20, "stdout": out}


def compare(library: Path, raw: Path) -> int:
    """Number of stacks; raises if any cdk.tf.json differs byte for byte."""
    stacks = sorted(p.parent.name for p in library.glob("stacks/*/cdk.tf.json"))
    for stack in stacks:
        a = (library / "stacks" / stack / "cdk.tf.json").read_bytes()
        b = (raw / "stacks" / stack / "cdk.tf.json").read_bytes()
        if a != b:
            raise SystemExit(f"{stack}: the raw baseline's cdk.tf.json differs from the library's")
    return len(stacks)


def count_resources(outdir: Path) -> int:
    return sum(
        len(items)
        for p in outdir.glob("stacks/*/cdk.tf.json")
        for items in (json.loads(p.read_text()).get("resource") or {}).values()
    )


def run_scale(apps: int, work: Path, jobs: int | None, repeat: int) -> tuple[dict, Path]:
    """Library and raw in turn, `repeat` times each (turns keep a drifting machine
    fair to both); the median of each figure."""
    envs, lib_out, raw_out = work / f"env-{apps}", work / f"lib-{apps}", work / f"raw-{apps}"
    write_environments(envs, apps)
    cmd = [PYTHON, "main.py", "--quiet"] + (["--jobs", str(jobs)] if jobs else [])
    runs: dict[str, list[dict]] = {"library": [], "raw": []}
    for _ in range(repeat):
        shutil.rmtree(lib_out, ignore_errors=True)
        shutil.rmtree(raw_out, ignore_errors=True)
        runs["library"].append(
            measure(cmd, {"HASHISTACK_ENVIRONMENTS": str(envs), "CDKTF_OUTDIR": str(lib_out)}))
        runs["raw"].append(measure([PYTHON, "benchmarks/raw_cdktf.py", str(lib_out), str(raw_out)]))
        compare(lib_out, raw_out)
    row: dict = {"apps": apps, "resources": count_resources(lib_out)}
    for who, measured in runs.items():
        row[f"{who}_s"] = round(statistics.median(m["wall"] for m in measured), 2)
    for who, measured in runs.items():
        row[f"{who}_cpu_s"] = round(statistics.median(m["cpu"] for m in measured), 2)
    for who, measured in runs.items():
        row[f"{who}_rss_mb"] = round(statistics.median(m["rss_mb"] for m in measured), 1)
    return row, lib_out


def acl_lookups_per_second(rules: int = 1000, seconds: float = 1.0) -> float:
    """`Acl.capabilities()` look-ups per second over `rules` rules of every kind."""
    sys.path.insert(0, str(ROOT))
    from hashistack.vault.acl import Acl
    from hashistack.vault.policy import PolicyDocument

    doc = PolicyDocument(name="bench")
    for i in range(rules):
        kind = i % 4
        if kind == 0:
            doc.add(f"secret/data/app-{i}", ["read"])
        elif kind == 1:
            doc.add(f"kv/team-{i}/*", ["read", "list"])
        elif kind == 2:
            doc.add(f"secret/+/svc-{i}/config", ["read"])
        else:
            doc.add(f"pki/issue/role-{i}", ["update"])
    acl = Acl.from_policies([doc])
    paths = [f"secret/data/app-{i}" for i in range(0, rules, 7)]
    paths += [f"kv/team-{i}/db/creds" for i in range(1, rules, 9)]
    paths += [f"secret/data/svc-{i}/config" for i in range(2, rules, 11)]
    paths += ["sys/mounts", "auth/token/lookup-self", "secret/data/missing"]
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for path in paths:
            acl.capabilities(path)
        done += len(paths)
    return done / (time.perf_counter() - start)


TARGETS = (
    "library <= 1.15x raw at N = 5 and <= 1.25x at N = 500 (wall and CPU); "
    "check on the largest output >= 10x faster than its synth; "
    "ACL engine >= 50,000 look-ups/s over 1,000 rules"
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--apps", type=int, nargs="+", default=[5, 100, 500])
    parser.add_argument("--jobs", type=int, default=None, help="main.py --jobs (default: its own)")
    parser.add_argument("--json", action="store_true", help="end with one JSON list of the rows")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each, median reported")
    parser.add_argument("--keep", type=Path, help="keep the outputs here")
    args = parser.parse_args()

    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python "
          f"{platform.python_version()}, {platform.platform()}", file=sys.stderr)
    _adopt_orphans()
    rows = []
    with tempfile.TemporaryDirectory(prefix="hashistack-bench-") as tmp:
        work = args.keep or Path(tmp)
        header = (f"{'apps':>5} {'resources':>9} {'lib s':>7} {'raw s':>7} {'x':>5} "
                  f"{'lib cpu':>8} {'raw cpu':>8} {'x':>5} {'lib MB':>7} {'raw MB':>7}")
        print(header)
        largest = None
        for apps in args.apps:
            row, out = run_scale(apps, work, args.jobs, args.repeat)
            rows.append(row)
            largest = (row, out)
            print(f"{row['apps']:>5} {row['resources']:>9} {row['library_s']:>7.2f} "
                  f"{row['raw_s']:>7.2f} {row['library_s'] / row['raw_s']:>5.2f} "
                  f"{row['library_cpu_s']:>8.2f} {row['raw_cpu_s']:>8.2f} "
                  f"{row['library_cpu_s'] / row['raw_cpu_s']:>5.2f} "
                  f"{row['library_rss_mb']:>7.1f} {row['raw_rss_mb']:>7.1f}", flush=True)
        for a, b in zip(rows, rows[1:], strict=False):
            extra = b["apps"] - a["apps"]
            per = {w: (b[f"{w}_s"] - a[f"{w}_s"]) / extra * 1000 for w in ("library", "raw")}
            mem = (b["library_rss_mb"] - a["library_rss_mb"]) / extra
            print(f"N = {a['apps']} -> {b['apps']}: {per['library']:.0f} ms per app "
                  f"(raw {per['raw']:.0f} ms), {mem:.2f} MB per app")
        row, out = largest
        checks = [measure([PYTHON, "-m", "hashistack", "check", str(out)])
                  for _ in range(args.repeat)]
        check = {k: statistics.median(c[k] for c in checks) for k in ("wall", "cpu")}
        print(f"check on the N = {row['apps']} output: {check['wall']:.2f} s "
              f"(CPU {check['cpu']:.2f} s), {row['library_s'] / check['wall']:.1f}x faster "
              f"than its synth")
        rate = acl_lookups_per_second()
        print(f"ACL engine: {rate:,.0f} capabilities() look-ups/s over 1,000 rules")
        print(f"targets: {TARGETS}")
        for r in rows:
            r["check_s"] = round(check["wall"], 2) if r is row else None
        rows[-1]["acl_lookups_per_s"] = round(rate)
    if args.json:
        print(json.dumps(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
