# Tasker.py: the PyGObject override for Tasker — DESIGN.md §5 is its contract,
# docs/python.md how it keeps it.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import asyncio
import importlib.util
import itertools
import os
import pickle
import sys
import threading
import traceback

from gi.repository import GLib, GObject, Gio

from ..module import get_introspection_module
from ..overrides import override

Tasker = get_introspection_module("Tasker")

__all__ = []

_PYOBJECT_EVENT = "tasker.pyobject"
_EXCEPTION_EVENT = "tasker.exception"
# The arguments of a process task whose arguments could not be pickled:
# ("tasker.argument-error", message), which tasker/worker.py fails the task
# with (TASKER_ERROR_SERIALIZATION).
_ARGUMENT_ERROR = "tasker.argument-error"


def _find_worker_script():
    """The Python worker, tasker/worker.py, installed beside gi/ in the same
    Python directory (and so beside it uninstalled, under PYTHONPATH); else
    wherever `tasker.worker` is importable from."""
    python_dir = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    script = os.path.join(python_dir, "tasker", "worker.py")
    if not os.path.exists(script):
        spec = importlib.util.find_spec("tasker.worker")
        if spec is not None and spec.origin:
            script = spec.origin
    return script


_WORKER_SCRIPT = _find_worker_script()


def _error(code, message):
    return GLib.Error.new_literal(Tasker.error_quark(), message, int(code))


def _describe(exception):
    """The message a Python exception gives its task: `ValueError: text`."""
    text = str(exception)
    name = type(exception).__name__
    return f"{name}: {text}" if text else name


def _cancelled_error():
    return GLib.Error.new_literal(Gio.io_error_quark(), "Task was cancelled",
                                  int(Gio.IOErrorEnum.CANCELLED))


class _Outcome:
    """What a task's Python function left: a value or an exception.

    Written by the function's thread, read on the main context after the
    task's done function was called, so no lock is needed.
    """

    __slots__ = ("has_value", "value", "exception", "remote_traceback", "is_python_process")

    def __init__(self, is_python_process=False):
        self.has_value = False
        self.value = None
        self.exception = None
        self.remote_traceback = None
        self.is_python_process = is_python_process


# Objects passed through events of thread and coroutine tasks, by token.
_stash_lock = threading.Lock()
_stash = {}
_tokens = itertools.count(1)


def _stash_put(obj):
    with _stash_lock:
        token = next(_tokens)
        _stash[token] = obj
    return token


def _stash_take(token):
    with _stash_lock:
        return _stash.pop(token, None)


def _event_data(outcome, data):
    """Turns what a C event carries back into what the function sent."""
    if data is None:
        return None
    if outcome.is_python_process and data.get_type_string() == "ay":
        return pickle.loads(data.get_data_as_bytes().get_data())
    if data.get_type_string() == "(st)":
        kind, token = data.unpack()
        if kind == _PYOBJECT_EVENT:
            return _stash_take(token)
    return data


def _prepare_options(options, outcome, when_done, when_event):
    """Options of our own for one task: the user's settings, our done and
    event functions around the user's callbacks."""
    opts = options.copy() if options is not None else Tasker.TaskOptions.new()

    def done(task):
        task._tasker_outcome = outcome
        if outcome.is_python_process and task.get_status() == Tasker.TaskStatus.COMPLETED:
            try:
                result = task.propagate_variant()
                outcome.value = pickle.loads(result.get_data_as_bytes().get_data())
                outcome.has_value = True
            except Exception as exception:  # an unpicklable result class, say
                outcome.exception = exception
        if when_done is not None:
            when_done(task)

    def event(task, name, data):
        if outcome.is_python_process and name == _EXCEPTION_EVENT:
            try:
                outcome.exception, outcome.remote_traceback = pickle.loads(
                    data.get_data_as_bytes().get_data())
            except Exception:
                pass  # the task's GLib.Error says what happened
            return
        value = _event_data(outcome, data)
        if when_event is not None:
            when_event(task, name, value)

    opts.set_done_func(done)
    opts.set_event_func(event)
    return opts


