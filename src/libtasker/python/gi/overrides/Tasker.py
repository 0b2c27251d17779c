# Tasker.py: the PyGObject override for Tasker — DESIGN.md §5 is its contract,
# docs/python.md how it keeps it.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import asyncio
import atexit
import collections
import importlib.util
import itertools
import os
import pickle
import sys
import threading
import time
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
    """One task submitted from Python: what runs, who hears of it, and what
    its function left (a value or an exception).

    Found by its token (tasker_manager_run_*_token): the run function reads
    it in the function's thread, the event and done functions on the main
    context. The outcome is written by the function's thread and read on the
    main context after the done function was called, so no lock is needed.
    """

    __slots__ = ("func", "args", "kwargs", "when_done", "when_event", "coroutine", "started",
                 "has_value", "value", "exception", "remote_traceback", "is_python_process",
                 "unpickled", "may_wait")

    def __init__(self, func=None, args=(), kwargs=None, when_done=None, when_event=None,
                 is_python_process=False, coroutine=False):
        self.func = func
        self.args = args
        self.kwargs = kwargs
        self.when_done = when_done
        self.when_event = when_event
        self.coroutine = coroutine
        self.started = False
        self.has_value = False
        self.value = None
        self.exception = None
        self.remote_traceback = None
        self.is_python_process = is_python_process
        self.unpickled = False          # a process task's result was read (result())
        self.may_wait = True            # it may have tasks to wait for (options with after)


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


# Tasks are submitted by token (tasker_manager_run_*_token): the run, done
# and event functions below are given to each manager once, and a submit
# passes only the token of its _Outcome. Through GI a callback argument costs
# a closure per call; an integer costs nothing.
_records = {}
# The records of tasks a failed dependency failed before they ran (DESIGN.md
# §10): Manager.rearm_dependants() may submit them again with the same token,
# so their function and when_done are kept, for the _REARMABLE_MAX latest.
_rearmable = collections.OrderedDict()
_REARMABLE_MAX = 256
_task_tokens = itertools.count(1)
_token_lock = threading.Lock()


# A pool thread is a C thread: PyGObject calls into Python with
# PyGILState_Ensure(), which makes a Python thread state for it and, at the
# matching Release, deletes it again (Python 3.11 maps and unmaps a 16 KiB
# frame stack each time: half the CPU time of a trivial task). While thread
# tasks wait to start, a pool thread keeps its thread state ("pinned": one
# Ensure of ours). The last task it runs while none waits lets it go; a
# thread that ends pinned (GLib ends idle pool threads) lets it go in a
# GPrivate destroy notify, so no thread state outlives its thread.
_pin = threading.local()
_pin_lock = threading.Lock()
_thread_waiting = 0      # thread tasks submitted and neither started nor ended; under _pin_lock
_gilstate = None         # what _pin_thread() needs, made on first use


class _GilState:
    def __init__(self):
        import ctypes

        api = ctypes.pythonapi
        self.ensure = api.PyGILState_Ensure
        self.ensure.restype = ctypes.c_int
        self.release = api.PyGILState_Release
        self.release.argtypes = (ctypes.c_int,)
        self.get_state = api.PyThreadState_Get
        self.get_state.restype = ctypes.c_void_p
        self.clear_state = api.PyThreadState_Clear
        self.clear_state.argtypes = (ctypes.c_void_p,)
        self.delete_state = api.PyThreadState_Delete
        self.delete_state.argtypes = (ctypes.c_void_p,)
        glib = ctypes.CDLL("libglib-2.0.so.0")
        self.private_set = glib.g_private_set
        self.private_set.argtypes = (ctypes.c_void_p, ctypes.c_void_p)
        self.private_set.restype = None
        # G_PRIVATE_INIT (notify): { p, notify, future[2] }. Both live as long
        # as the process (a module global).
        self.notify = ctypes.CFUNCTYPE(None, ctypes.c_void_p)(_thread_exits)
        self.private = (ctypes.c_void_p * 4)(None, ctypes.cast(self.notify, ctypes.c_void_p),
                                             None, None)
        self.private_addr = ctypes.addressof(self.private)
        # Never freed, not even when the interpreter tears the module down:
        # GLib may call the notify as long as the process lives.
        api.Py_IncRef(ctypes.py_object(self.notify))
        api.Py_IncRef(ctypes.py_object(self.private))
        atexit.register(_keep_pool_threads)


