#!/usr/bin/python3
# bench-python.py: Tasker from Python, through GObject Introspection and the
# override (DESIGN.md §5, §7), each figure against a baseline measured in this
# process and, where DESIGN.md §7 gives one, against the Rayforge reference.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
#   1. 10,000 run_thread() trivial tasks submitted in one main-loop callback:
#      µs per submit, submit → last when_done (tasks/s), the longest main-loop
#      stall after the callback (the largest gap between dispatches of a 1 ms
#      G_PRIORITY_HIGH timeout) and the peak RSS growth. Baseline: a
#      concurrent.futures.ThreadPoolExecutor with as many threads as the
#      manager, each result handed back to the main loop with GLib.idle_add().
#   2. 20,000 trivial thread tasks submitted 100 per main-loop iteration:
#      tasks/s from the first submit to the last when_done. Same baseline.
#   3. 1,000,000 context.set_progress(i / n) calls in one thread task (ns per
#      call) and the tasks-updated emissions meanwhile (main-loop wake-ups per
#      update interval). Baseline: the same loop in a thread task calling a
#      Python method that does nothing, so the ratio is the cost of GI.
#   4. 10,000 trivial process tasks at once on a warm pool (run_process() of
#      bench_python_funcs.trivial), five runs: tasks/s. Baseline: a warm
#      multiprocessing.Pool of as many processes, apply_async() of the same
#      function.
#   6. (run after 5) A burst of 200 trivial process tasks right after the
#      first one, on a new manager each run (ms from the burst's first submit
#      to its last when_done; and the first task's own time). Baseline: a new
#      multiprocessing.Pool of as many processes, the same way. Against
#      Rayforge's 84 ms, with the target of 5× faster.
#   5. Cancel latency of a coroutine task awaiting asyncio.sleep(2): from
#      task.cancel() to when_done(CANCELLED), p50 and p95. Baseline: a bare
#      asyncio task on a loop thread, cancelled with
#      loop.call_soon_threadsafe(task.cancel), to its done callback.
#
# Rows are tab-separated, as bench/bench-common.h describes; a row "... vs
# Rayforge" holds the figure against Rayforge's (DESIGN.md §7, measured on the
# same kind of machine, not in this process), with the target of beating it.
# --quick: small
# sizes, one repetition (for the test suite; the numbers mean nothing).
# TASKER_BENCH_REPS overrides the number of repetitions.
#
# Environment (build-aux/bench.sh and bench/meson.build set it):
# GI_TYPELIB_PATH and LD_LIBRARY_PATH = <build>/src/libtasker,
# PYTHONPATH = <source>/src/libtasker/python,
# TASKER_WORKER = <build>/src/worker/tasker-worker.

import argparse
import asyncio
import concurrent.futures
import faulthandler
import math
import multiprocessing
import os
import re
import resource
import statistics
import sys
import threading
import time

# bench_python_funcs (the process tasks' function) is found next to this file,
# in this process and, through the sys.path sent with each task, in workers.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import bench_python_funcs  # noqa: E402

import gi  # noqa: E402

gi.require_version("Tasker", "1")
from gi.repository import GLib, Tasker  # noqa: E402

RAYFORGE = "Rayforge (reference)"
THREADPOOL = "ThreadPoolExecutor + idle_add"

now_ns = time.perf_counter_ns


# Rows ----------------------------------------------------------------------

def format_number(v):
    """As bench-common.c does: enough digits to read, no exponent."""
    a = abs(v)
    if math.isnan(v):
        return "nan"
    if a >= 1000:
        return "%.0f" % v
    if a >= 100:
        return "%.1f" % v
    if a >= 1 or a == 0:
        return "%.2f" % v
    if a >= 0.01:
        return "%.3f" % v
    return "%.2g" % v


_OPS = {
    ">=": lambda a, b: a >= b,
    ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b,
    "<": lambda a, b: a < b,
}


