# SPDX-License-Identifier: LGPL-2.1-or-later
"""run_process (DESIGN.md §5): func(context, *args, **kwargs) in a Python worker; function
found by module path, picklable arguments/results, sys.path and environment of the parent,
exceptions with traceback, events, progress, log, cancellation, no GTK in the worker."""

import importlib
import math
import os
import subprocess
import sys
import threading
import time
import uuid

import pytest

from conftest import (SETTLE_MS, is_cancelled_error, is_tasker_error, iterate_until, nick)
from gi.repository import Gio, GLib, Tasker

import pyfuncs


def test_args_kwargs_context_first_in_worker(manager, recorder, main_thread):
    t = manager.run_process(pyfuncs.add, 1, 2, 3, 4, scale=10, colour="green",
                            when_done=recorder.when_done)
    assert isinstance(t, Tasker.Task)
    assert recorder.done == []
    assert manager.wait_until_settled(SETTLE_MS)
    assert nick(t) == "completed", t.get_error()
    assert t.result() == {
        "sum": 100,
        "rest": [3, 4],
        "extra": {"colour": "green"},
        "context_methods": sorted(["set_progress", "set_total", "set_message",
                                   "is_cancelled", "get_cancellable", "sub_context",
                                   "send_event", "log", "flush"]),
    }
    assert recorder.done == [(t, main_thread)]
    assert t.get_attempt() == 1 and t.get_progress() == 1.0
    assert t.get_key() is None and t.get_message() is None


def test_reserved_keywords_do_not_reach_process_function(manager, recorder):
    opts = Tasker.TaskOptions.new()
    opts.set_property("name", "proc-opts")
    t = manager.run_process(pyfuncs.echo, 1, key="pk", when_done=recorder.when_done,
                            when_event=recorder.when_event, options=opts,
                            name="fn", timeout=9)
    assert manager.wait_until_settled(SETTLE_MS)
    assert t.result() == ((1,), {"name": "fn", "timeout": 9})
    assert t.get_key() == "pk" and t.get_name() == "proc-opts"
    assert recorder.done_count(t) == 1


def test_runs_in_another_process_on_its_main_thread(manager):
    t = manager.run_process(pyfuncs.where)
    none = manager.run_process(pyfuncs.returns_none)
    assert manager.wait_until_settled(SETTLE_MS)
    info = t.result()
    assert info["pid"] != os.getpid()
    assert info["main_thread"] is True
    assert none.result() is None


def test_worker_main_thread_may_install_signal_handlers(manager):
    t = manager.run_process(pyfuncs.signal_handler_works)
    assert manager.wait_until_settled(SETTLE_MS)
    assert t.result() is True


def test_function_found_by_dotted_qualname(manager):
    assert pyfuncs.Namespace.nested.__qualname__ == "Namespace.nested"
    t = manager.run_process(pyfuncs.Namespace.nested, 5)
    assert manager.wait_until_settled(SETTLE_MS)
    assert t.result() == ("nested", 5)


MAIN_SCRIPT = """
import sys
import gi
gi.require_version("Tasker", "1")
from gi.repository import Tasker


def work(context, x):
    return ("from __main__", x, __name__)


if __name__ == "__main__":
    print("main block ran", flush=True)
    manager = Tasker.Manager.new(None)
    task = manager.run_process(work, 3)
    ok = manager.wait_until_settled(20000)
    print("settled", ok, task.get_status().value_nick, flush=True)
    print("result", task.result(), flush=True)
    manager.shutdown()
"""


def test_function_in_main_module(tmp_path):
    """A function of a script's __main__ runs in the worker without the script's
    `if __name__ == "__main__":` block."""
    script = tmp_path / "main_script.py"
    script.write_text(MAIN_SCRIPT)
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=60, cwd=str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines.count("main block ran") == 1, proc.stdout
    assert "settled True completed" in lines, proc.stdout + proc.stderr
    assert "result ('from __main__', 3, '__mp_main__')" in lines, proc.stdout


