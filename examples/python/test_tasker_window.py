# SPDX-License-Identifier: LGPL-2.1-or-later
"""Drive examples/python/tasker-window.py headless, in this process.

meson runs this (suite 'examples') under `xvfb-run -a dbus-run-session --` with the
build tree's typelib, the override and the worker in the environment. The window is
made by the application's own activate handler, without app.run(): the tests emit
`clicked` on its buttons (gtk_widget_activate() would wait 250 ms) and iterate the
default main context until what they wait for shows in the widgets.

A screenshot of the running window goes to $TASKER_SCREENSHOT_DIR/tasker-window.png.
The last test closes the window, which shuts the default manager down.
"""

import ctypes
import importlib.util
import os
import pathlib
import time

import gi
import pytest

try:
    gi.require_version("Adw", "1")
    gi.require_version("Gdk", "4.0")
    gi.require_version("Gtk", "4.0")
    gi.require_version("Tasker", "1")
except ValueError as e:
    pytest.skip(f"cannot run the example: {e}", allow_module_level=True)

from gi.repository import Gdk, Gio, GLib, Gtk, Tasker  # noqa: E402

if Gdk.Display.get_default() is None:
    pytest.skip("no display (run under xvfb-run)", allow_module_level=True)

HERE = pathlib.Path(__file__).resolve().parent


