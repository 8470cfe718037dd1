"""Worlds' checkpoints encoded by a forked copy of the process, so the requests are not held up
while they are (O(state): about a second for a world of 45,000 dataset groups). One copy at a
time encodes every world then due: worlds that fill up together (sessions a test suite spreads
its requests over) cost one fork, not one each.

``fork`` gives the copy the world exactly as committed when it was called (copy-on-write: the
serving process goes on changing its own pages). The copy encodes the worlds into a temporary
file (unlinked at once: nothing is left behind, whatever happens to either process) and exits; it touches nothing else it inherited (no store connection: SQLite's state does
not survive a fork), and closes every other descriptor first, so a client connection the server
closes meanwhile is closed at once for its client. The serving process reads the file once the
copy is done and writes each checkpoint with its next batch on that world.
"""

from __future__ import annotations

import gc
import os
import sys
import tempfile
import traceback
from dataclasses import dataclass

from draftmock.runtime import World
from draftmock.store import codec

# The copy runs at a lower priority than the server: its checkpoint is not urgent (the log
# holds every change meanwhile), the requests in flight are.
NICENESS = 10


@dataclass(slots=True)
class Encoding:
    """Checkpoints being encoded by the copy ``pid`` into the file open as ``fd``: of each world
    named in ``worlds``, as of entry ``seq`` of the store's world ``world_id``."""

    pid: int
    fd: int
    worlds: dict[str, tuple[int, int]]  # name -> (world_id, seq)
    data: dict[str, bytes] | None = None  # once the copy is done, if it wrote them
    finished: bool = False

    def done(self) -> bool:
        """Whether the copy has exited; then ``data`` holds the checkpoints, if it wrote them."""
        if self.finished:
            return True
        try:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
        except ChildProcessError:  # reaped elsewhere: judge by the file
            pid, status = self.pid, 0
        if not pid:
            return False
        self.finished = True
        try:
            if os.waitstatus_to_exitcode(status) == 0:
                self.data = _split(os.pread(self.fd, os.fstat(self.fd).st_size, 0), self.worlds)
        except (OSError, ValueError):
            self.data = None
        finally:
            os.close(self.fd)
        return True


def encode_elsewhere(worlds: dict[str, tuple[World, int, int, float]]) -> Encoding:
    """Start encoding ``worlds`` (name -> the world, its store id, the entry it is as of, that
    entry's virtual time) in one copy of this process. Call it with the worlds' locks held and
    no change of them in progress."""
    fd, name = tempfile.mkstemp(prefix="draftmock-checkpoint-")
    os.unlink(name)
    try:
        pid = os.fork()
    except OSError:
        os.close(fd)
        raise
    if pid:
        return Encoding(pid, fd, {n: (w[1], w[2]) for n, w in worlds.items()})
    status = 1
    try:
        os.closerange(3, fd)
        os.closerange(fd + 1, os.sysconf("SC_OPEN_MAX"))
        gc.disable()  # the copy lives a second, and only allocates
        os.nice(NICENESS)  # the serving processes come first on a busy machine
        with os.fdopen(fd, "wb") as out:
            for world, _, _, last_now in worlds.values():  # in order, each after its length
                data = codec.world_checkpoint(world, last_now)
                out.write(len(data).to_bytes(8, "big"))
                out.write(data)
        status = 0
    except BaseException:
        print("draftmock: a checkpoint could not be encoded:", file=sys.stderr)
        traceback.print_exc()
    finally:
        os._exit(status)


def _split(written: bytes, worlds: dict[str, tuple[int, int]]) -> dict[str, bytes]:
    """The checkpoints the copy wrote, by world name."""
    found: dict[str, bytes] = {}
    at = 0
    for name in worlds:
        size = int.from_bytes(written[at : at + 8], "big")
        found[name] = written[at + 8 : at + 8 + size]
        at += 8 + size
        if len(found[name]) != size:
            raise ValueError("a checkpoint file cut short")
    return found
