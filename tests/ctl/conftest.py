# SPDX-License-Identifier: LGPL-2.1-or-later
"""Fixtures of the taskerctl tests: a session bus shared by a module, or one per test
(ctl_session.py)."""

import pytest

from ctl_session import CtlSession


@pytest.fixture(scope="module")
def bus():
    # Commands without --queue go to the first queue: one wide enough that
    # the tests' tasks never wait for each other.
    session = CtlSession(settings={"queues": "[('default', 200, 0)]"})
    session.keep_alive()
    yield session
    session.close()


@pytest.fixture
def fresh_bus():
    session = CtlSession()
    yield session
    session.close()
