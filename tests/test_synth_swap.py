"""main.py's swap of cdktf.out/: whole (old or new) and with every file Terraform
left there, wherever a synth is killed; concurrent synths queue on a lock; scratch
folders of killed synths are cleaned up (and what an older main.py stranded there
brought back).

A kill is simulated in-process: every rename, unlink and rmdir is counted, and the
k-th raises `Killed` (a BaseException: no `except Exception` and no cleanup of
ours runs after it, as after `kill -9`), for every k of a clean run."""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

import pytest

import main

ROOT = Path(__file__).resolve().parent.parent
OLD, NEW = ("a", "b", "c"), ("a", "b", "d")  # c is dropped by the new synth, d is added


class Killed(BaseException):
    """kill -9 at this point."""


@contextmanager
def killed_at(k: int | None):
    """Count renames, unlinks and rmdirs; raise Killed at the k-th (None: never)."""
    calls = {"n": 0}
    real = {name: getattr(os, name) for name in ("rename", "replace", "unlink", "rmdir")}

    def counted(name):
        def op(*args, **kwargs):
            calls["n"] += 1
            if k is not None and calls["n"] == k:
                raise Killed(f"killed at {name} #{k}")
            return real[name](*args, **kwargs)
        return op

    with mock.patch.multiple(os, **{name: counted(name) for name in real}):
        yield calls


def write_output(root: Path, version: str, stacks=NEW) -> None:
    """What a synth writes: a manifest and each stack's JSON."""
    for stack in stacks:
        (root / "stacks" / stack).mkdir(parents=True)
        doc = {"version": version, "stack": stack}
        (root / "stacks" / stack / "cdk.tf.json").write_text(json.dumps(doc))
    manifest = {"version": version, "stacks": sorted(stacks)}
    (root / "manifest.json").write_text(json.dumps(manifest))


def kept(stack: str) -> dict[str, str]:
    """What `terraform init` / `apply` leave in a stack's folder."""
    return {
        ".terraform/providers/vault/terraform-provider-vault": f"plugin {stack}",
        ".terraform/terraform.tfstate": f"backend {stack}",
        ".terraform.lock.hcl": f"lock {stack}",
        "terraform.tfstate": f"state {stack}",
        "terraform.tfstate.backup": f"backup {stack}",
    }


def deploy(root: Path, stacks=OLD) -> None:
    for stack in stacks:
        for name, text in kept(stack).items():
            path = root / "stacks" / stack / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)


def old_output(project: Path) -> Path:
    target = project / "cdktf.out"
    write_output(target, "old", OLD)
    deploy(target)
    return target


def synth(target: Path, version: str = "new") -> None:
    """The part of main.main() that runs under the lock, with a fake synth."""
    main._recover(target)
    scratch = Path(tempfile.mkdtemp(prefix=main._scratch_prefix(target), dir=target.parent))
    write_output(scratch, version)
    main._replace(target, scratch)


def assert_whole(target: Path, *, lock: bool = False) -> str:
    """A whole output at `target`, every kept file of its stacks in place, nothing
    else left next to it. Returns the output's version."""
    manifest = json.loads((target / "manifest.json").read_text())
    version, stacks = manifest["version"], manifest["stacks"]
    assert sorted(p.name for p in (target / "stacks").iterdir()) == stacks
    for stack in stacks:
        doc = json.loads((target / "stacks" / stack / "cdk.tf.json").read_text())
        assert doc == {"version": version, "stack": stack}
        if stack in OLD:  # deployed before: everything Terraform left is still there
            for name, text in kept(stack).items():
                assert (target / "stacks" / stack / name).read_text() == text, (stack, name)
    assert version == "old" and stacks == list(OLD) or stacks == list(NEW)
    left = sorted(p.name for p in target.parent.iterdir())
    assert left == [target.name, *([target.name + ".lock"] if lock else [])]
    return version


def test_a_clean_swap_keeps_terraforms_files(tmp_path):
    target = old_output(tmp_path)
    with killed_at(None) as calls:
        synth(target)
    assert calls["n"] > 10
    assert assert_whole(target) == "new"
    assert not (target / "stacks" / "d" / ".terraform").exists()


def ops_of_a_synth(tmp_path: Path) -> int:
    target = old_output(tmp_path / "count")
    with killed_at(None) as calls:
        synth(target)
    return calls["n"]


