# worker_funcs.py
#
# SPDX-License-Identifier: LGPL-2.1-or-later

"""Task functions for tests/python/test_worker_protocol.py: the worker finds
them through the sys.path the test sends, as it would a program's."""

import ctypes
import os
import signal
import sys
import threading
import time


class Point:
    def __init__(self, x, y):
        self.x = x
        self.y = y

    def __eq__(self, other):
        return isinstance(other, Point) and (self.x, self.y) == (other.x, other.y)


class Holder:
    """For a qualname of more than one part."""

    @staticmethod
    def run(context, value):
        return ("held", value)


class Unpicklable(Exception):
    def __init__(self, text):
        super().__init__(text)
        self.lock = threading.Lock()


def add(context, a, b):
    return a + b


def describe(context, *args, **kwargs):
    return {"args": args, "kwargs": kwargs}


def move(context, point, dx=0, dy=0):
    return Point(point.x + dx, point.y + dy)


def fail(context, text):
    raise ValueError(text)


def fail_unpicklable(context):
    raise Unpicklable("cannot travel")


def fail_empty(context):
    raise KeyError()


def return_lock(context):
    return threading.Lock()


def return_bytes(context, size):
    return b"x" * size


def report(context, steps):
    """Progress in many small steps, and a message now and then."""
    context.set_total(steps)
    for i in range(1, steps + 1):
        context.set_progress(i)
        if i % 100 == 0:
            context.set_message(f"step {i}")
    return steps


def sub_progress(context):
    context.sub_context(0.1, 0.8).sub_context(0.5, 0.25, total=10).set_progress(8)
    return None


def bad_progress(context):
    context.set_progress(0.25)
    context.set_progress(float("nan"))
    context.set_total(0)
    context.set_total(-3)
    context.set_progress(2.0)       # clamped
    context.flush()
    context.set_progress(-1.0)      # clamped
    return None


def talk(context):
    context.set_message("hello")
    context.log("a log line")
    context.send_event("plain")
    context.send_event("data", {"a": [1, 2, 3]})
    context.set_message(None)
    return "talked"


def emit(context, lines, tag):
    """Output on stdout and stderr, the last line of stderr unfinished."""
    for i in range(lines):
        print(f"{tag} out {i}")
    sys.stderr.write(f"{tag} err\n{tag} partial")
    return tag


def wait_for_cancel(context, timeout):
    """Polls is_cancelled(), and listens to the cancellable."""
    fired = threading.Event()
    # Gio.Cancellable.connect() is g_cancellable_connect(): no arguments reach
    # the callback.
    context.get_cancellable().connect(lambda *args: fired.set())
    context.set_message("waiting")
    context.flush()
    deadline = time.monotonic() + timeout
    while not context.is_cancelled():
        if time.monotonic() > deadline:
            return "not cancelled"
        time.sleep(0.001)
    fired.wait(timeout)
    return ("cancelled", fired.is_set(), context.get_cancellable().is_cancelled())


def log_and_return(context, text):
    context.log(text)
    return text


def main_thread(context):
    """A task may install signal handlers: it runs on the main thread."""
    previous = signal.signal(signal.SIGUSR1, lambda signum, frame: None)
    signal.signal(signal.SIGUSR1, previous)
    return threading.current_thread() is threading.main_thread()


def exit_with(context, status):
    print("leaving")
    os._exit(status)


def sys_exit(context, status):
    print("exiting")
    context.log("bye")
    sys.exit(status)


def crash(context):
    print("crashing")
    ctypes.string_at(0)


def sleep(context, seconds):
    time.sleep(seconds)
    return seconds


def path_of(context):
    return list(sys.path)


def path_grows(context):
    """Changes the worker's sys.path: the next task's payload puts it back."""
    sys.path.append("/nonexistent/grown")
    return list(sys.path)


def append_one(context, items):
    items.append(1)
    return items


def main_file(context):
    return getattr(sys.modules["__main__"], "__file__", None)


def gi_loaded(context):
    return "gi" in sys.modules
