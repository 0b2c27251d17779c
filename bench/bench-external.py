#!/usr/bin/python3
# bench-external.py: other programs' tasks over D-Bus (DESIGN.md §7 last row, §9)
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
#   bench-external.py [--quick] BUILDDIR
#
# The application is BUILDDIR's `tasker`, activated on a private session bus
# (tests/ctl/ctl_session.py, as bench-ctl.py). 4 client processes each make
# 250 Tasker.RemoteTask (BUILDDIR's library through its typelib) and, on a
# 10 ms timer, call set_progress on every one of them: 1,000 external tasks
# each updating 100 times a second, which each client's flusher sends as one
# UpdateTasks call per update interval (100 ms). Measured:
#
#   (a) the application's CPU (utime + stime from /proc/PID/stat) over 10 s,
#       % of one core, against the same application idle (one `sleep`
#       command task, no external task) over the same time, before the
#       clients start. Target ≤ 10 %.
#   (b) `taskerctl list` wall time, spawn to exit, median and max of 15 runs
#       during the load, against the median with the application idle.
#       Target ≤ 50 ms.
#   (c) the clients' CPU (all 4 processes) and the bus daemon's, % of one
#       core, no target.
#
# BENCH_EXTERNAL_PERF=FILE records the application with `perf record -g`
# during (a), into FILE (`perf report -i FILE` shows where its time goes).
#
# Rows are tab-separated, as bench/bench-common.h describes. --quick: 2
# clients × 25 tasks, 1 s windows, 3 list runs (the numbers mean nothing).
# Exit status 77 when xvfb-run or dbus-daemon is missing.

import os
import statistics
import subprocess
import sys
import time

from bench_session import row, start


CLK_TCK = os.sysconf("SC_CLK_TCK")
TICK_MS = 10
CREATE_BATCH = 100


def cpu_seconds(pid):
    """utime + stime of a process, in seconds."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def cpu_percent(pids, window):
    """The CPU the processes use over `window` seconds, % of one core."""
    before = sum(cpu_seconds(pid) for pid in pids)
    start = time.monotonic()
    time.sleep(window)
    elapsed = time.monotonic() - start
    return (sum(cpu_seconds(pid) for pid in pids) - before) / elapsed * 100


def list_ms(session, expect_at_least):
    start = time.monotonic()
    result = session.ctl("list")
    elapsed = (time.monotonic() - start) * 1000
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("\n") >= expect_at_least + 1, result.stdout.count("\n")
    return elapsed


def client_main(n_tasks):
    """One client process: n_tasks remote tasks, set_progress on each every TICK_MS;
    prints their ids once they exist, and runs until its stdin closes."""
    import gi
    gi.require_version("Tasker", "1")
    from gi.repository import GLib, Tasker

    loop = GLib.MainLoop()
    tasks = []
    failures = []

    def made(_source, result):
        try:
            tasks.append(Tasker.RemoteTask.new_finish(result))
        except GLib.Error as error:
            failures.append(error.message)
        if len(tasks) + len(failures) == state["asked"]:
            loop.quit()

    # In batches: the private bus, like dbus-daemon without session.conf,
    # allows 128 calls waiting for replies per connection.
    state = {"asked": 0}
    while state["asked"] < n_tasks and not failures:
        batch = min(CREATE_BATCH, n_tasks - state["asked"])
        for i in range(state["asked"], state["asked"] + batch):
            Tasker.RemoteTask.new_async("bench %d" % i, None, None, made)
        state["asked"] += batch
        loop.run()
    if failures:
        print("failed: %s" % failures[0], flush=True)
        return 1
    print(" ".join(str(task.props.id) for task in tasks), flush=True)

    state["tick"] = 0

    def tick():
        state["tick"] += 1
        progress = (state["tick"] % 100) / 100.0
        for task in tasks:
            task.set_progress(progress)
        return GLib.SOURCE_CONTINUE

    GLib.timeout_add(TICK_MS, tick)
    GLib.io_add_watch(GLib.IOChannel.unix_new(0), GLib.PRIORITY_DEFAULT,
                      GLib.IOCondition.IN | GLib.IOCondition.HUP, lambda *args: loop.quit())
    loop.run()
    return 0


def bench(quick):
    from ctl_session import CtlSession, wait_until
    n_clients, per_client = (2, 25) if quick else (4, 250)
    window = 1.0 if quick else 10.0
    reps = 3 if quick else 15
    session = CtlSession()
    clients = []
    try:
        session.keep_alive()
        app = session.app_pid()
        assert app is not None

        # Idle baseline: the application with one sleeping command and nothing else.
        list_ms(session, 1)
        idle_list = statistics.median(list_ms(session, 1) for _ in range(reps))
        idle_cpu = cpu_percent([app], window)

        for _ in range(n_clients):
            clients.append(subprocess.Popen([sys.executable, os.path.abspath(__file__), "--client",
                                             str(per_client)],
                                            env=session.env, stdin=subprocess.PIPE,
                                            stdout=subprocess.PIPE, text=True))
        ids = []
        for client in clients:
            line = client.stdout.readline().split()
            assert line and line[0] != "failed:", line
            ids += [int(word) for word in line]
        assert len(ids) == n_clients * per_client

        # The updates reach the application: a task's progress moves.
        first = session.task(ids[0]).get("progress")
        assert wait_until(lambda: session.task(ids[0]).get("progress") != first, 10, 0.05), \
            "the progress of task %d does not move" % ids[0]

        client_pids = [client.pid for client in clients]
        before_clients = sum(cpu_seconds(pid) for pid in client_pids)
        before_bus = cpu_seconds(session.daemon.pid)
        start = time.monotonic()
        perf = None
        if os.environ.get("BENCH_EXTERNAL_PERF"):
            # Where the application's time goes (the figures are then perturbed).
            perf = subprocess.Popen(["perf", "record", "--call-graph", "dwarf,16384", "-F", "2000", "-o", os.environ["BENCH_EXTERNAL_PERF"],
                                     "-p", str(app), "--", "sleep", str(window)],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        app_cpu = cpu_percent([app], window)
        if perf is not None:
            perf.wait()
        listings = [list_ms(session, len(ids)) for _ in range(reps)]
        elapsed = time.monotonic() - start
        clients_cpu = (sum(cpu_seconds(pid) for pid in client_pids) - before_clients) / elapsed * 100
        bus_cpu = (cpu_seconds(session.daemon.pid) - before_bus) / elapsed * 100

        n = len(ids)
        row("app CPU, %d external tasks updating 100×/s (%% of one core)" % n, app_cpu, "%",
            "<=", 10, "app idle, no external task", idle_cpu)
        row("taskerctl list, %d external tasks updating (median of %d)" % (n, reps),
            statistics.median(listings), "ms", "<=", 50, "idle app", idle_list)
        row("taskerctl list, %d external tasks updating (max of %d)" % (n, reps),
            max(listings), "ms", "<=", 50)
        row("clients' CPU, %d processes × %d tasks (%% of one core)" % (n_clients, per_client),
            clients_cpu, "%")
        row("dbus-daemon CPU, the same load (% of one core)", bus_cpu, "%")
    finally:
        for client in clients:
            if client.poll() is None:
                client.stdin.close()
        for client in clients:
            try:
                client.wait(30)
            except subprocess.TimeoutExpired:
                client.kill()
                client.wait()
        session.close()


def main():
    if sys.argv[1:2] == ["--client"]:
        return client_main(int(sys.argv[2]))
    quick = start("bench-external", sys.argv)
    bench(quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
