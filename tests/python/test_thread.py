# SPDX-License-Identifier: LGPL-2.1-or-later
"""run_thread (DESIGN.md §5): func(context, *args, **kwargs) in a pool thread, results,
exceptions, cancellation, status, key, message, attempt, log, progress, events, context
methods from every thread."""

import math
import os
import threading
import time
import warnings

import pytest

from conftest import (SETTLE_MS, is_cancelled_error, is_tasker_error, iterate_until, nick)
from gi.repository import Gio, GLib, Tasker


class OwnError(Exception):
    pass


# --------------------------------------------------------------------------- arguments

def test_args_kwargs_context_first_in_pool_thread(manager, recorder, main_thread):
    seen = {}

    def work(context, a, b, *rest, scale=1, **extra):
        seen["context"] = context
        seen["thread"] = threading.get_ident()
        seen["args"] = (a, b, rest, scale, extra)
        return (a + b + sum(rest)) * scale

    t = manager.run_thread(work, 1, 2, 3, 4, scale=10, colour="red",
                           when_done=recorder.when_done)
    assert isinstance(t, Tasker.Task)
    assert manager.wait_until_settled(SETTLE_MS)
    assert isinstance(seen["context"], Tasker.Context)
    assert seen["thread"] != main_thread, "func runs in a pool thread"
    assert seen["args"] == (1, 2, (3, 4), 10, {"colour": "red"})
    assert t.result() == 100
    assert recorder.done == [(t, main_thread)]


def test_reserved_keywords_do_not_reach_function(manager, recorder):
    got = {}

    def work(context, **kwargs):
        got.update(kwargs)
        context.send_event("e")

    opts = Tasker.TaskOptions.new()
    opts.set_property("name", "reserved")
    t = manager.run_thread(work, key="rk", when_done=recorder.when_done,
                           when_event=recorder.when_event, options=opts,
                           name="to-function", timeout=5, priority=3)
    assert manager.wait_until_settled(SETTLE_MS)
    assert got == {"name": "to-function", "timeout": 5, "priority": 3}
    assert t.get_key() == "rk"
    assert t.get_name() == "reserved"
    assert recorder.done_count(t) == 1
    assert [e[1] for e in recorder.events] == ["e"]


def test_when_done_gets_same_object_once_on_main_thread(manager, recorder, main_thread):
    tasks = [manager.run_thread(lambda c, i: i, i, when_done=recorder.when_done)
             for i in range(10)]
    assert recorder.done == [], "when_done never runs inside the submitting call"
    assert manager.wait_until_settled(SETTLE_MS)
    assert len(recorder.done) == 10
    for t in tasks:
        assert recorder.done_count(t) == 1  # identity: `is`, not equality
    assert {thread for _, thread in recorder.done} == {main_thread}
    assert [t.result() for t in tasks] == list(range(10))


def test_when_done_sees_final_state(manager):
    seen = []

    def on_done(task):
        seen.append((nick(task), task.is_final(), task.result(), task.get_error(),
                     task.get_progress()))

    manager.run_thread(lambda c: "value", when_done=on_done)
    assert manager.wait_until_settled(SETTLE_MS)
    assert seen == [("completed", True, "value", None, 1.0)]


# --------------------------------------------------------------------------- results

def test_result_is_the_returned_object(manager):
    obj = object()
    lst = [1, 2]
    t1 = manager.run_thread(lambda c, o: o, obj)
    t2 = manager.run_thread(lambda c: lst)
    t3 = manager.run_thread(lambda c: None)
    assert manager.wait_until_settled(SETTLE_MS)
    assert t1.result() is obj
    assert t2.result() is lst
    assert t3.result() is None
    assert t1.get_error() is None


