# SPDX-License-Identifier: LGPL-2.1-or-later
"""The override's accelerator, gi.overrides._tasker_submit (issue 18, docs/python.md): a
thread or coroutine task without key or options is submitted with the GIL held. It must
be found uninstalled, be used exactly for those submits, give the same task and errors as
the call through GI, reject bad arguments, never deadlock against pool threads that want
the GIL, and the override must work the same without it."""

import faulthandler
import os
import threading

import pytest

from conftest import SETTLE_MS, iterate_until, is_tasker_error, nick
from gi.overrides import Tasker as override
from gi.repository import GLib, Tasker


class Counting:
    """Wraps one of the accelerator's functions and counts its calls."""

    def __init__(self, func):
        self.func = func
        self.calls = 0

    def __call__(self, *args):
        self.calls += 1
        return self.func(*args)


def accelerator():
    """The accelerator module; skips the test when the build went without it (meson warned
    that python3-dev or python-gi-dev was missing), fails when it was built but not found."""
    if os.environ.get("TASKER_ACCELERATOR_BUILT") == "0":
        pytest.skip("built without python3-dev or python-gi-dev: no accelerator")
    assert override._tasker_submit is not None, \
        "gi.overrides._tasker_submit was not found: is <build>/src/libtasker/python on PYTHONPATH?"
    return override._tasker_submit


@pytest.fixture
def held(monkeypatch):
    """The accelerator's thread and coroutine submits the override bound, counted."""
    module = accelerator()
    assert override._run_thread_token_held is module.run_thread_token
    assert override._run_coroutine_token_held is module.run_coroutine_token
    thread = Counting(override._run_thread_token_held)
    coroutine = Counting(override._run_coroutine_token_held)
    monkeypatch.setattr(override, "_run_thread_token_held", thread)
    monkeypatch.setattr(override, "_run_coroutine_token_held", coroutine)
    return thread, coroutine


def test_used_only_without_key_and_options(manager, held):
    thread, coroutine = held

    async def coro(c):
        return "async"

    tasks = [manager.run_thread(lambda c: "plain")]
    assert (thread.calls, coroutine.calls) == (1, 0)
    tasks.append(manager.add_coroutine(coro))
    assert (thread.calls, coroutine.calls) == (1, 1)
    tasks.append(manager.run_thread(lambda c: "keyed", key="held-k"))
    tasks.append(manager.run_thread(lambda c: "optioned", options=Tasker.TaskOptions()))
    tasks.append(manager.add_coroutine(coro, key="held-c"))
    assert (thread.calls, coroutine.calls) == (1, 1)

    assert manager.wait_until_settled(SETTLE_MS)
    assert [t.result() for t in tasks] == ["plain", "async", "keyed", "optioned", "async"]


def test_same_task_object_throughout(ctx, manager, held, main_thread):
    seen = []

    def when_done(task):
        seen.append((task, threading.get_ident()))

    t = manager.run_thread(lambda c: threading.get_ident(), when_done=when_done)
    assert isinstance(t, Tasker.Task)
    assert iterate_until(ctx, lambda: len(seen) == 1)
    assert seen[0][0] is t and seen[0][1] == main_thread
    # It ran in a pool thread, and its result is found through the wrapper's record.
    assert t.result() != main_thread
    assert held[0].calls == 1


def test_refusal_is_the_same_glib_error(ctx, held):
    mgr = Tasker.Manager.new(ctx)
    mgr.run_thread(lambda c: None)
    assert mgr.wait_until_settled(SETTLE_MS)
    mgr.shutdown(2000)
    records = len(override._records)
    with pytest.raises(GLib.Error) as raised:
        mgr.run_thread(lambda c: None)
    assert is_tasker_error(raised.value, Tasker.Error.SHUT_DOWN), raised.value
    assert held[0].calls == 2
    # The refused submit left no record behind.
    assert len(override._records) == records