def _keep_pool_threads():
    # At exit: no pool thread ends (and calls our notify) while the
    # interpreter finalizes.
    GLib.ThreadPool.set_max_unused_threads(-1)
    GLib.ThreadPool.set_max_idle_time(0)


def _thread_exits(pinned_state):
    # The ending pool thread, in GLib's destructor of our GPrivate, whose
    # value is the pinned thread state. ctypes took the GIL with that state
    # if it still finds it: undoing our Ensure lets its own Release delete it.
    # If the thread's C library already dropped Python's thread-local key,
    # ctypes made a new state for the call, and the pinned one is deleted here.
    state = _pin.__dict__.pop("state", None)
    if state is not None:
        _gilstate.release(state)
    elif pinned_state:
        _gilstate.clear_state(pinned_state)
        _gilstate.delete_state(pinned_state)


def _thread_task_leaves_waiting(outcome):
    """@outcome started or ended: it no longer waits to start."""
    global _thread_waiting
    if not outcome.started:
        outcome.started = True
        with _pin_lock:
            _thread_waiting -= 1


def _pin_thread():
    global _gilstate
    if _gilstate is None:
        # Once only: GLib keeps the first GPrivate's destroy notify for good.
        with _pin_lock:
            if _gilstate is None:
                _gilstate = _GilState()
    _pin.state = _gilstate.ensure()
    _gilstate.private_set(_gilstate.private_addr, _gilstate.get_state())


def _unpin_thread():
    # Undoes our Ensure only: PyGObject's own Release then deletes the state.
    _gilstate.private_set(_gilstate.private_addr, None)
    _gilstate.release(_pin.__dict__.pop("state"))


def _token_run(context, token, *_user_data):
    """A pool thread (thread tasks) or the manager's context (coroutine
    tasks): runs the task's function."""
    outcome = _records.get(token)
    if outcome is None:
        outcome = _rearmable.pop(token, None)
        if outcome is None:
            return
        _records[token] = outcome
    if outcome.coroutine:
        _start_coroutine(context, outcome)
        return
    _thread_task_leaves_waiting(outcome)
    pinned = "state" in _pin.__dict__
    if not pinned and _thread_waiting > 0:
        _pin_thread()
        pinned = True
    _armed.add(context)
    try:
        outcome.value = outcome.func(context, *outcome.args, **outcome.kwargs)
        outcome.has_value = True
    except BaseException as exception:
        outcome.exception = exception
        _disarm(context)
        context.return_error(_error(Tasker.Error.FAILED, _describe(exception)))
    else:
        _disarm(context)
    if pinned and _thread_waiting <= 0:
        _unpin_thread()


def _token_done(task, token, *_user_data):
    """The manager's context, once per task."""
    outcome = _records.pop(token, None)
    if outcome is None:
        outcome = _rearmable.pop(token, None)
        if outcome is None:
            return
    # A thread task that started did not fail by a dependency, nor did a task
    # submitted without options (nothing to wait for): no GI call.
    may_be_dependant = outcome.may_wait and (not outcome.started or outcome.coroutine)
    if not outcome.started and not outcome.coroutine and not outcome.is_python_process:
        _thread_task_leaves_waiting(outcome)
    if may_be_dependant and _failed_by_dependency(task):
        # It never ran: kept for a rearm, which runs it with this token.
        _rearmable[token] = outcome
        while len(_rearmable) > _REARMABLE_MAX:
            _rearmable.popitem(last=False)
        task._tasker_outcome = outcome
        if outcome.when_done is not None:
            outcome.when_done(task)
        return
    # Also here: a submit from another thread may not have set it yet.
    task._tasker_outcome = outcome
    when_done = outcome.when_done
    # What the task held is let go of once it has ended.
    outcome.func = outcome.args = outcome.kwargs = None
    outcome.when_done = outcome.when_event = None
    # A process task's result is unpickled when result() first asks for it:
    # most done functions of small tasks never do, and the three GI calls
    # and the unpickling were a fifth of the main thread's time per task.
    if when_done is not None:
        when_done(task)


