/* tasker-submit.c: gi.overrides._tasker_submit, the override's submit of a
 * thread or coroutine task without a key or options, made without letting go
 * of the GIL.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * PyGObject releases the GIL around every call into C. While the caller
 * submits, a pool thread waiting to run a Python task takes the GIL, and the
 * caller sleeps until it gets it back: measured, 9 µs per submit of which
 * 7 µs is that wait (DESIGN.md §7, bench-python). Made here with the GIL
 * held, a submit costs what its work costs.
 *
 * Holding the GIL across a call into Tasker is safe only if no thread holds
 * a lock that call takes while it waits for the GIL; the functions called
 * here keep to that (docs/python.md, "The submit without the GIL released").
 * Everything else goes through GObject Introspection as before: this module
 * only makes the common call cheaper, and the override works without it.
 */

#include <Python.h>
#include <pygobject.h>

#include <tasker.h>

typedef TaskerTask *(*RunTokenFunc) (TaskerManager      *self,
                                     const char         *key,
                                     TaskerTaskOptions  *options,
                                     guint64             token,
                                     GError            **error);

/* The wrapper of a new task from @run, or NULL with a Python exception set:
 * the same as the GI call with key and options None. */
static PyObject *
run_token (PyObject     *args,
           RunTokenFunc  run)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TaskerTask) task = NULL;
  PyObject *manager;
  unsigned long long token;

  if (!PyArg_ParseTuple (args, "O!K", &PyGObject_Type, &manager, &token))
    return NULL;

  if (!TASKER_IS_MANAGER (pygobject_get (manager)))
    {
      PyErr_SetString (PyExc_TypeError, "a Tasker.Manager is needed");
      return NULL;
    }

  task = run (TASKER_MANAGER (pygobject_get (manager)), NULL, NULL, token, &error);
  if (task == NULL)
    {
      if (!pyg_error_check (&error))
        PyErr_SetString (PyExc_RuntimeError, "the task was refused without an error");
      return NULL;
    }

  /* The wrapper takes a reference of its own; ours goes on return. */
  return pygobject_new (G_OBJECT (task));
}

static PyObject *
run_thread_token (PyObject *module,
                  PyObject *args)
{
  return run_token (args, tasker_manager_run_thread_token);
}

static PyObject *
run_coroutine_token (PyObject *module,
                     PyObject *args)
{
  return run_token (args, tasker_manager_run_coroutine_token);
}

static PyMethodDef submit_methods[] = {
  { "run_thread_token", run_thread_token, METH_VARARGS,
    "run_thread_token(manager, token) -> Tasker.Task: "
    "Tasker.Manager.run_thread_token(manager, None, None, token) with the GIL held." },
  { "run_coroutine_token", run_coroutine_token, METH_VARARGS,
    "run_coroutine_token(manager, token) -> Tasker.Task: "
    "Tasker.Manager.run_coroutine_token(manager, None, None, token) with the GIL held." },
  { NULL, NULL, 0, NULL },
};

static struct PyModuleDef submit_module = {
  PyModuleDef_HEAD_INIT,
  .m_name = "_tasker_submit",
  .m_doc = "The Tasker override's submit of a task without key or options, GIL held.",
  .m_size = -1,
  .m_methods = submit_methods,
};

PyMODINIT_FUNC PyInit__tasker_submit (void);

PyMODINIT_FUNC
PyInit__tasker_submit (void)
{
  PyObject *gobject_module;

  if ((gobject_module = pygobject_init (3, 42, 0)) == NULL)
    return NULL;
  Py_DECREF (gobject_module);

  /* A submit makes a task: its class is made now, with the GIL let go of,
   * never under GLib's class-init lock while the GIL is held. The reference
   * is kept for as long as the process lives, as the module is. */
  Py_BEGIN_ALLOW_THREADS
  g_type_class_ref (TASKER_TYPE_TASK);
  Py_END_ALLOW_THREADS

  return PyModule_Create (&submit_module);
}