def test_exception_keeps_its_type(manager, recorder):
    def bad(c, n):
        raise ValueError(f"bad value {n}")

    t = manager.run_thread(bad, 7, when_done=recorder.when_done)
    assert manager.wait_until_settled(SETTLE_MS)
    assert nick(t) == "failed"
    with pytest.raises(ValueError, match="bad value 7") as info:
        t.result()
    assert type(info.value) is ValueError
    err = t.get_error()
    assert isinstance(err, GLib.Error)
    assert is_tasker_error(err, Tasker.Error.FAILED)
    assert err.message == "ValueError: bad value 7"
    assert recorder.done_count(t) == 1


def test_own_exception_type(manager):
    def bad(c):
        raise OwnError("mine")

    t = manager.run_thread(bad)
    assert manager.wait_until_settled(SETTLE_MS)
    with pytest.raises(OwnError, match="mine"):
        t.result()
    assert t.get_error().message == "OwnError: mine"


def test_result_on_unfinished_task_raises(manager, gate):
    t = manager.run_thread(lambda c: gate.wait_released())
    with pytest.raises(Exception):
        t.result()  # pending
    assert t.get_error() is None
    assert gate.reached.wait(10)
    with pytest.raises(Exception):
        t.result()  # running (at least in the pool)
    gate.release.set()
    assert manager.wait_until_settled(SETTLE_MS)
    assert t.result() is True


# --------------------------------------------------------------------------- cancellation

def test_cancel_running_task(ctx, manager, recorder, main_thread):
    seen = {}
    started = threading.Event()

    def cooperative(c):
        cancellable = c.get_cancellable()
        seen["cancellable"] = isinstance(cancellable, Gio.Cancellable)
        started.set()
        deadline = time.monotonic() + 10
        while not c.is_cancelled() and time.monotonic() < deadline:
            time.sleep(0.001)
        seen["is_cancelled"] = c.is_cancelled()
        # The cancellable fires too (is_cancelled() may turn true a moment before it).
        deadline = time.monotonic() + 2
        while not cancellable.is_cancelled() and time.monotonic() < deadline:
            time.sleep(0.001)
        seen["cancellable_fired"] = cancellable.is_cancelled()
        return "returned after cancel"

    t = manager.run_thread(cooperative, when_done=recorder.when_done)
    assert iterate_until(ctx, lambda: started.is_set() and nick(t) == "running")
    t.cancel()
    assert iterate_until(ctx, lambda: recorder.is_done(t))
    assert seen == {"cancellable": True, "is_cancelled": True, "cancellable_fired": True}
    assert nick(t) == "cancelled", "returning after cancellation is CANCELLED"
    assert t.is_final()
    with pytest.raises(GLib.Error) as info:
        t.result()
    assert info.value.matches(Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED)
    assert is_cancelled_error(t.get_error())
    assert recorder.done == [(t, main_thread)]


def test_cancel_interrupts_gio_call_in_progress(ctx, manager, recorder):
    """The task's cancellable interrupts a blocking GIO call at once."""
    read_fd, write_fd = os.pipe()
    seen = {}
    started = threading.Event()

    def reader(c):
        stream = Gio.UnixInputStream.new(read_fd, False)
        started.set()
        try:
            stream.read_bytes(16, c.get_cancellable())  # nothing is ever written
            seen["error"] = None
        except GLib.Error as e:
            seen["error"] = e
            raise

    try:
        t = manager.run_thread(reader, when_done=recorder.when_done)
        assert iterate_until(ctx, lambda: started.is_set() and nick(t) == "running")
        start = time.monotonic()
        t.cancel()
        assert iterate_until(ctx, lambda: recorder.is_done(t), timeout=5.0)
        assert time.monotonic() - start < 1.0
        assert is_cancelled_error(seen["error"])
        assert nick(t) == "cancelled"
        assert is_cancelled_error(t.get_error())
    finally:
        os.close(write_fd)
        manager.wait_until_settled(SETTLE_MS)
        os.close(read_fd)