def _unpickle_result(task, outcome):
    """A completed Python process task's result, from the variant its worker
    sent, into @outcome (or what unpickling raised: an unpicklable result
    class, say)."""
    outcome.unpickled = True
    # An exception an earlier attempt raised is not this attempt's outcome.
    outcome.exception = outcome.remote_traceback = None
    try:
        result = task.propagate_variant()
        outcome.value = pickle.loads(result.get_data_as_bytes().get_data())
        outcome.has_value = True
    except Exception as exception:
        outcome.exception = exception


def _failed_by_dependency(task):
    if task.get_status() != Tasker.TaskStatus.FAILED:
        return False
    error = task.get_error()
    return error is not None and error.matches(Tasker.error_quark(),
                                               Tasker.Error.DEPENDENCY_FAILED)


def _token_event(task, token, name, data, *_user_data):
    """The manager's context, in order, before the task's done function."""
    outcome = _records.get(token)
    if outcome is None:
        return
    if outcome.is_python_process and name == _EXCEPTION_EVENT:
        try:
            outcome.exception, outcome.remote_traceback = pickle.loads(
                data.get_data_as_bytes().get_data())
        except Exception:
            pass  # the task's GLib.Error says what happened
        return
    value = _event_data(outcome, data)
    if outcome.when_event is not None:
        outcome.when_event(task, name, value)


def _token_funcs_set(manager):
    """Gives the manager our token functions, once."""
    with _token_lock:
        if not manager.__dict__.get("_tasker_tokens", False):
            Tasker.Manager.set_token_funcs(manager, _token_run, done_func=_token_done,
                                           event_func=_token_event)
            manager._tasker_tokens = True


def _submit(manager, submit, submit_held, key, options, outcome, *call):
    """Registers @outcome under a new token and submits it: with
    @submit_held(manager, token) when there is neither key nor options and
    the accelerator is there, else with @submit through GI."""
    if not manager.__dict__.get("_tasker_tokens", False):
        _token_funcs_set(manager)
    token = next(_task_tokens)
    _records[token] = outcome
    try:
        if submit_held is not None and key is None and options is None:
            task = submit_held(manager, token)
        else:
            task = submit(manager, key, options, *call, token)
    except BaseException:
        _records.pop(token, None)
        raise
    # result() finds it here, also in a task-finished handler (before the
    # done function); the wrapper then lives as long as the task.
    task._tasker_outcome = outcome
    return task


# Progress from Python (DESIGN.md §5, §7: ≤ 100 ns per call, the last value
# never lost). While a task's function runs in this override (it is "armed"),
# the first set_progress() on its context replaces the method on that
# context object with the append of a small bounded deque (_PENDING_MAX
# values, the oldest dropped): later calls store the value and return,
# without a Python frame or a GI call. The deque keeps a few values, not
# one, so that a NaN stored after a value does not hide it (C ignores the
# NaN when they are flushed in order). The value reaches
# the C context (which coalesces it as any other, DESIGN.md §4 Delivery):
#   - when the function returns or raises, before the task ends;
#   - before any other context call that could be ordered after it (flush,
#     set_total, set_message, send_event, log, sub_context, return_*, and a
#     direct set_progress from another context);
#   - from the puller thread, every _PULL_INTERVAL, while any value waits.
# Flushes hold _flush_lock, so the value that is popped last is the one
# given to C last. A value that is not a number is dropped with a warning
# when it is flushed (set_progress never raises, as for NaN).
_PULL_INTERVAL = 0.005
_pull_paused = False   # tests set it to see the other flushes alone
_PENDING_MAX = 4
_armed = set()
_pending = {}
_flush_lock = threading.Lock()
_puller_wake = threading.Condition(threading.Lock())
_puller = None


def _push_locked(context, pending):
    """Gives C the values waiting in @pending, oldest first: the last one
    counts, and a NaN among them is ignored (with C's warning) as if each
    had been given at once."""
    while pending:
        value = pending.popleft()
        try:
            Tasker.Context.set_progress(context, value)
        except (TypeError, ValueError, OverflowError) as exception:
            GLib.log_default_handler("Tasker", GLib.LogLevelFlags.LEVEL_WARNING,
                                     f"set_progress({value!r}) ignored: {exception}", None)


def _flush_progress(context):
    """Gives C the value waiting for @context, if any."""
    pending = _pending.get(context)
    if pending:
        with _flush_lock:
            if pending:
                _push_locked(context, pending)


