"""The spill folder: removed after a run, and a killed run's folder is removed by the next one."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from replaybed.compile import spill


def test_the_folder_is_locked_while_in_use_and_removed_after(tmp_path):
    with spill.spill_folder(tmp_path) as folder:
        assert folder.parent == tmp_path and folder.name.startswith(spill.PREFIX)
        (folder / "metrics-1.arrow").write_bytes(b"x")
        assert spill.remove_leftovers(tmp_path) == [] and folder.exists()  # a live run's folder
    assert not folder.exists()


def test_a_killed_runs_folder_is_removed_by_the_next_run(tmp_path):
    # a real process takes the lock and dies by SIGKILL, as a killed compile does
    code = (
        "import os, sys\n"
        "from pathlib import Path\n"
        "from replaybed.compile import spill\n"
        "with spill.spill_folder(Path(sys.argv[1])) as f:\n"
        "    (f / 'traces-7.arrow').write_bytes(b'x' * 1000)\n"
        "    print(f, flush=True)\n"
        "    os.kill(os.getpid(), 9)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == -9
    dead = tmp_path / os.path.basename(proc.stdout.strip())
    assert dead.is_dir() and (dead / spill.LOCK).exists()
    with spill.spill_folder(tmp_path) as live:
        assert not dead.exists() and live.exists()
    assert not list(tmp_path.iterdir())


def test_unlocked_folders_are_removed_only_when_old(tmp_path):
    young = tmp_path / (spill.PREFIX + "young")
    old = tmp_path / (spill.LEGACY_PREFIX + "old")
    other = tmp_path / "someone-else"
    for folder in (young, old, other):
        folder.mkdir()
    past = time.time() - spill.UNLOCKED_GRACE_S - 60
    os.utime(old, (past, past))
    os.utime(other, (past, past))
    assert spill.remove_leftovers(tmp_path) == [old]
    assert young.exists() and other.exists()