def test_bad_arguments_are_rejected(ctx):
    submit = accelerator()
    for run in (submit.run_thread_token, submit.run_coroutine_token):
        with pytest.raises(TypeError):
            run(object(), 1)
        with pytest.raises(TypeError):
            run(None, 1)
        with pytest.raises(TypeError, match="Tasker.Manager"):
            run(Tasker.TaskOptions(), 1)
        with pytest.raises(TypeError):
            run()
        # A manager the override never gave its token functions to.
        mgr = Tasker.Manager.new(ctx)
        try:
            with pytest.raises(GLib.Error) as raised:
                run(mgr, 1)
            assert is_tasker_error(raised.value, Tasker.Error.INVALID_ARGUMENT), raised.value
        finally:
            mgr.shutdown(2000)


def test_override_works_without_it(ctx, manager, monkeypatch, recorder):
    monkeypatch.setattr(override, "_run_thread_token_held", None)
    monkeypatch.setattr(override, "_run_coroutine_token_held", None)

    async def coro(c, x):
        return x * 2

    a = manager.run_thread(lambda c, x: x + 1, 41, when_done=recorder.when_done)
    b = manager.add_coroutine(coro, 21, when_done=recorder.when_done)
    assert iterate_until(ctx, lambda: recorder.is_done(a) and recorder.is_done(b))
    assert (a.result(), b.result()) == (42, 42)


def test_no_deadlock_with_threads_that_want_the_gil(ctx, manager, held, main_thread):
    """Submits with the GIL held from several Python threads at once, while pool threads
    run Python functions that report through their contexts, the main thread delivers
    done functions and keyed submits (through GI) cancel live tasks. A deadlock would
    hold the GIL, so a Python-level deadline could not fire: faulthandler's watchdog
    thread ends the process with every thread's stack instead."""
    per_thread, n_threads = 400, 4
    total = per_thread * n_threads + per_thread
    done = []
    wrong_thread = []

    def when_done(task):
        done.append(task)
        if threading.get_ident() != main_thread:
            wrong_thread.append(task)

    def work(c, i):
        c.set_progress(0.5)
        c.set_message(f"item {i}")
        c.send_event("tick", i)
        return i

    def submitter(base):
        for i in range(per_thread):
            manager.run_thread(work, base + i, when_done=when_done)

    def keyed_submitter():
        # Each keyed submit cancels the live task with the same key.
        for i in range(per_thread):
            manager.run_thread(work, i, key=f"deadlock-{i % 7}", when_done=when_done)

    churning = threading.Event()

    def options_churner():
        # Default options whose wrapper has attributes of its own: PyGObject keeps it
        # through a toggle reference, notified (under the GIL) when the manager lets it go.
        # Bounded, so that a failing test cannot leave it running.
        for _ in range(100000):
            if churning.is_set():
                break
            options = Tasker.TaskOptions()
            options.note = "toggle"
            manager.props.default_options = options

    # Above every bounded wait below (60 s + 7 joins of 10 s).
    faulthandler.dump_traceback_later(240, exit=True)
    try:
        # Daemon threads: a failing test does not keep pytest from ending.
        threads = [threading.Thread(target=submitter, args=(k * per_thread,), daemon=True)
                   for k in range(n_threads)]
        threads.append(threading.Thread(target=keyed_submitter, daemon=True))
        churner = threading.Thread(target=options_churner, daemon=True)
        churner.start()
        for thread in threads:
            thread.start()
        assert iterate_until(ctx, lambda: len(done) == total, timeout=60), len(done)
        churning.set()
        for thread in threads + [churner]:
            thread.join(10)
            assert not thread.is_alive()
    finally:
        churning.set()
        faulthandler.cancel_dump_traceback_later()

    assert held[0].calls == per_thread * n_threads
    assert not wrong_thread
    assert len({id(t) for t in done}) == total
    completed = [t for t in done if nick(t) == "completed"]
    # Every unkeyed task completes with its own value.
    assert sorted(t.result() for t in completed if not t.get_key()) == \
        list(range(per_thread * n_threads))