def load_example():
    spec = importlib.util.spec_from_file_location("tasker_window", HERE / "tasker-window.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


example = load_example()


def describe(window):
    return (f"progress bar at {window.progress_bar.get_fraction():.2f}, "
            f"label {window.status_label.get_label()!r}")


def iterate_until(condition, what, timeout=20.0, window=None):
    context = GLib.MainContext.default()
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            state = f" ({describe(window)})" if window else ""
            raise AssertionError(f"still waiting after {timeout} s for {what}{state}")
        if not context.iteration(False):
            time.sleep(0.005)


# PyGObject 3.42 cannot wrap GskRenderNode (a fundamental type of its own), so the
# node goes from the snapshot to the window's renderer through ctypes.
_gtk = ctypes.CDLL("libgtk-4.so.1")
for _name, _restype, _argtypes in [
        ("gtk_snapshot_to_node", ctypes.c_void_p, [ctypes.c_void_p]),
        ("gtk_native_get_renderer", ctypes.c_void_p, [ctypes.c_void_p]),
        ("gsk_renderer_render_texture", ctypes.c_void_p, [ctypes.c_void_p] * 3),
        ("gdk_texture_save_to_png", ctypes.c_int, [ctypes.c_void_p, ctypes.c_char_p]),
        ("gsk_render_node_unref", None, [ctypes.c_void_p]),
        ("g_object_unref", None, [ctypes.c_void_p])]:
    getattr(_gtk, _name).restype = _restype
    getattr(_gtk, _name).argtypes = _argtypes
ctypes.pythonapi.PyCapsule_GetPointer.restype = ctypes.c_void_p
ctypes.pythonapi.PyCapsule_GetPointer.argtypes = [ctypes.py_object, ctypes.c_char_p]


def _pointer(gobject):
    return ctypes.pythonapi.PyCapsule_GetPointer(gobject.__gpointer__, None)


def render_to_png(widget, path):
    """Gtk.WidgetPaintable → Gtk.Snapshot → render node → Gsk.Renderer.render_texture()
    → Gdk.Texture.save_to_png(), as a C program would. Returns whether it worked."""
    paintable = Gtk.WidgetPaintable.new(widget)
    snapshot = Gtk.Snapshot()
    paintable.snapshot(snapshot, paintable.get_intrinsic_width(), paintable.get_intrinsic_height())
    node = _gtk.gtk_snapshot_to_node(_pointer(snapshot))
    if not node:
        return False
    renderer = _gtk.gtk_native_get_renderer(_pointer(widget.get_native()))
    texture = _gtk.gsk_renderer_render_texture(renderer, node, None)
    saved = _gtk.gdk_texture_save_to_png(texture, os.fsencode(path))
    _gtk.g_object_unref(texture)
    _gtk.gsk_render_node_unref(node)
    return bool(saved)


def save_screenshot(widget, path):
    """Save @widget as it was last drawn into a PNG at @path.

    A widget keeps its render node only until it is next invalidated, so this draws
    it once more and renders it from the frame clock's after-paint."""
    results = []
    frame_clock = widget.get_frame_clock()
    handler = frame_clock.connect("after-paint",
                                  lambda clock: results.append(render_to_png(widget, path)))
    widget.queue_draw()
    iterate_until(lambda: results, "the window to be drawn")
    frame_clock.disconnect(handler)
    assert results[0], f"cannot render the window into {path}"
    print(f"screenshot: {path}")


@pytest.fixture(scope="module")
def app():
    application = example.ExampleApplication()
    application.set_flags(application.get_flags() | Gio.ApplicationFlags.NON_UNIQUE)
    assert application.register(None)
    return application


@pytest.fixture
def window(app):
    app.activate()
    win = app.props.active_window
    assert isinstance(win, example.ExampleWindow)
    iterate_until(lambda: win.get_mapped() and win.get_width() > 0, "the window to show")
    yield win
    if win in app.get_windows():
        win.destroy()


@pytest.fixture
def screenshot_dir(tmp_path):
    return pathlib.Path(os.environ.get("TASKER_SCREENSHOT_DIR") or tmp_path)


def test_start_then_cancel(window, screenshot_dir):
    task_mgr = Tasker.Manager.get_default()
    assert window.start_button.get_sensitive()
    assert not window.cancel_button.get_sensitive()

    window.start_button.emit("clicked")
    assert not window.start_button.get_sensitive()
    assert window.cancel_button.get_sensitive()
    primes = task_mgr.get_task("primes")
    fetch = task_mgr.get_task("fetch")
    assert primes is not None and fetch is not None

    def shows_progress():
        label = window.status_label.get_label()
        return (window.progress_bar.get_fraction() > 0.2
                and "Counting primes…" in label and "%" in label and "Fetching" in label)

    iterate_until(shows_progress, "the progress bar and the label to show progress",
                  window=window)
    assert not primes.is_final() and not fetch.is_final()
    save_screenshot(window, screenshot_dir / "tasker-window.png")

    window.cancel_button.emit("clicked")
    assert not window.cancel_button.get_sensitive()
    iterate_until(lambda: primes.is_final() and fetch.is_final(), "both tasks to end",
                  window=window)
    iterate_until(lambda: window.start_button.get_sensitive(), "Start to be sensitive again")

    assert primes.get_status() == Tasker.TaskStatus.CANCELLED
    assert fetch.get_status() == Tasker.TaskStatus.CANCELLED
    with pytest.raises(GLib.Error) as excinfo:
        primes.result()
    assert excinfo.value.matches(Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED)
    assert window.status_label.get_label() == "Primes: Cancelled\nDownloads: Cancelled"
    assert not window.cancel_button.get_sensitive()
    assert 0.0 < window.progress_bar.get_fraction() < 1.0  # left where the work stopped
    save_screenshot(window, screenshot_dir / "tasker-window-cancelled.png")


def test_start_and_finish(window, screenshot_dir, monkeypatch):
    monkeypatch.setattr(example, "PRIME_LIMIT", 20_000)  # 2,262 primes
    monkeypatch.setattr(example, "CHUNK_DELAY", 0.005)
    task_mgr = Tasker.Manager.get_default()

    window.start_button.emit("clicked")
    primes = task_mgr.get_task("primes")
    fetch = task_mgr.get_task("fetch")
    iterate_until(lambda: window.start_button.get_sensitive()
                  and window.progress_bar.get_fraction() == 1.0,
                  "both tasks to finish", timeout=10.0, window=window)

    assert primes.get_status() == Tasker.TaskStatus.COMPLETED, primes.get_error()
    assert fetch.get_status() == Tasker.TaskStatus.COMPLETED, fetch.get_error()
    assert primes.result() == 2262
    assert window.status_label.get_label() == (
        "Primes: Done: 2,262 primes\nDownloads: Done: 5 files fetched")
    assert not window.cancel_button.get_sensitive()
    save_screenshot(window, screenshot_dir / "tasker-window-done.png")


def test_close_shuts_the_manager_down(app, window):
    window.close()
    assert window not in app.get_windows()
    with pytest.raises(GLib.Error) as excinfo:
        Tasker.Manager.get_default().run_thread(lambda context: None)
    assert excinfo.value.matches(Tasker.error_quark(), Tasker.Error.SHUT_DOWN)