def test_cancel_pending_task_calls_when_done_promptly(ctx, manager, recorder, gate):
    manager.props.max_threads = 1
    ran = threading.Event()
    blocker = manager.run_thread(lambda c: gate.wait_released())
    pending = manager.run_thread(lambda c: ran.set(), when_done=recorder.when_done)
    assert gate.reached.wait(10)
    assert iterate_until(ctx, lambda: nick(blocker) == "running")
    assert nick(pending) == "pending"
    assert pending.get_attempt() == 0, "attempt is 0 before the first one starts"
    start = time.monotonic()
    pending.cancel()
    # The blocker still holds the only slot: when_done must not wait for it.
    assert iterate_until(ctx, lambda: recorder.is_done(pending), timeout=2.0)
    elapsed = time.monotonic() - start
    assert elapsed < 0.5, elapsed
    assert nick(pending) == "cancelled"
    assert is_cancelled_error(pending.get_error())
    gate.release.set()
    assert manager.wait_until_settled(SETTLE_MS)
    assert not ran.is_set(), "a cancelled PENDING task never runs"
    assert recorder.done_count(pending) == 1


def test_cancel_task_by_key_raises_cancelled_in_result(manager, gate):
    t = manager.run_thread(lambda c: gate.wait_released(), key="cancel-me")
    assert gate.reached.wait(10)
    assert manager.cancel_task("cancel-me") is True
    gate.release.set()
    assert manager.wait_until_settled(SETTLE_MS)
    with pytest.raises(GLib.Error) as info:
        t.result()
    assert is_cancelled_error(info.value)


# --------------------------------------------------------------------------- task state

def test_status_nicks_through_the_life(ctx, manager, gate):
    t = manager.run_thread(lambda c: gate.wait_released())
    assert nick(t) == "pending"
    assert isinstance(t.get_status(), Tasker.TaskStatus)
    assert t.is_final() is False
    assert iterate_until(ctx, lambda: nick(t) == "running")
    assert t.is_final() is False
    gate.release.set()
    assert manager.wait_until_settled(SETTLE_MS)
    assert nick(t) == "completed" and t.is_final() is True

    def bad(c):
        raise RuntimeError("x")

    f = manager.run_thread(bad)
    assert manager.wait_until_settled(SETTLE_MS)
    assert nick(f) == "failed" and f.is_final() is True
    assert {s.value_nick for s in (Tasker.TaskStatus.PENDING, Tasker.TaskStatus.RUNNING,
                                   Tasker.TaskStatus.COMPLETED, Tasker.TaskStatus.FAILED,
                                   Tasker.TaskStatus.CANCELLED)} == \
        {"pending", "running", "completed", "failed", "cancelled"}


def test_key_message_attempt_defaults(ctx, manager, gate):
    def work(c):
        gate.reached.set()
        gate.release.wait(10)
        c.set_message("now set")

    t = manager.run_thread(work)
    assert t.get_key() is None
    assert t.get_message() is None, "None until a message is set"
    assert t.get_progress() == 0.0
    assert t.get_attempt() == 0
    assert iterate_until(ctx, lambda: nick(t) == "running")
    assert t.get_attempt() == 1, "1 during the first attempt"
    assert t.get_message() is None
    gate.release.set()
    assert manager.wait_until_settled(SETTLE_MS)
    assert t.get_message() == "now set"
    assert t.get_attempt() == 1, "1 after the first attempt"
    assert t.get_progress() == 1.0

    quiet = manager.run_thread(lambda c: None)
    assert manager.wait_until_settled(SETTLE_MS)
    assert quiet.get_message() is None, "the manager writes no message at start or finish"


def test_log_is_a_list_of_lines(manager):
    def work(c):
        c.log("first line")
        c.log("second line")

    t = manager.run_thread(work)
    empty = manager.run_thread(lambda c: None)
    assert manager.wait_until_settled(SETTLE_MS)
    log = t.get_log()
    assert isinstance(log, list)
    assert all(isinstance(line, str) and "\n" not in line for line in log)
    first = next(i for i, line in enumerate(log) if "first line" in line)
    second = next(i for i, line in enumerate(log) if "second line" in line)
    assert first < second
    assert empty.get_log() == []


# --------------------------------------------------------------------------- progress

