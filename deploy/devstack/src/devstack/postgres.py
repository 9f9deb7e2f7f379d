"""Throwaway PostgreSQL clusters from the locally installed server binaries.

PostgreSQL refuses to run as root, so when we are root every server command runs
as the ``postgres`` OS user (``runuser``, else ``setpriv``) and the data dir is
chowned to it. The server listens on 127.0.0.1 only (trust auth) with its unix
socket inside the data dir.

CLI::

    python -m devstack.postgres start  [--port 5433] [--data-dir var/postgres]
    python -m devstack.postgres stop   [--data-dir var/postgres]
    python -m devstack.postgres status [--port 5433] [--data-dir var/postgres]

``start`` prints the DSN (``postgresql://postgres@127.0.0.1:5433/postgres``) on stdout.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import pwd
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from devstack._proc import pid_alive, read_pid_file, tail, terminate
from devstack.ports import port_open

__all__ = [
    "PostgresCluster",
    "create_database",
    "drop_database",
    "external_dsn",
    "find_bindir",
    "main",
    "make_scratch_dir",
    "with_dbname",
]

BINDIR_ENV = "DEVSTACK_PG_BINDIR"
PREFERRED_MAJOR = 15
_SOCKET_PATH_MAX = 107  # sizeof(sun_path) - 1 on Linux


# --------------------------------------------------------------------------- discovery


def find_bindir(preferred_major: int = PREFERRED_MAJOR) -> Path:
    """PostgreSQL server binaries: ``$DEVSTACK_PG_BINDIR``, ``/usr/lib/postgresql/<major>/bin``
    (``preferred_major`` if installed, else the newest), ``pg_config --bindir``, ``pg_ctl`` on PATH."""
    env = os.environ.get(BINDIR_ENV)
    if env:
        path = Path(env)
        if not (path / "pg_ctl").is_file():
            raise FileNotFoundError(f"{BINDIR_ENV}={env} has no pg_ctl")
        return path
    found: dict[int, Path] = {}
    for candidate in Path("/usr/lib/postgresql").glob("*/bin"):
        major = candidate.parent.name
        if major.isdigit() and (candidate / "pg_ctl").is_file() and (candidate / "initdb").is_file():
            found[int(major)] = candidate
    if found:
        return found.get(preferred_major) or found[max(found)]
    pg_config = shutil.which("pg_config")
    if pg_config:
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False).stdout.strip()  # noqa: S603 - fixed argv, no shell
        if out and (Path(out) / "pg_ctl").is_file():
            return Path(out)
    pg_ctl = shutil.which("pg_ctl")
    if pg_ctl:
        return Path(pg_ctl).resolve().parent
    raise FileNotFoundError("no PostgreSQL server binaries (initdb/pg_ctl) found; apt-get install postgresql")


# --------------------------------------------------------------------------- DSN helpers


def with_dbname(dsn: str, dbname: str) -> str:
    """*dsn* (URL or ``key=value`` form) pointing at database *dbname* instead."""
    if dsn.startswith(("postgresql://", "postgres://")):
        parts = urllib.parse.urlsplit(dsn)
        return urllib.parse.urlunsplit(parts._replace(path="/" + urllib.parse.quote(dbname, safe="")))
    value = (
        dbname
        if re.fullmatch(r"[A-Za-z0-9_.-]+", dbname)
        else "'" + dbname.replace("\\", "\\\\").replace("'", "\\'") + "'"
    )
    rest = re.sub(r"(?:^|\s+)dbname\s*=\s*('(?:[^'\\]|\\.)*'|\S+)", "", dsn).strip()
    return f"{rest} dbname={value}".strip()


def external_dsn(env: Mapping[str, str] | None = None) -> str | None:
    """An existing server named by the environment, as an admin DSN, else None.

    ``POSTGRES_DSN`` wins (used as is). Otherwise, if ``PGHOST`` is set and the
    server answers on it, a URL built from ``PGHOST``/``PGPORT``/``PGUSER``/
    ``PGPASSWORD``/``PGDATABASE``.
    """
    env = os.environ if env is None else env
    dsn = env.get("POSTGRES_DSN")
    if dsn:
        return dsn
    host = env.get("PGHOST")
    if not host:
        return None
    port = int(env.get("PGPORT", "5432"))
    if host.startswith("/"):
        if not Path(host, f".s.PGSQL.{port}").exists():
            return None
    elif not port_open(host, port, timeout=1.0):
        return None
    user = env.get("PGUSER") or "postgres"
    password = env.get("PGPASSWORD")
    auth = urllib.parse.quote(user, safe="")
    if password:
        auth += ":" + urllib.parse.quote(password, safe="")
    database = urllib.parse.quote(env.get("PGDATABASE") or "postgres", safe="")
    if host.startswith("/"):
        return f"postgresql://{auth}@/{database}?host={urllib.parse.quote(host, safe='')}&port={port}"
    netloc_host = f"[{host}]" if ":" in host else host
    return f"postgresql://{auth}@{netloc_host}:{port}/{database}"


def _psql_bin() -> str:
    try:
        return str(find_bindir() / "psql")
    except FileNotFoundError:
        psql = shutil.which("psql")
        if not psql:
            raise
        return psql


def _have_psycopg() -> bool:
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return False
    return True


def create_database(admin_dsn: str, name: str, *, fresh: bool = False) -> str:
    """Create database *name* on the server of *admin_dsn* if missing; return its DSN.

    ``fresh=True`` drops an existing database of that name first (``WITH (FORCE)``).
    Uses psycopg when importable, else ``psql``.
    """
    if fresh:
        drop_database(admin_dsn, name)
    if _have_psycopg():
        import psycopg
        from psycopg import sql

        with psycopg.connect(admin_dsn, autocommit=True, connect_timeout=10) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
            if exists is None:
                with contextlib.suppress(psycopg.errors.DuplicateDatabase):  # created concurrently
                    conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    else:
        script = (
            "SELECT format('CREATE DATABASE %I', :'name') "
            "WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'name')\\gexec\n"
        )
        _run_psql(admin_dsn, script, name)
    return with_dbname(admin_dsn, name)


def drop_database(admin_dsn: str, name: str) -> None:
    """``DROP DATABASE IF EXISTS name WITH (FORCE)`` on the server of *admin_dsn*."""
    if _have_psycopg():
        import psycopg
        from psycopg import sql

        with psycopg.connect(admin_dsn, autocommit=True, connect_timeout=10) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    else:
        _run_psql(
            admin_dsn,
            "SELECT format('DROP DATABASE IF EXISTS %I WITH (FORCE)', :'name')\\gexec\n",
            name,
        )


def _run_psql(dsn: str, script: str, name: str) -> None:
    cmd = [_psql_bin(), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-v", f"name={name}", "-d", dsn]
    result = subprocess.run(cmd, input=script, capture_output=True, text=True, check=False)  # noqa: S603 - fixed argv, no shell
    if result.returncode != 0:
        raise RuntimeError(f"psql failed ({result.returncode}): {result.stderr.strip()}")


# --------------------------------------------------------------------------- cluster


def make_scratch_dir(prefix: str = "devstack-pg-", base: str | Path | None = None) -> Path:
    """A new temp dir (``mkdtemp``) to hold a throwaway cluster's data dir.

    When we are root the server runs as ``postgres``, which must be able to
    traverse it, so it gets mode 0711. (pytest's ``tmp_path`` lives under a 0700
    ``/tmp/pytest-of-root`` and cannot be used for that.)
    """
    path = Path(tempfile.mkdtemp(prefix=prefix, dir=base))
    if os.geteuid() == 0:
        path.chmod(0o711)
    return path


def _default_os_user() -> str | None:
    return "postgres" if os.geteuid() == 0 else None


@dataclass
class PostgresCluster:
    """A PostgreSQL cluster in *data_dir* (its PGDATA), listening on *host*:*port*.

    ``start()`` runs ``initdb`` first if the data dir is empty. Superuser *superuser*
    with trust auth, so DSNs carry no password.
    """

    data_dir: Path
    port: int = 5433
    host: str = "127.0.0.1"
    superuser: str = "postgres"
    bindir: Path | None = None
    #: OS user the server runs as; defaults to ``postgres`` when we are root, else ourselves.
    os_user: str | None = field(default_factory=_default_os_user)
    max_connections: int = 200
    settings: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.data_dir = Path(self.data_dir).expanduser().resolve()

    # ---- paths / helpers
    @property
    def log_file(self) -> Path:
        return self.data_dir / "devstack-server.log"

    @property
    def socket_dir(self) -> Path | None:
        """Unix socket dir (the data dir), or None if that path is too long for a socket."""
        if len(str(self.data_dir / f".s.PGSQL.{self.port}.lock")) > _SOCKET_PATH_MAX:
            return None
        return self.data_dir

    def _bin(self, name: str) -> str:
        bindir = self.bindir or find_bindir()
        self.bindir = bindir
        return str(bindir / name)

    def _as_server_user(self, cmd: Sequence[str]) -> list[str]:
        user = self.os_user
        if user is None or (os.geteuid() != 0 and pwd.getpwuid(os.geteuid()).pw_name == user):
            return list(cmd)
        if os.geteuid() != 0:
            raise PermissionError(f"running the server as {user!r} needs root")
        if shutil.which("runuser"):
            return ["runuser", "-u", user, "--", *cmd]
        if shutil.which("setpriv"):
            return ["setpriv", f"--reuid={user}", f"--regid={user}", "--init-groups", "--", *cmd]
        raise FileNotFoundError("need runuser or setpriv to drop root privileges")

    def _run(self, cmd: Sequence[str], *, timeout: float | None = None, check: bool = True) -> str:
        full = self._as_server_user(cmd)
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env["LC_ALL"] = env.get("LC_ALL") or "C.UTF-8"
        result = subprocess.run(  # noqa: S603 - fixed argv, no shell
            full,
            cwd="/",  # the server user may not be able to enter our cwd
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if check and result.returncode != 0:
            raise RuntimeError(
                f"{' '.join(full)} failed ({result.returncode}):\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
            )
        return result.stdout + result.stderr

    # ---- lifecycle
    def is_initialized(self) -> bool:
        return (self.data_dir / "PG_VERSION").is_file()

    def init(self) -> None:
        """``initdb`` (trust auth, UTF8, superuser) plus low-resource settings. Once."""
        if self.is_initialized():
            return
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if any(self.data_dir.iterdir()):
            raise RuntimeError(f"{self.data_dir} is not empty and not a PostgreSQL data dir")
        self.data_dir.chmod(0o700)
        if self.os_user and os.geteuid() == 0:
            shutil.chown(self.data_dir, self.os_user, self.os_user)
            probe = subprocess.run(self._as_server_user(["test", "-w", str(self.data_dir)]), check=False)  # noqa: S603 - fixed argv, no shell
            if probe.returncode != 0:
                raise PermissionError(
                    f"OS user {self.os_user!r} cannot reach {self.data_dir}: a parent directory is not "
                    "traversable (mode 0700?). Use a data dir under a world-traversable path such as /tmp."
                )
        self._run(
            [
                self._bin("initdb"),
                "-D",
                str(self.data_dir),
                "-U",
                self.superuser,
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
                "--no-instructions",
            ],
            timeout=180,
        )
        conf = {
            "max_connections": str(self.max_connections),
            "shared_buffers": "64MB",
            "max_wal_size": "256MB",
            "min_wal_size": "64MB",
            "timezone": "'UTC'",
            "log_timezone": "'UTC'",
            "logging_collector": "off",
        }
        conf.update(self.settings)
        with (self.data_dir / "postgresql.conf").open("a") as fh:
            fh.write("\n# --- devstack ---\n")
            for key, value in conf.items():
                fh.write(f"{key} = {value}\n")

    def postmaster_pid(self) -> int | None:
        pid = read_pid_file(self.data_dir / "postmaster.pid")
        return pid if pid is not None and pid_alive(pid) else None

    def is_running(self) -> bool:
        return self.postmaster_pid() is not None

    def is_reachable(self) -> bool:
        return port_open(self.host, self.port)

    def start(self, timeout: float = 60.0) -> None:
        """initdb if needed, then ``pg_ctl start -w`` (idempotent)."""
        if self.is_running():
            return
        if port_open(self.host, self.port, timeout=0.2):
            raise RuntimeError(f"{self.host}:{self.port} is already in use by another process")
        self.init()
        socket_dir = self.socket_dir
        options = (
            f"-p {self.port} -c listen_addresses={self.host} "
            f"-c unix_socket_directories='{socket_dir if socket_dir else ''}'"
        )
        if self.log_file.exists() and self.os_user and os.geteuid() == 0:
            shutil.chown(self.log_file, self.os_user, self.os_user)
        self._run(
            [
                self._bin("pg_ctl"),
                "start",
                "-D",
                str(self.data_dir),
                "-l",
                str(self.log_file),
                "-o",
                options,
                "-w",
                "-t",
                str(int(timeout)),
            ],
            timeout=timeout + 15,
        )

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Block until the server accepts connections (``pg_isready``)."""
        deadline = time.monotonic() + timeout
        cmd = [
            self._bin("pg_isready"),
            "-q",
            "-h",
            self.host,
            "-p",
            str(self.port),
            "-U",
            self.superuser,
            "-t",
            "2",
        ]
        while True:
            if subprocess.run(cmd, capture_output=True, check=False).returncode == 0:  # noqa: S603 - fixed argv, no shell
                return
            if not self.is_running():
                raise RuntimeError(f"PostgreSQL in {self.data_dir} is not running.\n{tail(self.log_file, 30)}")
            if time.monotonic() >= deadline:
                raise TimeoutError(f"PostgreSQL on {self.host}:{self.port} not ready.\n{tail(self.log_file, 30)}")
            time.sleep(0.2)

    def stop(self, timeout: float = 60.0) -> None:
        """``pg_ctl stop -m fast``; ``immediate``, then SIGKILL, if that fails. Idempotent."""
        pid = self.postmaster_pid()
        if pid is None:
            return
        pg_ctl = self._bin("pg_ctl")
        for mode in ("fast", "immediate"):
            with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
                self._run(
                    [
                        pg_ctl,
                        "stop",
                        "-D",
                        str(self.data_dir),
                        "-m",
                        mode,
                        "-w",
                        "-t",
                        str(int(timeout)),
                    ],
                    timeout=timeout + 15,
                )
            if not pid_alive(pid):
                return
        terminate(pid, 5.0)

    # ---- databases
    def dsn(self, dbname: str = "postgres") -> str:
        return f"postgresql://{self.superuser}@{self.host}:{self.port}/{urllib.parse.quote(dbname, safe='')}"

    def create_database(self, name: str, *, fresh: bool = False) -> str:
        """Create *name* if missing (``fresh=True``: drop and recreate); return its DSN."""
        return create_database(self.dsn("postgres"), name, fresh=fresh)

    def drop_database(self, name: str) -> None:
        drop_database(self.dsn("postgres"), name)

    def __enter__(self) -> PostgresCluster:
        try:
            self.start()
            self.wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


