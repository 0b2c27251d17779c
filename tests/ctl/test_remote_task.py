# SPDX-License-Identifier: LGPL-2.1-or-later
"""Tasker.RemoteTask (libtasker, through GI) and examples/external_task.py against the real
`tasker` on a private bus (ctl_session.py): what a program reports is what taskerctl shows,
and a cancel from the interface reaches the program as the `cancelled` signal.

The environment names the build's typelib and library (GI_TYPELIB_PATH, LD_LIBRARY_PATH)
and the example (EXTERNAL_TASK_EXAMPLE); tests/ctl/meson.build sets them.
"""

import os
import subprocess
import sys

import pytest

import gi

try:
    gi.require_version("Tasker", "1")
except ValueError:
    pytest.skip("no Tasker typelib in this build (introspection disabled)", allow_module_level=True)
from gi.repository import Gio, GLib, Tasker  # noqa: E402

from ctl_session import APP_ID, DEADLINE_S, wait_until  # noqa: E402

LOG_PREFIX_LENGTH = len("12:34:56.789 [0123456789abcdef] ")


def connect(session):
    return Gio.DBusConnection.new_for_address_sync(
        session.address,
        Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION,
        None, None)


def iterate_until(predicate, timeout=DEADLINE_S):
    """Runs the default main context (where the tasks' signals and updates go) until
    predicate() holds or the deadline passes; returns its last value."""
    context = GLib.MainContext.default()

    def step():
        while context.iteration(False):
            pass
        return predicate()
    return wait_until(step, timeout, 0.01)


def remote_task(session, connection, name, **props):
    task = Tasker.RemoteTask(name=name, connection=connection, bus_name=APP_ID, **props)
    task.init(None)
    return task


def log_texts(session, task_id):
    lines = session.ctl("log", str(task_id), check_rc=0).stdout.splitlines()
    return [line[LOG_PREFIX_LENGTH:] for line in lines]


def test_reports_are_what_taskerctl_shows(bus):
    connection = connect(bus)
    task = remote_task(bus, connection, "Counting", update_interval=20)
    assert task.props.id > 0
    assert task.props.object_path == "/io/github/tasker/Tasker/task/%d" % task.props.id

    task.set_total(4)
    task.set_progress(1)
    task.set_message("one of four")
    task.log("first line\nsecond line")
    shown = {}

    def reported():
        shown.update(bus.task(task.props.id))
        return shown.get("progress") == 0.25 and shown.get("message") == "one of four"
    assert iterate_until(reported), shown
    assert shown["kind"] == "external" and shown["status"] == "running" and shown["name"] == "Counting"
    assert log_texts(bus, task.props.id) == ["first line", "second line"]

    # Complete sends what is stored first.
    task.set_progress(3)
    task.log("last line")
    task.complete_sync(None)
    done = bus.wait_status(task.props.id, ["completed"])
    assert done["progress"] == 1.0
    assert log_texts(bus, task.props.id) == ["first line", "second line", "last line"]

    with pytest.raises(GLib.Error) as raised:
        task.complete_sync(None)
    assert raised.value.matches(Tasker.error_quark(), Tasker.Error.TASK_ENDED)
    assert "GDBus.Error" not in raised.value.message
    connection.close_sync(None)


def test_async_creation_and_failure(bus):
    connection = connect(bus)
    task = Tasker.RemoteTask(name="Async", connection=connection, bus_name=APP_ID)
    results = []
    task.init_async(GLib.PRIORITY_DEFAULT, None, lambda task, result: results.append(result))
    assert iterate_until(lambda: results)
    assert task.init_finish(results[0])
    assert bus.task(task.props.id)["status"] == "running"

    ended = []
    task.fail_async("disk full", None, lambda task, result: ended.append(task.fail_finish(result)))
    assert iterate_until(lambda: ended) and ended == [True]
    failed = bus.wait_status(task.props.id, ["failed"])
    assert failed["error"] == "disk full"
    connection.close_sync(None)


def test_cancel_from_the_interface(bus):
    connection = connect(bus)
    task = remote_task(bus, connection, "Stoppable")
    signals = []
    task.connect("cancelled", lambda task: signals.append(task.should_exit()))
    assert not task.should_exit()

    bus.ctl("cancel", str(task.props.id), check_rc=0)
    assert iterate_until(lambda: signals) and signals == [True]
    assert task.props.cancel_requested
    # Still running: it ends when its program says so.
    assert bus.task(task.props.id)["status"] == "running"
    task.complete_sync(None)
    bus.wait_status(task.props.id, ["cancelled"])
    iterate_until(lambda: False, 0.2)
    assert signals == [True]
    connection.close_sync(None)


def test_application_errors(bus):
    connection = connect(bus)
    with pytest.raises(GLib.Error) as raised:
        remote_task(bus, connection, "", update_interval=50)
    assert raised.value.matches(Tasker.error_quark(), Tasker.Error.INVALID_ARGUMENT)

    # The application's own refusal, mapped: a parent that is not a live task.
    options = GLib.Variant("a{sv}", {"parent": GLib.Variant("t", 999999)})
    with pytest.raises(GLib.Error) as raised:
        Tasker.RemoteTask(name="orphan", options=options, connection=connection,
                          bus_name=APP_ID).init(None)
    assert raised.value.matches(Tasker.error_quark(), Tasker.Error.NO_SUCH_TASK)
    assert raised.value.message == "parent 999999 is not a live external task"
    connection.close_sync(None)


def test_owner_leaving_fails_the_task(bus):
    connection = connect(bus)
    task = remote_task(bus, connection, "Abandoned")
    task_id = task.props.id
    del task
    connection.close_sync(None)
    failed = bus.wait_status(task_id, ["failed"])
    assert "exited" in failed["error"]


def test_example_stops_when_cancelled(bus):
    example = subprocess.Popen([sys.executable, os.environ["EXTERNAL_TASK_EXAMPLE"], "100000"],
                               env=bus.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        task_id = int(example.stdout.readline())
        assert wait_until(lambda: bus.task(task_id).get("progress", 0) > 0, DEADLINE_S, 0.1)
        shown = bus.task(task_id)
        assert shown["name"] == "Counting sheep" and shown["status"] == "running"
        assert shown["message"].startswith("sheep ")
        assert log_texts(bus, task_id)[0] == "counted sheep 1"

        bus.ctl("cancel", str(task_id), check_rc=0)
        out, err = example.communicate(timeout=DEADLINE_S)
        assert example.returncode == 0, err
        assert out == "cancelled\n"
        bus.wait_status(task_id, ["cancelled"])
    finally:
        if example.poll() is None:
            example.kill()
            example.wait()


def test_example_runs_to_the_end(bus):
    result = subprocess.run([sys.executable, os.environ["EXTERNAL_TASK_EXAMPLE"], "3"], env=bus.env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=DEADLINE_S)
    assert result.returncode == 0, result.stderr
    task_id, verdict = result.stdout.split()
    assert verdict == "done"
    done = bus.wait_status(int(task_id), ["completed"])
    assert done["message"] == "sheep 3 of 3"
    assert log_texts(bus, int(task_id)) == ["counted sheep 1", "counted sheep 2", "counted sheep 3"]
