# SPDX-License-Identifier: LGPL-2.1-or-later
"""What the override's fast paths (issue 18) must keep: a task's last progress value
reaches the manager on return, on flush/set_message/send_event/log/sub_context, and by
itself within a few milliseconds; values from several threads; and 10k submits leave
nothing behind (records, pending progress, references)."""

import asyncio
import sys
import threading
import time

import pytest

from conftest import SETTLE_MS, iterate_until, nick
from gi.overrides import Tasker as override
from gi.repository import GLib


@pytest.fixture
def no_puller():
    """Pauses the override's progress puller, so that only the other flushes can
    bring a stored value to the manager."""
    override._pull_paused = True
    # A pull already under way ends within one interval.
    time.sleep(3 * override._PULL_INTERVAL)
    yield
    override._pull_paused = False


def close(a, b):
    return abs(a - b) < 1e-9


def test_progress_reaches_task_when_function_returns(manager, no_puller):
    def work(c):
        c.set_progress(0.25)
        c.set_progress(0.37)
        raise ValueError("after progress")

    t = manager.run_thread(work)
    assert manager.wait_until_settled(SETTLE_MS)
    assert nick(t) == "failed"
    assert close(t.get_progress(), 0.37), t.get_progress()


@pytest.mark.parametrize("op", ["flush", "set_message", "send_event", "log", "set_total"])
def test_progress_reaches_task_before_other_context_calls(ctx, manager, gate, no_puller, op):
    def work(c):
        c.set_progress(0.42)
        if op == "flush":
            c.flush()
        elif op == "set_message":
            c.set_message("working")
        elif op == "send_event":
            c.send_event("tick", 1)
        elif op == "log":
            c.log("a line")
        else:
            c.set_total(1.0)
        gate.wait_released()

    t = manager.run_thread(work, when_event=lambda task, name, data: None)
    try:
        assert iterate_until(ctx, lambda: gate.reached.is_set())
        assert iterate_until(ctx, lambda: close(t.get_progress(), 0.42)), t.get_progress()
    finally:
        gate.release.set()
    assert manager.wait_until_settled(SETTLE_MS)


def test_progress_reaches_task_when_function_stops_calling(ctx, manager, gate):
    def work(c):
        for i in range(1000):
            c.set_progress(i / 2000)
        c.set_progress(0.61)
        gate.wait_released()   # no other context call

    t = manager.run_thread(work)
    try:
        assert iterate_until(ctx, lambda: gate.reached.is_set())
        # The puller hands it over within a few ms, the manager within one
        # update interval more; 2 s is only the deadline of a loaded machine.
        assert iterate_until(ctx, lambda: close(t.get_progress(), 0.61), timeout=2.0), \
            t.get_progress()
    finally:
        gate.release.set()
    assert manager.wait_until_settled(SETTLE_MS)


