#!/usr/bin/python3
# bench-ctl.py: taskerctl against the running application (DESIGN.md §8)
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
#   bench-ctl.py [--quick] BUILDDIR
#
# The application is BUILDDIR's `tasker`, activated on a private session bus
# from BUILDDIR's .service file (tests/ctl/ctl_session.py), and the client
# BUILDDIR's taskerctl. Without DISPLAY it runs itself under xvfb-run.
#
#   (a) `taskerctl list` with 1,000 live tasks (`sleep 600` in the default
#       queue, 2 at a time): wall time from spawn to exit, median of 20,
#       against `taskerctl --version` spawned the same way (what starting the
#       program costs without the bus). Target ≤ 50 ms.
#   (b) a client following 100 busy tasks (each prints a line every 50 ms,
#       twice the rate the application may send), in a queue that runs them
#       all: LogLines signals it receives per task and update interval
#       (100 ms, UPDATE_INTERVAL_MS of src/app/tasker-app-application.c).
#       Target ≤ 1.
#
# Rows are tab-separated, as bench/bench-common.h describes. --quick: 50
# tasks, 3 runs, 1 s of following (the numbers mean nothing). Exit status 77
# when xvfb-run or dbus-daemon is missing.

import os
import statistics
import sys
import time

from bench_session import row, start


UPDATE_INTERVAL_S = 0.100
BUSY = "exec 3<> %s; while :; do echo tick; read -t 0.05 -u 3; done"


def bus_connection(session):
    from gi.repository import Gio
    return Gio.DBusConnection.new_for_address_sync(
        session.address,
        Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION,
        None, None)


def call(connection, method, args, reply_type):
    from gi.repository import Gio, GLib
    from ctl_session import APP_ID
    reply = connection.call_sync(APP_ID, "/io/github/tasker/Tasker", "io.github.tasker.Tasker1", method,
                                 args, GLib.VariantType(reply_type), Gio.DBusCallFlags.NONE, 120000, None)
    return reply.unpack()


def add_commands(session, connection, argv, n, queue="default"):
    """AddCommand n times over one connection (faster than n taskerctl)."""
    from gi.repository import GLib
    options = {"queue": GLib.Variant("s", queue)}
    ids = []
    for _ in range(n):
        ids.append(call(connection, "AddCommand",
                        GLib.Variant("(asayasa{sv})", (argv, b"", [], options)), "(t)")[0])
    return ids


def spawn_ms(session, args, expect_lines=None):
    start = time.monotonic()
    result = session.ctl(*args)
    elapsed = (time.monotonic() - start) * 1000
    assert result.returncode == 0, result.stderr
    if expect_lines is not None:
        assert result.stdout.count("\n") == expect_lines, result.stdout.count("\n")
    return elapsed


def bench_list(quick):
    from ctl_session import CtlSession
    n = 50 if quick else 1000
    reps = 3 if quick else 20
    session = CtlSession()
    try:
        session.ctl("list", check_rc=0)
        connection = bus_connection(session)
        add_commands(session, connection, ["sleep", "600"], n)
        connection.close_sync(None)
        # One of each first: files in the page cache, the application warm.
        spawn_ms(session, ["list"], n + 1)
        spawn_ms(session, ["--version"])
        listing = statistics.median(spawn_ms(session, ["list"], n + 1) for _ in range(reps))
        version = statistics.median(spawn_ms(session, ["--version"]) for _ in range(reps))
        row("taskerctl list, %d live tasks (median of %d)" % (n, reps), listing, "ms", "<=", 50,
            "taskerctl --version", version)
    finally:
        session.close()


def bench_follow(quick):
    from gi.repository import GLib
    from ctl_session import CtlSession, wait_until
    n = 20 if quick else 100
    window = 1.0 if quick else 5.0
    session = CtlSession(settings={"queues": "[('default', %d, 0)]" % (n + 10)})
    try:
        fifo = os.path.join(session.dir, "never")
        os.mkfifo(fifo)
        session.ctl("list", check_rc=0)
        connection = bus_connection(session)
        ids = add_commands(session, connection, ["bash", "-c", BUSY % fifo], n)

        def running():
            tasks = call(connection, "ListTasks", GLib.Variant("(a{sv})", ({},)), "(aa{sv})")[0]
            return sum(1 for t in tasks if t["id"] in ids and t["status"] == "running") == n
        assert wait_until(running, 120, 0.2), "the tasks did not all start"

        counts = {"signals": 0, "lines": 0}

        def on_log_lines(_connection, _sender, _path, _interface, _signal, parameters):
            counts["signals"] += 1
            counts["lines"] += len(parameters.unpack()[1])
        subscription = connection.signal_subscribe(None, "io.github.tasker.Tasker1", "LogLines",
                                                   "/io/github/tasker/Tasker", None, 0, on_log_lines)
        for task_id in ids:
            call(connection, "FollowLog", GLib.Variant("(t)", (task_id,)), "(as)")
        context = GLib.MainContext.default()
        # Counted over a window that starts once every follow is in place.
        while context.iteration(False):
            pass
        counts["signals"] = counts["lines"] = 0
        start = time.monotonic()
        while time.monotonic() - start < window:
            context.iteration(False) or time.sleep(0.005)
        elapsed = time.monotonic() - start
        connection.signal_unsubscribe(subscription)
        connection.close_sync(None)

        intervals = elapsed / UPDATE_INTERVAL_S
        row("LogLines per followed task per 100 ms, %d busy tasks" % n,
            counts["signals"] / n / intervals, "signals", "<=", 1)
        row("LogLines lines received per second, %d busy tasks" % n,
            counts["lines"] / elapsed, "lines/s")
    finally:
        session.close()


def main():
    quick = start("bench-ctl", sys.argv)
    bench_list(quick)
    bench_follow(quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
