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

SUBCOMMANDS = ["add", "run", "list", "status", "log", "wait", "cancel", "retry", "history", "schedules", "report"]
REPORT_SUBCOMMANDS = ["create", "progress", "message", "log", "should-exit", "done"]
TASK_KEYS = {"id", "name", "kind", "status", "progress", "message", "queue", "created", "started",
             "finished", "error", "exit-status", "trace-id", "parent", "key", "command", "cwd",
             "attempt", "schedule", "live", "owner-pid", "owner-name"}
SCHEDULE_KEYS = {"id", "spec", "command", "paused", "next-run", "last-run", "last-result",
                 "overlap", "catch-up"}
LOG_PREFIX = re.compile(r"^\d\d:\d\d:\d\d\.\d\d\d \[[0-9a-f]{16}\] ")
NO_TASK = "taskerctl: no task 999999; `taskerctl list --all` shows finished ones\n"


class Gate:
    """A file commands wait for (polling, 20 ms) until the test creates it.

    A FIFO would wake them without polling, but one write to it can release
    several readers at once, and a second open() then blocks for ever; a file
    releases every command that waits for it, now or later, and opening the
    gate never blocks."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="taskerctl-gate-")
        self.path = os.path.join(self.dir, "open")

    @property
    def wait(self):
        return "while [ ! -e %s ]; do sleep 0.02; done" % self.path

    def open(self):
        with open(self.path, "w"):
            pass


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
        usage = "COMMAND [OPTION…]" if name == "report" else "[OPTION…]"
        assert result.stdout.startswith("Usage:\n  taskerctl %s %s" % (name, usage)), result.stdout
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
    (["report"], "give what to report: create, progress"),
    (["report", "frobnicate"], "“frobnicate” is not a report command"),
    (["report", "create"], "give the task's name"),
    (["report", "create", "a", "b"], "“b”: give the name as one argument (quote it)"),
    (["report", "create", ""], "the task's name is empty"),
    (["report", "create", "--pid", "0", "x"], "--pid “0” is not a process id"),
    (["report", "create", "--pid", "me", "x"], "--pid “me” is not a process id"),
    (["report", "create", "--total", "0", "x"], "--total “0” is not a total"),
    (["report", "create", "--total", "nan", "x"], "--total “nan” is not a total"),
    (["report", "progress", "5"], "give the progress after the id"),
    (["report", "progress", "5", "nan"], "progress “nan” is not a number"),
    (["report", "progress", "5", "half"], "progress “half” is not a number"),
    (["report", "progress", "5", "-0.5"], "Unknown option -0.5 (see `taskerctl report progress --help`)"),
    (["report", "progress", "5", "--", "-0.5"], "progress “-0.5” is not a number"),
    (["report", "progress", "5", "150%"], "progress “150%” is more than 100%"),
    (["report", "progress", "5", "21/20"], "the count is more than the total"),
    (["report", "progress", "5", "7/0"], "the total after / must be more than 0"),
    (["report", "progress", "x", "0.5"], "task id “x” is not a task id"),
    (["report", "progress", "5", "0.5", "6"], "“6”: too many arguments"),
    (["report", "message", "5"], "give the message after the id"),
    (["report", "log"], "give the id of a task"),
    (["report", "should-exit", "5", "6"], "“6”: too many arguments"),
    (["report", "done", "5", "--failed", ""], "--failed needs a message"),
    (["report", "done", "--bogus", "5"], "Unknown option --bogus"),
]


def test_usage_errors_are_named_before_the_application_starts(fresh_bus):
    for args, message in USAGE_ERRORS:
        result = fresh_bus.ctl(*args)
        assert result.returncode == 2, (args, result.stderr)
        assert result.stderr.startswith("taskerctl: "), result.stderr
        assert result.stderr.count("\n") == 1, result.stderr
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


# --- report: a script's own job as a task ------------------------------------------------

EXAMPLE_SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples",
                              "external-task.sh")
OWNER_EXITED = "the program that reported this task exited"
NOT_YOURS = ("taskerctl: task %d belongs to another program (only the program that created it, "
             "and its children, may report to it)\n")


def report_create(bus, *args, **kwargs):
    """`taskerctl report create ARGS`; returns the new task's id."""
    result = bus.ctl("report", "create", *args, check_rc=0, **kwargs)
    return int(result.stdout)


def report(bus, *args, **kwargs):
    return bus.ctl("report", *args, **kwargs)


def with_ctl_on_path(bus):
    """The session's environment with the built taskerctl first on PATH, as scripts call it."""
    env = dict(bus.env)
    env["PATH"] = os.path.dirname(TASKERCTL) + ":" + env["PATH"]
    return env