# The asyncio loop for `async def` coroutines: one daemon thread, started on
# first use (PyGObject 3.42 has no GLib-driven asyncio loop).
_loop = None
_loop_lock = threading.Lock()


def _get_loop():
    global _loop
    with _loop_lock:
        if _loop is None:
            loop = asyncio.new_event_loop()
            ready = threading.Event()

            def run():
                asyncio.set_event_loop(loop)
                loop.call_soon(ready.set)
                loop.run_forever()

            threading.Thread(target=run, name="tasker-asyncio", daemon=True).start()
            ready.wait()
            _loop = loop
        return _loop


class _CoroutineRun:
    """One coroutine task on the asyncio thread, cancelled through the
    task's cancellable."""

    def __init__(self, context, coro, outcome):
        self.context = context
        self.coro = coro
        self.outcome = outcome
        self.loop = _get_loop()
        self.atask = None
        self.cancel_requested = False
        self.cancellable = context.get_cancellable()
        # The signal, not g_cancellable_connect(): GI cannot call that one.
        self.handler = GObject.Object.connect(self.cancellable, "cancelled", self._on_cancelled)
        if self.cancellable.is_cancelled():
            self.cancel_requested = True
        self.loop.call_soon_threadsafe(self._start)

    def _on_cancelled(self, cancellable):
        # Any thread: the one that cancelled the task.
        self.cancel_requested = True
        self.loop.call_soon_threadsafe(self._cancel)

    def _start(self):
        self.atask = self.loop.create_task(self.coro)
        self.atask.add_done_callback(self._finished)
        if self.cancel_requested:
            self.atask.cancel()

    def _cancel(self):
        if self.atask is not None:
            self.atask.cancel()

    def _finished(self, atask):
        # The asyncio thread: the coroutine has really ended.
        GObject.Object.disconnect(self.cancellable, self.handler)
        context = self.context
        self.context = None
        if atask.cancelled():
            context.return_error(_cancelled_error())
            return
        exception = atask.exception()
        if exception is not None:
            self.outcome.exception = exception
            context.return_error(_error(Tasker.Error.FAILED, _describe(exception)))
        else:
            self.outcome.value = atask.result()
            self.outcome.has_value = True
            # No C result: the value stays in Python.
            context.return_value(None)