def _disarm(context):
    """The function of @context's task has ended: its last value goes to C
    now, and later calls go straight to C."""
    _armed.discard(context)
    pending = _pending.pop(context, None)
    if pending is not None:
        context.__dict__.pop("set_progress", None)
        with _flush_lock:
            if pending:
                _push_locked(context, pending)


def _pull():
    while True:
        with _puller_wake:
            while not _pending:
                _puller_wake.wait()
        time.sleep(_PULL_INTERVAL)
        if _pull_paused:
            continue
        for context, pending in list(_pending.items()):
            if pending:
                with _flush_lock:
                    if pending:
                        _push_locked(context, pending)


def _start_puller():
    global _puller
    with _puller_wake:
        if _puller is None:
            _puller = threading.Thread(target=_pull, name="tasker-progress", daemon=True)
            _puller.start()
        _puller_wake.notify()


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
        _armed.add(context)
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
        _disarm(context)
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


def _start_coroutine(context, outcome):
    """The manager's context, soon after the submit: starts the coroutine
    on the override's asyncio thread."""
    try:
        coro = outcome.func(context, *outcome.args, **outcome.kwargs)
        if not asyncio.iscoroutine(coro):
            raise TypeError(f"{getattr(outcome.func, '__qualname__', outcome.func)!s} "
                            "did not return a coroutine")
    except BaseException as exception:
        outcome.exception = exception
        context.return_error(_error(Tasker.Error.FAILED, _describe(exception)))
        return
    _CoroutineRun(context, coro, outcome)


def _external_done(task):
    """The manager's context, once per external task added from Python."""
    outcome = task.__dict__.get("_tasker_outcome")
    # What its owner stored last goes to C (and changes nothing now).
    _disarm(task.get_context())
    if outcome is None:
        return
    when_done = outcome.when_done
    outcome.when_done = outcome.when_event = None
    if when_done is not None:
        when_done(task)


def _external_event(task, name, data):
    outcome = task.__dict__.get("_tasker_outcome")
    if outcome is not None and outcome.when_event is not None:
        outcome.when_event(task, name, _event_data(outcome, data))


def _external_outcome(context):
    """The outcome of the external task @context (or its root) reports to."""
    outcome = context.__dict__.get("_tasker_external")
    if outcome is None:
        root = context.__dict__.get("_tasker_root")
        if root is not None:
            outcome = root.__dict__.get("_tasker_external")
    return outcome


# A process task's payload: (sys.path, __main__'s file, module, qualname,
# args, kwargs), pickled (tasker/worker.py reads it). For a call without
# arguments the variant is kept per function while sys.path and __main__
# stay the same, so a repeated submit pickles nothing.
_payload_cache = {}
_PAYLOAD_CACHE_MAX = 256


def _process_args(module, qualname, args, kwargs):
    """The task's arguments as a GLib.Variant; raises what pickling raises."""
    main_path = getattr(sys.modules.get("__main__"), "__file__", None)
    if not args and not kwargs:
        entry = _payload_cache.get((module, qualname))
        if entry is not None and entry[0] == sys.path and entry[1] == main_path:
            return entry[2]
    path = list(sys.path)
    payload = pickle.dumps((path, main_path, module, qualname, args, kwargs),
                           protocol=pickle.HIGHEST_PROTOCOL)
    variant = GLib.Variant.new_from_bytes(GLib.VariantType.new("ay"),
                                          GLib.Bytes.new(payload), True)
    if not args and not kwargs:
        if len(_payload_cache) >= _PAYLOAD_CACHE_MAX:
            _payload_cache.clear()
        _payload_cache[(module, qualname)] = (path, main_path, variant)
    return variant


_process_options = None


def _get_process_options():
    """The options of a process task without options of its own: the Python
    worker (shared: the token functions do not need options per task)."""
    global _process_options
    if _process_options is None:
        opts = Tasker.TaskOptions.new()
        opts.set_worker([sys.executable, _WORKER_SCRIPT])
        _process_options = opts
    return _process_options