def test_progress_from_several_threads(ctx, manager, gate):
    def work(c):
        def hammer(k):
            for i in range(2000):
                c.set_progress((k * 2000 + i) / 10000)

        threads = [threading.Thread(target=hammer, args=(k,)) for k in range(4)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        last = threading.Thread(target=c.set_progress, args=(0.77,))
        last.start()
        last.join()
        gate.wait_released()

    t = manager.run_thread(work)
    try:
        assert iterate_until(ctx, lambda: gate.reached.is_set())
        assert iterate_until(ctx, lambda: close(t.get_progress(), 0.77), timeout=2.0), \
            t.get_progress()
    finally:
        gate.release.set()
    assert manager.wait_until_settled(SETTLE_MS)


def test_progress_from_main_thread_while_function_runs(ctx, manager, gate, no_puller):
    holder = {}

    def work(c):
        holder["context"] = c
        c.set_progress(0.1)    # stored
        gate.wait_released()

    t = manager.run_thread(work)
    try:
        assert iterate_until(ctx, lambda: gate.reached.is_set())
        holder["context"].set_progress(0.55)   # the main thread, later
    finally:
        gate.release.set()
    assert manager.wait_until_settled(SETTLE_MS)
    # Completed: 1.0 whatever was set; the order is checked on a failed task below.
    assert nick(t) == "completed"


def test_progress_order_with_sub_context(manager, no_puller):
    def work(c):
        c.set_progress(0.2)                      # stored
        c.sub_context(0.5, 0.5).set_progress(0.5)   # 0.75, given at once, after 0.2
        raise ValueError("stop")

    t = manager.run_thread(work)
    assert manager.wait_until_settled(SETTLE_MS)
    assert nick(t) == "failed"
    assert close(t.get_progress(), 0.75), t.get_progress()


def test_progress_order_of_sub_context_after_root(manager, no_puller):
    def work(c):
        sub = c.sub_context(0.0, 0.5)
        c.set_progress(0.9)          # stored
        sub.set_progress(0.5)        # 0.25: given after 0.9
        raise ValueError("stop")

    t = manager.run_thread(work)
    assert manager.wait_until_settled(SETTLE_MS)
    assert close(t.get_progress(), 0.25), t.get_progress()


def test_coroutine_progress_reaches_task(manager, no_puller):
    async def coro(c):
        c.set_progress(0.4)
        await asyncio.sleep(0)
        raise ValueError("after progress")

    t = manager.add_coroutine(coro)
    assert manager.wait_until_settled(SETTLE_MS)
    assert nick(t) == "failed"
    assert close(t.get_progress(), 0.4), t.get_progress()


def test_non_number_progress_is_ignored_with_a_warning(manager, no_puller):
    def work(c):
        c.set_progress(0.3)
        c.set_progress("not a number")
        raise ValueError("stop")

    t = manager.run_thread(work)
    assert manager.wait_until_settled(SETTLE_MS)
    assert nick(t) == "failed"
    assert str(t.get_error().message) == "ValueError: stop"
    assert close(t.get_progress(), 0.3), t.get_progress()


class Arg:
    pass


def test_10k_submits_leave_nothing_behind(manager):
    arg = Arg()
    done = []

    def when_done(task):
        done.append(task.get_id())

    def work(c, a, *, scale):
        c.set_progress(0.5)
        return scale

    before = (sys.getrefcount(arg), sys.getrefcount(when_done), sys.getrefcount(work))
    tasks = [manager.run_thread(work, arg, scale=2, when_done=when_done) for _ in range(10000)]
    assert manager.wait_until_settled(SETTLE_MS * 3)
    assert len(done) == 10000 and len(set(done)) == 10000
    assert all(t.result() == 2 for t in tasks[:100])
    del tasks
    assert override._records == {}
    assert override._pending == {}
    assert not override._armed
    assert override._thread_waiting == 0
    assert (sys.getrefcount(arg), sys.getrefcount(when_done), sys.getrefcount(work)) == before


def test_refused_submit_leaves_no_record(manager):
    manager.shutdown()
    with pytest.raises(GLib.Error):
        manager.run_thread(lambda c: None)
    with pytest.raises(GLib.Error):
        manager.add_coroutine(lambda c: None)
    assert override._records == {}
    assert override._thread_waiting == 0


def test_process_payload_cache_is_bounded_and_follows_sys_path(manager, monkeypatch):
    import pyfuncs

    first = override._process_args("m", "f", (), {})
    assert override._process_args("m", "f", (), {}) is first, "cached per function"
    monkeypatch.setattr(sys, "path", sys.path + ["/nonexistent-tasker-test"])
    assert override._process_args("m", "f", (), {}) is not first, "a new sys.path is sent"
    for i in range(override._PAYLOAD_CACHE_MAX * 2):
        override._process_args("m", f"f{i}", (), {})
    assert len(override._payload_cache) <= override._PAYLOAD_CACHE_MAX

    t = manager.run_process(pyfuncs.add, 2, 3)
    u = manager.run_process(pyfuncs.returns_none)
    v = manager.run_process(pyfuncs.returns_none)
    assert manager.wait_until_settled(SETTLE_MS)
    assert t.result()["sum"] == 5
    assert u.result() is None and v.result() is None
    assert override._records == {}


def python_thread_states():
    """How many Python thread states the interpreter holds."""
    import ctypes

    api = ctypes.pythonapi
    api.PyInterpreterState_Main.restype = ctypes.c_void_p
    api.PyInterpreterState_ThreadHead.restype = ctypes.c_void_p
    api.PyInterpreterState_ThreadHead.argtypes = (ctypes.c_void_p,)
    api.PyThreadState_Next.restype = ctypes.c_void_p
    api.PyThreadState_Next.argtypes = (ctypes.c_void_p,)
    n = 0
    state = api.PyInterpreterState_ThreadHead(api.PyInterpreterState_Main())
    while state:
        n += 1
        state = api.PyThreadState_Next(state)
    return n


def test_pool_threads_keep_no_python_thread_state(ctx, manager):
    # Pool threads keep their Python thread state while tasks wait (see the
    # override's _pin), and let it go when they run out of work or end:
    # GLib ends idle pool threads at once with max-unused-threads 0.
    before_states = python_thread_states()
    old_unused = GLib.ThreadPool.get_max_unused_threads()
    GLib.ThreadPool.set_max_unused_threads(0)
    try:
        for _ in range(10):
            done = []
            for _ in range(500):
                manager.run_thread(lambda c: None, when_done=done.append)
            assert manager.wait_until_settled(SETTLE_MS)
            assert len(done) == 500
        assert override._thread_waiting == 0
        assert iterate_until(ctx, lambda: python_thread_states() <= before_states, timeout=5.0), \
            (python_thread_states(), before_states)
    finally:
        GLib.ThreadPool.set_max_unused_threads(old_unused)


def test_names_read_per_task_are_the_modules_own():
    """`Tasker.TaskStatus` and the other names a done function reads are set on the
    module (no AttributeError raised and caught on each read through PyGObject's
    proxy), and are the typelib's own types."""
    from gi.repository import Tasker
    from gi.module import get_introspection_module

    typelib = get_introspection_module("Tasker")
    for name in ("TaskStatus", "TaskKind", "Error", "TaskOptions"):
        assert name in vars(Tasker), name
        assert getattr(Tasker, name) is getattr(typelib, name), name
    assert Tasker.TaskStatus.COMPLETED == typelib.TaskStatus.COMPLETED
    assert Tasker.Error.FAILED == typelib.Error.FAILED
    assert isinstance(Tasker.TaskOptions.new(), typelib.TaskOptions)