def test_progress_total_and_message(ctx, manager, gate):
    def work(c):
        c.set_total(4)
        c.set_progress(3)
        c.set_message("three of four")
        c.flush()
        gate.wait_released()

    t = manager.run_thread(work)
    assert iterate_until(ctx, lambda: math.isclose(t.get_progress(), 0.75))
    assert iterate_until(ctx, lambda: t.get_message() == "three of four")
    gate.release.set()
    assert manager.wait_until_settled(SETTLE_MS)
    assert t.get_progress() == 1.0
    assert t.get_message() == "three of four"


def test_progress_clamped(ctx, manager, gate):
    def work(c):
        c.set_progress(7.5)
        c.flush()
        gate.wait_released()

    t = manager.run_thread(work)
    assert iterate_until(ctx, lambda: gate.reached.is_set() and t.get_progress() == 1.0)
    gate.release.set()
    assert manager.wait_until_settled(SETTLE_MS)


def test_sub_context_composes(ctx, manager, gate):
    """sub_context(0.1,0.8).sub_context(0.5,0.25,total=10).set_progress(8) -> 0.66."""
    def work(c):
        sub = c.sub_context(0.1, 0.8).sub_context(0.5, 0.25, total=10)
        sub.set_progress(8)
        sub.set_message("from the sub context")
        sub.flush()
        c.flush()
        gate.wait_released()

    t = manager.run_thread(work)
    assert iterate_until(ctx, lambda: math.isclose(t.get_progress(), 0.66))
    assert t.get_progress() == pytest.approx(0.66)
    assert iterate_until(ctx, lambda: t.get_message() == "from the sub context")
    gate.release.set()
    assert manager.wait_until_settled(SETTLE_MS)


def test_sub_context_positional_total(ctx, manager, gate):
    def work(c):
        c.sub_context(0.5, 0.5, 4).set_progress(2)
        c.flush()
        gate.wait_released()

    t = manager.run_thread(work)
    assert iterate_until(ctx, lambda: math.isclose(t.get_progress(), 0.75))
    gate.release.set()
    assert manager.wait_until_settled(SETTLE_MS)


def test_nan_progress_ignored_with_a_warning(ctx, manager, gate, capfd):
    outcome = {}

    def work(c):
        c.set_progress(0.5)
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                c.set_progress(float("nan"))
                c.set_total(0)
                c.set_total(-3)
            outcome["warnings"] = [str(w.message) for w in caught]
            outcome["raised"] = None
        except Exception as e:  # noqa: BLE001 - the point is that nothing is raised
            outcome["raised"] = e
        c.flush()
        gate.wait_released()

    t = manager.run_thread(work)
    assert iterate_until(ctx, lambda: gate.reached.is_set())
    assert outcome["raised"] is None, "NaN / total <= 0 are not exceptions"
    assert iterate_until(ctx, lambda: math.isclose(t.get_progress(), 0.5))
    gate.release.set()
    assert manager.wait_until_settled(SETTLE_MS)
    assert nick(t) == "completed"
    err = capfd.readouterr().err
    warned = outcome["warnings"] or ("nan" in err.lower() and "warning" in err.lower())
    assert warned, f"a warning for NaN (Python warnings {outcome['warnings']!r}, stderr {err!r})"


# --------------------------------------------------------------------------- events

def test_events_in_order_before_when_done(manager, recorder, main_thread):
    payload = {"not": "copied"}
    marker = object()

    def work(c):
        c.send_event("none")
        c.send_event("payload", payload)
        c.send_event("marker", data=marker)
        c.send_event("variant", GLib.Variant("i", 3))
        for i in range(50):
            c.send_event("seq", i)
        return "ok"

    t = manager.run_thread(work, when_event=recorder.when_event, when_done=recorder.when_done)
    assert manager.wait_until_settled(SETTLE_MS)
    events = recorder.events
    assert [e[1] for e in events[:4]] == ["none", "payload", "marker", "variant"]
    assert events[0][2] is None, "data defaults to None"
    assert events[1][2] is payload, "thread tasks pass the object through unchanged"
    assert events[2][2] is marker
    assert isinstance(events[3][2], GLib.Variant) and events[3][2].unpack() == 3
    assert [e[2] for e in events[4:]] == list(range(50))
    assert all(e[0] is t for e in events)
    assert all(e[3] == main_thread for e in events), "when_event on the main thread"
    assert not any(e[4] for e in events), "every event before when_done"
    assert recorder.done_count(t) == 1