class Manager(Tasker.Manager):
    @classmethod
    def new(cls, context=None):
        return Tasker.Manager.new(context)

    def run_thread(self, func, *args, key=None, when_done=None, when_event=None,
                   options=None, **kwargs):
        """Runs `func(context, *args, **kwargs)` in the manager's thread pool."""
        if not callable(func):
            raise TypeError("run_thread() needs a callable")
        outcome = _Outcome()
        opts = _prepare_options(options, outcome, when_done, when_event)

        def thread_func(context, *_user_data):
            try:
                outcome.value = func(context, *args, **kwargs)
                outcome.has_value = True
            except BaseException as exception:
                outcome.exception = exception
                context.return_error(_error(Tasker.Error.FAILED, _describe(exception)))

        task = Tasker.Manager.run_thread(self, key, opts, thread_func, None)
        task._tasker_outcome = outcome
        return task

    def add_coroutine(self, coro_fn, *args, key=None, when_done=None, when_event=None,
                      options=None, **kwargs):
        """Runs `await coro_fn(context, *args, **kwargs)` on the override's
        asyncio thread; cancelling the task cancels it at once."""
        if not callable(coro_fn):
            raise TypeError("add_coroutine() needs a coroutine function")
        outcome = _Outcome()
        opts = _prepare_options(options, outcome, when_done, when_event)

        def start(context, *_user_data):
            # The manager's context, soon after the submit.
            try:
                coro = coro_fn(context, *args, **kwargs)
                if not asyncio.iscoroutine(coro):
                    raise TypeError(f"{getattr(coro_fn, '__qualname__', coro_fn)!s} "
                                    "did not return a coroutine")
            except BaseException as exception:
                outcome.exception = exception
                context.return_error(_error(Tasker.Error.FAILED, _describe(exception)))
                return
            _CoroutineRun(context, coro, outcome)

        task = Tasker.Manager.run_coroutine(self, key, opts, start, None)
        task._tasker_outcome = outcome
        return task

    def run_process(self, func, *args, key=None, when_done=None, when_event=None,
                    options=None, **kwargs):
        """Runs `func(context, *args, **kwargs)` in a Python worker process;
        `func` must be importable by its module path, arguments and result
        picklable."""
        if not callable(func):
            raise TypeError("run_process() needs a callable")
        outcome = _Outcome(is_python_process=True)
        opts = _prepare_options(options, outcome, when_done, when_event)
        opts.set_worker([sys.executable, _WORKER_SCRIPT])

        module = getattr(func, "__module__", None) or "__main__"
        qualname = getattr(func, "__qualname__", None) or getattr(func, "__name__", "")
        main_path = getattr(sys.modules.get("__main__"), "__file__", None)
        try:
            payload = pickle.dumps((list(sys.path), main_path, module, qualname, args, kwargs),
                                   protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exception:
            # Not raised here (DESIGN.md §5): the worker fails the task with
            # this message, once (a retry would fail the same way).
            args_variant = GLib.Variant("(ss)", (_ARGUMENT_ERROR,
                                                 f"cannot pickle argument: {exception}"))
            opts.props.max_attempts = 1
        else:
            args_variant = GLib.Variant.new_from_bytes(GLib.VariantType.new("ay"),
                                                       GLib.Bytes.new(payload), True)
        task = Tasker.Manager.run_process(self, key, opts, f"{module}:{qualname}", args_variant)
        task._tasker_outcome = outcome
        return task

    def get_task(self, key):
        """The live task with `key`, or None."""
        return self.dup_task(key)

    def shutdown(self, grace_ms=2000):
        Tasker.Manager.shutdown(self, grace_ms)


Manager = override(Manager)
__all__.append("Manager")


class Task(Tasker.Task):
    def result(self):
        """The object the task's function returned. Raises the function's own
        exception if it raised, GLib.Error for other failures and for a
        cancelled task (Gio.IOErrorEnum.CANCELLED), and GLib.Error if the
        task has not ended."""
        status = self.get_status()
        outcome = getattr(self, "_tasker_outcome", None)

        if status == Tasker.TaskStatus.COMPLETED:
            if outcome is not None and outcome.exception is not None and not outcome.has_value:
                raise outcome.exception
            if outcome is not None:
                return outcome.value
            ok, value = self.propagate_value()
            return value
        if status == Tasker.TaskStatus.FAILED and outcome is not None and outcome.exception is not None:
            exception = outcome.exception
            if outcome.remote_traceback and not getattr(exception, "_tasker_noted", False):
                exception.add_note("Traceback in the worker process:\n" + outcome.remote_traceback)
                exception._tasker_noted = True
            raise exception
        error = self.get_error()
        if error is None:
            raise _error(Tasker.Error.FAILED, f"Task {self.get_id()} has not finished yet")
        raise error

    def get_log(self):
        """The task's log, a list of lines."""
        return list(self.dup_log())


Task = override(Task)
__all__.append("Task")


class Context(Tasker.Context):
    def sub_context(self, base_progress, progress_range, total=1.0):
        return Tasker.Context.sub_context(self, base_progress, progress_range, total)

    def send_event(self, name, data=None):
        """Sends an event to `when_event`: a GLib.Variant as is, any other
        object passed through unchanged."""
        if data is not None and not isinstance(data, GLib.Variant):
            data = GLib.Variant("(st)", (_PYOBJECT_EVENT, _stash_put(data)))
        Tasker.Context.send_event(self, name, data)


Context = override(Context)
__all__.append("Context")