def row(metric, value, unit, target=None, baseline_name=None, baseline_value=0.0):
    """Prints one row. target is None (no target: verdict "-"), (op, number)
    on the value or ("ratio", op, number) on value / baseline_value."""
    ratio = (value / baseline_value
             if baseline_name is not None and baseline_value != 0 else math.nan)
    if target is None:
        target_s, verdict = "-", "-"
    else:
        on_ratio = target[0] == "ratio"
        op, number = target[-2:]
        subject = ratio if on_ratio else value
        target_s = ("ratio" if on_ratio else "") + op + ("%g" % number)
        verdict = "ok" if not math.isnan(subject) and _OPS[op](subject, number) else "MISS"
    fields = [metric, format_number(value), unit, target_s,
              baseline_name if baseline_name is not None else "-",
              format_number(baseline_value) if baseline_name is not None else "-",
              "%.2f" % ratio if not math.isnan(ratio) else "-",
              verdict]
    print("\t".join(fields), flush=True)


def comment(text):
    print("# " + text, flush=True)


def fail(text):
    """A functional error (a wrong status, a missing completion), never a
    missed target: exit status 1."""
    print(f"bench-python: {text}", file=sys.stderr, flush=True)
    sys.exit(1)


def percentile(values, p):
    """Nearest rank on sorted values, as bench_percentile() does."""
    s = sorted(values)
    return s[min(len(s) - 1, max(0, math.ceil(p / 100.0 * len(s)) - 1))]


# Memory: the peak RSS of the process (VmHWM, what ru_maxrss reports) is reset
# to the current RSS before each run where the kernel allows it
# (/proc/self/clear_refs), so each configuration's growth is its own.

def _status_kib(field):
    with open("/proc/self/status") as f:
        m = re.search(rf"^{field}:\s+(\d+) kB", f.read(), re.M)
    return int(m.group(1)) if m else 0


def reset_peak_rss():
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def peak_rss_kib():
    hwm = _status_kib("VmHWM")
    return hwm if hwm else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


# Main loop helpers ---------------------------------------------------------

class Watch:
    """Runs the default main loop until quit, with a guard timeout."""

    def __init__(self, timeout_s):
        self.loop = GLib.MainLoop()
        self.timed_out = False
        self.timeout_s = timeout_s

    def run(self):
        def expire():
            self.timed_out = True
            self.guard = 0
            self.loop.quit()
            return GLib.SOURCE_REMOVE

        self.guard = GLib.timeout_add(int(self.timeout_s * 1000), expire)
        self.loop.run()
        if self.guard:
            GLib.source_remove(self.guard)
        return not self.timed_out

    def quit(self):
        self.loop.quit()


def trivial_thread(context):
    return None


def trivial_plain():
    return None


# 1. 10k submitted in one callback -------------------------------------------

class Burst:
    def __init__(self, n):
        self.n = n
        self.done = 0
        self.failed = 0
        self.t_start = 0
        self.t_submitted = 0
        self.t_last_done = 0
        self.monitoring = False
        self.last_tick = 0
        self.max_gap = 0
        self.rss_before = 0
        self.rss_peak = 0


def run_burst(manager, executor, n):
    """One run with the manager (executor None) or the executor; returns
    the Burst with its times."""
    b = Burst(n)
    watch = Watch(60)

    def finished():
        b.done += 1
        if b.done == n:
            b.t_last_done = now_ns()

    def tasker_done(task):
        if task.get_status() != Tasker.TaskStatus.COMPLETED:
            b.failed += 1
        finished()

    def deliver(future):
        if future.exception() is not None:
            b.failed += 1
        finished()
        return GLib.SOURCE_REMOVE

    def post(future):
        # Any pool thread: the plain way back to the main loop.
        GLib.idle_add(deliver, future)

    def submit():
        b.t_start = now_ns()
        if executor is None:
            run_thread = manager.run_thread
            for _ in range(n):
                run_thread(trivial_thread, when_done=tasker_done)
        else:
            for _ in range(n):
                executor.submit(trivial_plain).add_done_callback(post)
        b.t_submitted = now_ns()
        b.monitoring = True
        b.last_tick = now_ns()
        return GLib.SOURCE_REMOVE

    def tick():
        t = now_ns()
        if b.monitoring:
            b.max_gap = max(b.max_gap, t - b.last_tick)
            b.last_tick = t
            # Quit at the tick after the last completion, so that the gap
            # holding that dispatch is counted too.
            if b.done == n:
                watch.quit()
        return GLib.SOURCE_CONTINUE

    reset_peak_rss()
    b.rss_before = _status_kib("VmRSS")
    ticker = GLib.timeout_add(1, tick, priority=GLib.PRIORITY_HIGH)
    GLib.idle_add(submit)
    ok = watch.run()
    GLib.source_remove(ticker)
    b.rss_peak = peak_rss_kib()
    name = "run_thread" if executor is None else "ThreadPoolExecutor"
    if not ok or b.done != n or b.failed:
        fail(f"{name}: {b.done} of {n} done, {b.failed} failed")
    if executor is None and not manager.wait_until_settled(10000):
        fail("the manager did not settle")
    return b


