"""Export builders in a process of their own, driven from the export thread.

A builder (a workbook, a zip of 说明书) is made, fed batch by batch and finished through
:class:`Builder`, which is the same whether the builder lives here or in a child process:

- in a process (``EXPORT_IN_PROCESS`` unset or 1, as the bot runs): python-docx, openpyxl and
  lxml work in a ``spawn``-ed child, so their CPU does not take the interpreter's lock from
  the event loop, and their memory (the libraries, the trees of each document, what malloc
  keeps afterwards) is the child's and goes when the export ends. The rows are still read
  here (the child opens no database); each batch goes to the child pickled, over a pipe.
- in the export thread (``EXPORT_IN_PROCESS=0``): the builder is an object of this process
  (one process, less memory in all, more in the bot's). The tests run both ways.

Either way the builder writes into an unnamed temporary file of this process (the child
opens it by name once, then the name is removed), which the sender streams from disk.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import tempfile
import traceback
from collections import deque
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import IO, Any

Progress = Callable[[int, int], None]
# A picklable callable (a module-level function, or a partial of one) that makes the builder
# from the file to write into and the progress callback.
Make = Callable[[IO[bytes], Progress | None], Any]

IN_PROCESS = True  # EXPORT_IN_PROCESS (config.settings), set when the bot is built
STOP_WAIT = 10.0  # seconds a finished child has to exit before it is killed

# pids of the export processes alive now, and the peak RSS (KiB, VmHWM) each ended one had:
# the benchmarks print them (the kernel's RUSAGE_CHILDREN would count the bot's own pages,
# shared with the child between its fork and its exec)
running: set[int] = set()
peaks: deque[int] = deque(maxlen=16)


class ExportProcessError(RuntimeError):
    """The export process failed (its exception's type and frames, not its message) or died."""


class Builder:
    """A builder made by ``make``, here or in a child process; call its methods by name.

    :meth:`start` makes it; every method blocks (run it in the export thread), :meth:`stop`
    lets the child go whatever happened before. ``progress`` is called in the calling thread
    as the builder reports it.
    """

    def __init__(self, make: Make, progress: Progress | None, *, in_process: bool) -> None:
        self.make, self.progress, self.in_process = make, progress, in_process
        self.target: IO[bytes] | None = None
        self._local: Any = None
        self._conn: Connection | None = None
        self._process: Any = None

    def start(self) -> None:
        """Make the builder (start its process) on a new unnamed temporary file."""
        if not self.in_process:
            self.target = tempfile.TemporaryFile(prefix="export-")
            try:
                self._local = self.make(self.target, self.progress)
            except BaseException:
                self.target.close()
                raise
            return
        handle, path = tempfile.mkstemp(prefix="export-")
        self.target = os.fdopen(handle, "w+b")
        context = multiprocessing.get_context("spawn")
        ours, theirs = context.Pipe()
        try:
            process = context.Process(
                target=serve, args=(theirs, self.make, path, self.progress is not None),
                name="export", daemon=True,
            )  # fmt: skip
            process.start()  # a make that does not pickle fails here, before any child runs
            self._conn, self._process = ours, process
            running.add(process.pid)
            theirs.close()  # the child's end: a child that dies is an EOF here
            self._answer()  # the child has opened the file and made the builder
        finally:
            theirs.close()
            if self._conn is None:
                ours.close()
            os.unlink(path)  # unnamed from now on: gone with the last file handle

    def call(self, name: str, *args: Any) -> Any:
        """Call the builder's method ``name``; a name that is no method reads that attribute."""
        if self._conn is None:
            value = getattr(self._local, name)
            return value(*args) if callable(value) else value
        try:
            self._conn.send((name, args))
        except OSError:
            raise ExportProcessError("the export process ended before it was asked") from None
        return self._answer()

    def _answer(self) -> Any:
        assert self._conn is not None
        while True:
            try:
                kind, *rest = self._conn.recv()
            except (EOFError, OSError):
                raise ExportProcessError("the export process ended before it answered") from None
            if kind == "progress":
                if self.progress is not None:
                    self.progress(*rest)
            elif kind == "error":
                raise ExportProcessError(rest[0])
            else:
                return rest[0]

    def stop(self) -> None:
        """Let the child process go (it finishes nothing more); nothing to do in a thread."""
        process, self._process = self._process, None
        conn, self._conn = self._conn, None
        if process is None or conn is None:
            return
        try:
            conn.send(None)
            if conn.poll(STOP_WAIT):
                kind, *rest = conn.recv()
                if kind == "peak":
                    peaks.append(rest[0])
        except (EOFError, OSError):
            pass
        conn.close()
        process.join(STOP_WAIT)
        if process.is_alive():
            process.kill()
            process.join()
        running.discard(process.pid)


def serve(conn: Connection, make: Make, path: str, reports: bool) -> None:
    """The child: make the builder on the file at ``path``, then run what the parent asks."""

    def progress(done: int, total: int) -> None:
        conn.send(("progress", done, total))

    def failed(error: BaseException) -> tuple[str, str]:
        # the type and where, not the message: it may quote a contact person's text
        frames = "".join(traceback.format_tb(error.__traceback__))
        return ("error", f"{type(error).__name__} in the export process:\n{frames}")

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the bot, which stops this
    with open(path, "r+b") as target:
        try:
            builder = make(target, progress if reports else None)
        except Exception as error:
            conn.send(failed(error))
            return
        conn.send(("result", None))
        while True:
            try:
                asked = conn.recv()
            except EOFError:
                return  # the bot is gone (or let go of this export): nothing to finish
            if asked is None:
                break
            name, args = asked
            try:
                value = getattr(builder, name)
                result = value(*args) if callable(value) else value
                target.flush()  # what the bot streams once the builder is finished
                conn.send(("result", result))
            except Exception as error:
                conn.send(failed(error))
    conn.send(("peak", _own_peak()))


def _own_peak() -> int:
    """Return this process's peak RSS in KiB (VmHWM), 0 where /proc has none."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0