def test_a_kill_anywhere_in_the_swap_leaves_what_the_next_synth_makes_whole(tmp_path):
    total = ops_of_a_synth(tmp_path)
    seen = set()
    for k in range(1, total + 1):
        target = old_output(tmp_path / f"k{k}")
        with pytest.raises(Killed), killed_at(k):
            synth(target)
        # The next synth's first step, under the lock: a whole output again ...
        main._recover(target)
        seen.add(assert_whole(target))
        # ... and its swap then gives the new one, still with every kept file.
        synth(target, "newer")
        assert json.loads((target / "manifest.json").read_text())["version"] == "newer"
        for stack in ("a", "b"):
            for name, text in kept(stack).items():
                assert (target / "stacks" / stack / name).read_text() == text, (k, name)
    assert seen == {"old", "new"}  # killed before the new output was in place, and after


def test_a_kill_while_recovering_from_a_kill_is_recovered_too(tmp_path):
    total = ops_of_a_synth(tmp_path)
    for k in range(1, total + 1):
        project = tmp_path / f"k{k}"
        target = old_output(project)
        with pytest.raises(Killed), killed_at(k):
            synth(target)
        state = tmp_path / f"state{k}"
        shutil.copytree(project, state, symlinks=True)
        with killed_at(None) as calls:
            main._recover(target)
        assert_whole(target)
        for j in range(1, calls["n"] + 1):
            again = tmp_path / f"k{k}j{j}"
            shutil.copytree(state, again, symlinks=True)
            with pytest.raises(Killed), killed_at(j):
                main._recover(again / "cdktf.out")
            main._recover(again / "cdktf.out")
            assert_whole(again / "cdktf.out")
            shutil.rmtree(again)


def test_a_failed_swap_is_rolled_back_by_main(tmp_path, monkeypatch):
    """An error (not a kill) between the renames: main() puts a whole output back."""
    target = old_output(tmp_path)
    scratch = Path(tempfile.mkdtemp(prefix=main._scratch_prefix(target), dir=tmp_path))
    write_output(scratch, "new")
    real = Path.rename

    def refuse_scratch(self, to):
        if self == scratch:
            raise PermissionError(13, "Permission denied", str(self))
        return real(self, to)

    monkeypatch.setattr(Path, "rename", refuse_scratch)
    with pytest.raises(PermissionError):
        main._replace(target, scratch)
    assert not target.exists()  # T → O happened, S → T did not
    main._finish_swap(target)  # what main() runs on any failure
    monkeypatch.undo()
    main._recover(target)  # the scratch folder, as main() would have removed it
    assert assert_whole(target) == "old"


def test_stale_scratch_folders_are_removed_and_their_kept_files_brought_back(tmp_path):
    """An older main.py moved the kept files into its scratch folder first: a kill
    there stranded them (and left the folder). The next synth brings them back."""
    target = tmp_path / "cdktf.out"
    write_output(target, "old", OLD)
    stranded = tmp_path / ".cdktf.out-k1ll3d_x"
    write_output(stranded, "new")
    deploy(stranded, ("a", "b"))
    deploy(target, ("c",))
    empty = tmp_path / ".cdktf.out-abcd1234"
    (empty / "stacks").mkdir(parents=True)
    others = [".cdktf.out-notours", "cdktf.out-abcd1234", ".other.out-abcd1234",
              ".cdktf.out-abcd1234x"]
    for name in others:
        (tmp_path / name).mkdir()
    main._recover(target)
    for name in others:
        (tmp_path / name).rmdir()  # still there, untouched
    assert assert_whole(target) == "old"


def test_an_older_main_killed_between_its_renames_is_recovered(tmp_path):
    """Older main.py, killed after cdktf.out → cdktf.out.old with the kept files in
    scratch: no cdktf.out/ at all. The next synth puts the old one back, whole."""
    old = tmp_path / "cdktf.out.old"
    write_output(old, "old", OLD)
    deploy(old, ("c",))
    scratch = tmp_path / ".cdktf.out-9xyz_abc"
    write_output(scratch, "new")
    deploy(scratch, ("a", "b"))
    target = tmp_path / "cdktf.out"
    main._recover(target)
    assert assert_whole(target) == "old"


def locked_synths(target: str, rounds: int, inside: str) -> None:
    for i in range(rounds):
        with main._synth_lock(Path(target)):
            marker = os.open(inside, os.O_CREAT | os.O_EXCL | os.O_WRONLY)  # alone here?
            try:
                synth(Path(target), f"{os.getpid()}-{i}")
                time.sleep(0.002)
            finally:
                os.close(marker)
                os.unlink(inside)