def bench_burst(manager, quick, reps):
    n = 1000 if quick else 10000
    threads = manager.props.max_threads
    comment(f"1. {n} trivial thread tasks submitted in one main-loop callback, "
            f"{reps} runs per configuration; {threads} threads each")
    with concurrent.futures.ThreadPoolExecutor(max_workers=threads) as executor:
        # Warm up the pools, the allocator and the override.
        run_burst(manager, None, min(n, 1000))
        run_burst(manager, executor, min(n, 1000))
        t, p = [], []
        for r in range(reps):
            t.append(run_burst(manager, None, n))
            p.append(run_burst(manager, executor, n))
            comment("run %d: run_thread %.1f µs/submit, %.0f tasks/s, stall %.1f ms, "
                    "RSS +%.1f MB; executor %.1f µs/submit, %.0f tasks/s, stall %.1f ms, "
                    "RSS +%.1f MB" % (
                        r + 1,
                        us_per_submit(t[-1]), rate(t[-1]), t[-1].max_gap / 1e6,
                        rss_growth_mb(t[-1]),
                        us_per_submit(p[-1]), rate(p[-1]), p[-1].max_gap / 1e6,
                        rss_growth_mb(p[-1])))

    med = statistics.median
    comment(f"peak RSS of the process {peak_rss_kib() / 1024:.0f} MiB "
            "(Rayforge: 1.4 GiB with 10k tasks submitted at once)")
    label = f"Python: {n // 1000}k run_thread in one callback"
    row(f"{label}, submit", med(us_per_submit(x) for x in t), "µs/submit",
        ("<=", 10), "ThreadPoolExecutor.submit", med(us_per_submit(x) for x in p))
    row(f"{label}, callback length vs Rayforge", med(x.t_submitted - x.t_start for x in t) / 1e6, "ms",
        ("ratio", "<=", 1), RAYFORGE, 24000.0)
    row(f"{label}, submit → all when_done", med(rate(x) for x in t), "tasks/s",
        ("ratio", ">=", 1), THREADPOOL, med(rate(x) for x in p))
    row(f"{label}, submit → all when_done vs Rayforge", med(rate(x) for x in t), "tasks/s",
        ("ratio", ">=", 1), RAYFORGE, 309.0)
    row(f"Python: main-loop stall after {n // 1000}k submits", max(x.max_gap for x in t) / 1e6,
        "ms (worst run)", ("<=", 50), THREADPOOL, max(x.max_gap for x in p) / 1e6)
    row(f"Python: peak RSS growth, {n // 1000}k submitted at once", med(rss_growth_mb(x) for x in t),
        "MB", None, THREADPOOL, med(rss_growth_mb(x) for x in p))


def us_per_submit(b):
    return (b.t_submitted - b.t_start) / 1e3 / b.n


def rate(b):
    return b.n / ((b.t_last_done - b.t_start) / 1e9)


def rss_growth_mb(b):
    return max(0, b.rss_peak - b.rss_before) * 1024 / 1e6


# 2. Paced throughput ----------------------------------------------------------

