#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Tasker from Python: a libadwaita window with a progress bar and a Cancel button.

Start runs two tasks through the default Tasker manager:

- "primes": count_primes() from tasker_example_work.py in a worker process (CPU-bound);
- "fetch": the fetch() coroutine below, which pretends to download a few files.

The progress bar shows the batch progress from Tasker.Manager::tasks-updated and the
label one line per task. Cancel cancels both by their keys; closing the window shuts
the manager down. Run it from the build tree with

    meson devenv -C build python3 ../examples/python/tasker-window.py
"""

import asyncio
import sys

import gi

gi.require_version("Adw", "1")
gi.require_version("Gtk", "4.0")
gi.require_version("Tasker", "1")
from gi.repository import Adw, Gio, Gtk, Tasker  # noqa: E402

from tasker_example_work import count_primes  # noqa: E402

APPLICATION_ID = "io.github.tasker.Example"

# How much work Start does; the tests make it smaller.
PRIME_LIMIT = 2_000_000
FILES = ("index.html", "style.css", "photo-1.jpg", "photo-2.jpg", "video.webm")
CHUNKS_PER_FILE = 10
CHUNK_DELAY = 0.08  # seconds

TASK_TITLES = {"primes": "Primes", "fetch": "Downloads"}
DONE_TEXTS = {"primes": "Done: {:,} primes", "fetch": "Done: {} files fetched"}

UI = """
<interface>
  <template class="TaskerExampleWindow" parent="AdwApplicationWindow">
    <property name="title">Tasker Example</property>
    <property name="default-width">560</property>
    <property name="default-height">600</property>
    <property name="content">
      <object class="GtkBox">
        <property name="orientation">vertical</property>
        <child>
          <object class="AdwHeaderBar"/>
        </child>
        <child>
          <object class="AdwStatusPage">
            <property name="vexpand">true</property>
            <property name="icon-name">system-run-symbolic</property>
            <property name="title">Background Tasks</property>
            <property name="description">A worker process counts prime numbers while a coroutine fetches files. The window stays responsive.</property>
            <property name="child">
              <object class="AdwClamp">
                <property name="maximum-size">400</property>
                <property name="child">
                  <object class="GtkBox">
                    <property name="orientation">vertical</property>
                    <property name="spacing">18</property>
                    <child>
                      <object class="GtkProgressBar" id="progress_bar"/>
                    </child>
                    <child>
                      <object class="GtkLabel" id="status_label">
                        <property name="label">Press Start to begin.</property>
                        <property name="wrap">true</property>
                        <property name="justify">center</property>
                        <style><class name="dim-label"/><class name="numeric"/></style>
                      </object>
                    </child>
                    <child>
                      <object class="GtkBox">
                        <property name="spacing">12</property>
                        <property name="halign">center</property>
                        <property name="homogeneous">true</property>
                        <child>
                          <object class="GtkButton" id="cancel_button">
                            <property name="label">Cancel</property>
                            <property name="sensitive">false</property>
                            <signal name="clicked" handler="on_cancel_clicked"/>
                            <style><class name="pill"/></style>
                          </object>
                        </child>
                        <child>
                          <object class="GtkButton" id="start_button">
                            <property name="label">Start</property>
                            <signal name="clicked" handler="on_start_clicked"/>
                            <style><class name="pill"/><class name="suggested-action"/></style>
                          </object>
                        </child>
                      </object>
                    </child>
                  </object>
                </property>
              </object>
            </property>
          </object>
        </child>
      </object>
    </property>
  </template>
</interface>
"""


async def fetch(context):
    """Pretend to download FILES chunk by chunk; returns how many were fetched."""
    context.set_total(len(FILES) * CHUNKS_PER_FILE)
    for i, name in enumerate(FILES):
        context.set_message(f"Fetching {name}…")
        for chunk in range(CHUNKS_PER_FILE):
            await asyncio.sleep(CHUNK_DELAY)  # cancelling raises CancelledError here
            context.set_progress(i * CHUNKS_PER_FILE + chunk + 1)
    return len(FILES)


@Gtk.Template(string=UI)
class ExampleWindow(Adw.ApplicationWindow):
    __gtype_name__ = "TaskerExampleWindow"

    progress_bar = Gtk.Template.Child()
    status_label = Gtk.Template.Child()
    start_button = Gtk.Template.Child()
    cancel_button = Gtk.Template.Child()

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.task_mgr = Tasker.Manager.get_default()
        self.lines = {}  # task key → what the label says about it
        self.running = set()  # keys of the tasks not yet done
        self.cancelling = False
        self.updated_id = self.task_mgr.connect("tasks-updated", self.on_tasks_updated)
        self.connect("destroy", self.on_destroy)

    def show_lines(self):
        if self.updated_id is None:  # a task ended after the window was destroyed
            return
        self.status_label.set_label("\n".join(f"{title}: {self.lines[key]}"
                                              for key, title in TASK_TITLES.items()
                                              if key in self.lines))
        self.start_button.set_sensitive(not self.running)
        self.cancel_button.set_sensitive(bool(self.running) and not self.cancelling)

    @Gtk.Template.Callback()
    def on_start_clicked(self, button):
        self.cancelling = False
        self.running = set(TASK_TITLES)
        self.lines = dict.fromkeys(TASK_TITLES, "Starting…")
        self.progress_bar.set_fraction(0.0)
        self.task_mgr.run_process(count_primes, PRIME_LIMIT, key="primes",
                                  when_done=self.on_task_done)
        self.task_mgr.add_coroutine(fetch, key="fetch", when_done=self.on_task_done)
        self.show_lines()

    @Gtk.Template.Callback()
    def on_cancel_clicked(self, button):
        self.cancelling = True  # keep the bar where the work stopped
        for key in self.running:
            self.task_mgr.cancel_task(key)
        self.show_lines()

    def on_tasks_updated(self, task_mgr, tasks, progress):
        for task in tasks:
            key = task.get_key()
            if key in self.running:
                message = task.get_message() or "Waiting…"
                self.lines[key] = f"{message} {int(task.get_progress() * 100)}%"
        if not self.cancelling:
            self.progress_bar.set_fraction(progress)
        self.show_lines()

    def on_task_done(self, task):
        key = task.get_key()
        status = task.get_status()
        if status == Tasker.TaskStatus.COMPLETED:
            self.lines[key] = DONE_TEXTS[key].format(task.result())
        elif status == Tasker.TaskStatus.CANCELLED:
            self.lines[key] = "Cancelled"
        else:
            self.lines[key] = f"Failed: {task.get_error().message}"
        self.running.discard(key)
        self.show_lines()

    def do_close_request(self):
        self.task_mgr.shutdown()  # cancels what still runs and stops the workers
        return False

    def on_destroy(self, window):
        if self.updated_id is not None:
            self.task_mgr.disconnect(self.updated_id)
            self.updated_id = None


class ExampleApplication(Adw.Application):
    def __init__(self):
        super().__init__(application_id=APPLICATION_ID,
                         flags=Gio.ApplicationFlags.DEFAULT_FLAGS)

    def do_activate(self):
        window = self.props.active_window or ExampleWindow(application=self)
        window.present()


def main(argv):
    return ExampleApplication().run(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
