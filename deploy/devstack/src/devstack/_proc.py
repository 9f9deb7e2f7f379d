"""Process helpers shared by the Kafka and PostgreSQL launchers (Linux, stdlib only)."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

__all__ = [
    "cmdline",
    "pid_alive",
    "read_pid_file",
    "tail",
    "terminate",
]


def _reap(pid: int) -> None:
    """Reap *pid* if it is a dead child of ours (so it does not linger as a zombie)."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass
    except OSError:
        pass


def pid_alive(pid: int) -> bool:
    """True if *pid* exists and is not a zombie."""
    if pid <= 0:
        return False
    _reap(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # exists, owned by someone else
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True  # no /proc: trust kill(0)
    # Field 3 follows the parenthesised command name, which may contain spaces.
    state = stat.rsplit(")", 1)[-1].split()[0] if ")" in stat else ""
    return state not in ("Z", "X")


def cmdline(pid: int) -> list[str]:
    """The argv of *pid* (empty if unknown)."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


def read_pid_file(path: Path) -> int | None:
    """The pid stored in *path* (first line), or None."""
    try:
        first = path.read_text().splitlines()[0].strip()
        return int(first)
    except (OSError, IndexError, ValueError):
        return None


def terminate(
    pid: int,
    timeout: float = 30.0,
    *,
    process: subprocess.Popen[bytes] | None = None,
    sig: signal.Signals = signal.SIGTERM,
) -> bool:
    """Send *sig* to *pid*, wait up to *timeout* s, then SIGKILL.

    Returns True if it had to be killed. *process*, when given, is the Popen
    handle for *pid* and is used to reap it.
    """

    def alive() -> bool:
        if process is not None:
            return process.poll() is None
        return pid_alive(pid)

    if not alive():
        return False
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        return False
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive():
            return False
        time.sleep(0.1)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return False
    deadline = time.monotonic() + 10
    while alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    return True


def tail(path: Path, lines: int = 40) -> str:
    """The last *lines* lines of *path* ('' if it does not exist)."""
    try:
        with path.open("rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            fh.seek(max(0, size - 64 * 1024))
            data = fh.read()
    except OSError:
        return ""
    text = data.decode(errors="replace")
    return "\n".join(text.splitlines()[-lines:])