def run_paced(manager, executor, n, batch):
    """Submits batch tasks per main-loop iteration; returns tasks/s from the
    first submit to the last completion."""
    state = {"submitted": 0, "done": 0, "failed": 0, "t0": 0, "t1": 0}
    watch = Watch(60)

    def finished(ok):
        if not ok:
            state["failed"] += 1
        state["done"] += 1
        if state["done"] == n:
            state["t1"] = now_ns()
            watch.quit()

    def tasker_done(task):
        finished(task.get_status() == Tasker.TaskStatus.COMPLETED)

    def deliver(future):
        finished(future.exception() is None)
        return GLib.SOURCE_REMOVE

    def post(future):
        GLib.idle_add(deliver, future)

    def pump():
        if state["t0"] == 0:
            state["t0"] = now_ns()
        k = min(batch, n - state["submitted"])
        if executor is None:
            for _ in range(k):
                manager.run_thread(trivial_thread, when_done=tasker_done)
        else:
            for _ in range(k):
                executor.submit(trivial_plain).add_done_callback(post)
        state["submitted"] += k
        return state["submitted"] < n

    # At the default priority, so it is dispatched in every iteration, beside
    # the manager's deliveries, not only when nothing else is ready.
    GLib.idle_add(pump, priority=GLib.PRIORITY_DEFAULT)
    ok = watch.run()
    name = "run_thread" if executor is None else "ThreadPoolExecutor"
    if not ok or state["done"] != n or state["failed"]:
        fail(f"paced {name}: {state['done']} of {n} done, {state['failed']} failed")
    if executor is None and not manager.wait_until_settled(10000):
        fail("the manager did not settle")
    return n / ((state["t1"] - state["t0"]) / 1e9)


def bench_paced(manager, quick, reps):
    n = 2000 if quick else 20000
    batch = 100
    comment(f"2. {n} trivial thread tasks submitted {batch} per main-loop iteration, "
            f"{reps} runs per configuration")
    with concurrent.futures.ThreadPoolExecutor(max_workers=manager.props.max_threads) as executor:
        run_paced(manager, None, min(n, 2000), batch)
        run_paced(manager, executor, min(n, 2000), batch)
        t, p = [], []
        for r in range(reps):
            t.append(run_paced(manager, None, n, batch))
            p.append(run_paced(manager, executor, n, batch))
            comment("run %d: run_thread %.0f tasks/s; executor %.0f tasks/s" % (r + 1, t[-1], p[-1]))
    label = "Python: thread tasks, paced (100 per iteration)"
    row(label, statistics.median(t), "tasks/s", None, THREADPOOL, statistics.median(p))
    row(f"{label} vs Rayforge", statistics.median(t), "tasks/s", ("ratio", ">=", 1),
        RAYFORGE, 4590.0)


# 3. set_progress ---------------------------------------------------------------

class _NullContext:
    """The baseline's context: a Python method that does nothing."""

    def set_progress(self, value):
        pass


def progress_loop(context, n):
    """The measured loop, the same for both configurations; returns its
    start and end (perf_counter_ns)."""
    t0 = now_ns()
    for i in range(n):
        context.set_progress(i / n)
    return t0, now_ns()


def run_progress(manager, n, null):
    """One thread task running progress_loop; returns (ns per call,
    tasks-updated emissions during the loop, notify::progress emissions
    during the loop, loop time in ns)."""
    updates = []
    notifies = []
    watch = Watch(60)
    outcome = {}

    def func(context):
        return progress_loop(_NullContext() if null else context, n)

    def done(task):
        outcome["status"] = task.get_status()
        if outcome["status"] == Tasker.TaskStatus.COMPLETED:
            outcome["times"] = task.result()
        watch.quit()

    handler = manager.connect("tasks-updated", lambda mgr, tasks, progress: updates.append(now_ns()))
    task = manager.run_thread(func, when_done=done)
    task.connect("notify::progress", lambda task, pspec: notifies.append(now_ns()))
    ok = watch.run()
    manager.disconnect(handler)
    if not ok or outcome.get("status") != Tasker.TaskStatus.COMPLETED:
        fail(f"set_progress task: {outcome.get('status')}")
    t0, t1 = outcome["times"]
    in_loop = lambda stamps: sum(1 for s in stamps if t0 <= s <= t1)  # noqa: E731
    return (t1 - t0) / n, in_loop(updates), in_loop(notifies), t1 - t0


