# SPDX-License-Identifier: LGPL-2.1-or-later
"""Tasker.Manager from Python (DESIGN.md §5): construction, default manager, properties,
key/get_task/cancel_task, tasks-updated, overall progress, wait_until_settled, shutdown,
errors."""

import math
import threading
import time

import pytest

from conftest import (ISSUE_5, SETTLE_MS, Gate, Recorder, is_cancelled_error,
                      is_tasker_error, iterate_until, nick)
from gi.repository import GLib, Tasker

import pyfuncs


# --------------------------------------------------------------------------- construction

def test_new_binds_to_given_context(ctx, manager, recorder, main_thread):
    """Manager.new(ctx): callbacks run when (and only when) that context is iterated."""
    t = manager.run_thread(lambda c: 1, when_done=recorder.when_done)
    assert recorder.done == [], "when_done never runs inside the submitting call"
    # Iterating the global default context must not deliver this manager's callbacks.
    default = GLib.MainContext.default()
    for _ in range(20):
        default.iteration(False)
    assert recorder.done == []
    assert iterate_until(ctx, lambda: recorder.is_done(t))
    assert recorder.done == [(t, main_thread)]


@pytest.mark.parametrize("how", ["none", "no-argument"])
def test_new_without_context_uses_thread_default(ctx, recorder, how):
    """Manager.new(context=None): the thread-default context."""
    mgr = Tasker.Manager.new(None) if how == "none" else Tasker.Manager.new()
    try:
        t = mgr.run_thread(lambda c: "x", when_done=recorder.when_done)
        assert iterate_until(ctx, lambda: recorder.is_done(t))
        assert t.result() == "x"
    finally:
        mgr.shutdown()


def test_managers_are_independent(ctx, recorder):
    """Several managers may share a context; shutdown() affects only its own."""
    a = Tasker.Manager.new(ctx)
    b = Tasker.Manager.new(ctx)
    try:
        assert a is not b
        a.shutdown()
        t = b.run_thread(lambda c: "still here", when_done=recorder.when_done)
        assert b.wait_until_settled(SETTLE_MS)
        assert t.result() == "still here"
        with pytest.raises(GLib.Error):
            a.run_thread(lambda c: None)
    finally:
        a.shutdown()
        b.shutdown()


# --------------------------------------------------------------------------- default

def test_get_default_is_one_shared_instance(default_manager):
    a = Tasker.Manager.get_default()
    b = Tasker.Manager.get_default()
    assert a is b is default_manager
    assert isinstance(a, Tasker.Manager)


def test_get_default_bound_to_global_default_context(default_manager, main_thread):
    """The default manager's callbacks run by iterating GLib's global default context,
    on the main thread, never inside the submit."""
    rec = Recorder()
    t = default_manager.run_thread(lambda c, x: x * 2, 21, when_done=rec.when_done)
    assert rec.done == []
    assert iterate_until(GLib.MainContext.default(), lambda: rec.is_done(t))
    assert rec.done == [(t, main_thread)]
    assert t.result() == 42


def test_get_default_all_three_kinds(default_manager, main_thread):
    rec = Recorder()

    async def coro(c, x):
        return x + 1

    t1 = default_manager.run_thread(lambda c, x: x, "thread", when_done=rec.when_done)
    t2 = default_manager.add_coroutine(coro, 1, when_done=rec.when_done)
    t3 = default_manager.run_process(pyfuncs.quick, "process", when_done=rec.when_done)
    assert default_manager.wait_until_settled(SETTLE_MS)
    assert [t1.result(), t2.result(), t3.result()] == ["thread", 2, "process"]
    assert sorted(rec.done_count(t) for t in (t1, t2, t3)) == [1, 1, 1]
    assert {thread for _, thread in rec.done} == {main_thread}
    assert default_manager.wait_until_settled(0)
    assert default_manager.get_overall_progress() == 1.0


