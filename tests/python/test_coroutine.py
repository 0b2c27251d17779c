# SPDX-License-Identifier: LGPL-2.1-or-later
"""add_coroutine (DESIGN.md §5): async def coro_fn(context, *args, **kwargs) on the
override's asyncio thread; results, exceptions, prompt cancellation, events, context
methods from the asyncio thread and the main thread."""

import asyncio
import math
import threading
import time

import pytest

from conftest import SETTLE_MS, is_cancelled_error, is_tasker_error, iterate_until, nick
from gi.repository import Gio, GLib, Tasker


def test_args_kwargs_context_first_on_asyncio_thread(manager, recorder, main_thread):
    seen = {}

    async def coro(context, a, b, *rest, scale=1, **extra):
        seen["context"] = context
        seen["thread"] = threading.get_ident()
        seen["loop"] = asyncio.get_running_loop()
        await asyncio.sleep(0)
        seen["args"] = (a, b, rest, scale, extra)
        return (a + b + sum(rest)) * scale

    t = manager.add_coroutine(coro, 1, 2, 3, scale=10, colour="blue",
                              when_done=recorder.when_done)
    assert isinstance(t, Tasker.Task)
    assert recorder.done == []
    assert manager.wait_until_settled(SETTLE_MS)
    assert isinstance(seen["context"], Tasker.Context)
    assert seen["thread"] != main_thread, "coroutines run on the override's asyncio thread"
    assert seen["args"] == (1, 2, (3,), 10, {"colour": "blue"})
    assert t.result() == 60
    assert recorder.done == [(t, main_thread)]


def test_one_dedicated_asyncio_thread(manager):
    idents = []

    async def coro(context):
        idents.append((threading.get_ident(), id(asyncio.get_running_loop())))

    for _ in range(3):
        manager.add_coroutine(coro)
    assert manager.wait_until_settled(SETTLE_MS)
    assert len(idents) == 3 and len(set(idents)) == 1


def test_reserved_keywords_do_not_reach_coroutine(manager, recorder):
    got = {}

    async def coro(context, **kwargs):
        got.update(kwargs)
        context.send_event("e")

    opts = Tasker.TaskOptions.new()
    opts.set_property("name", "coro-opts")
    t = manager.add_coroutine(coro, key="ck", when_done=recorder.when_done,
                              when_event=recorder.when_event, options=opts, name="fn")
    assert manager.wait_until_settled(SETTLE_MS)
    assert got == {"name": "fn"}
    assert t.get_key() == "ck" and t.get_name() == "coro-opts"
    assert recorder.done_count(t) == 1
    assert [e[1] for e in recorder.events] == ["e"]


def test_result_is_the_returned_object(manager):
    obj = object()

    async def coro(context, o):
        return o

    async def nothing(context):
        pass

    t = manager.add_coroutine(coro, obj)
    n = manager.add_coroutine(nothing)
    assert manager.wait_until_settled(SETTLE_MS)
    assert t.result() is obj
    assert n.result() is None
    assert t.get_error() is None
    assert nick(t) == "completed" and t.get_progress() == 1.0
    assert t.get_key() is None and t.get_attempt() == 1


def test_exception_keeps_its_type(manager):
    async def bad(context, n):
        await asyncio.sleep(0)
        raise ValueError(f"bad value {n}")

    t = manager.add_coroutine(bad, 3)
    assert manager.wait_until_settled(SETTLE_MS)
    assert nick(t) == "failed"
    with pytest.raises(ValueError, match="bad value 3") as info:
        t.result()
    assert type(info.value) is ValueError
    assert is_tasker_error(t.get_error(), Tasker.Error.FAILED)
    assert t.get_error().message == "ValueError: bad value 3"


def test_result_on_unfinished_coroutine_raises(ctx, manager):
    release = threading.Event()

    async def waiting(context):
        while not release.is_set():
            await asyncio.sleep(0.002)
        return 1

    t = manager.add_coroutine(waiting)
    with pytest.raises(Exception):
        t.result()
    assert iterate_until(ctx, lambda: nick(t) == "running")
    with pytest.raises(Exception):
        t.result()
    assert t.get_error() is None
    release.set()
    assert manager.wait_until_settled(SETTLE_MS)
    assert t.result() == 1