def log_texts(bus, task_id):
    return [LOG_PREFIX.sub("", line) for line in bus.ctl("log", str(task_id), check_rc=0).stdout.splitlines()]


def wait_task(bus, task_id, predicate):
    """Waits until predicate(task) holds (reports reach GetTask once per update interval)."""
    found = {}

    def check():
        found["task"] = bus.task(task_id)
        return predicate(found["task"])
    assert wait_until(check, step=0.05), found.get("task")
    return found["task"]


def test_report_help():
    result = subprocess.run([TASKERCTL, "report", "--help"], stdout=subprocess.PIPE, text=True)
    assert result.returncode == 0
    commands = result.stdout.split("Commands:\n")[1].split("\n\n")[0]
    assert re.findall(r"^  ([\w-]+) ", commands, re.M) == REPORT_SUBCOMMANDS
    for name in REPORT_SUBCOMMANDS:
        result = subprocess.run([TASKERCTL, "report", name, "--help"], stdout=subprocess.PIPE, text=True)
        assert result.returncode == 0, name
        assert result.stdout.startswith("Usage:\n  taskerctl report %s [OPTION…] " % name), result.stdout


def test_report_create_progress_message_log_done(bus):
    task_id = report_create(bus, "--total", "20", "--message", "Starting", "--key", "report-key", "Backup")
    task = bus.task(task_id)
    assert (task["name"], task["kind"], task["status"], task["message"], task["key"]) == \
        ("Backup", "external", "running", "Starting", "report-key")
    # Without --pid: taskerctl's parent, here this test.
    assert task["owner-pid"] == os.getpid()
    assert task["owner-name"] == open("/proc/self/comm").read().strip()
    # status says who reports it.
    assert "Program:      %s (pid %d)\n" % (task["owner-name"], os.getpid()) in \
        bus.ctl("status", str(task_id), check_rc=0).stdout

    # A count of the total, a percentage (a count of 100), a count of a total, a fraction.
    # "42%" and "3/4" set the total that the counts after them are of.
    for value, progress in (("5", 0.25), ("42%", 0.42), ("7", 0.07), ("3/4", 0.75), ("0.5", 0.125),
                            ("1/2", 0.5)):
        result = report(bus, "progress", str(task_id), value)
        assert (result.returncode, result.stdout, result.stderr) == (0, "", ""), value
        wait_task(bus, task_id, lambda t, p=progress: abs(t["progress"] - p) < 1e-9)

    report(bus, "message", str(task_id), "Copying", "files", check_rc=0)
    wait_task(bus, task_id, lambda t: t["message"] == "Copying files")
    report(bus, "message", str(task_id), "--", "-x is a message too", check_rc=0)
    wait_task(bus, task_id, lambda t: t["message"] == "-x is a message too")

    report(bus, "log", str(task_id), "first", "line", check_rc=0)
    report(bus, "log", str(task_id), "second line\nthird line", check_rc=0)
    assert wait_until(lambda: log_texts(bus, task_id) == ["first line", "second line", "third line"])

    # list shows it like any task; --json with the interface's keys.
    row = [t for t in json_lines(bus.ctl("list", "--json", check_rc=0).stdout) if t["id"] == task_id][0]
    assert row["kind"] == "external" and row["status"] == "running"

    result = report(bus, "done", str(task_id))
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    task = bus.task(task_id)
    assert (task["status"], task["progress"]) == ("completed", 1.0)
    assert task["message"] == "-x is a message too"
    assert bus.ctl("wait", str(task_id)).returncode == 0


def test_report_done_failed(bus):
    task_id = report_create(bus, "Deploy")
    result = report(bus, "done", str(task_id), "--failed", "disk full")
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    task = bus.task(task_id)
    assert (task["status"], task["error"]) == ("failed", "disk full")
    assert bus.ctl("wait", str(task_id)).returncode == 1


def test_report_after_the_end(bus):
    task_id = report_create(bus, "Ends once")
    report(bus, "done", str(task_id), check_rc=0)
    ended = "taskerctl: task %d has already ended (completed)\n" % task_id
    for args in (["done"], ["done", "--failed", "late"], ["progress", "0.5"], ["message", "late"],
                 ["log", "late"]):
        result = report(bus, args[0], str(task_id), *args[1:])
        assert (result.returncode, result.stderr) == (1, ended), args
    # Over: should-exit says stop.
    assert report(bus, "should-exit", str(task_id)).returncode == 0