def test_get_default_not_shut_down_by_another_manager(default_manager, ctx):
    other = Tasker.Manager.new(ctx)
    other.shutdown()
    t = default_manager.run_thread(lambda c: "alive")
    assert default_manager.wait_until_settled(SETTLE_MS)
    assert t.result() == "alive"


# --------------------------------------------------------------------------- properties

def test_property_defaults(manager):
    assert manager.props.update_interval == 16
    assert manager.props.cancel_grace == 2000
    assert manager.props.max_threads == GLib.get_num_processors()
    assert manager.props.max_workers == GLib.get_num_processors()
    assert manager.get_property("update-interval") == 16
    assert manager.get_property("cancel-grace") == 2000
    assert manager.props.log_max_lines == 1000
    assert manager.props.log_max_bytes == 1024 * 1024


@pytest.mark.parametrize("name,value", [
    ("update-interval", 40),
    ("cancel-grace", 500),
    ("max-threads", 3),
    ("max-workers", 1),
    ("log-max-lines", 20),
    ("log-max-bytes", 4096),
])
def test_properties_writable(manager, name, value):
    manager.set_property(name, value)
    assert manager.get_property(name) == value
    manager.set_property(name, value + 1)
    assert getattr(manager.props, name.replace("-", "_")) == value + 1


def _log_lines(context, n, size):
    for i in range(n):
        context.log(f"{i} " + "x" * size)


def test_log_bounds(manager):
    """The log keeps the newest lines within log-max-lines and log-max-bytes,
    after one marker; dup_log_since() reads only the new ones."""
    manager.props.log_max_lines = 50
    manager.props.log_max_bytes = 10000
    by_lines = manager.run_thread(_log_lines, 80, 10)
    by_bytes = manager.run_thread(_log_lines, 80, 1000)
    assert manager.wait_until_settled(SETTLE_MS)

    log = by_lines.get_log()
    assert len(log) == 51
    assert log[0].endswith(" … 30 earlier lines dropped")
    assert log[1].split("] ", 1)[1].startswith("30 ")

    log = by_bytes.get_log()
    assert sum(len(line.encode()) for line in log[1:]) <= 10000
    dropped = int(log[0].split(" … ", 1)[1].split()[0])
    assert dropped + len(log) - 1 == 80
    assert log[-1].split("] ", 1)[1].startswith("79 ")

    lines, position, n_dropped = by_lines.dup_log_since(75)
    assert (position, n_dropped) == (80, 30)
    assert [line.split("] ", 1)[1].split()[0] for line in lines] == ["75", "76", "77", "78", "79"]


@ISSUE_5
def test_history_path_default_none_and_writable(manager, tmp_path):
    assert manager.props.history_path is None
    path = str(tmp_path / "history.sqlite3")
    manager.props.history_path = path
    assert manager.props.history_path == path
    manager.props.history_path = None
    assert manager.props.history_path is None


def _query_interrupted(ctx, manager):
    query = Tasker.HistoryQuery.new()
    query.props.interrupted = True
    result = {}
    manager.query_history_async(query, None,
                                lambda m, res: result.setdefault("records",
                                                                 m.query_history_finish(res)))
    assert iterate_until(ctx, lambda: "records" in result)
    return list(result["records"])


def test_durable_task_survives_shutdown_as_interrupted(ctx, manager, tmp_path):
    """options=… keeps `durable` (the override copies the options), and a durable task the
    shutdown cancels is found interrupted by the next manager, then deleted for good."""
    path = str(tmp_path / "history.sqlite3")
    manager.props.history_path = path
    options = Tasker.TaskOptions(name="long job", durable=True)
    assert options.get_durable()

    def until_cancelled(c):
        while not c.is_cancelled():
            time.sleep(0.001)

    task = manager.run_thread(until_cancelled, options=options)
    assert iterate_until(ctx, lambda: task.get_status() == Tasker.TaskStatus.RUNNING)
    manager.shutdown(2000)

    again = Tasker.Manager.new(ctx)
    again.props.history_path = path
    records = _query_interrupted(ctx, again)
    assert [(r.props.name, r.props.status, r.props.interrupted) for r in records] == \
        [("long job", Tasker.TaskStatus.RUNNING, True)]

    deleted = {}
    again.delete_history_record_async(records[0], None,
                                      lambda m, res: deleted.setdefault(
                                          "ok", m.delete_history_record_finish(res)))
    assert iterate_until(ctx, lambda: "ok" in deleted) and deleted["ok"]
    assert _query_interrupted(ctx, again) == []
    again.shutdown(2000)


