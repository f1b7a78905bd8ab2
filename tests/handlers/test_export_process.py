"""The export process: a builder made, fed and finished in a child, as in the export thread."""

from __future__ import annotations

import os
from functools import partial
from typing import IO

import pytest

from handlers import export_process
from handlers.export_process import Builder, ExportProcessError, Progress


class Lines:
    """A tiny builder: writes each batch's lines, reports progress, tells its process."""

    def __init__(self, target: IO[bytes], progress: Progress | None, fail_on: str = "") -> None:
        self.target, self.progress, self.fail_on, self.done = target, progress, fail_on, 0

    def add(self, lines: list[str]) -> None:
        for line in lines:
            if line == self.fail_on:
                raise ValueError(line * 2)  # a contact person's text, say
            if line == "die":
                os._exit(3)
            self.target.write(f"{line}\n".encode())
            self.done += 1
            if self.progress is not None:
                self.progress(self.done, 4)

    def pid(self) -> int:
        return os.getpid()

    def close(self) -> None:
        self.target.flush()


def make_lines(target: IO[bytes], progress: Progress | None, fail_on: str = "") -> Lines:
    return Lines(target, progress, fail_on)


@pytest.mark.parametrize("in_process", [True, False])
def test_a_builder_is_fed_and_finished_and_reports_its_progress(in_process):
    seen: list[tuple[int, int]] = []
    builder = Builder(make_lines, lambda d, t: seen.append((d, t)), in_process=in_process)
    try:
        builder.start()
        assert os.fstat(builder.target.fileno()).st_nlink == 0  # no name left behind
        builder.call("add", ["甲", "乙"])
        builder.call("add", ["丙", "丁"])
        builder.call("close")
        assert builder.call("done") == 4
        assert (builder.call("pid") != os.getpid()) is in_process
    finally:
        ended = len(export_process.peaks)
        builder.stop()
    if in_process:  # the child said how much memory it took at most
        assert len(export_process.peaks) == ended + 1 and export_process.peaks[-1] > 0
    builder.target.seek(0)
    assert builder.target.read().decode() == "甲\n乙\n丙\n丁\n"
    assert seen == [(1, 4), (2, 4), (3, 4), (4, 4)]
    builder.target.close()


def test_an_error_in_the_process_is_raised_here_without_its_message():
    builder = Builder(partial(make_lines, fail_on="乙"), None, in_process=True)
    try:
        builder.start()
        with pytest.raises(ExportProcessError) as raised:
            builder.call("add", ["甲", "乙"])
        assert "ValueError" in str(raised.value) and "乙乙" not in str(raised.value)
        builder.call("add", ["丙"])  # the builder is still there for what follows
    finally:
        builder.stop()
    builder.target.seek(0)
    assert builder.target.read().decode() == "甲\n丙\n"
    builder.target.close()


def test_a_process_that_dies_is_an_error_not_a_hang():
    builder = Builder(make_lines, None, in_process=True)
    try:
        builder.start()
        with pytest.raises(ExportProcessError, match="ended"):
            builder.call("add", ["甲", "die"])
        with pytest.raises(ExportProcessError, match="ended"):
            builder.call("add", ["乙"])
    finally:
        builder.stop()
        builder.target.close()


def test_a_builder_that_cannot_be_sent_fails_at_once_and_leaves_nothing_open():
    builder = Builder(lambda target, progress: Lines(target, progress), None, in_process=True)
    with pytest.raises(Exception, match="pickle"):
        builder.start()
    assert builder.target.closed is False  # the caller closes the file (exports._abandon)
    builder.stop()  # nothing started: nothing to stop
    builder.target.close()


def test_a_failing_make_in_the_process_is_an_error_here():
    builder = Builder(partial(make_lines, fail_on="x"), None, in_process=True)
    builder.make = fail_to_make
    with pytest.raises(ExportProcessError, match="RuntimeError"):
        builder.start()
    builder.stop()
    builder.target.close()


def fail_to_make(target: IO[bytes], progress: Progress | None) -> Lines:
    raise RuntimeError("no builder")