def bench_progress(manager, quick, reps):
    n = 20000 if quick else 1000000
    interval_ms = manager.props.update_interval
    comment(f"3. {n} context.set_progress(i / n) calls in one thread task, {reps} runs; "
            f"update interval {interval_ms} ms")
    run_progress(manager, min(n, 20000), False)
    run_progress(manager, min(n, 20000), True)
    t, p, wake, notify = [], [], [], []
    for r in range(reps):
        ns, updates, notifies, loop_ns = run_progress(manager, n, False)
        base_ns, _, _, _ = run_progress(manager, n, True)
        # Emissions at least one interval apart: a window of L ms holds at
        # most floor(L / interval) + 1 of them (one may fall at each end).
        intervals = math.floor(loop_ns / 1e6 / interval_ms) + 1
        t.append(ns)
        p.append(base_ns)
        wake.append(updates / intervals)
        notify.append(notifies / intervals)
        comment("run %d: set_progress %.0f ns/call, no-op method %.0f ns/call; over %.0f ms: "
                "%d tasks-updated, %d notify::progress" % (r + 1, ns, base_ns, loop_ns / 1e6,
                                                           updates, notifies))
    med = statistics.median
    row("Python: set_progress in a tight loop", med(t), "ns/call",
        None, "no-op Python method", med(p))
    row("Python: set_progress in a tight loop vs Rayforge", med(t), "ns/call",
        ("ratio", "<=", 1), RAYFORGE, 435.0)
    row("Python: wake-ups during set_progress loop", max(wake), "per interval (worst run)",
        ("<=", 1), None)
    comment("notify::progress per interval, worst run: %.2f" % max(notify))


# 4. Process tasks on a warm pool -----------------------------------------------

def run_process_batch(manager, n):
    """Submits n process tasks at once; returns (tasks/s to the last
    when_done, µs per submit)."""
    state = {"done": 0, "failed": [], "t1": 0}
    watch = Watch(120)

    def done(task):
        if task.get_status() != Tasker.TaskStatus.COMPLETED:
            error = task.get_error()
            state["failed"].append(error.message if error is not None else str(task.get_status()))
        state["done"] += 1
        if state["done"] == n:
            state["t1"] = now_ns()
            watch.quit()

    t0 = now_ns()
    for _ in range(n):
        manager.run_process(bench_python_funcs.trivial, when_done=done)
    t_submitted = now_ns()
    ok = watch.run()
    if not ok or state["done"] != n or state["failed"]:
        fail(f"run_process: {state['done']} of {n} done, {len(state['failed'])} failed"
             + (f" ({state['failed'][0]})" if state["failed"] else ""))
    if not manager.wait_until_settled(10000):
        fail("the manager did not settle")
    return n / ((state["t1"] - t0) / 1e9), (t_submitted - t0) / 1e3 / n


def run_pool_batch(pool, n):
    finished = threading.Event()
    count = [0]

    def callback(_result):
        # The pool's result thread.
        count[0] += 1
        if count[0] == n:
            finished.set()

    t0 = now_ns()
    results = [pool.apply_async(bench_python_funcs.trivial, (None,), callback=callback)
               for _ in range(n)]
    if not finished.wait(120):
        fail(f"multiprocessing.Pool: {count[0]} of {n} done")
    t1 = now_ns()
    for r in results:
        r.get(0)  # raises what a task raised
    return n / ((t1 - t0) / 1e9)


def bench_process(manager, quick, reps):
    # 10,000 tasks and five runs: a run of 2,000 lasted ~30 ms, within the
    # machine's own noise (one configuration swung 27k–86k tasks/s between
    # runs of the same build).
    n = 100 if quick else 10000
    reps = reps if quick else max(reps, 5)
    workers = manager.props.max_workers
    comment(f"4. {n} trivial process tasks at once on a warm pool of {workers} Python workers, "
            f"{reps} runs per configuration")
    # Warm: every worker started, the function imported.
    run_process_batch(manager, 4 * workers)
    # spawn: this process has threads (GLib's, asyncio's), forking it is unsafe.
    with multiprocessing.get_context("spawn").Pool(workers) as pool:
        run_pool_batch(pool, 4 * workers)
        t, s, p = [], [], []
        for r in range(reps):
            rate_, submit = run_process_batch(manager, n)
            t.append(rate_)
            s.append(submit)
            p.append(run_pool_batch(pool, n))
            comment("run %d: run_process %.0f tasks/s (%.1f µs/submit); Pool %.0f tasks/s"
                    % (r + 1, t[-1], s[-1], p[-1]))
    med = statistics.median
    row("Python: trivial process tasks, warm pool", med(t), "tasks/s",
        ("ratio", ">=", 1), f"multiprocessing.Pool({workers})", med(p))
    row("Python: trivial process tasks, warm pool vs Rayforge", med(t), "tasks/s",
        ("ratio", ">=", 1), RAYFORGE, 2215.0)
    row("Python: process task submit, per task", med(s), "µs", ("<=", 20), None)


