# SPDX-License-Identifier: LGPL-2.1-or-later
"""Shared fixtures and helpers for the pytest suite of the Tasker override.

The suite runs against the build tree (tests/python/meson.build sets GI_TYPELIB_PATH,
LD_LIBRARY_PATH, PYTHONPATH and TASKER_WORKER). Every test gets its own GLib.MainContext,
pushed as the thread-default context of the main thread, and its own Tasker.Manager bound
to it; the manager is shut down at teardown. Waiting is done by iterating that context
with a deadline (`iterate_until`) or with `manager.wait_until_settled`, never by sleeping.
"""

import os
import sys
import threading
import time

import pytest

import gi

gi.require_version("Tasker", "1")
from gi.repository import Gio, GLib, Tasker  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    # pyfuncs.py (the process-task functions) is imported by module name, in the test
    # process and, through the sys.path sent at submit, in the worker.
    sys.path.insert(0, HERE)

# Generous deadlines: they bound a failing test, a passing one never waits for them.
SETTLE_MS = 10000
DEADLINE_S = 10.0

# Issue 5 is implemented: these are plain tests now (the marker stays for readability).
ISSUE_5 = pytest.mark.issue5


def iterate_until(context, predicate, timeout=DEADLINE_S):
    """Iterate `context` until `predicate()` is true or `timeout` seconds have passed.

    A 5 ms tick source keeps the blocking iteration from sleeping past the deadline.
    Returns whether the predicate became true.
    """
    deadline = time.monotonic() + timeout
    tick = GLib.timeout_source_new(5)
    tick.set_callback(lambda *_: GLib.SOURCE_CONTINUE)
    tick.attach(context)
    try:
        while not predicate():
            if time.monotonic() > deadline:
                return bool(predicate())
            context.iteration(True)
        return True
    finally:
        tick.destroy()


def is_cancelled_error(error):
    return isinstance(error, GLib.Error) and error.matches(
        Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED)


def is_tasker_error(error, code):
    return isinstance(error, GLib.Error) and error.matches(Tasker.error_quark(), code)


def nick(task):
    return task.get_status().value_nick


class Recorder:
    """when_done / when_event callbacks that record what they saw, and on which thread."""

    def __init__(self):
        self.done = []          # (task, thread ident)
        self.events = []        # (task, name, data, thread ident, done_already)

    def when_done(self, task):
        self.done.append((task, threading.get_ident()))

    def when_event(self, task, name, data):
        done_already = any(t is task for t, _ in self.done)
        self.events.append((task, name, data, threading.get_ident(), done_already))

    def done_count(self, task):
        return sum(1 for t, _ in self.done if t is task)

    def is_done(self, task):
        return self.done_count(task) > 0


class Gate:
    """A pair of threading.Events a task function uses to say it has reached a point
    and to wait until the test lets it go on (bounded, so a failing test never hangs)."""

    def __init__(self):
        self.reached = threading.Event()
        self.release = threading.Event()

    def wait_released(self, timeout=DEADLINE_S):
        self.reached.set()
        return self.release.wait(timeout)


@pytest.fixture
def main_thread():
    ident = threading.get_ident()
    assert ident == threading.main_thread().ident
    return ident


@pytest.fixture
def ctx():
    """A fresh GLib.MainContext, the main thread's thread-default for the test."""
    context = GLib.MainContext.new()
    context.push_thread_default()
    yield context
    context.pop_thread_default()


@pytest.fixture
def manager(ctx):
    """A fresh Tasker.Manager bound to `ctx`, shut down at teardown."""
    mgr = Tasker.Manager.new(ctx)
    yield mgr
    mgr.shutdown(2000)


@pytest.fixture
def recorder():
    return Recorder()


@pytest.fixture
def gate():
    g = Gate()
    yield g
    g.release.set()


@pytest.fixture(scope="session")
def default_manager():
    """Tasker.Manager.get_default(), settled and shut down once the session ends."""
    mgr = Tasker.Manager.get_default()
    yield mgr
    mgr.wait_until_settled(SETTLE_MS)
    mgr.shutdown(2000)


def pytest_configure(config):
    config.addinivalue_line("markers", "issue5: tests of the policies, tree, tracing and history of issue 5")