def test_cancel_in_asyncio_sleep_is_prompt(ctx, manager, recorder, capsys):
    """Cancelling raises CancelledError inside the coroutine at once: a coroutine in
    asyncio.sleep(2) ends CANCELLED within a few ms (asserted < 200 ms)."""
    seen = {}

    async def sleeper(context):
        context.send_event("sleeping")
        try:
            await asyncio.sleep(2)
        except asyncio.CancelledError:
            seen["cancelled_error"] = True
            raise
        seen["woke"] = True

    t = manager.add_coroutine(sleeper, when_event=recorder.when_event,
                              when_done=recorder.when_done)
    assert iterate_until(ctx, lambda: recorder.events)
    assert nick(t) == "running"
    start = time.monotonic()
    t.cancel()
    assert iterate_until(ctx, lambda: recorder.is_done(t), timeout=3.0)
    elapsed_ms = (time.monotonic() - start) * 1000
    with capsys.disabled():
        print(f"\n[tasker] coroutine cancel -> when_done: {elapsed_ms:.2f} ms")
    assert seen == {"cancelled_error": True}
    assert nick(t) == "cancelled"
    assert elapsed_ms < 200, elapsed_ms
    with pytest.raises(GLib.Error) as info:
        t.result()
    assert info.value.matches(Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED)
    assert is_cancelled_error(t.get_error())


def test_coroutine_swallowing_cancel_is_still_cancelled(ctx, manager, recorder):
    async def stubborn(context):
        context.send_event("sleeping")
        try:
            await asyncio.sleep(5)
        except asyncio.CancelledError:
            return "swallowed"

    t = manager.add_coroutine(stubborn, key="stubborn", when_event=recorder.when_event,
                              when_done=recorder.when_done)
    assert iterate_until(ctx, lambda: recorder.events)
    assert manager.cancel_task("stubborn") is True
    assert iterate_until(ctx, lambda: recorder.is_done(t), timeout=3.0)
    assert nick(t) == "cancelled"


def test_events_pass_objects_through(manager, recorder, main_thread):
    payload = ["same", "object"]

    async def coro(context):
        context.send_event("none")
        await asyncio.sleep(0)
        context.send_event("payload", payload)
        for i in range(30):
            context.send_event("seq", data=i)
        return "done"

    t = manager.add_coroutine(coro, when_event=recorder.when_event,
                              when_done=recorder.when_done)
    assert manager.wait_until_settled(SETTLE_MS)
    events = recorder.events
    assert events[0][1:3] == ("none", None)
    assert events[1][1] == "payload" and events[1][2] is payload
    assert [e[2] for e in events[2:]] == list(range(30))
    assert all(e[0] is t and e[3] == main_thread and not e[4] for e in events)
    assert recorder.done_count(t) == 1


def test_context_methods_from_asyncio_thread(ctx, manager):
    release = threading.Event()

    async def coro(context):
        context.set_total(10)
        context.set_progress(5)
        context.set_message("from asyncio")
        context.log("asyncio log")
        context.sub_context(0.5, 0.5).set_message("sub from asyncio")
        context.flush()
        assert isinstance(context.get_cancellable(), Gio.Cancellable)
        assert context.is_cancelled() is False
        while not release.is_set():
            await asyncio.sleep(0.002)
        return "ok"

    t = manager.add_coroutine(coro)
    assert iterate_until(ctx, lambda: math.isclose(t.get_progress(), 0.5))
    assert iterate_until(ctx, lambda: t.get_message() == "sub from asyncio")
    release.set()
    assert manager.wait_until_settled(SETTLE_MS)
    assert t.result() == "ok"
    assert any("asyncio log" in line for line in t.get_log())


def test_context_methods_from_main_thread(ctx, manager, recorder, main_thread):
    holder = {}
    release = threading.Event()
    obj = object()

    async def coro(context):
        holder["context"] = context
        while not release.is_set():
            await asyncio.sleep(0.002)
        return "ok"

    t = manager.add_coroutine(coro, when_event=recorder.when_event)
    assert iterate_until(ctx, lambda: "context" in holder)
    c = holder["context"]
    c.set_progress(0.25)
    c.set_message("from main")
    c.log("main log")
    c.send_event("main-event", obj)
    c.flush()
    assert iterate_until(ctx, lambda: math.isclose(t.get_progress(), 0.25))
    assert iterate_until(ctx, lambda: t.get_message() == "from main")
    assert iterate_until(ctx, lambda: recorder.events)
    release.set()
    assert manager.wait_until_settled(SETTLE_MS)
    assert recorder.events[0][1] == "main-event" and recorder.events[0][2] is obj
    assert recorder.events[0][3] == main_thread
    assert any("main log" in line for line in t.get_log())


def test_sub_context_composes_in_coroutine(ctx, manager):
    release = threading.Event()

    async def coro(context):
        context.sub_context(0.1, 0.8).sub_context(0.5, 0.25, total=10).set_progress(8)
        context.flush()
        while not release.is_set():
            await asyncio.sleep(0.002)

    t = manager.add_coroutine(coro)
    assert iterate_until(ctx, lambda: math.isclose(t.get_progress(), 0.66))
    release.set()
    assert manager.wait_until_settled(SETTLE_MS)


def test_result_readable_in_when_done_without_keeping_the_task(manager):
    obj = object()
    results = []

    async def coro(context):
        return obj

    manager.add_coroutine(coro, when_done=lambda t: results.append(t.result()))
    assert manager.wait_until_settled(SETTLE_MS)
    assert len(results) == 1 and results[0] is obj