def test_concurrent_synths_queue_and_leave_a_whole_output(tmp_path):
    target = old_output(tmp_path / "project")
    fork = multiprocessing.get_context("fork")
    inside = str(tmp_path / "inside")
    workers = [fork.Process(target=locked_synths, args=(str(target), 25, inside))
               for _ in range(3)]
    with open(tmp_path / "stderr", "w") as quiet, mock.patch.object(sys, "stderr", quiet):
        for w in workers:
            w.start()
        for w in workers:
            w.join(120)
    assert [w.exitcode for w in workers] == [0, 0, 0]
    manifest = json.loads((target / "manifest.json").read_text())
    assert manifest["stacks"] == list(NEW)
    for stack in ("a", "b"):
        for name, text in kept(stack).items():
            assert (target / "stacks" / stack / name).read_text() == text
    assert sorted(p.name for p in target.parent.iterdir()) == ["cdktf.out"]


def wait_for_lock(target: str, log: str, got: str) -> None:
    sys.stderr = open(log, "w")  # noqa: SIM115 - this process's stderr until it exits
    with main._synth_lock(Path(target)):
        Path(got).write_text("")


def hold_lock(target: str, ready: str) -> None:
    with main._synth_lock(Path(target)):
        Path(ready).write_text("")
        time.sleep(60)


def wait_until(path: Path, text: str = "") -> str:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if path.exists() and text in (found := path.read_text()):
            return found
        time.sleep(0.02)
    raise AssertionError(f"{path} never had {text!r}")


def test_a_second_synth_waits_for_the_first_and_says_for_whom(tmp_path):
    target = tmp_path / "cdktf.out"
    log, got = tmp_path / "log", tmp_path / "got"
    waiter = multiprocessing.get_context("fork").Process(
        target=wait_for_lock, args=(str(target), str(log), str(got)))
    with main._synth_lock(target):  # (reading the lock file here would drop the lock)
        waiter.start()
        line = wait_until(log, "\n")
        assert line == f"waiting for another synth (pid {os.getpid()})...\n"
        time.sleep(0.2)
        assert not got.exists()
    waiter.join(20)
    assert waiter.exitcode == 0 and got.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["got", "log"]  # no lock file left


def test_a_synth_killed_while_holding_the_lock_does_not_block_the_next(tmp_path):
    target = tmp_path / "cdktf.out"
    ready = tmp_path / "ready"
    holder = multiprocessing.get_context("fork").Process(
        target=hold_lock, args=(str(target), str(ready)))
    holder.start()
    wait_until(ready)
    os.kill(holder.pid, signal.SIGKILL)
    holder.join(20)
    assert (tmp_path / "cdktf.out.lock").exists()  # left by the kill
    start = time.monotonic()
    with main._synth_lock(target):
        assert time.monotonic() - start < 5
    assert not (tmp_path / "cdktf.out.lock").exists()


def test_main_waits_for_the_lock_then_recovers_and_swaps(tmp_path):
    """End to end through main.py: another synth holds the lock; a killed one left
    `cdktf.out.old` (no cdktf.out/) and a stale scratch folder."""
    envs = tmp_path / "envs"
    envs.mkdir()
    (envs / "dev.toml").write_text("")
    old = tmp_path / "cdktf.out.old"
    write_output(old, "old", ("dev-vault", "dev-consul", "gone"))
    deploy(old, ("dev-vault", "gone"))
    (tmp_path / ".cdktf.out-abcd1234" / "stacks").mkdir(parents=True)
    target = tmp_path / "cdktf.out"
    env = {**os.environ, "HASHISTACK_ENVIRONMENTS": str(envs), "CDKTF_OUTDIR": str(target)}
    env.pop("HASHISTACK_ENV", None)
    with main._synth_lock(target):
        run = subprocess.Popen([sys.executable, "main.py", "--jobs", "1"], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = run.stderr.readline()
        assert line == f"waiting for another synth (pid {os.getpid()})...\n"
        assert not target.exists() and old.exists()  # nothing touched while it waits
    out, err = run.communicate(timeout=600)
    assert run.returncode == 0, err
    assert err == "" and "synthesized dev: dev-vault, dev-consul, dev-nomad" in out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cdktf.out", "envs"]
    stacks = sorted(p.name for p in (target / "stacks").iterdir())
    assert stacks == ["dev-consul", "dev-nomad", "dev-vault"]
    assert (target / "stacks" / "dev-vault" / "cdk.tf.json").exists()
    for name, text in kept("dev-vault").items():
        assert (target / "stacks" / "dev-vault" / name).read_text() == text
