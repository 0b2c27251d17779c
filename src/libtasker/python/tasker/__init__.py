# SPDX-License-Identifier: LGPL-2.1-or-later

"""Tasker's Python worker (worker.py), which a manager runs for process tasks
submitted from Python. Programs use Tasker through
`from gi.repository import Tasker`; nothing here is an API."""
