#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The typelib loads and the raw C API works from Python through GI.

The Pythonic surface of DESIGN.md §5 (the override) is tested by the pytest files
next to this one; this only proves that Tasker-1.typelib is complete and usable as
generated, without the override.
"""

import sys
import threading

import gi

gi.require_version("Tasker", "1")
from gi.repository import GLib, Tasker  # noqa: E402

failures = 0
count = 0


def check(name, condition):
    global failures, count
    count += 1
    if condition:
        print(f"ok {count} - {name}")
    else:
        failures += 1
        print(f"not ok {count} - {name}")


def main():
    main_thread = threading.get_ident()
    manager = Tasker.Manager.new(None)
    seen = {}

    def work(context, *user_data):
        seen["work-thread"] = threading.get_ident()
        context.set_total(4)
        context.set_progress(3)
        context.set_message("three of four")
        context.send_event("step", GLib.Variant("i", 3))

    def on_event(task, name, data):
        seen["event"] = (name, data.unpack(), threading.get_ident())

    def on_done(task):
        seen["done"] = (task.get_status(), task.get_message(), threading.get_ident())

    options = Tasker.TaskOptions.new()
    options.set_name("introspected")
    options.set_description("command", "python")
    options.set_event_func(on_event)
    options.set_done_func(on_done)

    task = manager.run_thread("k", options, work)
    check("submit returns a pending task", task.get_status() == Tasker.TaskStatus.PENDING)
    check("nothing runs inside the submit call", "done" not in seen)
    check("key and name", task.get_key() == "k" and task.get_name() == "introspected")
    check("settles", manager.wait_until_settled(5000))
    check("function ran on a pool thread", seen.get("work-thread") not in (None, main_thread))
    check("event reached the main thread", seen.get("event") == ("step", 3, main_thread))
    check("done on the main thread, completed, message kept",
          seen.get("done") == (Tasker.TaskStatus.COMPLETED, "three of four", main_thread))
    check("completed progress is 1.0", task.get_progress() == 1.0)
    check("description survives the end", task.get_description("command") == "python")
    check("status nick", task.get_status().value_nick == "completed")

    failed = manager.run_thread(None, None, None)
    manager.wait_until_settled(5000)
    error = failed.get_error()
    check("a task without a function fails with INVALID_ARGUMENT",
          failed.get_status() == Tasker.TaskStatus.FAILED
          and error.matches(Tasker.error_quark(), Tasker.Error.INVALID_ARGUMENT))

    manager.shutdown(100)
    try:
        manager.run_thread(None, None, work)
        check("submit after shutdown raises", False)
    except GLib.Error as e:
        check("submit after shutdown raises SHUT_DOWN",
              e.matches(Tasker.error_quark(), Tasker.Error.SHUT_DOWN))

    print(f"1..{count}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