class Manager(Tasker.Manager):
    @classmethod
    def new(cls, context=None):
        return Tasker.Manager.new(context)

    def run_thread(self, func, *args, key=None, when_done=None, when_event=None,
                   options=None, **kwargs):
        """Runs `func(context, *args, **kwargs)` in the manager's thread pool."""
        if not callable(func):
            raise TypeError("run_thread() needs a callable")
        global _thread_waiting
        outcome = _Outcome(func, args, kwargs, when_done, when_event)
        with _pin_lock:
            _thread_waiting += 1
        try:
            return _submit(self, _run_thread_token, _run_thread_token_held, key, options,
                           outcome)
        except BaseException:
            _thread_task_leaves_waiting(outcome)
            raise

    def add_coroutine(self, coro_fn, *args, key=None, when_done=None, when_event=None,
                      options=None, **kwargs):
        """Runs `await coro_fn(context, *args, **kwargs)` on the override's
        asyncio thread; cancelling the task cancels it at once."""
        if not callable(coro_fn):
            raise TypeError("add_coroutine() needs a coroutine function")
        outcome = _Outcome(coro_fn, args, kwargs, when_done, when_event, coroutine=True)
        return _submit(self, _run_coroutine_token, _run_coroutine_token_held, key, options,
                       outcome)

    def run_process(self, func, *args, key=None, when_done=None, when_event=None,
                    options=None, **kwargs):
        """Runs `func(context, *args, **kwargs)` in a Python worker process;
        `func` must be importable by its module path, arguments and result
        picklable."""
        if not callable(func):
            raise TypeError("run_process() needs a callable")
        outcome = _Outcome(None, (), None, when_done, when_event, is_python_process=True)
        if options is None:
            opts = _get_process_options()
            outcome.may_wait = False
        else:
            opts = options.copy()
            opts.set_worker([sys.executable, _WORKER_SCRIPT])

        module = getattr(func, "__module__", None) or "__main__"
        qualname = getattr(func, "__qualname__", None) or getattr(func, "__name__", "")
        try:
            args_variant = _process_args(module, qualname, args, kwargs)
        except Exception as exception:
            # Not raised here (DESIGN.md §5): the worker fails the task with
            # this message, once (a retry would fail the same way).
            args_variant = GLib.Variant("(ss)", (_ARGUMENT_ERROR,
                                                 f"cannot pickle argument: {exception}"))
            opts = opts.copy() if options is None else opts
            opts.set_worker([sys.executable, _WORKER_SCRIPT])
            opts.props.max_attempts = 1
        return _submit(self, _run_process_token, None, key, opts, outcome,
                       f"{module}:{qualname}", args_variant)

    def add_external(self, key=None, options=None, when_done=None, when_event=None):
        """Adds a task whose work happens elsewhere (DESIGN.md §9). Its owner
        drives `task.get_context()` from any thread, as a task function does
        its context (set_progress coalesced the same way), and ends it with
        `context.return_value(obj)` or `context.return_error(exception)`.
        Raises GLib.Error (Tasker.Error.INVALID_ARGUMENT) for options that
        cannot apply: a queue, retries, a start time, dependencies, a worker,
        durable."""
        outcome = _Outcome(None, (), None, when_done, when_event)
        opts = options.copy() if options is not None else Tasker.TaskOptions.new()
        opts.set_done_func(_external_done)
        opts.set_event_func(_external_event)
        task = Tasker.Manager.add_external(self, key, opts)
        task._tasker_outcome = outcome
        context = task.get_context()
        context._tasker_external = outcome
        # Its set_progress coalesces as in a task function, until it ends.
        _armed.add(context)
        return task

    def get_task(self, key):
        """The live task with `key`, or None."""
        return self.dup_task(key)

    def shutdown(self, grace_ms=2000):
        Tasker.Manager.shutdown(self, grace_ms)


Manager = override(Manager)
_run_thread_token = Tasker.Manager.run_thread_token
_run_coroutine_token = Tasker.Manager.run_coroutine_token
_run_process_token = Tasker.Manager.run_process_token
# A submit through GI lets go of the GIL, and a pool thread waiting to run a
# Python task takes it: the submitting thread then sleeps until it gets it
# back. The accelerator (tasker-submit.c) makes the same call with the GIL
# held, for the common submit without key or options: 2 µs instead of 9–12 µs
# (docs/python.md). Without it (not built, another Python), all goes via GI.
try:
    from . import _tasker_submit
except ImportError:
    _tasker_submit = None
