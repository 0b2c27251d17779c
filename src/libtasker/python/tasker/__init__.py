# SPDX-License-Identifier: LGPL-2.1-or-later

"""Tasker's Python worker (worker.py) and the protocol constants it takes
from the C headers (_constants.py, generated). Programs use Tasker through
`from gi.repository import Tasker`; nothing here is an API."""