# --------------------------------------------------------------------------- CLI


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m devstack.postgres", description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("command", choices=["start", "stop", "status"])
    parser.add_argument("--port", type=int, default=5433, help="default 5433")
    parser.add_argument("--data-dir", type=Path, default=Path("var/postgres"), help="default var/postgres")
    parser.add_argument("--timeout", type=float, default=60.0)
    return parser


def _err(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _running_port(cluster: PostgresCluster) -> int | None:
    """The port recorded in postmaster.pid (line 4)."""
    try:
        return int((cluster.data_dir / "postmaster.pid").read_text().splitlines()[3])
    except (OSError, IndexError, ValueError):
        return None


def main(argv: list[str] | None = None) -> int:
    """CLI entry point; returns the exit status (status: 0 running, 1 not running)."""
    args = _parser().parse_args(argv)
    cluster = PostgresCluster(data_dir=args.data_dir, port=args.port)
    if args.command == "status":
        pid = cluster.postmaster_pid()
        if pid is None:
            _err(f"postgres: not running (data dir {cluster.data_dir})")
            return 1
        cluster.port = _running_port(cluster) or cluster.port
        _err(f"postgres: running, pid {pid}")
        print(cluster.dsn())
        return 0
    if args.command == "stop":
        pid = cluster.postmaster_pid()
        if pid is None:
            _err("postgres: not running")
        else:
            cluster.stop(timeout=args.timeout)
            _err(f"postgres: stopped (pid {pid})")
        return 0
    pid = cluster.postmaster_pid()
    if pid is not None:
        running = _running_port(cluster)
        if running is not None and running != cluster.port:
            _err(f"postgres: already running from {cluster.data_dir} on port {running}, not {cluster.port}")
            return 1
        _err(f"postgres: already running (pid {pid})")
        print(cluster.dsn())
        return 0
    started = time.monotonic()
    try:
        cluster.start(timeout=args.timeout)
        cluster.wait_ready(timeout=args.timeout)
    except (RuntimeError, TimeoutError, PermissionError, FileNotFoundError) as exc:
        _err(f"postgres: failed to start: {exc}")
        return 1
    _err(f"postgres: started (pid {cluster.postmaster_pid()}) in {time.monotonic() - started:.1f}s")
    print(cluster.dsn())
    return 0


if __name__ == "__main__":
    sys.exit(main())