_run_thread_token_held = getattr(_tasker_submit, "run_thread_token", None)
_run_coroutine_token_held = getattr(_tasker_submit, "run_coroutine_token", None)
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
            if outcome is not None and outcome.is_python_process and not outcome.unpickled:
                _unpickle_result(self, outcome)
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
    def set_progress(self, progress):
        """Reports progress (a fraction, or units of the total). In a task's
        own function this only stores the value; it reaches the task before
        the function returns, at the next other call on the context, or
        within a few milliseconds."""
        if self in _armed:
            pending = collections.deque(maxlen=_PENDING_MAX)
            pending.append(progress)
            _pending[self] = pending
            # From now on a call is the deque's append (see _pending).
            self.set_progress = pending.append
            _start_puller()
            return
        self._tasker_flush_progress()
        Tasker.Context.set_progress(self, progress)

    def _tasker_flush_progress(self):
        _flush_progress(self)
        root = self.__dict__.get("_tasker_root")
        if root is not None:
            _flush_progress(root)

    def set_total(self, total):
        self._tasker_flush_progress()
        Tasker.Context.set_total(self, total)

    def set_message(self, message):
        self._tasker_flush_progress()
        Tasker.Context.set_message(self, message)

    def log(self, text):
        self._tasker_flush_progress()
        Tasker.Context.log(self, text)

    def flush(self):
        self._tasker_flush_progress()
        Tasker.Context.flush(self)

    def return_value(self, value):
        """Ends the task with `value`. For an external task any Python
        object, which `task.result()` returns."""
        outcome = _external_outcome(self)
        if outcome is None:
            self._tasker_flush_progress()
            Tasker.Context.return_value(self, value)
            return
        _disarm(self.__dict__.get("_tasker_root", self))
        # A cancelled task ends cancelled whatever it returns: the object
        # stays out of its outcome.
        if not self.is_cancelled():
            outcome.value = value
            outcome.has_value = True
        # No C result: the value stays in Python.
        Tasker.Context.return_value(self, None)

    def return_error(self, error):
        """Fails the task with `error`: a GLib.Error, or for an external
        task also a Python exception, which `task.result()` raises."""
        outcome = _external_outcome(self)
        if outcome is None:
            self._tasker_flush_progress()
            Tasker.Context.return_error(self, error)
            return
        _disarm(self.__dict__.get("_tasker_root", self))
        if isinstance(error, BaseException) and not isinstance(error, GLib.Error):
            if not self.is_cancelled():
                outcome.exception = error
            error = _error(Tasker.Error.FAILED, _describe(error))
        Tasker.Context.return_error(self, error)

    def sub_context(self, base_progress, progress_range, total=1.0):
        self._tasker_flush_progress()
        child = Tasker.Context.sub_context(self, base_progress, progress_range, total)
        # Its calls first flush what its task's function stored here.
        child._tasker_root = self.__dict__.get("_tasker_root", self)
        return child

    def send_event(self, name, data=None):
        """Sends an event to `when_event`: a GLib.Variant as is, any other
        object passed through unchanged."""
        self._tasker_flush_progress()
        if data is not None and not isinstance(data, GLib.Variant):
            data = GLib.Variant("(st)", (_PYOBJECT_EVENT, _stash_put(data)))
        Tasker.Context.send_event(self, name, data)


Context = override(Context)
__all__.append("Context")


class Schedule(Tasker.Schedule):
    @classmethod
    def new(cls, spec, clock=None, func=None):
        """Makes a schedule (docs/scheduling.md); `clock` None is the real clock.
        `func(schedule, options)` submits one run with `options` and returns its task.
        Raises GLib.Error (Tasker.Error.INVALID_ARGUMENT) for a bad spec."""
        schedule = Tasker.Schedule.new(spec, clock)
        if func is not None:
            schedule.set_func(func)
        return schedule


Schedule = override(Schedule)
__all__.append("Schedule")


# Names a program reads per task (`Tasker.TaskStatus.COMPLETED` in a done
# function) are set on the module itself: a name the override does not
# export is looked up through two AttributeErrors each time (PyGObject's
# proxy module, then its __getattr__), 0.4 µs of a done function's time.
for _name in ("TaskStatus", "TaskKind", "Error", "TaskOptions"):
    globals()[_name] = getattr(Tasker, _name)
    __all__.append(_name)
del _name