def test_shutdown_leaves_every_ended_task_on_disk(tmp_path):
    """DESIGN.md §4 Durability: the tasks that ended before shutdown() are in the database
    when it returns, though nobody iterates (or owns) the context at that moment."""
    import sqlite3

    context = GLib.MainContext.new()   # not pushed: nobody owns it between iterations
    manager = Tasker.Manager.new(context)
    path = str(tmp_path / "history.sqlite3")
    manager.props.history_path = path
    tasks = [manager.run_thread(lambda c, i=i: i) for i in range(5)]
    assert iterate_until(context, lambda: all(t.is_final() for t in tasks))
    manager.shutdown(2000)

    db = sqlite3.connect(path)
    try:
        (n,) = db.execute("SELECT count(*) FROM tasks WHERE status = 2").fetchone()
    finally:
        db.close()
    assert n == 5


@ISSUE_5
def test_node_id_default_zero_and_writable(manager):
    assert manager.props.node_id == 0
    manager.props.node_id = 7
    assert manager.props.node_id == 7


@ISSUE_5
def test_configure_queue(ctx, manager, gate):
    """configure_queue(name, max_concurrent, capacity): a full queue refuses at submit."""
    manager.configure_queue("q", 1, 1)
    opts = Tasker.TaskOptions.new()
    opts.set_property("queue", "q")
    first = manager.run_thread(lambda c: gate.wait_released(), options=opts)
    second = manager.run_thread(lambda c: None, options=opts)
    with pytest.raises(GLib.Error) as info:
        manager.run_thread(lambda c: None, options=opts)
    assert is_tasker_error(info.value, Tasker.Error.QUEUE_FULL)
    assert "q" in info.value.message and "full" in info.value.message
    assert gate.reached.wait(10)
    assert iterate_until(ctx, lambda: second.get_message() is not None)
    assert nick(second) == "pending"
    gate.release.set()
    assert manager.wait_until_settled(SETTLE_MS)
    assert nick(first) == nick(second) == "completed"


# --------------------------------------------------------------------------- errors

def test_error_domain_and_codes():
    for name in ("FAILED", "INVALID_ARGUMENT", "QUEUE_FULL", "TIMED_OUT", "WORKER_FAILED",
                 "SERIALIZATION", "SHUT_DOWN"):
        assert hasattr(Tasker.Error, name), name
    quark = Tasker.error_quark()
    assert GLib.quark_to_string(quark) == "tasker-error-quark"


# --------------------------------------------------------------------------- keys

def test_get_task_and_cancel_task(ctx, manager, gate):
    t = manager.run_thread(lambda c: gate.wait_released(), key="job")
    assert t.get_key() == "job"
    found = manager.get_task("job")
    assert isinstance(found, Tasker.Task)
    assert found.get_id() == t.get_id()
    assert manager.get_task("nope") is None
    assert manager.cancel_task("nope") is False
    assert gate.reached.wait(10)
    assert manager.cancel_task("job") is True
    gate.release.set()
    assert manager.wait_until_settled(SETTLE_MS)
    assert nick(t) == "cancelled"
    assert manager.get_task("job") is None, "get_task(key) is None once the task has ended"
    assert manager.cancel_task("job") is False


def test_get_task_none_after_completion(manager):
    t = manager.run_thread(lambda c: 5, key="short")
    assert manager.wait_until_settled(SETTLE_MS)
    assert t.result() == 5
    assert manager.get_task("short") is None