# --------------------------------------------------------------------------- threads

def test_context_methods_from_main_thread(ctx, manager, recorder, main_thread):
    holder = {}
    ready = threading.Event()
    release = threading.Event()
    obj = object()

    def work(c):
        holder["context"] = c
        ready.set()
        release.wait(10)
        return "finished"

    t = manager.run_thread(work, when_event=recorder.when_event, when_done=recorder.when_done)
    assert iterate_until(ctx, ready.is_set)
    c = holder["context"]
    assert c.is_cancelled() is False
    c.set_total(4)
    c.set_progress(1)
    c.set_message("from main")
    c.log("log from main")
    c.send_event("main-event", obj)
    c.sub_context(0.5, 0.5).set_message("sub from main")
    c.flush()
    assert iterate_until(ctx, lambda: any(e[1] == "main-event" for e in recorder.events))
    assert iterate_until(ctx, lambda: t.get_message() == "sub from main")
    assert iterate_until(ctx, lambda: math.isclose(t.get_progress(), 0.25))
    release.set()
    assert manager.wait_until_settled(SETTLE_MS)
    event = next(e for e in recorder.events if e[1] == "main-event")
    assert event[2] is obj and event[3] == main_thread
    assert any("log from main" in line for line in t.get_log())
    assert t.result() == "finished"


def test_context_methods_from_another_thread(ctx, manager, recorder):
    """Context methods are thread-safe: a helper thread of the task may use them too."""
    def work(c):
        def helper():
            for i in range(100):
                c.set_progress(i / 100)
            c.set_message("from helper")
            c.send_event("helper")
            c.log("helper log")
        threads = [threading.Thread(target=helper) for _ in range(4)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        c.set_message("from task")

    t = manager.run_thread(work, when_event=recorder.when_event)
    assert manager.wait_until_settled(SETTLE_MS)
    assert nick(t) == "completed"
    assert t.get_message() == "from task"
    assert [e[1] for e in recorder.events] == ["helper"] * 4
    assert sum("helper log" in line for line in t.get_log()) == 4


def test_result_readable_in_when_done_without_keeping_the_task(manager):
    """The submitter may drop the returned task: when_done's task still has the result."""
    obj = object()
    results = []
    manager.run_thread(lambda c: obj, when_done=lambda t: results.append(t.result()))
    assert manager.wait_until_settled(SETTLE_MS)
    assert len(results) == 1 and results[0] is obj


def test_event_flood_waits_for_room(manager, recorder):
    """A thread task sending far more events than the bound: the sender waits
    for the main thread (the GIL is not held while it waits), every event
    arrives in order, all before when_done."""
    n = 3000

    def work(c):
        for i in range(n):
            c.send_event("seq", i)
        return "flooded"

    t = manager.run_thread(work, when_event=recorder.when_event, when_done=recorder.when_done)
    assert manager.wait_until_settled(SETTLE_MS)
    assert t.result() == "flooded"
    assert [e[2] for e in recorder.events] == list(range(n))
    assert not any(e[4] for e in recorder.events), "an event came after when_done"


def test_sub_context_events_pass_objects_through(manager, recorder):
    obj = object()

    def work(c):
        c.sub_context(0.0, 0.5).send_event("from-sub", obj)

    t = manager.run_thread(work, when_event=recorder.when_event)
    assert manager.wait_until_settled(SETTLE_MS)
    assert [(e[0], e[1]) for e in recorder.events] == [(t, "from-sub")]
    assert recorder.events[0][2] is obj