# 6. A burst right after the first process task ---------------------------------

RAYFORGE_BURST_MS = 84.0


def bench_process_burst(quick, reps):
    """From a user's seat: a new manager runs one process task, and as soon as
    it is done a burst of 200 more; the pool should be warm by then (workers
    start ahead of a backlog, DESIGN.md §7). The baseline does the same with a
    new multiprocessing.Pool, which starts all its workers when made."""
    n = 20 if quick else 200
    reps = reps if quick else max(reps, 5)
    workers = 0
    t, p, first_t, first_p = [], [], [], []
    for r in range(reps):
        manager = Tasker.Manager.new(None)
        workers = manager.props.max_workers
        rate_, _ = run_process_batch(manager, 1)
        first_t.append(1000 / rate_)
        rate_, _ = run_process_batch(manager, n)
        t.append(n / rate_ * 1000)
        manager.shutdown(1000)
        with multiprocessing.get_context("spawn").Pool(workers) as pool:
            first_p.append(1000 / run_pool_batch(pool, 1))
            p.append(n / run_pool_batch(pool, n) * 1000)
        comment("run %d: first task %.1f ms, then %d in %.1f ms; Pool: first %.1f ms, then %.1f ms"
                % (r + 1, first_t[-1], n, t[-1], first_p[-1], p[-1]))
    comment(f"6. a burst of {n} trivial process tasks right after the first, on a new manager "
            f"({workers} Python workers at most) and a new multiprocessing.Pool({workers}) "
            f"each run, {reps} runs; spread {min(t):.1f}–{max(t):.1f} ms")
    med = statistics.median
    row(f"Python: burst of {n} process tasks right after the first", med(t), "ms",
        None, f"multiprocessing.Pool({workers})", med(p))
    row(f"Python: burst of {n} process tasks right after the first vs Rayforge", med(t), "ms",
        ("ratio", "<=", 0.2), RAYFORGE, RAYFORGE_BURST_MS)
    row("Python: first process task on a new manager", med(first_t), "ms",
        None, f"multiprocessing.Pool({workers})", med(first_p))


# 5. Cancelling a coroutine in asyncio.sleep --------------------------------------

async def sleeper(context):
    context.set_progress(0.5)
    await asyncio.sleep(2)


def run_cancel_tasker(manager):
    """Returns the time from task.cancel() to when_done, in ms."""
    state = {"t1": 0, "status": None}
    done_watch = Watch(10)

    def done(task):
        state["t1"] = now_ns()
        state["status"] = task.get_status()
        done_watch.quit()

    task = manager.add_coroutine(sleeper, when_done=done)

    # Wait until it runs and has entered the sleep: it sets progress 0.5 just
    # before, and progress reaches the main thread at the next update.
    ready_watch = Watch(10)

    def poll():
        if task.get_status() == Tasker.TaskStatus.RUNNING and task.get_progress() >= 0.5:
            ready_watch.quit()
            return GLib.SOURCE_REMOVE
        return GLib.SOURCE_CONTINUE

    poller = GLib.timeout_add(1, poll)
    if not ready_watch.run():
        GLib.source_remove(poller)
        fail(f"coroutine task did not start: {task.get_status()}, progress {task.get_progress()}")
    if task.is_final():
        fail(f"coroutine task ended early: {task.get_status()}")

    t0 = now_ns()
    task.cancel()
    if state["t1"] == 0 and not done_watch.run():
        fail("cancelled coroutine task: no when_done")
    if state["status"] != Tasker.TaskStatus.CANCELLED:
        fail(f"cancelled coroutine task ended {state['status']}")
    return (state["t1"] - t0) / 1e6