def test_same_key_cancels_old_task(manager, recorder, gate):
    """§4 Key: a new task with a live task's key cancels the old one (when_done once)."""
    old = manager.run_thread(lambda c: gate.wait_released(), key="k",
                             when_done=recorder.when_done)
    assert gate.reached.wait(10)
    new = manager.run_thread(lambda c: "new", key="k", when_done=recorder.when_done)
    assert manager.get_task("k").get_id() == new.get_id()
    gate.release.set()
    assert manager.wait_until_settled(SETTLE_MS)
    assert nick(old) == "cancelled"
    assert nick(new) == "completed" and new.result() == "new"
    assert recorder.done_count(old) == 1 and recorder.done_count(new) == 1


def test_task_ids_start_positive_and_unique(manager):
    tasks = [manager.run_thread(lambda c: None) for _ in range(5)]
    ids = [t.get_id() for t in tasks]
    assert all(i >= 1 for i in ids)
    assert ids == sorted(ids) and len(set(ids)) == 5
    assert manager.wait_until_settled(SETTLE_MS)


# --------------------------------------------------------------------------- tasks-updated

def test_tasks_updated_signal(ctx, manager, gate, main_thread):
    seen = []

    def on_updated(mgr, tasks, progress):
        items = list(tasks)
        seen.append({
            "len": len(tasks),
            "items": items,
            "all_tasks": all(isinstance(i, Tasker.Task) for i in items),
            "progress": progress,
            "thread": threading.get_ident(),
        })

    manager.connect("tasks-updated", on_updated)
    blocked = manager.run_thread(lambda c: gate.wait_released())
    quick = [manager.run_thread(lambda c: None) for _ in range(3)]
    assert iterate_until(ctx, lambda: any(s["len"] > 0 for s in seen))
    gate.release.set()
    assert manager.wait_until_settled(SETTLE_MS)

    assert seen, "tasks-updated was emitted"
    for s in seen:
        assert s["thread"] == main_thread
        assert isinstance(s["progress"], float)
        assert 0.0 <= s["progress"] <= 1.0
        assert s["all_tasks"]
        assert s["len"] == len(s["items"])
    live = next(s for s in seen if s["len"] > 0)
    assert blocked.get_id() in {i.get_id() for i in live["items"]}
    assert seen[-1]["len"] == 0 and seen[-1]["items"] == []
    assert seen[-1]["progress"] == 1.0
    del quick


def test_tasks_updated_at_most_once_per_interval(ctx, manager):
    """§4 Delivery: many progress updates, tasks-updated at most once per interval."""
    manager.props.update_interval = 50
    times = []
    manager.connect("tasks-updated", lambda m, tasks, p: times.append(time.monotonic()))

    def spin(c):
        end = time.monotonic() + 0.4
        i = 0
        while time.monotonic() < end:
            c.set_progress((i % 1000) / 1000)
            i += 1
        return i

    t = manager.run_thread(spin)
    assert manager.wait_until_settled(SETTLE_MS)
    assert t.result() > 100
    span = times[-1] - times[0]
    # Coalesced to the interval: a little slack for the first and the final emission.
    assert len(times) <= span / 0.050 + 3, (len(times), span)


# --------------------------------------------------------------------------- progress

