# SPDX-License-Identifier: LGPL-2.1-or-later
"""taskerctl through its real binary, against the real `tasker` on a private bus.

conftest.py's CtlSession is the bus: the first call activates the application from the
build's .service file. Commands that must stay live until the test says so read a FIFO
(`gate`), so no test depends on timing; waits poll with deadlines.
"""

import datetime
import json
import time
import os
import re
import queue
import signal
import subprocess
import tempfile
import threading

import pytest

import gi
from gi.repository import Gio, GLib  # noqa: E402

from ctl_session import APP_ID, TASKER_BIN, TASKERCTL, CtlSession, wait_until

SUBCOMMANDS = ["add", "run", "list", "status", "log", "wait", "cancel", "retry", "history", "schedules"]
TASK_KEYS = {"id", "name", "kind", "status", "progress", "message", "queue", "created", "started",
             "finished", "error", "exit-status", "trace-id", "parent", "key", "command", "cwd",
             "attempt", "schedule", "live"}
SCHEDULE_KEYS = {"id", "spec", "command", "paused", "next-run", "last-run", "last-result",
                 "overlap", "catch-up"}
LOG_PREFIX = re.compile(r"^\d\d:\d\d:\d\d\.\d\d\d \[[0-9a-f]{16}\] ")
NO_TASK = "taskerctl: no task 999999; `taskerctl list --all` shows finished ones\n"


class Gate:
    """A FIFO a command blocks on (`read x < FIFO`) until the test opens it."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="taskerctl-gate-")
        self.path = os.path.join(self.dir, "fifo")
        os.mkfifo(self.path)

    @property
    def wait(self):
        return "read x < %s" % self.path

    def open(self):
        # Blocks until the command opens its end.
        with open(self.path, "w") as f:
            f.write("go\n")


class Lines:
    """The lines a process writes to a pipe, read by a thread as they come."""

    def __init__(self, stream):
        self.queue = queue.Queue()
        self.thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self.thread.start()

    def _read(self, stream):
        for line in stream:
            self.queue.put(line)
        self.queue.put(None)

    def next(self, timeout=60.0):
        """The next line, within the deadline (None at the end or when it did not come)."""
        try:
            return self.queue.get(timeout=timeout)
        except queue.Empty:
            return None

    def rest(self):
        """Every line left, once the process has ended."""
        self.thread.join(60)
        lines = []
        while (line := self.next(0)) is not None:
            lines.append(line)
        return "".join(lines)


def read_line(process, timeout=60.0):
    """The next line of a spawned taskerctl's stdout."""
    if not hasattr(process, "lines"):
        process.lines = Lines(process.stdout)
    return process.lines.next(timeout)


def finish(process, timeout=60.0):
    """Waits for a spawned taskerctl; returns its exit status, the rest of stdout, and stderr."""
    status = process.wait(timeout)
    out = process.lines.rest() if hasattr(process, "lines") else process.stdout.read()
    return status, out, process.stderr.read()


def list_tasks_direct(bus, history=False):
    """ListTasks called with GDBus, unpacked: what --json must print."""
    connection = Gio.DBusConnection.new_for_address_sync(
        bus.address,
        Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION,
        None, None)
    try:
        reply = connection.call_sync(APP_ID, "/io/github/tasker/Tasker", "io.github.tasker.Tasker1",
                                     "ListTasks",
                                     GLib.Variant("(a{sv})", ({"history": GLib.Variant("b", history)},)),
                                     GLib.VariantType("(aa{sv})"), Gio.DBusCallFlags.NONE, 30000, None)
        return reply.unpack()[0]
    finally:
        connection.close_sync(None)


def json_lines(text):
    return [json.loads(line) for line in text.splitlines()]


# --- the command line alone -------------------------------------------------------------