def test_worker_has_parents_environment(manager, monkeypatch):
    name = "TASKER_PYTEST_" + uuid.uuid4().hex[:8].upper()
    monkeypatch.setenv(name, "from the parent")
    t = manager.run_process(pyfuncs.getenv, name)
    assert manager.wait_until_settled(SETTLE_MS)
    assert t.result() == "from the parent"


def test_sys_path_at_submit_in_effect(manager, tmp_path, monkeypatch):
    """The parent's sys.path as it is at submit is in effect before the import, also for
    a worker started before the path was added."""
    warm = manager.run_process(pyfuncs.quick, "warm")
    assert manager.wait_until_settled(SETTLE_MS)
    assert warm.result() == "warm"

    modname = "tasker_dyn_" + uuid.uuid4().hex
    (tmp_path / f"{modname}.py").write_text(
        "import os\n"
        "def compute(context, x):\n"
        "    return ('dynamic', x * 2, os.path.dirname(__file__))\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    module = importlib.import_module(modname)
    try:
        t = manager.run_process(module.compute, 21)
        assert manager.wait_until_settled(SETTLE_MS)
        assert nick(t) == "completed", t.get_error()
        assert t.result() == ("dynamic", 42, str(tmp_path))
    finally:
        sys.modules.pop(modname, None)


def test_worker_never_imports_gtk(manager):
    t = manager.run_process(pyfuncs.gtk_loaded)
    u = manager.run_process(pyfuncs.gtk_modules)
    assert manager.wait_until_settled(SETTLE_MS)
    assert t.result() is False
    assert u.result() == []


# --------------------------------------------------------------------------- failures

def test_exception_keeps_type_and_traceback(manager, recorder):
    t = manager.run_process(pyfuncs.raise_value_error, 7, when_event=recorder.when_event,
                            when_done=recorder.when_done)
    assert manager.wait_until_settled(SETTLE_MS)
    assert nick(t) == "failed"
    with pytest.raises(ValueError, match="bad value 7") as info:
        t.result()
    exc = info.value
    assert type(exc) is ValueError
    text = "\n".join([str(exc)] + list(getattr(exc, "__notes__", [])))
    assert "Traceback" in text, f"the worker's traceback is kept: {text!r}"
    assert "raise_value_error" in text and "pyfuncs.py" in text
    err = t.get_error()
    assert is_tasker_error(err, Tasker.Error.FAILED)
    assert err.message == "ValueError: bad value 7"
    assert recorder.events == [], "the tasker.exception event never reaches when_event"
    assert recorder.done_count(t) == 1


def test_own_exception_type(manager):
    t = manager.run_process(pyfuncs.raise_own_error)
    assert manager.wait_until_settled(SETTLE_MS)
    with pytest.raises(pyfuncs.PyfuncsError, match="our own error"):
        t.result()
    assert t.get_error().message == "PyfuncsError: our own error"


def test_user_events_kept_but_not_exception_event(manager, recorder):
    t = manager.run_process(pyfuncs.raise_after_event, when_event=recorder.when_event,
                            when_done=recorder.when_done)
    assert manager.wait_until_settled(SETTLE_MS)
    assert [(e[1], e[2]) for e in recorder.events] == [("before-raise", 1)]
    with pytest.raises(ValueError):
        t.result()


@pytest.mark.parametrize("args,kwargs", [
    ((lambda: 1,), {}),
    ((), {"lock": threading.Lock()}),
], ids=["lambda-arg", "lock-kwarg"])
def test_unpicklable_argument_fails_the_task(manager, recorder, args, kwargs, main_thread):
    t = manager.run_process(pyfuncs.echo, *args, when_done=recorder.when_done, **kwargs)
    # run_process did not raise.
    assert isinstance(t, Tasker.Task)
    assert manager.wait_until_settled(SETTLE_MS)
    assert nick(t) == "failed"
    err = t.get_error()
    assert isinstance(err, GLib.Error)
    assert err.message.startswith("cannot pickle argument:"), err.message
    assert is_tasker_error(err, Tasker.Error.SERIALIZATION)
    assert recorder.done == [(t, main_thread)]
    with pytest.raises(Exception):
        t.result()
    # The manager carries on.
    ok = manager.run_process(pyfuncs.quick, "fine")
    assert manager.wait_until_settled(SETTLE_MS)
    assert ok.result() == "fine"


def test_unpicklable_argument_is_not_retried(manager):
    options = Tasker.TaskOptions(max_attempts=3, retry_delay_ms=10)
    t = manager.run_process(pyfuncs.echo, lambda: 1, options=options)
    assert manager.wait_until_settled(SETTLE_MS)
    assert nick(t) == "failed"
    assert t.get_attempt() == 1
    assert t.get_error().message.startswith("cannot pickle argument:")
    # The caller's options are left as they were.
    assert options.props.max_attempts == 3


def test_unpicklable_result_fails_the_task(manager):
    t = manager.run_process(pyfuncs.return_unpicklable)
    assert manager.wait_until_settled(SETTLE_MS)
    assert nick(t) == "failed"
    err = t.get_error()
    assert err.message.startswith("cannot pickle result:"), err.message
    assert is_tasker_error(err, Tasker.Error.SERIALIZATION)
    with pytest.raises(Exception):
        t.result()
    ok = manager.run_process(pyfuncs.quick, [1, 2])
    assert manager.wait_until_settled(SETTLE_MS)
    assert ok.result() == [1, 2]


# --------------------------------------------------------------------------- events, progress, log

def test_events_equal_after_pickling_in_order(manager, recorder, main_thread):
    payload = {"a": [1, 2, 3], "b": ("x", None)}
    t = manager.run_process(pyfuncs.send_events, payload, 40,
                            when_event=recorder.when_event, when_done=recorder.when_done)
    assert manager.wait_until_settled(SETTLE_MS)
    assert t.result() == "sent"
    events = recorder.events
    assert events[0][1:3] == ("none", None), "data defaults to None"
    assert events[1][1] == "payload" and events[1][2] == payload
    assert [e[1] for e in events[2:]] == ["seq"] * 40
    assert [e[2] for e in events[2:]] == list(range(40))
    assert all(e[0] is t and e[3] == main_thread and not e[4] for e in events)
    assert recorder.done_count(t) == 1


def test_progress_and_message(manager):
    t = manager.run_process(pyfuncs.progress_and_message)
    assert manager.wait_until_settled(SETTLE_MS)
    assert t.result() == "ok"
    assert t.get_progress() == 1.0
    assert t.get_message() == "three of four"


def test_sub_context_composes_in_worker(ctx, manager, recorder):
    t = manager.run_process(pyfuncs.hold_sub_progress, when_event=recorder.when_event)
    assert iterate_until(ctx, lambda: math.isclose(t.get_progress(), 0.66))
    assert t.get_progress() == pytest.approx(0.66)
    assert iterate_until(ctx, lambda: t.get_message() == "from the sub context")
    t.cancel()
    assert manager.wait_until_settled(SETTLE_MS)
    assert nick(t) == "cancelled"
    assert t.get_message() == "from the sub context"


def test_nan_progress_ignored_in_worker(manager):
    t = manager.run_process(pyfuncs.nan_progress)
    assert manager.wait_until_settled(SETTLE_MS)
    assert nick(t) == "completed", t.get_error()
    assert t.result() == "no exception"
    # The warning is not an exception; where a worker writes it, it lands in the log.
    assert any("nan" in line.lower() for line in t.get_log()), t.get_log()


def test_log_from_context_and_output(manager):
    t = manager.run_process(pyfuncs.chatter)
    assert manager.wait_until_settled(SETTLE_MS)
    assert t.result() == "chatted"
    log = t.get_log()
    assert isinstance(log, list) and all(isinstance(line, str) for line in log)
    text = "\n".join(log)
    assert "line from context.log" in text
    assert "line from stdout" in text
    assert "line from stderr" in text


def test_event_flood_back_pressure(manager, recorder):
    """A worker sending far more events than the bound is read no faster than
    they are delivered; all arrive in order, before when_done."""
    n = 5000
    t = manager.run_process(pyfuncs.event_flood, n, when_event=recorder.when_event,
                            when_done=recorder.when_done)
    assert manager.wait_until_settled(SETTLE_MS)
    assert t.result() == n
    assert [e[2] for e in recorder.events] == list(range(n))
    assert not any(e[4] for e in recorder.events), "an event came after when_done"


def test_output_line_shapes(manager):
    """CRLF ends a line, a bare \\r redraws it, a line over 64 KiB (printed or
    logged) is cut in the worker with a marker, within the bound."""
    t = manager.run_process(pyfuncs.print_shapes)
    assert manager.wait_until_settled(SETTLE_MS)
    assert t.result() == "printed"
    texts = [line.split("] ", 1)[1] for line in t.get_log()]
    assert len(texts) == 5, texts
    # context.log() does not wait for the output thread: the logged line may
    # come anywhere; the printed ones keep their order.
    logged = [text for text in texts if text.startswith("z")]
    printed = [text for text in texts if not text.startswith("z")]
    assert len(logged) == 1
    assert printed[0] == "crlf"
    assert printed[1] == "bar 30%"
    assert printed[3] == "unended"
    for text, char in ((printed[2], "y"), (logged[0], "z")):
        body, marker = text.split(" … [cut ", 1)
        assert set(body) == {char}
        assert len(text.encode()) <= 64 * 1024
        assert 60000 < len(body)
        assert marker == f"{100000 - len(body)} bytes]"


# --------------------------------------------------------------------------- cancellation

def test_cancel_running_process_task(ctx, manager, recorder, main_thread):
    t = manager.run_process(pyfuncs.wait_cancelled, when_event=recorder.when_event,
                            when_done=recorder.when_done)
    assert iterate_until(ctx, lambda: recorder.events)
    assert recorder.events[0][1:3] == ("started", "Cancellable")
    assert nick(t) == "running"
    start = time.monotonic()
    t.cancel()
    assert iterate_until(ctx, lambda: recorder.is_done(t))
    elapsed_ms = (time.monotonic() - start) * 1000
    assert elapsed_ms < 1000, elapsed_ms  # cooperative: well within the grace period
    assert nick(t) == "cancelled"
    with pytest.raises(GLib.Error) as info:
        t.result()
    assert info.value.matches(Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED)
    assert is_cancelled_error(t.get_error())
    assert recorder.done == [(t, main_thread)]


def test_cancel_pending_process_task_promptly(ctx, manager, recorder):
    manager.props.max_workers = 1
    blocker = manager.run_process(pyfuncs.block_until_cancelled,
                                  when_event=recorder.when_event)
    assert iterate_until(ctx, lambda: recorder.events)
    pending = manager.run_process(pyfuncs.quick, "never", when_done=recorder.when_done)
    assert nick(pending) == "pending"
    assert pending.get_attempt() == 0
    start = time.monotonic()
    pending.cancel()
    assert iterate_until(ctx, lambda: recorder.is_done(pending), timeout=2.0)
    assert time.monotonic() - start < 0.5
    assert nick(pending) == "cancelled"
    assert nick(blocker) == "running"
    blocker.cancel()
    assert manager.wait_until_settled(SETTLE_MS)
    assert recorder.done_count(pending) == 1


def test_cancel_process_task_by_key(ctx, manager, recorder):
    t = manager.run_process(pyfuncs.block_until_cancelled, key="proc",
                            when_event=recorder.when_event)
    assert iterate_until(ctx, lambda: recorder.events)
    assert manager.get_task("proc").get_id() == t.get_id()
    assert manager.cancel_task("proc") is True
    assert manager.wait_until_settled(SETTLE_MS)
    assert nick(t) == "cancelled"
    assert manager.get_task("proc") is None


def test_result_readable_in_when_done_without_keeping_the_task(manager):
    """The submitter may drop the returned task: when_done's task still has the result."""
    results = []
    manager.run_process(pyfuncs.quick, {"k": 1}, when_done=lambda t: results.append(t.result()))
    assert manager.wait_until_settled(SETTLE_MS)
    assert results == [{"k": 1}]


def test_result_in_task_finished_and_when_done(manager):
    """A process task's result is read from the worker's variant when
    result() first asks: the same object in a task-finished handler (before
    the done function), in when_done and afterwards."""
    seen = []
    handler = manager.connect("task-finished", lambda mgr, task: seen.append(task.result()))
    t = manager.run_process(pyfuncs.quick, {"k": 2},
                            when_done=lambda task: seen.append(task.result()))
    assert manager.wait_until_settled(SETTLE_MS)
    manager.disconnect(handler)
    assert seen == [{"k": 2}, {"k": 2}]
    assert seen[0] is seen[1] is t.result()


def test_result_not_read_unless_asked(manager, recorder, monkeypatch):
    """Completing a process task reads nothing of its result: a result the
    parent cannot unpickle fails result() only, and only when asked, with
    the task COMPLETED."""
    monkeypatch.setattr(pyfuncs.Unloadable, "refuse", True)
    monkeypatch.setattr(pyfuncs.Unloadable, "loads", 0)
    t = manager.run_process(pyfuncs.quick, pyfuncs.Unloadable(), when_done=recorder.when_done)
    assert manager.wait_until_settled(SETTLE_MS)
    assert nick(t) == "completed", t.get_error()
    assert len(recorder.done) == 1
    assert pyfuncs.Unloadable.loads == 0
    with pytest.raises(RuntimeError, match="cannot be loaded here"):
        t.result()
    with pytest.raises(RuntimeError, match="cannot be loaded here"):
        t.result()
    assert pyfuncs.Unloadable.loads == 1


def _gone(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_process_a_task_left_running_ends_with_it(manager):
    # DESIGN.md §4, Process trees: even one in a session of its own, before
    # the task's end is reported; the worker carries on.
    manager.set_max_workers(1)
    t = manager.run_process(pyfuncs.spawn_sleeper)
    assert manager.wait_until_settled(SETTLE_MS)
    assert nick(t) == "completed", t.get_error()
    sleeper = t.result()
    try:
        assert _gone(sleeper)
    finally:
        if not _gone(sleeper):
            os.kill(sleeper, 9)
    after = manager.run_process(pyfuncs.quick, 5)
    assert manager.wait_until_settled(SETTLE_MS)
    assert after.result() == 5


def test_worker_out_of_the_managers_process_group(manager):
    # Ctrl-C in the terminal (SIGINT to the foreground process group) does
    # not reach the pool.
    t = manager.run_process(pyfuncs.pgid_and_sid)
    assert manager.wait_until_settled(SETTLE_MS)
    pgid, sid = t.result()
    assert pgid != os.getpgid(0)
    assert sid != os.getsid(0)


def _python_workers():
    """The pids of this process's Python workers: processes running the
    override's worker script whose chain of parents reaches us."""
    parents, workers = {}, []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                stat = f.read()
            with open(f"/proc/{name}/cmdline", "rb") as f:
                cmdline = f.read().split(b"\0")
        except OSError:
            continue
        parents[int(name)] = int(stat[stat.rfind(b")") + 2:].split()[1])
        if len(cmdline) > 1 and os.path.basename(cmdline[1]) == b"worker.py":
            workers.append(int(name))
    me = os.getpid()

    def ours(pid):
        for _ in range(len(parents)):
            pid = parents.get(pid, 0)
            if pid == me:
                return True
            if pid <= 1:
                return False
        return False

    return [pid for pid in workers if ours(pid)]


def test_pool_warm_after_the_first_task(manager, ctx):
    """The first process task starts the rest of the pool with it: without
    further submits, max-workers Python workers come up, the burst that follows
    runs in them, and idle they leave after worker-idle-timeout."""
    # Other managers' (the session's default one) are not this test's.
    others = set(_python_workers())

    def workers():
        return set(_python_workers()) - others

    manager.props.max_workers = 2
    manager.props.worker_idle_timeout = 1500
    first = manager.run_process(pyfuncs.where)
    assert manager.wait_until_settled(SETTLE_MS)
    assert first.result()["pid"] in workers()
    assert iterate_until(ctx, lambda: len(workers()) == 2)

    # They run the burst that follows (a worker still starting takes none of it
    # while another is up), and no other starts.
    burst = [manager.run_process(pyfuncs.where) for _ in range(50)]
    assert manager.wait_until_settled(SETTLE_MS)
    assert {t.result()["pid"] for t in burst} <= workers()
    assert len(workers()) == 2

    assert iterate_until(ctx, lambda: workers() == set())
