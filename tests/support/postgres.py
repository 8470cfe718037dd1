"""A throwaway PostgreSQL cluster on a free loopback port, for tests.

``python -m tests.support.postgres start DIR`` initialises a cluster in DIR, starts it and prints
its URL; ``stop DIR`` stops it. The test fixture does the same when DRAFTMOCK_TEST_POSTGRES_URL
is not set. Run as root, the server runs as the ``postgres`` user (PostgreSQL refuses root).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

ENV = "DRAFTMOCK_TEST_POSTGRES_URL"


def binaries() -> Path | None:
    """The directory holding initdb and pg_ctl, if PostgreSQL is installed."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(os.path.realpath(found)).parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(versions[-1]).parent if versions else None


def _as_server_user(command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", "postgres", "--", *command]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(directory: Path) -> str:
    """Initialise and start a cluster in ``directory``; its URL (database ``postgres``)."""
    bin_dir = binaries()
    if bin_dir is None:
        raise RuntimeError("PostgreSQL is not installed (apt-get install postgresql)")
    directory.mkdir(parents=True, exist_ok=True)
    data = directory / "data"
    if os.geteuid() == 0:
        shutil.chown(directory, "postgres", "postgres")
    port = _free_port()
    _run([str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8"])
    options = f"-p {port} -k {directory} -h 127.0.0.1 -c max_connections=200"
    log = str(directory / "log")
    _run([str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l", log, "-w", "start"])
    return f"postgresql://postgres@127.0.0.1:{port}/postgres"


def _run(command: list[str]) -> None:
    done = subprocess.run(_as_server_user(command), capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{command[0]} failed: {done.stdout}{done.stderr}")


def new_directory() -> Path:
    """A directory the server user may write, under the system's temporary directory."""
    return Path(tempfile.mkdtemp(prefix="draftmock-pg-"))


def stop(directory: Path) -> None:
    bin_dir = binaries()
    if bin_dir is None or not (directory / "data").exists():
        return
    subprocess.run(
        _as_server_user(
            [str(bin_dir / "pg_ctl"), "-D", str(directory / "data"), "-m", "immediate", "stop"]
        ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
    )


if __name__ == "__main__":
    if sys.argv[1] == "start":  # prints the directory, then the URL
        where = new_directory()
        url = start(where)
        print(where)
        print(url)
    else:
        stop(Path(sys.argv[2]))
        shutil.rmtree(sys.argv[2], ignore_errors=True)