def test_help_and_version():
    result = subprocess.run([TASKERCTL, "--help"], stdout=subprocess.PIPE, text=True)
    assert result.returncode == 0
    listed = re.findall(r"^  (\w+) ", result.stdout.split("Commands:")[1], re.M)
    assert listed == SUBCOMMANDS
    for name in SUBCOMMANDS:
        result = subprocess.run([TASKERCTL, name, "--help"], stdout=subprocess.PIPE, text=True)
        assert result.returncode == 0, name
        assert result.stdout.startswith("Usage:\n  taskerctl %s [OPTION…]" % name), result.stdout
    result = subprocess.run([TASKERCTL, "--version"], stdout=subprocess.PIPE, text=True)
    assert result.returncode == 0
    assert re.fullmatch(r"taskerctl \d+\.\d+\.\d+\n", result.stdout)

    result = subprocess.run([TASKERCTL, "frobnicate"], stderr=subprocess.PIPE, text=True)
    assert result.returncode == 2
    assert result.stderr == "taskerctl: “frobnicate” is not a command; `taskerctl --help` lists them\n"
    result = subprocess.run([TASKERCTL], stderr=subprocess.PIPE, text=True)
    assert result.returncode == 2 and "Commands:" in result.stderr


def test_links_gio_only():
    # No GTK, no libtasker: it starts fast and runs where only a session bus is.
    libraries = subprocess.run(["ldd", TASKERCTL], stdout=subprocess.PIPE, text=True, check=True).stdout
    assert "libgio-2.0" in libraries
    for unwanted in ("libgtk", "libadwaita", "libtasker", "libgdk", "libsqlite"):
        assert unwanted not in libraries, libraries


USAGE_ERRORS = [
    (["status", "abc"], "task id “abc” is not a task id"),
    (["status", "0"], "task id “0” is not a task id"),
    (["status"], "give the id of a task"),
    (["status", "1", "2"], "“2”: give one task id"),
    (["cancel", "7", "-3"], "Unknown option -3"),
    (["wait", "12x"], "“12x” is not a task id"),
    (["add", "--after", "x1", "--", "true"], "--after “x1” is not a task id"),
    (["add", "--at", "25:00", "--", "true"], "--at “25:00” is not a time"),
    (["add", "--at", "2000-01-01 10:00", "--", "true"], "--at “2000-01-01 10:00” has passed"),
    (["add", "--in", "15x", "--", "true"], "--in “15x” is not a duration"),
    (["add", "--in", "1m", "--at", "10:00", "--", "true"], "give one start time, not both"),
    (["add", "--timeout", "-1", "--", "true"], "--timeout “-1” is not a whole number"),
    (["add", "--retries", "many", "--", "true"], "--retries “many” is not a whole number"),
    (["add", "--every", "1h", "--after", "3", "--", "true"], "--every “1h” starts its runs itself"),
    (["add", "--every", "1h", "--overlap", "sometimes", "--", "true"], "--overlap “sometimes” is not a policy"),
    (["add", "--overlap", "skip", "--", "true"], "add --every SPEC"),
    (["add", "--every", "1h", "--catch-up", "--no-catch-up", "--", "true"], "give one of them"),
    (["add", "--after-any", "--", "true"], "add --after ID"),
    (["add", "--name", "x"], "no command: give it after --"),
    (["add", "--shell", "--", "echo", "a"], "--shell takes the command as one line"),
    (["run", "--every", "1h", "--", "true"], "Unknown option --every"),
    (["history", "--status", "running"], "--status “running” is not the status of a finished task"),
    (["history", "--limit", "ten"], "--limit “ten” is not a whole number"),
    (["log", "-n", "x", "5"], "-n “x” is not a whole number"),
    (["list", "extra"], "“extra”: list takes no arguments"),
    (["schedules", "extra"], "“extra”: schedules takes no arguments"),
]


def test_usage_errors_are_named_before_the_application_starts(fresh_bus):
    for args, message in USAGE_ERRORS:
        result = fresh_bus.ctl(*args)
        assert result.returncode == 2, (args, result.stderr)
        assert result.stderr.startswith("taskerctl: "), result.stderr
        assert message in result.stderr, (args, result.stderr)
        assert result.stdout == ""
    # Nothing was sent: the application was never started.
    assert fresh_bus.app_pid() is None


# --- activation and the application not reachable ----------------------------------------

