#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A program that is not built on Tasker shows its job in the Tasker application and
stops when someone cancels it there (DESIGN.md §9). It prints the task's id, then
"done" or "cancelled". From the build tree, with the application running or startable:

    meson devenv -C build python3 ../examples/external_task.py [STEPS]
"""
import sys

import gi

gi.require_version("Tasker", "1")
from gi.repository import GLib, Tasker  # noqa: E402

steps = int(sys.argv[1]) if len(sys.argv) > 1 else 50
loop = GLib.MainLoop()
task = Tasker.RemoteTask.new_sync("Counting sheep", None, None)
task.connect("cancelled", lambda task: loop.quit())
task.set_total(steps)
print(task.props.id, flush=True)


def count_one(state={"done": 0}):
    state["done"] += 1
    task.set_progress(state["done"])
    task.set_message("sheep %d of %d" % (state["done"], steps))
    task.log("counted sheep %d" % state["done"])
    if state["done"] == steps:
        loop.quit()
    return state["done"] < steps


GLib.timeout_add(100, count_one)
loop.run()
task.complete_sync(None)  # recorded as cancelled when it was
print("cancelled" if task.should_exit() else "done", flush=True)