def test_overall_progress(ctx, manager, gate):
    assert manager.get_overall_progress() == 1.0, "1.0 when idle"
    manager.props.max_threads = 4  # three tasks at once, whatever the CPU count

    def slow(c):
        gate.reached.set()
        gate.release.wait(10)
        return "slow"

    held = threading.Event()

    def half(c):
        c.set_progress(0.5)
        c.flush()
        held.wait(10)

    a = manager.run_thread(lambda c: "quick")
    b = manager.run_thread(slow)
    assert iterate_until(ctx, lambda: a.is_final() and gate.reached.is_set())
    # A done (1.0), B at 0: the mean over the batch.
    assert iterate_until(ctx, lambda: math.isclose(manager.get_overall_progress(), 0.5))
    c = manager.run_thread(half)
    assert iterate_until(ctx, lambda: math.isclose(c.get_progress(), 0.5))
    assert iterate_until(ctx, lambda: math.isclose(manager.get_overall_progress(), 0.5))
    held.set()
    assert iterate_until(ctx, lambda: c.is_final())
    assert iterate_until(ctx, lambda: math.isclose(manager.get_overall_progress(), 2 / 3))
    gate.release.set()
    assert manager.wait_until_settled(SETTLE_MS)
    assert manager.get_overall_progress() == 1.0
    assert isinstance(manager.get_overall_progress(), float)
    assert b.result() == "slow"


# --------------------------------------------------------------------------- settling

def test_wait_until_settled_idle_returns_true_at_once(manager):
    for timeout in (0, -1, 1000):
        start = time.monotonic()
        assert manager.wait_until_settled(timeout) is True
        assert time.monotonic() - start < 0.1


def test_wait_until_settled_after_tasks_idle_again(manager):
    manager.run_thread(lambda c: None)
    assert manager.wait_until_settled(SETTLE_MS)
    start = time.monotonic()
    assert manager.wait_until_settled(0) is True
    assert manager.wait_until_settled(-1) is True
    assert time.monotonic() - start < 0.1


def test_wait_until_settled_zero_and_timeout(manager, gate):
    t = manager.run_thread(lambda c: gate.wait_released())
    start = time.monotonic()
    assert manager.wait_until_settled(0) is False
    assert time.monotonic() - start < 0.1, "0 checks once without waiting"
    start = time.monotonic()
    assert manager.wait_until_settled(100) is False
    elapsed = time.monotonic() - start
    assert 0.09 <= elapsed < 2.0, elapsed
    gate.release.set()
    assert manager.wait_until_settled(-1) is True
    assert nick(t) == "completed"


def test_wait_until_settled_only_after_when_done_and_final_update(manager):
    done = []
    updates = []
    manager.connect("tasks-updated", lambda m, tasks, p: updates.append((len(tasks), p)))
    tasks = [manager.run_thread(lambda c, i: i, i, when_done=done.append) for i in range(8)]
    assert manager.wait_until_settled(SETTLE_MS) is True
    # Checked at once, without iterating the context any further:
    assert len(done) == 8 and all(any(d is t for d in done) for t in tasks)
    assert updates and updates[-1] == (0, 1.0)


# --------------------------------------------------------------------------- shutdown

def test_shutdown_twice_and_submits_refused(ctx):
    mgr = Tasker.Manager.new(ctx)
    mgr.shutdown()
    mgr.shutdown()
    mgr.shutdown(grace_ms=100)

    async def coro(c):
        return 1

    submits = [
        lambda: mgr.run_thread(lambda c: None),
        lambda: mgr.add_coroutine(coro),
        lambda: mgr.run_process(pyfuncs.quick, 1),
        lambda: mgr.run_thread(lambda c: None, key="k"),
    ]
    for submit in submits:
        with pytest.raises(GLib.Error) as info:
            submit()
        assert is_tasker_error(info.value, Tasker.Error.SHUT_DOWN), info.value
        assert info.value.domain == "tasker-error-quark"
    assert mgr.wait_until_settled(0)


def test_shutdown_cancels_running_tasks(ctx, recorder, main_thread):
    mgr = Tasker.Manager.new(ctx)
    started = threading.Event()

    def cooperative(c):
        started.set()
        while not c.is_cancelled():
            time.sleep(0.001)
        return "ignored"

    t = mgr.run_thread(cooperative, when_done=recorder.when_done)
    assert iterate_until(ctx, started.is_set)
    mgr.shutdown(2000)
    assert recorder.done == [(t, main_thread)]
    assert nick(t) == "cancelled"
    assert is_cancelled_error(t.get_error())
    mgr.shutdown()
