# SPDX-License-Identifier: LGPL-2.1-or-later
"""add_external (DESIGN.md §5, §9): a task whose work happens elsewhere; its owner
drives task.get_context() from any thread and ends it with return_value /
return_error."""

import threading

import pytest

from conftest import SETTLE_MS, is_cancelled_error, is_tasker_error, iterate_until, nick
from gi.repository import Gio, GLib, GObject, Tasker


def running(task):
    return nick(task) == "running"


def test_completes_with_a_python_value(manager, ctx, recorder, main_thread):
    t = manager.add_external(when_done=recorder.when_done, when_event=recorder.when_event)
    assert isinstance(t, Tasker.Task)
    assert t.get_kind() == Tasker.TaskKind.EXTERNAL
    assert nick(t) == "pending"
    context = t.get_context()
    assert isinstance(context, Tasker.Context)
    assert iterate_until(ctx, lambda: running(t))

    value = {"files": [1, 2, 3]}
    context.set_message("copying")
    context.log("a line")
    context.send_event("step", ("any", "object"))
    context.return_value(value)
    assert manager.wait_until_settled(SETTLE_MS)
    assert nick(t) == "completed"
    assert t.result() is value
    assert t.get_progress() == 1.0
    assert t.get_message() == "copying"
    assert any("a line" in line for line in t.get_log())
    assert recorder.done == [(t, main_thread)]
    assert [(e[1], e[2], e[4]) for e in recorder.events] == [("step", ("any", "object"), False)]


def test_fails_with_the_exception_type_kept(manager):
    class BackupError(Exception):
        pass

    t = manager.add_external()
    error = BackupError("disk full")

    def owner():
        t.get_context().return_error(error)

    thread = threading.Thread(target=owner)
    thread.start()
    thread.join()
    assert manager.wait_until_settled(SETTLE_MS)
    assert nick(t) == "failed"
    assert t.get_error().message == "BackupError: disk full"
    with pytest.raises(BackupError) as info:
        t.result()
    assert info.value is error


def test_a_glib_error_keeps_its_domain_and_code(manager):
    t = manager.add_external()
    t.get_context().return_error(GLib.Error.new_literal(Gio.io_error_quark(), "gone",
                                                       int(Gio.IOErrorEnum.NOT_FOUND)))
    assert manager.wait_until_settled(SETTLE_MS)
    with pytest.raises(GLib.Error) as info:
        t.result()
    assert info.value.matches(Gio.io_error_quark(), Gio.IOErrorEnum.NOT_FOUND)


def test_cancel_reaches_owner_and_sticks(manager, ctx, recorder):
    manager.props.cancel_grace = 600000
    t = manager.add_external(key="sync", when_done=recorder.when_done)
    context = t.get_context()
    fired = threading.Event()
    # The signal (Gio.Cancellable.connect is g_cancellable_connect).
    GObject.Object.connect(context.get_cancellable(), "cancelled", lambda _c: fired.set())
    assert iterate_until(ctx, lambda: running(t))

    assert manager.cancel_task("sync")
    assert context.is_cancelled()
    assert fired.is_set()
    # It stays running until its owner stops.
    assert not iterate_until(ctx, lambda: not running(t), timeout=0.05)

    context.return_value("finished anyway")
    assert manager.wait_until_settled(SETTLE_MS)
    assert nick(t) == "cancelled"
    with pytest.raises(GLib.Error) as info:
        t.result()
    assert is_cancelled_error(info.value)
    assert recorder.done_count(t) == 1


def test_grace_ends_a_task_whose_owner_never_stops(manager, ctx, recorder):
    manager.props.cancel_grace = 100
    t = manager.add_external(when_done=recorder.when_done)
    context = t.get_context()
    assert iterate_until(ctx, lambda: running(t))
    t.cancel()
    assert context.is_cancelled()
    assert manager.wait_until_settled(SETTLE_MS)
    assert nick(t) == "cancelled"
    assert recorder.done_count(t) == 1

    # Late calls change nothing, and raise nothing.
    context.set_progress(0.5)
    context.set_message("late")
    context.return_value("late")
    iterate_until(ctx, lambda: False, timeout=0.05)
    assert nick(t) == "cancelled"
    assert t.get_message() is None
    assert recorder.done_count(t) == 1


def test_progress_reaches_tasks_updated(manager, ctx):
    seen = []
    manager.connect("tasks-updated", lambda _m, tasks, progress: seen.append(
        [task.get_progress() for task in tasks]))
    t = manager.add_external()
    context = t.get_context()
    context.set_total(4)
    done = threading.Event()

    def owner():
        # Coalesced as in a task function: only stored here.
        for i in range(1, 4):
            context.set_progress(i)
        done.set()

    threading.Thread(target=owner).start()
    assert done.wait(10)
    # The first call made set_progress a store (the task function's fast path).
    assert "set_progress" in context.__dict__
    assert iterate_until(ctx, lambda: any(p == [0.75] for p in seen))
    assert t.get_progress() == 0.75
    context.return_value(None)
    assert "set_progress" not in context.__dict__
    assert manager.wait_until_settled(SETTLE_MS)
    assert t.result() is None


def test_last_progress_before_return_is_kept(manager, ctx):
    t = manager.add_external()
    context = t.get_context()
    context.set_progress(0.4)
    context.return_error(ValueError("stopped at 40 %"))
    assert manager.wait_until_settled(SETTLE_MS)
    assert nick(t) == "failed"
    assert t.get_progress() == pytest.approx(0.4)


def test_options_and_refusals(manager):
    opts = Tasker.TaskOptions.new()
    opts.props.name = "backup"
    t = manager.add_external(key="b", options=opts)
    assert t.get_name() == "backup"
    assert t.get_key() == "b"
    # The options stay the caller's: usable again.
    opts.props.name = "again"
    t.get_context().return_value(1)

    refused = Tasker.TaskOptions.new()
    refused.props.queue = "q"
    with pytest.raises(GLib.Error) as info:
        manager.add_external(options=refused)
    assert is_tasker_error(info.value, Tasker.Error.INVALID_ARGUMENT)
    assert "“queue”" in info.value.message
    assert manager.wait_until_settled(SETTLE_MS)
    assert t.result() == 1


def test_shutdown_ends_a_live_external_task(ctx):
    manager = Tasker.Manager.new(ctx)
    manager.props.cancel_grace = 600000
    t = manager.add_external()
    assert iterate_until(ctx, lambda: running(t))
    manager.shutdown(100)
    assert nick(t) == "cancelled"
    assert t.get_context().is_cancelled()
    with pytest.raises(GLib.Error) as info:
        manager.add_external()
    assert is_tasker_error(info.value, Tasker.Error.SHUT_DOWN)