class PlainLoop:
    """The baseline's asyncio loop on its own thread."""

    def __init__(self):
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="bench-asyncio",
                                       daemon=True)
        self.thread.start()

    def close(self):
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join()
        self.loop.close()


async def plain_sleeper(entered):
    entered.set()
    await asyncio.sleep(2)


def run_cancel_plain(plain):
    entered = threading.Event()
    finished = threading.Event()
    state = {}

    def on_done(atask):
        state["t1"] = now_ns()
        state["cancelled"] = atask.cancelled()
        finished.set()

    def create():
        atask = plain.loop.create_task(plain_sleeper(entered))
        atask.add_done_callback(on_done)
        state["task"] = atask

    plain.loop.call_soon_threadsafe(create)
    if not entered.wait(10):
        fail("asyncio baseline: the coroutine did not start")
    # As for the task: cancel once it is inside the sleep.
    time.sleep(0.002)
    t0 = now_ns()
    plain.loop.call_soon_threadsafe(state["task"].cancel)
    if not finished.wait(10) or not state["cancelled"]:
        fail("asyncio baseline: the task was not cancelled")
    return (state["t1"] - t0) / 1e6


def bench_cancel(manager, quick):
    runs = 5 if quick else 20
    comment(f"5. cancel a coroutine in asyncio.sleep(2) → when_done(CANCELLED), {runs} runs")
    plain = PlainLoop()
    run_cancel_tasker(manager)
    run_cancel_plain(plain)
    t, p = [], []
    for _ in range(runs):
        t.append(run_cancel_tasker(manager))
        p.append(run_cancel_plain(plain))
    plain.close()
    if not manager.wait_until_settled(10000):
        fail("the manager did not settle")
    comment("run_cancel: max %.2f ms; asyncio max %.3f ms" % (max(t), max(p)))
    baseline = "asyncio call_soon_threadsafe(cancel)"
    row("Python: coroutine in asyncio.sleep: cancel → when_done, p50", percentile(t, 50), "ms",
        None, baseline, percentile(p, 50))
    row("Python: coroutine in asyncio.sleep: cancel → when_done, p95", percentile(t, 95), "ms",
        ("<=", 2), baseline, percentile(p, 95))
    row("Python: coroutine in asyncio.sleep: cancel → when_done, p95 vs Rayforge",
        percentile(t, 95), "ms", ("ratio", "<=", 1), RAYFORGE, 1800.0)


def main():
    parser = argparse.ArgumentParser(description="Tasker from Python, against plain Python "
                                     "and the Rayforge reference (DESIGN.md §7)")
    parser.add_argument("--quick", action="store_true",
                        help="small sizes, for the test suite (numbers are meaningless)")
    args = parser.parse_args()
    quick = args.quick
    reps = int(os.environ.get("TASKER_BENCH_REPS") or (1 if quick else 3))
    reps = max(1, reps)

    # A hung run prints where it hangs and fails.
    faulthandler.dump_traceback_later(160, exit=True)

    if not os.environ.get("TASKER_WORKER"):
        comment("TASKER_WORKER is not set")
    manager = Tasker.Manager.new(None)
    comment(f"Python {sys.version.split()[0]}, PyGObject {gi.__version__}, "
            f"{os.cpu_count()} CPUs; peak RSS reset per run: {reset_peak_rss()}")
    from gi.overrides import Tasker as override
    accelerator = getattr(override, "_tasker_submit", None)
    comment("the override's accelerator: " + (
        accelerator.__file__ if accelerator is not None
        else "not found (submits go through GI; is <build>/src/libtasker/python on PYTHONPATH?)"))

    started = time.monotonic()
    bench_burst(manager, quick, reps)
    bench_paced(manager, quick, reps)
    bench_progress(manager, quick, reps)
    bench_cancel(manager, quick)
    # Last: it needs the Python worker (src/libtasker/python/tasker/worker.py).
    bench_process(manager, quick, reps)
    bench_process_burst(quick, reps)

    manager.shutdown(1000)
    comment("total %.1f s" % (time.monotonic() - started))
    return 0


if __name__ == "__main__":
    sys.exit(main())
