import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from honcho.environ import parse_procfile

from demo.accounts import DEMO_ACCOUNTS


def _run_demo(procfile: Path, *extra: str, **popen_kwargs) -> subprocess.Popen:
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "lms.settings.test"}
    return subprocess.Popen(
        [
            sys.executable,
            str(settings.BASE_DIR / "manage.py"),
            "run_demo",
            "--procfile",
            str(procfile),
            *extra,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=environment,
        cwd=settings.BASE_DIR,
        **popen_kwargs,
    )


def _sleeper(name: str, pid_file: Path) -> str:
    """A Procfile line for a process that records its pid and then waits."""
    script = f"import os, time; open('{pid_file}', 'w').write(str(os.getpid())); time.sleep(120)"
    return f'{name}: {sys.executable} -c "{script}"'


def _alive(pid: int) -> bool:
    """Running, as opposed to gone or a zombie nobody has reaped yet."""
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _wait_gone(pids: list[int]) -> bool:
    for _ in range(100):
        if not any(_alive(pid) for pid in pids):
            return True
        time.sleep(0.1)
    return False


def test_procfile_runs_portal_worker_and_beat():
    """Procfile.demo serves the portal on 127.0.0.1:8000 and runs a worker on both queues and beat."""
    processes = parse_procfile((settings.BASE_DIR / "Procfile.demo").read_text()).processes
    assert "runserver 127.0.0.1:8000" in processes["web"]
    assert "-Q default,grading" in processes["worker"]
    assert "beat" in processes["beat"]


def test_prints_address_and_accounts_and_stops_all_when_one_ends(tmp_path):
    """The command prints the demo address and accounts, runs every process, and when one process ends
    the others are stopped too."""
    pid_file = tmp_path / "slow.pid"
    procfile = tmp_path / "Procfile"
    procfile.write_text(
        f"quick: {sys.executable} -c \"print('quick process done')\"\n" + _sleeper("slow", pid_file) + "\n"
    )
    process = _run_demo(procfile)
    output, _ = process.communicate(timeout=60)
    assert "http://127.0.0.1:8000/" in output
    for account in DEMO_ACCOUNTS:
        assert account.email in output
    assert "quick process done" in output
    if pid_file.exists() and pid_file.read_text():
        assert _wait_gone([int(pid_file.read_text())])


def test_ctrl_c_stops_every_process(tmp_path):
    """Ctrl-C (SIGINT) on the command stops all the processes it started."""
    procfile = tmp_path / "Procfile"
    lines = [_sleeper(name, tmp_path / f"{name}.pid") for name in ("first", "second")]
    procfile.write_text("\n".join(lines) + "\n")
    process = _run_demo(procfile, start_new_session=True)
    pid_files = [tmp_path / "first.pid", tmp_path / "second.pid"]
    for _ in range(300):
        if all(path.exists() and path.read_text() for path in pid_files):
            break
        time.sleep(0.1)
    pids = [int(path.read_text()) for path in pid_files]
    assert all(_alive(pid) for pid in pids)

    process.send_signal(signal.SIGINT)
    output, _ = process.communicate(timeout=60)
    assert _wait_gone(pids), output


def test_unknown_process_name_is_refused(tmp_path):
    """Asking for a process the list does not have fails with the names it does have."""
    procfile = tmp_path / "Procfile"
    procfile.write_text("web: true\n")
    with pytest.raises(CommandError, match="Unknown process.*web"):
        call_command("run_demo", "--procfile", str(procfile), "--only", "hub")


def test_missing_procfile_is_refused(tmp_path):
    """A process list that does not exist is reported, not ignored."""
    with pytest.raises(CommandError, match="No process list"):
        call_command("run_demo", "--procfile", str(tmp_path / "missing"))
