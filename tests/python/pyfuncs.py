# SPDX-License-Identifier: LGPL-2.1-or-later
"""Process-task functions for the pytest suite.

A Python process function is found in the worker by its __module__ and __qualname__
(DESIGN.md §5), so these live in a plain module on sys.path (tests/python), importable by
module path. Only the standard library is imported here: whatever the worker loads is its
own doing (see gtk_loaded).
"""

import os
import sys
import threading
import time


class PyfuncsError(Exception):
    """An exception type of our own, to check that its type survives the trip back."""


def add(context, a, b, *rest, scale=1, **extra):
    """Arguments and keywords reach the function, the context first."""
    return {
        "sum": (a + b + sum(rest)) * scale,
        "rest": list(rest),
        "extra": dict(extra),
        "context_methods": sorted(
            name for name in ("set_progress", "set_total", "set_message", "is_cancelled",
                              "get_cancellable", "sub_context", "send_event", "log", "flush")
            if callable(getattr(context, name, None))),
    }


def echo(context, *args, **kwargs):
    return (args, kwargs)


def where(context):
    """Which process and thread the function runs on."""
    return {
        "pid": os.getpid(),
        "main_thread": threading.current_thread() is threading.main_thread(),
    }


def getenv(context, name):
    return os.environ.get(name)


def returns_none(context):
    return None


def raise_value_error(context, n):
    raise ValueError(f"bad value {n}")


def raise_own_error(context):
    raise PyfuncsError("our own error")


def return_unpicklable(context):
    return threading.Lock()


def gtk_loaded(context):
    return "gi.repository.Gtk" in sys.modules


def gtk_modules(context):
    return sorted(name for name in sys.modules
                  if name in ("gi.repository.Gtk", "gi.repository.Gdk", "gi.repository.Adw"))


def send_events(context, payload, count):
    """Events: data defaults to None, pickled data comes back equal, in order."""
    context.send_event("none")
    context.send_event("payload", payload)
    for i in range(count):
        context.send_event("seq", i)
    return "sent"


def raise_after_event(context):
    context.send_event("before-raise", 1)
    raise ValueError("after the event")


def progress_and_message(context):
    context.set_total(4)
    context.set_progress(3)
    context.set_message("three of four")
    context.flush()
    return "ok"


def chatter(context):
    """Log lines from context.log() and from the worker's stdout and stderr."""
    context.log("line from context.log")
    print("line from stdout", flush=True)
    print("line from stderr", file=sys.stderr, flush=True)
    context.flush()
    return "chatted"


def event_flood(context, n):
    """Sends n events "seq" with data 0 to n-1, as fast as it can."""
    for i in range(n):
        context.send_event("seq", i)
    return n


def print_shapes(context):
    """Output lines of every shape: CRLF, a bar redrawn with \\r, a line of
    100,000 bytes, one never ended; and a logged line of 100,000 bytes."""
    out = sys.stdout
    out.write("crlf\r\n")
    out.write("bar 10%\r")
    out.flush()
    out.write("bar 20%\rbar 30%\r\n")
    out.write("y" * 100000 + "\n")
    out.flush()
    context.log("z" * 100000)
    out.write("unended")
    out.flush()
    return "printed"


def _wait_for_cancel(context, limit=30.0):
    cancellable = context.get_cancellable()
    deadline = time.monotonic() + limit
    while not context.is_cancelled() and not cancellable.is_cancelled():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.002)
    return True


def wait_cancelled(context):
    """Say it started, then run until the task is cancelled (cooperatively)."""
    cancellable = context.get_cancellable()
    context.send_event("started", type(cancellable).__name__)
    return "saw cancel" if _wait_for_cancel(context) else "never cancelled"


def hold_sub_progress(context):
    """sub(0.1, 0.8).sub(0.5, 0.25, total=10).set_progress(8) -> 0.66, held until cancel."""
    sub = context.sub_context(0.1, 0.8).sub_context(0.5, 0.25, total=10)
    sub.set_progress(8)
    sub.set_message("from the sub context")
    context.flush()
    context.send_event("held")
    _wait_for_cancel(context)
    return "released"


def nan_progress(context):
    context.set_progress(0.5)
    context.set_progress(float("nan"))
    context.set_total(0)
    context.set_total(float("nan"))
    context.flush()
    return "no exception"


def block_until_cancelled(context):
    context.send_event("running")
    _wait_for_cancel(context)
    return "done"


def quick(context, value):
    return value


def signal_handler_works(context):
    """The function runs on the worker's main thread, so it may install signal handlers."""
    import signal
    got = []
    previous = signal.signal(signal.SIGUSR1, lambda signum, frame: got.append(signum))
    try:
        os.kill(os.getpid(), signal.SIGUSR1)
        deadline = time.monotonic() + 5
        while not got and time.monotonic() < deadline:
            time.sleep(0.001)
    finally:
        signal.signal(signal.SIGUSR1, previous)
    return got == [signal.SIGUSR1]


class Namespace:
    """A function found by a dotted __qualname__, attribute by attribute."""

    @staticmethod
    def nested(context, x):
        return ("nested", x)


def fail_until_marker(context, path):
    """Fails the first time (and leaves a marker), succeeds the second."""
    if not os.path.exists(path):
        with open(path, "w"):
            pass
        raise RuntimeError("first time")
    return "second time"


def spawn_sleeper(context):
    """Starts `sleep 308` in a session of its own, leaves it running and
    returns its pid."""
    import subprocess
    return subprocess.Popen(["sleep", "308"], start_new_session=True,
                            stdin=subprocess.DEVNULL).pid


def pgid_and_sid(context):
    return os.getpgid(0), os.getsid(0)


def _load_unloadable():
    Unloadable.loads += 1
    if Unloadable.refuse:
        raise RuntimeError("cannot be loaded here")
    return Unloadable()


class Unloadable:
    """Pickles anywhere; unpickles in worker processes only (the result of a
    task that passes one through cannot be read by the parent)."""

    loads = 0
    refuse = False      # set by the test, in its own process only

    def __reduce__(self):
        return (_load_unloadable, ())