def test_activation_starts_the_application_without_a_window(fresh_bus):
    assert fresh_bus.app_pid() is None
    # The first call starts it (with a task that keeps it up: see CtlSession.keep_alive).
    fresh_bus.keep_alive()
    pid = fresh_bus.app_pid()
    assert pid is not None
    with open("/proc/%d/cmdline" % pid, "rb") as f:
        assert f.read().split(b"\0")[:-1] == [TASKER_BIN.encode(), b"--gapplication-service"]
    # The same instance answers the next calls.
    lines = fresh_bus.ctl("list", check_rc=0).stdout.splitlines()
    assert lines[0].split() == ["ID", "STATUS", "PROGRESS", "ELAPSED", "QUEUE", "NAME"]
    assert [line.split()[0] for line in lines[1:]] == [str(fresh_bus.keeper)]
    task_id = fresh_bus.add("--", "true")
    assert fresh_bus.ctl("wait", str(task_id)).returncode == 0
    assert fresh_bus.app_pid() == pid
    # Service mode: no window was shown.
    windows = subprocess.run(["xdotool", "search", "--onlyvisible", "--pid", str(pid)],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert windows.stdout == ""


def test_activated_application_stays_while_calls_come(fresh_bus):
    """An activated instance quits 10 s after its last call or task, not between
    two calls: every call restarts that delay (on the main thread: GApplication's
    use count is not thread-safe, and a hold from GDBus's thread once let it quit
    about a second after its last task, in the middle of a series of calls)."""
    task_id = fresh_bus.add("--", "true")
    pid = fresh_bus.app_pid()
    assert pid is not None
    assert fresh_bus.ctl("wait", str(task_id)).returncode == 0
    deadline = time.monotonic() + 4
    calls = 0
    while time.monotonic() < deadline:
        result = fresh_bus.ctl("list", "--json")
        assert result.returncode == 0, result.stderr
        calls += 1
    assert calls > 10
    assert fresh_bus.app_pid() == pid


def test_commands_without_a_queue_go_to_the_first(fresh_bus):
    """As in New Task: the first of Preferences' queues (by default "default",
    two at a time), not all at once."""
    ids = [fresh_bus.add("--", "sleep", "600") for _ in range(3)]
    fresh_bus.wait_status(ids[0], ["running"])
    fresh_bus.wait_status(ids[1], ["running"])
    third = fresh_bus.task(ids[2])
    assert third["status"] == "pending"
    assert all(fresh_bus.task(i)["queue"] == "default" for i in ids)
    assert fresh_bus.ctl("cancel", *map(str, ids)).returncode == 0


def test_not_installed():
    session = CtlSession(service=False)
    try:
        result = session.ctl("list")
        assert result.returncode == 1
        assert result.stderr.startswith("taskerctl: Tasker is not running and the session bus cannot start it (")
        assert "is Tasker installed, with its D-Bus service file %s.service?" % APP_ID in result.stderr
        assert "GDBus.Error" not in result.stderr
    finally:
        session.close()


def test_activated_application_without_a_display():
    """Started by the bus without a display, Tasker owns its name and then exits:
    the message says how to see why, and what it needs."""
    session = CtlSession(exec_line="/usr/bin/env -u DISPLAY -u WAYLAND_DISPLAY %s --gapplication-service"
                         % TASKER_BIN)
    try:
        result = session.ctl("list")
        assert result.returncode == 1
        assert result.stderr.startswith("taskerctl: Tasker did not answer (")
        assert "`tasker --gapplication-service` shows why it could not run (it needs a display" in result.stderr
    finally:
        session.close()


def test_activation_fails():
    session = CtlSession(exec_line="/nonexistent/tasker --gapplication-service")
    try:
        result = session.ctl("status", "3")
        assert result.returncode == 1
        assert result.stderr.startswith("taskerctl: the session bus failed to start Tasker (")
        assert "try starting it yourself" in result.stderr
    finally:
        session.close()


def test_no_session_bus(tmp_path):
    env = {name: value for name, value in os.environ.items()
           if name not in ("DBUS_SESSION_BUS_ADDRESS", "DISPLAY", "DBUS_STARTER_ADDRESS")}
    env["XDG_RUNTIME_DIR"] = str(tmp_path)
    result = subprocess.run([TASKERCTL, "list"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, timeout=60)
    assert result.returncode == 1
    assert result.stderr.startswith("taskerctl: cannot reach the D-Bus session bus (")
    assert "set DBUS_SESSION_BUS_ADDRESS" in result.stderr
    assert result.stdout == ""


def test_application_leaves_the_bus(fresh_bus):
    gate = Gate()
    follower = fresh_bus.spawn("log", "-f", str(fresh_bus.add("--", "sh", "-c", "echo first; " + gate.wait)))
    runner = fresh_bus.spawn("run", "--", "sh", "-c", "echo ran; " + gate.wait)
    line = read_line(follower)
    assert line is not None and LOG_PREFIX.sub("", line) == "first\n"
    assert read_line(runner) == "ran\n"
    # Both follow: the application crashes.
    os.kill(fresh_bus.app_pid(), signal.SIGKILL)
    for process in (follower, runner):
        status, out, err = finish(process)
        assert status == 1
        assert err == "taskerctl: Tasker left the session bus (it quit or crashed) before the task ended\n"


# --- add, wait, run ----------------------------------------------------------------------

def test_wait_exit_statuses(bus):
    completed = bus.add("--", "true")
    failed = bus.add("--", "sh", "-c", "exit 3")
    cancelled = bus.add("--", "sleep", "600")
    bus.ctl("cancel", str(cancelled), check_rc=0)

    assert bus.ctl("wait", str(completed)).returncode == 0
    assert bus.ctl("wait", str(failed)).returncode == 1
    assert bus.ctl("wait", str(cancelled)).returncode == 2
    assert bus.ctl("wait", str(completed), str(completed)).returncode == 0
    assert bus.ctl("wait", str(completed), str(cancelled)).returncode == 2
    assert bus.ctl("wait", str(cancelled), str(failed), str(completed)).returncode == 1
    assert bus.task(failed)["exit-status"] == 3

    # A live task: wait returns when it ends, not before.
    gate = Gate()
    live = bus.add("--", "sh", "-c", gate.wait)
    waiter = bus.spawn("wait", str(live), str(completed))
    bus.wait_status(live, {"running"})
    assert waiter.poll() is None
    gate.open()
    assert waiter.wait(60) == 0
    assert waiter.stdout.read() == "" and waiter.stderr.read() == ""


def test_run_exit_statuses(bus):
    result = bus.ctl("run", "--", "sh", "-c", "echo hello; echo world")
    assert (result.returncode, result.stdout, result.stderr) == (0, "hello\nworld\n", "")

    result = bus.ctl("run", "--", "sh", "-c", "echo out; exit 3")
    assert result.returncode == 3
    assert result.stdout == "out\n"
    assert re.fullmatch(r"taskerctl: task \d+ failed: .*3.*\n", result.stderr), result.stderr

    # Killed by a signal: 128 + N, as a shell reports it.
    result = bus.ctl("run", "--", "sh", "-c", "kill -KILL $$")
    assert result.returncode == 137

    # Timed out: killed by SIGTERM, 128 + 15.
    result = bus.ctl("run", "--timeout", "1", "--", "sleep", "600")
    assert result.returncode == 143
    assert re.fullmatch(r"taskerctl: task \d+ failed: .+\n", result.stderr), result.stderr

    # A failure with no exit status (its dependency was cancelled): 1.
    first = bus.add("--", "sleep", "600")
    bus.ctl("cancel", str(first), check_rc=0)
    result = bus.ctl("run", "--after", str(first), "--", "true")
    assert result.returncode == 1
    assert re.fullmatch(r"taskerctl: task \d+ failed: .*%d.*\n" % first, result.stderr), result.stderr

    # Refused: nothing ran.
    result = bus.ctl("run", "--", "/nonexistent/program")
    assert result.returncode == 1
    assert result.stderr.startswith("taskerctl: ") and "“/nonexistent/program”" in result.stderr

    # --shell: one line for sh -c.
    result = bus.ctl("run", "--shell", "--", "echo a && echo b")
    assert (result.returncode, result.stdout) == (0, "a\nb\n")


def test_run_cancelled_elsewhere_exits_130(bus):
    gate = Gate()
    runner = bus.spawn("run", "--name", "cancel-me-elsewhere", "--", "sh", "-c", "echo started; " + gate.wait)
    assert read_line(runner) == "started\n"
    task = [t for t in json_lines(bus.ctl("list", "--json").stdout) if t["name"] == "cancel-me-elsewhere"][0]
    bus.ctl("cancel", str(task["id"]), check_rc=0)
    assert runner.wait(60) == 130
    assert bus.task(task["id"])["status"] == "cancelled"


def test_run_ctrl_c_cancels_and_exits_130(bus):
    runner = bus.spawn("run", "--name", "interrupt-me", "--", "sh", "-c", "echo started; exec sleep 600")
    assert read_line(runner) == "started\n"
    task = [t for t in json_lines(bus.ctl("list", "--json").stdout) if t["name"] == "interrupt-me"][0]
    runner.send_signal(signal.SIGINT)
    assert runner.wait(60) == 130
    assert runner.stderr.read() == "taskerctl: cancelled task %d\n" % task["id"]
    bus.wait_status(task["id"], {"cancelled"})


def test_run_streams_output_as_it_comes(bus):
    gate = Gate()
    runner = bus.spawn("run", "--", "sh", "-c", "echo first; %s; echo second" % gate.wait)
    # The first line arrives while the command still runs.
    assert read_line(runner) == "first\n"
    assert runner.poll() is None
    gate.open()
    assert finish(runner) == (0, "second\n", "")


def test_environment_and_directory_are_the_callers(bus, tmp_path):
    result = bus.ctl("run", "--", "sh", "-c", "echo $MYVAR; pwd", env={"MYVAR": "x y"}, cwd=str(tmp_path))
    assert result.returncode == 0
    assert result.stdout == "x y\n%s\n" % os.path.realpath(str(tmp_path))

    task_id = bus.add("--", "sh", "-c", "echo $OTHER", )
    bus.ctl("wait", str(task_id), check_rc=0)
    assert bus.task(task_id)["cwd"] == os.getcwd()


# --- list, status, log, history ----------------------------------------------------------

def test_list_columns_and_json(bus):
    gate = Gate()
    odd_name = 'tab\there "quoted" \\ back \x01 ctrl é☃'
    first = bus.add("--name", odd_name, "--queue", "default", "--", "sh", "-c", gate.wait)
    second = bus.add("--name", "second", "--", "sh", "-c", gate.wait)
    bus.wait_status(first, {"running"})
    bus.wait_status(second, {"running"})

    lines = bus.ctl("list", check_rc=0).stdout.splitlines()
    header = lines[0]
    assert header.split() == ["ID", "STATUS", "PROGRESS", "ELAPSED", "QUEUE", "NAME"]
    rows = {int(line.split()[0]): line for line in lines[1:]}
    assert {first, second} <= set(rows)
    for task_id in (first, second):
        row = rows[task_id]
        # Columns line up with the header: ID, PROGRESS, ELAPSED right-aligned; others left.
        assert row[header.index("STATUS"):].startswith("running ")
        assert row[:header.index("ID") + 2].strip() == str(task_id)
        assert row[:header.index("PROGRESS") + len("PROGRESS")].endswith(" -")
        assert re.search(r" \d+:\d\d$", row[:header.index("ELAPSED") + len("ELAPSED")])
    assert rows[first][header.index("QUEUE"):].startswith("default ")
    # Without --queue: the first of Preferences' queues.
    assert rows[second][header.index("QUEUE"):].startswith("default ")
    # A control character in a name is a space: a row stays one line.
    assert rows[first].endswith(odd_name.replace("\t", " ").replace("\x01", " "))
    assert rows[second].endswith("  second")

    # --json: one object per task and line, exactly what ListTasks says.
    printed = {t["id"]: t for t in json_lines(bus.ctl("list", "--json", check_rc=0).stdout)}
    direct = {t["id"]: t for t in list_tasks_direct(bus)}
    assert printed[first] == direct[first]
    assert printed[second] == direct[second]
    assert printed[first]["name"] == odd_name
    for task in printed.values():
        assert set(task) <= TASK_KEYS
        assert {"id", "name", "kind", "status", "progress", "created"} <= set(task)
        assert isinstance(task["id"], int) and isinstance(task["created"], int)
    gate.open()
    gate.open()
    bus.ctl("wait", str(first), str(second), check_rc=0)

    # Finished: in list --all (from the history too), as the history has them.
    printed = {t["id"]: t for t in json_lines(bus.ctl("list", "--all", "--json", check_rc=0).stdout)}
    assert printed[first]["status"] == "completed"
    everything = bus.ctl("list", "--all", check_rc=0).stdout
    assert re.search(r"^ *%d  completed " % first, everything, re.M)


def test_status_block_and_json(bus):
    task_id = bus.add("--name", "status-block", "--", "sh", "-c", "echo to the log; exit 3")
    bus.ctl("wait", str(task_id))
    result = bus.ctl("status", str(task_id), check_rc=0)
    block = dict(re.match(r"([^:]+):\s+(.*)", line).groups() for line in result.stdout.splitlines())
    assert block["ID"] == str(task_id)
    assert block["Name"] == "status-block"
    assert block["Status"] == "failed"
    assert block["Kind"] == "command"
    assert block["Exit status"] == "3"
    assert "3" in block["Error"]
    assert block["Directory"] == os.getcwd()
    assert re.fullmatch(r"\d+:\d\d", block["Elapsed"])
    assert block["Log"].startswith("taskerctl log %d" % task_id)

    task = json.loads(result_json := bus.ctl("status", "--json", str(task_id), check_rc=0).stdout)
    assert result_json.count("\n") == 1
    assert set(task) <= TASK_KEYS
    assert (task["id"], task["status"], task["exit-status"]) == (task_id, "failed", 3)


def test_log(bus):
    task_id = bus.add("--", "seq", "1", "5")
    bus.ctl("wait", str(task_id), check_rc=0)
    lines = bus.ctl("log", str(task_id), check_rc=0).stdout.splitlines()
    assert [LOG_PREFIX.sub("", line) for line in lines] == ["1", "2", "3", "4", "5"]
    assert all(LOG_PREFIX.match(line) for line in lines)
    lines = bus.ctl("log", "-n", "2", str(task_id), check_rc=0).stdout.splitlines()
    assert [LOG_PREFIX.sub("", line) for line in lines] == ["4", "5"]
    # -f on a finished task: its log, then it ends.
    lines = bus.ctl("log", "-f", "-n", "3", str(task_id), check_rc=0).stdout.splitlines()
    assert [LOG_PREFIX.sub("", line) for line in lines] == ["3", "4", "5"]


def test_log_follow_live_task_loses_and_doubles_nothing(bus):
    gate = Gate()
    task_id = bus.add("--", "sh", "-c", "seq 1 3; %s; seq 4 6" % gate.wait)
    follower = bus.spawn("log", "-f", str(task_id))
    got = [LOG_PREFIX.sub("", read_line(follower)) for _ in range(3)]
    assert got == ["1\n", "2\n", "3\n"]
    assert follower.poll() is None
    gate.open()
    status, out, err = finish(follower)
    assert status == 0, err
    assert [LOG_PREFIX.sub("", line) for line in out.splitlines()] == ["4", "5", "6"]


def test_history(bus):
    marker = "hist-%d" % os.getpid()
    ok = bus.add("--name", marker + "-ok", "--", "true")
    bad = bus.add("--name", marker + "-bad", "--", "false")
    bus.ctl("wait", str(ok), str(bad))

    def found(*args):
        return json_lines(bus.ctl("history", "--json", *args, check_rc=0).stdout)
    assert wait_until(lambda: {t["id"] for t in found("--search", marker)} == {ok, bad})
    records = found("--search", marker)
    assert [t["id"] for t in records] == sorted([ok, bad], reverse=True)
    for record in records:
        assert set(record) <= TASK_KEYS
    assert [t["id"] for t in found("--search", marker, "--status", "failed")] == [bad]
    assert len(found("--limit", "1")) == 1

    text = bus.ctl("history", "--search", marker, check_rc=0).stdout.splitlines()
    assert text[0].split() == ["ID", "STATUS", "FINISHED", "ELAPSED", "QUEUE", "NAME"]
    assert re.match(r" *%d  failed     \d{4}-\d\d-\d\d \d\d:\d\d:\d\d .*%s-bad$" % (bad, marker), text[1])


# --- cancel, retry and their errors ------------------------------------------------------

def test_cancel_and_retry(bus):
    live = bus.add("--", "sleep", "600")
    other = bus.add("--", "sleep", "600")
    bus.ctl("cancel", str(live), str(other), check_rc=0)
    assert bus.ctl("wait", str(live), str(other)).returncode == 2

    result = bus.ctl("cancel", str(live))
    assert result.returncode == 1
    assert result.stderr == "taskerctl: task %d has already ended (cancelled): nothing to cancel\n" % live

    failed = bus.add("--", "sh", "-c", "exit 3")
    bus.ctl("wait", str(failed))
    result = bus.ctl("retry", str(failed), check_rc=0)
    new_id = int(result.stdout)
    assert new_id != failed
    assert bus.ctl("wait", str(new_id)).returncode == 1
    assert bus.task(new_id)["command"] == bus.task(failed)["command"]


def test_no_such_task(bus):
    for args in (["status", "999999"], ["log", "999999"], ["log", "-f", "999999"], ["retry", "999999"],
                 ["wait", "999999"], ["cancel", "999999"]):
        result = bus.ctl(*args)
        assert (result.returncode, result.stderr) == (1, NO_TASK), args


def test_application_errors_are_its_words(bus):
    result = bus.ctl("add", "--queue", "no-such-queue", "--", "true")
    assert result.returncode == 1
    assert result.stderr.startswith("taskerctl: ") and "“no-such-queue”" in result.stderr
    assert "GDBus.Error" not in result.stderr and "io.github" not in result.stderr

    result = bus.ctl("add", "--every", "every 15x", "--", "true")
    assert result.returncode == 1
    assert "“15x”" in result.stderr and "GDBus.Error" not in result.stderr


# --- scheduling ------------------------------------------------------------------------------

def test_add_in_and_at(bus):
    later = bus.add("--in", "1h", "--", "true")
    clock = (datetime.datetime.now() + datetime.timedelta(minutes=3)).strftime("%H:%M")
    at_clock = bus.add("--at", clock, "--", "true")
    for task_id in (later, at_clock):
        task = bus.task(task_id)
        assert task["status"] == "pending" and "started" not in task
    bus.ctl("cancel", str(later), str(at_clock), check_rc=0)

    soon = bus.add("--in", "1s", "--", "true")
    assert bus.ctl("wait", str(soon)).returncode == 0
    task = bus.task(soon)
    assert task["started"] - task["created"] >= 900000

    # At least 3 s ahead once rounded down: taskerctl refuses a time that has passed.
    when = (datetime.datetime.now().astimezone() + datetime.timedelta(seconds=4)).replace(microsecond=0)
    iso = bus.add("--at", when.isoformat(), "--", "true")
    assert bus.ctl("wait", str(iso)).returncode == 0
    assert bus.task(iso)["started"] >= int(when.timestamp()) * 1000000

    dated = bus.add("--at", (when + datetime.timedelta(days=1)).strftime("%Y-%m-%d %H:%M"), "--", "true")
    assert bus.task(dated)["status"] == "pending"
    bus.ctl("cancel", str(dated), check_rc=0)


def test_add_after(bus):
    first = bus.add("--", "sleep", "600")
    dependant = bus.add("--after", str(first), "--", "true")
    any_outcome = bus.add("--after", str(first), "--after-any", "--", "true")
    assert bus.task(dependant)["status"] == "pending"
    assert bus.task(any_outcome)["status"] == "pending"
    bus.ctl("cancel", str(first), check_rc=0)
    assert bus.ctl("wait", str(dependant)).returncode == 1
    assert str(first) in bus.task(dependant)["error"]
    assert bus.ctl("wait", str(any_outcome)).returncode == 0

    a = bus.add("--", "true")
    b = bus.add("--", "true")
    both = bus.add("--after", str(a), "--after", str(b), "--", "true")
    assert bus.ctl("wait", str(both)).returncode == 0


def test_every_and_schedules(bus):
    hourly = bus.ctl("add", "--every", "1h", "--name", "hourly", "--", "true", check_rc=0).stdout.strip()
    daily = bus.ctl("add", "--every", "daily 03:00", "--overlap", "queue", "--no-catch-up", "--",
                    "echo", "daily", check_rc=0).stdout.strip()
    assert hourly and daily and hourly != daily

    schedules = {s["id"]: s for s in json_lines(bus.ctl("schedules", "--json", check_rc=0).stdout)}
    for schedule in schedules.values():
        assert set(schedule) <= SCHEDULE_KEYS
    assert schedules[hourly]["spec"] == "every 1h"
    assert schedules[hourly]["overlap"] == "skip" and schedules[hourly]["catch-up"] is True
    assert isinstance(schedules[hourly]["next-run"], int)
    assert schedules[daily]["spec"] == "daily 03:00"
    assert schedules[daily]["overlap"] == "queue" and schedules[daily]["catch-up"] is False
    assert schedules[daily]["command"] == "echo daily"

    lines = bus.ctl("schedules", check_rc=0).stdout.splitlines()
    assert lines[0].split() == ["ID", "NEXT", "RUN", "LAST", "RESULT", "SPEC", "COMMAND"]
    rows = {line.split()[0]: line for line in lines[1:]}
    assert rows[daily].endswith("daily 03:00  echo daily")


# --- bash completion -------------------------------------------------------------------------

def complete(bus, words, current):
    """COMPREPLY of the completion script for `words`, completing words[current]."""
    script = ('source "$TASKERCTL_COMPLETION"; COMP_WORDS=(%s); COMP_CWORD=%d; _taskerctl; '
              'printf "%%s\\n" "${COMPREPLY[@]}"' % (" ".join("'%s'" % w for w in words), current))
    env = dict(bus.env)
    env["PATH"] = os.path.dirname(TASKERCTL) + ":" + env["PATH"]
    result = subprocess.run(["bash", "--norc", "--noprofile", "-c", script], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return sorted(line for line in result.stdout.splitlines() if line)


def test_completion(bus):
    assert complete(bus, ["taskerctl", "l"], 1) == ["list", "log"]
    assert complete(bus, ["taskerctl", ""], 1) == sorted(SUBCOMMANDS + ["--help", "--version"])
    assert complete(bus, ["taskerctl", "list", "--"], 2) == ["--all", "--help", "--json"]
    assert complete(bus, ["taskerctl", "add", "--ov"], 2) == ["--overlap"]
    assert complete(bus, ["taskerctl", "history", "--status", ""], 3) == ["cancelled", "completed", "failed"]

    live = [bus.add("--", "sleep", "600") for _ in range(2)]
    live_ids = sorted(str(t["id"]) for t in json_lines(bus.ctl("list", "--json").stdout))
    assert set(map(str, live)) <= set(live_ids)
    assert complete(bus, ["taskerctl", "cancel", ""], 2) == live_ids
    assert complete(bus, ["taskerctl", "wait", str(live[0]), ""], 3) == live_ids
    bus.ctl("cancel", *map(str, live), check_rc=0)


def test_text_that_is_not_utf8(bus):
    # A command word: refused, named (the bad byte shown as U+FFFD), nothing queued.
    result = subprocess.run([TASKERCTL.encode(), b"run", b"--", b"echo", b"x\xffy"], env=bus.env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    assert result.returncode == 2
    assert result.stderr.decode() == ("taskerctl: the command's word “x\ufffdy” is not UTF-8 text, which D-Bus "
                                      "cannot carry (see `taskerctl run --help`)\n")
    # An environment variable: left out, with a warning; the command runs.
    env = {k.encode(): v.encode() for k, v in bus.env.items()}
    env[b"BADVAR"] = b"a\xffb"
    env[b"GOODVAR"] = b"fine"
    result = subprocess.run([TASKERCTL, "run", "--", "sh", "-c", "echo ${BADVAR-unset} $GOODVAR"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    assert result.returncode == 0
    assert result.stdout == b"unset fine\n"
    assert result.stderr == (b"taskerctl: leaving BADVAR out of the command's environment: "
                             b"its value is not UTF-8 text\n")