def test_report_log_from_stdin_in_batches(bus):
    """1,000 lines on standard input arrive in order, in a few Log calls (counted with
    dbus-monitor on the session's bus); lines that trickle in are sent a batch per
    interval, not one call each."""
    task_id = report_create(bus, "Build log")
    marker_id = report_create(bus, "Marker")
    monitor = subprocess.Popen(["dbus-monitor", "--address", bus.address,
                                "type='method_call',interface='io.github.tasker.Tasker1.Task',member='Log'"],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    lines = Lines(monitor.stdout)
    try:
        def calls_until(marker):
            """How many Log calls to the task the monitor saw before the marker task's `marker`."""
            task_path = "path=/io/github/tasker/Tasker/task/%d;" % task_id
            marker_path = "path=/io/github/tasker/Tasker/task/%d;" % marker_id
            calls, path = 0, None
            while True:
                line = lines.next(60)
                assert line is not None, calls
                if line.startswith("method call "):
                    path = task_path if task_path in line else marker_path if marker_path in line else None
                    calls += path == task_path
                elif path == marker_path and line.strip() == 'string "%s"' % marker:
                    return calls

        # The monitor is ready once it sees a call.
        assert wait_until(lambda: report(bus, "log", str(marker_id), "ready").returncode == 0 and
                          lines.next(0.5) is not None, 20)
        while lines.next(0.2) is not None:
            pass

        text = "".join("line %d\n" % i for i in range(1000))
        result = subprocess.run([TASKERCTL, "report", "log", str(task_id)], input=text, env=bus.env, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
        assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
        report(bus, "log", str(marker_id), "after-flood", check_rc=0)
        flood_calls = calls_until("after-flood")
        assert 1 <= flood_calls <= 3, flood_calls
        assert wait_until(lambda: log_texts(bus, task_id) == ["line %d" % i for i in range(1000)])

        # Lines that trickle in for about a second, and "-": a batch per 100 ms at most.
        trickle = subprocess.run(["sh", "-c", 'i=0; while [ $i -lt 150 ]; do echo "slow $i"; i=$((i+1)); '
                                  'sleep 0.005; done | "$TASKERCTL" report log %d -' % task_id],
                                 env=dict(bus.env, TASKERCTL=TASKERCTL), stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True, timeout=120)
        assert (trickle.returncode, trickle.stderr) == (0, "")
        report(bus, "log", str(marker_id), "after-trickle", check_rc=0)
        trickle_calls = calls_until("after-trickle")
        assert 2 <= trickle_calls <= 40, trickle_calls
        assert wait_until(lambda: log_texts(bus, task_id)[-150:] == ["slow %d" % i for i in range(150)])
        print("Log calls: %d for 1,000 lines at once, %d for 150 lines over about a second"
              % (flood_calls, trickle_calls))
    finally:
        monitor.kill()
        monitor.wait()
    for task in (task_id, marker_id):
        report(bus, "done", str(task), check_rc=0)


def test_report_log_stdin_text_that_is_not_utf8(bus):
    task_id = report_create(bus, "Bytes")
    result = subprocess.run([TASKERCTL, "report", "log", str(task_id)], input=b"ok\nbad \xff byte\nnul \0 byte",
                            env=bus.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    assert (result.returncode, result.stderr) == (0, b"")
    assert wait_until(lambda: log_texts(bus, task_id) == ["ok", "bad \ufffd byte", "nul \ufffd byte"])
    report(bus, "done", str(task_id), check_rc=0)


def test_report_owner_is_the_calling_shell(bus):
    """Without --pid the task belongs to the shell that ran taskerctl: it outlives
    taskerctl, and fails once the shell exits without `report done`. bash keeps a
    subshell for $(taskerctl … 2>/dev/null): the owner is still the script's shell."""
    for shell, substitution in (("sh", "$(taskerctl report create Owned)"),
                                ("bash", "$(taskerctl report create Owned 2>/dev/null)")):
        gate = Gate()
        script = ('id=%s; echo "$id"; taskerctl report progress "$id" 0.5 || exit 9; %s; exit 0'
                  % (substitution, gate.wait))
        shell_process = subprocess.Popen([shell, "-c", script], env=with_ctl_on_path(bus),
                                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = read_line(shell_process)
        assert line is not None, shell_process.stderr.read()
        task_id = int(line)
        task = wait_task(bus, task_id, lambda t: t["progress"] == 0.5)
        assert (task["status"], task["owner-pid"], task["owner-name"]) == ("running", shell_process.pid, shell)
        gate.open()
        assert shell_process.wait(60) == 0
        task = bus.wait_status(task_id, {"failed"})
        assert task["error"] == OWNER_EXITED, shell


def test_report_pid_of_a_process_that_is_killed(bus):
    sleeper = subprocess.Popen(["sleep", "600"], env=bus.env)
    try:
        task_id = report_create(bus, "--pid", str(sleeper.pid), "Watched")
        task = bus.task(task_id)
        assert (task["owner-pid"], task["owner-name"]) == (sleeper.pid, "sleep")
        # Only the owner, its children (and the connection that created it) may report:
        # this taskerctl is none of those.
        result = report(bus, "progress", str(task_id), "0.5")
        assert (result.returncode, result.stderr) == (1, NOT_YOURS % task_id)
        result = report(bus, "done", str(task_id))
        assert (result.returncode, result.stderr) == (1, NOT_YOURS % task_id)
        assert report(bus, "should-exit", str(task_id)).returncode == 3
        assert bus.task(task_id)["status"] == "running"
    finally:
        sleeper.kill()
        sleeper.wait()
    task = bus.wait_status(task_id, {"failed"})
    assert task["error"] == OWNER_EXITED
    result = report(bus, "message", str(task_id), "too late")
    assert (result.returncode, result.stderr) == (1, "taskerctl: task %d has already ended (failed)\n" % task_id)


def test_report_to_a_task_of_an_earlier_run(fresh_bus):
    """After a restart of Tasker the task's object is gone: its record in the history says
    how it ended."""
    task_id = report_create(fresh_bus, "Earlier")
    report(fresh_bus, "done", str(task_id), check_rc=0)
    assert wait_until(lambda: task_id in [t["id"] for t in json_lines(fresh_bus.ctl("history", "--json").stdout)])
    pid = fresh_bus.app_pid()
    os.kill(pid, signal.SIGTERM)
    assert wait_until(lambda: fresh_bus.app_pid() != pid)
    result = report(fresh_bus, "progress", str(task_id), "0.5")
    assert (result.returncode, result.stderr) == (1, "taskerctl: task %d has already ended (completed)\n" % task_id)
    assert fresh_bus.app_pid() not in (None, pid)


def test_report_create_errors_are_the_applications(bus):
    # A process that does not exist: named.
    result = report(bus, "create", "--pid", "4000000", "Nobody")
    assert result.returncode == 1
    assert result.stderr.startswith("taskerctl: ") and "4000000" in result.stderr
    assert "GDBus.Error" not in result.stderr


def test_report_limit_per_owner(bus):
    """At most 1,000 live tasks per owner (made here through GDBus, quicker than 1,000
    taskerctl processes): the next create says so, and what to do."""
    sleeper = subprocess.Popen(["sleep", "600"], env=bus.env)
    connection = Gio.DBusConnection.new_for_address_sync(
        bus.address,
        Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION,
        None, None)
    try:
        for i in range(1000):
            connection.call_sync(APP_ID, "/io/github/tasker/Tasker", "io.github.tasker.Tasker1", "CreateTask",
                                 GLib.Variant("(sa{sv})", ("many %d" % i, {"pid": GLib.Variant("u", sleeper.pid)})),
                                 GLib.VariantType("(ot)"), Gio.DBusCallFlags.NONE, 30000, None)
        result = report(bus, "create", "--pid", str(sleeper.pid), "One too many")
        assert result.returncode == 1
        assert result.stderr == ("taskerctl: a program may have at most 1000 live tasks; end some of this "
                                 "program's tasks first (`taskerctl report done ID`)\n")
    finally:
        connection.close_sync(None)
        sleeper.kill()
        sleeper.wait()
    assert wait_until(lambda: not [t for t in json_lines(bus.ctl("list", "--json").stdout)
                                   if t["kind"] == "external"])


def test_report_to_what_is_not_an_external_task(bus):
    command = bus.add("--", "sleep", "600")
    result = report(bus, "progress", str(command), "0.5")
    assert result.returncode == 1
    assert result.stderr == ("taskerctl: task %d is not a script's or program's own task (it is a command "
                             "task): only tasks made by `taskerctl report create` take reports\n" % command)
    bus.ctl("cancel", str(command), check_rc=0)
    for args in (["progress", "999999", "0.5"], ["message", "999999", "x"], ["log", "999999", "x"],
                 ["done", "999999"]):
        result = report(bus, *args)
        assert (result.returncode, result.stderr) == (1, NO_TASK), args
    result = report(bus, "should-exit", "999999")
    assert (result.returncode, result.stderr) == (3, NO_TASK)


def test_report_should_exit_and_cancel(bus):
    task_id = report_create(bus, "Cancellable")
    result = report(bus, "should-exit", str(task_id))
    assert (result.returncode, result.stdout, result.stderr) == (1, "", "")
    bus.ctl("cancel", str(task_id), check_rc=0)
    result = report(bus, "should-exit", str(task_id))
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    # The task waits for its owner (for the application's cancel grace); done ends it
    # CANCELLED, whatever it reports, and says so with exit status 2.
    result = report(bus, "done", str(task_id))
    assert result.returncode == 2
    assert result.stderr in ("taskerctl: task %d was cancelled: a cancel was requested before it ended\n" % task_id,
                             "taskerctl: task %d has already ended (cancelled)\n" % task_id)
    assert bus.task(task_id)["status"] == "cancelled"
    assert report(bus, "should-exit", str(task_id)).returncode == 0
    result = report(bus, "done", str(task_id), "--failed", "x")
    assert (result.returncode, result.stderr) == (2, "taskerctl: task %d has already ended (cancelled)\n" % task_id)

    # An owner that does not answer: CANCELLED after the grace, and then done says so.
    task_id = report_create(bus, "Deaf")
    bus.ctl("cancel", str(task_id), check_rc=0)
    bus.wait_status(task_id, {"cancelled"})
    result = report(bus, "done", str(task_id))
    assert (result.returncode, result.stderr) == (2, "taskerctl: task %d has already ended (cancelled)\n" % task_id)


def test_example_script_completes(bus):
    script = subprocess.run([EXAMPLE_SCRIPT, "3", "example-complete"], env=with_ctl_on_path(bus),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=120)
    assert (script.returncode, script.stderr) == (0, "")
    task_id = int(re.fullmatch(r"task (\d+)\n", script.stdout).group(1))
    task = bus.task(task_id)
    assert (task["name"], task["status"], task["progress"], task["message"]) == \
        ("example-complete", "completed", 1.0, "Step 3 of 3")
    assert log_texts(bus, task_id) == ["finished step 1", "finished step 2", "finished step 3"]


def test_example_script_cancelled_from_tasker(bus):
    """The example started, its task cancelled from Tasker as a person would: the script
    stops between two steps, exits 2, the task ends CANCELLED, and nothing of it is left."""
    before = set(bus.leftovers())
    script = subprocess.Popen([EXAMPLE_SCRIPT, "1000", "example-cancel"], env=with_ctl_on_path(bus),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = read_line(script)
    assert line is not None and line.startswith("task "), script.stderr.read()
    task_id = int(line.split()[1])
    wait_task(bus, task_id, lambda t: t["progress"] > 0 and t["message"].startswith("Step "))
    started = time.monotonic()
    bus.ctl("cancel", str(task_id), check_rc=0)
    status, out, err = finish(script, timeout=30)
    assert time.monotonic() - started < 10
    assert status == 2, err
    assert err == "taskerctl: task %d was cancelled: a cancel was requested before it ended\n" % task_id
    task = bus.task(task_id)
    assert task["status"] == "cancelled"
    assert 0 < task["progress"] < 1
    steps = log_texts(bus, task_id)
    assert steps[0] == "finished step 1" and len(steps) < 1000
    assert wait_until(lambda: set(bus.leftovers()) <= before, 10), set(bus.leftovers()) - before


def test_example_script_killed_fails_its_task(bus):
    script = subprocess.Popen([EXAMPLE_SCRIPT, "1000", "example-killed"], env=with_ctl_on_path(bus),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    task_id = int(read_line(script).split()[1])
    wait_task(bus, task_id, lambda t: t["progress"] > 0)
    script.kill()
    script.wait(60)
    task = bus.wait_status(task_id, {"failed"})
    assert task["error"] == OWNER_EXITED


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


def test_completion_of_report(bus):
    assert complete(bus, ["taskerctl", "rep"], 1) == ["report"]
    assert complete(bus, ["taskerctl", "report", ""], 2) == sorted(REPORT_SUBCOMMANDS + ["--help"])
    assert complete(bus, ["taskerctl", "report", "create", "--"], 3) == \
        ["--help", "--key", "--message", "--pid", "--total"]
    assert complete(bus, ["taskerctl", "report", "done", "5", "--f"], 4) == ["--failed"]
    assert complete(bus, ["taskerctl", "report", "create", "--pid", ""], 4) == []
    # The task id: live external tasks only; nothing after it.
    external = report_create(bus, "Completed by id")
    command = bus.add("--", "sleep", "600")
    ids = complete(bus, ["taskerctl", "report", "progress", ""], 3)
    assert str(external) in ids and str(command) not in ids
    assert complete(bus, ["taskerctl", "report", "progress", str(external), ""], 4) == []
    report(bus, "done", str(external), check_rc=0)
    bus.ctl("cancel", str(command), check_rc=0)


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
