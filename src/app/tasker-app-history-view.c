/* tasker-app-history-view.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "tasker-app-history-view.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "tasker-app-format.h"
#include "tasker-app-history-details.h"
#include "tasker-app-history-row.h"

/**
 * TaskerAppHistoryView:
 *
 * The list of finished commands, read page by page from the manager's
 * history (see [property@Tasker.Manager:history-path]): a search entry
 * (matched against the records' name, command line, message and log), a
 * status filter, one row
 * per record with its name, command line, status, finish time and duration,
 * a button to run a record again and a "Load More" button for the next
 * page. Activating a row opens a window with the record's details and log.
 *
 * The view refreshes itself when it is mapped and, while mapped, at most
 * once a second after the manager's [signal@Tasker.Manager::task-finished].
 *
 * Actions: `history.refresh`, `history.load-more`, `history.clear` (asks
 * for confirmation, then empties the history with
 * [method@Tasker.Manager.clear_history_async]).
 *
 * Main thread only, like every widget.
 */

#define PAGE_SIZE          50
#define REFRESH_THROTTLE_MS 1000

struct _TaskerAppHistoryView
{
  GtkWidget       parent_instance;

  TaskerManager  *manager;            /* (owned) (nullable) */
  gulong          task_finished_id;   /* on @manager */
  GListStore     *store;              /* (owned) (element-type TaskerHistoryRecord) */
  GCancellable   *cancellable;        /* (owned) (nullable): the query in flight */
  GCancellable   *clear_cancellable;  /* (owned): cancelled in dispose */
  guint           refresh_source_id;  /* throttled refresh after task-finished */
  gint64          last_refresh;       /* monotonic, µs */
  guint           loading : 1;        /* a query is in flight */
  guint           loaded : 1;         /* a query has completed once */
  guint           has_more : 1;       /* the last page was full */
  guint           dirty : 1;          /* refresh at the next map */

  /* template children */
  GtkSearchEntry *search_entry;
  GtkDropDown    *status_dropdown;
  GtkButton      *clear_button;
  GtkStack       *stack;
  GtkSpinner     *spinner;
  GtkScrolledWindow *scroller;
  GtkListView    *list_view;
  GtkButton      *load_more_button;
  AdwStatusPage  *empty_page;
  AdwStatusPage  *error_page;
};

enum {
  PROP_0,
  PROP_MANAGER,
  PROP_LOADING,
  N_PROPS
};

enum {
  RERUN,
  N_SIGNALS
};

G_DEFINE_FINAL_TYPE (TaskerAppHistoryView, tasker_app_history_view, GTK_TYPE_WIDGET)

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* What a query was for, kept until its callback. */
typedef struct
{
  TaskerAppHistoryView *self;     /* (owned) */
  GCancellable      *cancellable; /* (owned): the query's; stale unless it is @self's */
  gboolean           append;   /* load more: append; else replace */
  guint              limit;
} QueryData;

static void
query_data_free (QueryData *data)
{
  g_clear_object (&data->self);
  g_clear_object (&data->cancellable);
  g_free (data);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (QueryData, query_data_free)

/* The status filter's items, in order; the last one, Interrupted, is not a
 * status but a flag of the record (see make_query()). */
static const int dropdown_statuses[] = {
  -1,
  TASKER_TASK_STATUS_COMPLETED,
  TASKER_TASK_STATUS_FAILED,
  TASKER_TASK_STATUS_CANCELLED,
};
#define DROPDOWN_INTERRUPTED G_N_ELEMENTS (dropdown_statuses)

/* Two records are the same entry when these match (task ids restart with
 * every process, the times tell runs apart). */
static gboolean
same_record (TaskerHistoryRecord *a,
             TaskerHistoryRecord *b)
{
  return tasker_history_record_get_task_id (a) == tasker_history_record_get_task_id (b)
      && tasker_history_record_get_finished_time (a) == tasker_history_record_get_finished_time (b)
      && tasker_history_record_get_created_time (a) == tasker_history_record_get_created_time (b)
      && tasker_history_record_get_status (a) == tasker_history_record_get_status (b);
}

/* State */

static gboolean
has_filter (TaskerAppHistoryView *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));

  return (text != NULL && text[0] != '\0')
      || gtk_drop_down_get_selected (self->status_dropdown) != 0;
}

static void
update_state (TaskerAppHistoryView *self)
{
  guint n_items = g_list_model_get_n_items (G_LIST_MODEL (self->store));
  const char *page;

  if (n_items > 0)
    page = "list";
  else if (self->loading || !self->loaded)
    page = "loading";
  else if (g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "error") == 0)
    page = "error";
  else
    page = "empty";

  if (has_filter (self))
    {
      adw_status_page_set_icon_name (self->empty_page, "edit-find-symbolic");
      adw_status_page_set_title (self->empty_page, _("No Results Found"));
      adw_status_page_set_description (self->empty_page,
                                       _("Try a different search or status."));
    }
  else
    {
      adw_status_page_set_icon_name (self->empty_page, "document-open-recent-symbolic");
      adw_status_page_set_title (self->empty_page, _("No History"));
      adw_status_page_set_description (self->empty_page,
                                       _("Commands appear here when they finish."));
    }

  gtk_stack_set_visible_child_name (self->stack, page);
  /* GTK 4.8 restyles the whole window every frame while a GtkSpinner spins,
   * mapped or not: this one spins only while it can be seen. */
  gtk_spinner_set_spinning (self->spinner, g_str_equal (page, "loading") &&
                                           gtk_widget_get_mapped (GTK_WIDGET (self)));
  gtk_widget_set_visible (GTK_WIDGET (self->load_more_button), self->has_more && n_items > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "history.load-more",
                                 self->manager != NULL && self->has_more && !self->loading);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "history.refresh", self->manager != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "history.clear",
                                 self->manager != NULL && (n_items > 0 || has_filter (self)));
}

static void
set_loading (TaskerAppHistoryView *self,
             gboolean              loading)
{
  loading = !!loading;
  if (self->loading == (guint) loading)
    return;
  self->loading = loading;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
}

static void
show_error (TaskerAppHistoryView *self,
            const GError         *error)
{
  adw_status_page_set_description (self->error_page, error->message);
  g_list_store_remove_all (self->store);
  gtk_stack_set_visible_child_name (self->stack, "error");
}

/* Replaces the store's contents with @records, keeping the rows that did
 * not change (new records come in at the top). */
static void
reconcile (TaskerAppHistoryView *self,
           GListModel           *records)
{
  guint old_n = g_list_model_get_n_items (G_LIST_MODEL (self->store));
  guint new_n = g_list_model_get_n_items (records);
  guint prefix = 0, suffix = 0;
  g_autoptr(GPtrArray) added = NULL;

  while (prefix < old_n && prefix < new_n)
    {
      g_autoptr(TaskerHistoryRecord) a = g_list_model_get_item (G_LIST_MODEL (self->store), prefix);
      g_autoptr(TaskerHistoryRecord) b = g_list_model_get_item (records, prefix);

      if (!same_record (a, b))
        break;
      prefix++;
    }
  while (suffix < old_n - prefix && suffix < new_n - prefix)
    {
      g_autoptr(TaskerHistoryRecord) a = g_list_model_get_item (G_LIST_MODEL (self->store), old_n - 1 - suffix);
      g_autoptr(TaskerHistoryRecord) b = g_list_model_get_item (records, new_n - 1 - suffix);

      if (!same_record (a, b))
        break;
      suffix++;
    }

  added = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = prefix; i < new_n - suffix; i++)
    g_ptr_array_add (added, g_list_model_get_item (records, i));

  if (old_n - prefix - suffix > 0 || added->len > 0)
    g_list_store_splice (self->store, prefix, old_n - prefix - suffix, added->pdata, added->len);
}

static void
append_records (TaskerAppHistoryView *self,
                GListModel           *records)
{
  guint n_items = g_list_model_get_n_items (G_LIST_MODEL (self->store));
  guint new_n = g_list_model_get_n_items (records);
  g_autoptr(GPtrArray) added = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < new_n; i++)
    {
      g_autoptr(TaskerHistoryRecord) record = g_list_model_get_item (records, i);
      gboolean duplicate = FALSE;

      /* The page starts at the last record shown: skip what is there. */
      for (guint j = n_items > 8 ? n_items - 8 : 0; j < n_items && !duplicate; j++)
        {
          g_autoptr(TaskerHistoryRecord) shown = g_list_model_get_item (G_LIST_MODEL (self->store), j);

          duplicate = same_record (shown, record);
        }
      if (!duplicate)
        g_ptr_array_add (added, g_steal_pointer (&record));
    }

  if (added->len > 0)
    g_list_store_splice (self->store, n_items, 0, added->pdata, added->len);
}

static void
query_done_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(QueryData) data = user_data;
  TaskerAppHistoryView *self = data->self;
  g_autoptr(GListModel) records = NULL;
  g_autoptr(GError) error = NULL;

  records = tasker_manager_query_history_finish (TASKER_MANAGER (object), result, &error);
  if (records == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  /* A newer query replaced this one. */
  if (data->cancellable != self->cancellable)
    return;

  g_clear_object (&self->cancellable);
  self->loaded = TRUE;
  set_loading (self, FALSE);

  if (records == NULL)
    {
      self->has_more = FALSE;
      show_error (self, error);
      update_state (self);
      return;
    }

  self->has_more = g_list_model_get_n_items (records) >= data->limit;
  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "error") == 0)
    gtk_stack_set_visible_child_name (self->stack, "loading");
  if (data->append)
    append_records (self, records);
  else
    reconcile (self, records);
  update_state (self);
}

static TaskerHistoryQuery *
make_query (TaskerAppHistoryView *self)
{
  g_autoptr(TaskerHistoryQuery) query = tasker_history_query_new ();
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  guint selected = gtk_drop_down_get_selected (self->status_dropdown);

  if (text != NULL && text[0] != '\0')
    tasker_history_query_set_text (query, text);
  if (selected < G_N_ELEMENTS (dropdown_statuses))
    tasker_history_query_set_status (query, dropdown_statuses[selected]);
  else if (selected == DROPDOWN_INTERRUPTED)
    tasker_history_query_set_interrupted (query, TRUE);

  return g_steal_pointer (&query);
}

static void
start_query (TaskerAppHistoryView *self,
             TaskerHistoryQuery   *query,
             gboolean              append)
{
  QueryData *data;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);

  if (self->manager == NULL)
    return;

  data = g_new0 (QueryData, 1);
  data->self = g_object_ref (self);
  data->append = append;
  data->limit = tasker_history_query_get_limit (query);

  self->cancellable = g_cancellable_new ();
  data->cancellable = g_object_ref (self->cancellable);
  self->last_refresh = g_get_monotonic_time ();
  set_loading (self, TRUE);
  tasker_manager_query_history_async (self->manager, query, self->cancellable, query_done_cb, data);
  update_state (self);
}

/**
 * tasker_app_history_view_refresh:
 * @self: a #TaskerAppHistoryView
 *
 * Reads the history again with the current search and status filter,
 * keeping as many records as are shown now (at least one page).
 */
void
tasker_app_history_view_refresh (TaskerAppHistoryView *self)
{
  g_autoptr(TaskerHistoryQuery) query = NULL;
  guint n_items;

  g_return_if_fail (TASKER_APP_IS_HISTORY_VIEW (self));

  g_clear_handle_id (&self->refresh_source_id, g_source_remove);
  self->dirty = FALSE;

  n_items = g_list_model_get_n_items (G_LIST_MODEL (self->store));
  query = make_query (self);
  tasker_history_query_set_limit (query, MAX (PAGE_SIZE, (n_items + PAGE_SIZE - 1) / PAGE_SIZE * PAGE_SIZE));
  start_query (self, query, FALSE);
}

/* A new search or status starts from the first page. */
static void
restart (TaskerAppHistoryView *self)
{
  /* (a template child notifying while the template is disposed) */
  if (self->stack == NULL)
    return;

  g_list_store_remove_all (self->store);
  self->has_more = FALSE;
  self->loaded = FALSE;
  tasker_app_history_view_refresh (self);
}

static void
load_more (TaskerAppHistoryView *self)
{
  g_autoptr(TaskerHistoryQuery) query = NULL;
  g_autoptr(TaskerHistoryRecord) last = NULL;
  guint n_items = g_list_model_get_n_items (G_LIST_MODEL (self->store));
  guint n_same = 0;
  gint64 last_finished;

  if (self->loading || !self->has_more || n_items == 0)
    return;

  /* Page from the last record shown rather than by offset alone, so
   * records added at the top meanwhile do not shift the page. */
  last = g_list_model_get_item (G_LIST_MODEL (self->store), n_items - 1);
  last_finished = tasker_history_record_get_finished_time (last);
  for (guint i = n_items; i > 0; i--)
    {
      g_autoptr(TaskerHistoryRecord) record = g_list_model_get_item (G_LIST_MODEL (self->store), i - 1);

      if (tasker_history_record_get_finished_time (record) != last_finished)
        break;
      n_same++;
    }

  query = make_query (self);
  tasker_history_query_set_until (query, last_finished + 1);
  tasker_history_query_set_offset (query, n_same);
  tasker_history_query_set_limit (query, PAGE_SIZE);
  start_query (self, query, TRUE);
}

static gboolean
throttled_refresh_cb (gpointer user_data)
{
  TaskerAppHistoryView *self = user_data;

  self->refresh_source_id = 0;
  if (gtk_widget_get_mapped (GTK_WIDGET (self)))
    tasker_app_history_view_refresh (self);
  else
    self->dirty = TRUE;

  return G_SOURCE_REMOVE;
}

static void
task_finished_cb (TaskerAppHistoryView *self,
                  TaskerTask           *task,
                  TaskerManager        *manager)
{
  gint64 since_last;
  guint delay_ms;

  if (!gtk_widget_get_mapped (GTK_WIDGET (self)))
    {
      self->dirty = TRUE;
      return;
    }
  if (self->refresh_source_id != 0)
    return;

  /* At most one refresh a second; the first soon, from the main loop
   * (the history records the task after this signal). */
  since_last = (g_get_monotonic_time () - self->last_refresh) / 1000;
  delay_ms = since_last >= REFRESH_THROTTLE_MS ? 50 : (guint) (REFRESH_THROTTLE_MS - since_last);
  self->refresh_source_id = g_timeout_add (delay_ms, throttled_refresh_cb, self);
}

/* Rows */

static void
row_rerun_cb (TaskerAppHistoryView *self,
              TaskerHistoryRecord  *record)
{
  g_signal_emit (self, signals[RERUN], 0, record);
}

static void
setup_row_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *list_item,
              TaskerAppHistoryView     *self)
{
  GtkWidget *row = tasker_app_history_row_new ();

  g_signal_connect_object (row, "rerun", G_CALLBACK (row_rerun_cb), self, G_CONNECT_SWAPPED);
  gtk_list_item_set_activatable (list_item, TRUE);
  gtk_list_item_set_child (list_item, row);
}

static void
bind_row_cb (GtkSignalListItemFactory *factory,
             GtkListItem              *list_item,
             TaskerAppHistoryView     *self)
{
  tasker_app_history_row_set_record (TASKER_APP_HISTORY_ROW (gtk_list_item_get_child (list_item)),
                                     gtk_list_item_get_item (list_item));
}

static void
unbind_row_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *list_item,
               TaskerAppHistoryView     *self)
{
  tasker_app_history_row_set_record (TASKER_APP_HISTORY_ROW (gtk_list_item_get_child (list_item)), NULL);
}

/* Details of one record: a small window with its facts and its log. */
static GtkWidget *
show_details (TaskerAppHistoryView *self,
              TaskerHistoryRecord  *record)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWidget *window = tasker_app_history_details_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, record);

  g_signal_connect_object (window, "rerun", G_CALLBACK (row_rerun_cb), self, G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (window));

  return window;
}

static void
row_activated_cb (TaskerAppHistoryView *self,
                  guint                 position,
                  GtkListView          *list_view)
{
  g_autoptr(TaskerHistoryRecord) record = g_list_model_get_item (G_LIST_MODEL (self->store), position);

  if (record != NULL)
    show_details (self, record);
}

/* Template callbacks */

static void
search_changed_cb (TaskerAppHistoryView *self,
                   GtkSearchEntry       *entry)
{
  restart (self);
}

static void
stop_search_cb (TaskerAppHistoryView *self,
                GtkSearchEntry       *entry)
{
  gtk_editable_set_text (GTK_EDITABLE (entry), "");
}

static void
status_changed_cb (TaskerAppHistoryView *self,
                   GParamSpec           *pspec,
                   GtkDropDown          *dropdown)
{
  restart (self);
}

static void
edge_reached_cb (TaskerAppHistoryView *self,
                 GtkPositionType       pos,
                 GtkScrolledWindow    *scroller)
{
  if (pos == GTK_POS_BOTTOM)
    load_more (self);
}

/* Actions */

static void
refresh_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *param)
{
  tasker_app_history_view_refresh (TASKER_APP_HISTORY_VIEW (widget));
}

static void
load_more_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *param)
{
  load_more (TASKER_APP_HISTORY_VIEW (widget));
}

static void
clear_done_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(TaskerAppHistoryView) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!tasker_manager_clear_history_finish (TASKER_MANAGER (object), result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          show_error (self, error);
          update_state (self);
        }
      return;
    }

  g_list_store_remove_all (self->store);
  self->has_more = FALSE;
  tasker_app_history_view_refresh (self);
}

static void
clear_response_cb (AdwMessageDialog     *dialog,
                   const char           *response,
                   TaskerAppHistoryView *self)
{
  if (g_strcmp0 (response, "clear") != 0 || self->manager == NULL)
    return;

  tasker_manager_clear_history_async (self->manager, self->clear_cancellable,
                                     clear_done_cb, g_object_ref (self));
}

static void
clear_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *param)
{
  TaskerAppHistoryView *self = TASKER_APP_HISTORY_VIEW (widget);
  GtkRoot *root = gtk_widget_get_root (widget);
  GtkWidget *dialog;

  dialog = adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                   _("Clear History?"),
                                   _("Every finished command will be removed from the history. "
                                     "This cannot be undone."));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "clear", _("C_lear"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "clear",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (clear_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* GObject */

static void
tasker_app_history_view_map (GtkWidget *widget)
{
  TaskerAppHistoryView *self = TASKER_APP_HISTORY_VIEW (widget);

  GTK_WIDGET_CLASS (tasker_app_history_view_parent_class)->map (widget);

  /* Whatever finished while hidden shows up now. */
  if (self->manager != NULL && !self->loading)
    tasker_app_history_view_refresh (self);
  update_state (self);
}

static void
tasker_app_history_view_unmap (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (tasker_app_history_view_parent_class)->unmap (widget);
  update_state (TASKER_APP_HISTORY_VIEW (widget));
}

static gboolean
tasker_app_history_view_grab_focus (GtkWidget *widget)
{
  TaskerAppHistoryView *self = TASKER_APP_HISTORY_VIEW (widget);

  /* Focusing the view means searching it. */
  return gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

static void
tasker_app_history_view_dispose (GObject *object)
{
  TaskerAppHistoryView *self = TASKER_APP_HISTORY_VIEW (object);
  GtkWidget *child;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_cancellable_cancel (self->clear_cancellable);
  g_clear_handle_id (&self->refresh_source_id, g_source_remove);
  if (self->manager != NULL)
    g_clear_signal_handler (&self->task_finished_id, self->manager);
  g_clear_object (&self->manager);

  gtk_widget_dispose_template (GTK_WIDGET (self), TASKER_APP_TYPE_HISTORY_VIEW);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))) != NULL)
    gtk_widget_unparent (child);

  G_OBJECT_CLASS (tasker_app_history_view_parent_class)->dispose (object);
}

static void
tasker_app_history_view_finalize (GObject *object)
{
  TaskerAppHistoryView *self = TASKER_APP_HISTORY_VIEW (object);

  g_clear_object (&self->store);
  g_clear_object (&self->clear_cancellable);

  G_OBJECT_CLASS (tasker_app_history_view_parent_class)->finalize (object);
}

static void
tasker_app_history_view_get_property (GObject    *object,
                                      guint       prop_id,
                                      GValue     *value,
                                      GParamSpec *pspec)
{
  TaskerAppHistoryView *self = TASKER_APP_HISTORY_VIEW (object);

  switch (prop_id)
    {
    case PROP_MANAGER:
      g_value_set_object (value, self->manager);
      break;

    case PROP_LOADING:
      g_value_set_boolean (value, self->loading);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tasker_app_history_view_set_property (GObject      *object,
                                      guint         prop_id,
                                      const GValue *value,
                                      GParamSpec   *pspec)
{
  TaskerAppHistoryView *self = TASKER_APP_HISTORY_VIEW (object);

  switch (prop_id)
    {
    case PROP_MANAGER:
      tasker_app_history_view_set_manager (self, g_value_get_object (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tasker_app_history_view_class_init (TaskerAppHistoryViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tasker_app_history_view_dispose;
  object_class->finalize = tasker_app_history_view_finalize;
  object_class->get_property = tasker_app_history_view_get_property;
  object_class->set_property = tasker_app_history_view_set_property;

  widget_class->map = tasker_app_history_view_map;
  widget_class->unmap = tasker_app_history_view_unmap;
  widget_class->grab_focus = tasker_app_history_view_grab_focus;

  /**
   * TaskerAppHistoryView:manager:
   *
   * The manager whose history is shown.
   */
  properties[PROP_MANAGER] =
    g_param_spec_object ("manager", NULL, NULL,
                         TASKER_TYPE_MANAGER,
                         (G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * TaskerAppHistoryView:loading:
   *
   * Whether a query of the history is in flight.
   */
  properties[PROP_LOADING] =
    g_param_spec_boolean ("loading", NULL, NULL,
                          FALSE,
                          (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * TaskerAppHistoryView::rerun:
   * @self: a #TaskerAppHistoryView
   * @record: the record to run again
   *
   * Emitted on the main thread when the user asks to run @record again
   * (the button is sensitive only for records with a "command"
   * description). The handler submits the command again.
   */
  signals[RERUN] =
    g_signal_new ("rerun",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0,
                  NULL, NULL,
                  NULL,
                  G_TYPE_NONE, 1, TASKER_TYPE_HISTORY_RECORD);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/tasker/Tasker/tasker-app-history-view.ui");
  gtk_widget_class_bind_template_child (widget_class, TaskerAppHistoryView, search_entry);
  gtk_widget_class_bind_template_child (widget_class, TaskerAppHistoryView, status_dropdown);
  gtk_widget_class_bind_template_child (widget_class, TaskerAppHistoryView, clear_button);
  gtk_widget_class_bind_template_child (widget_class, TaskerAppHistoryView, stack);
  gtk_widget_class_bind_template_child (widget_class, TaskerAppHistoryView, spinner);
  gtk_widget_class_bind_template_child (widget_class, TaskerAppHistoryView, scroller);
  gtk_widget_class_bind_template_child (widget_class, TaskerAppHistoryView, list_view);
  gtk_widget_class_bind_template_child (widget_class, TaskerAppHistoryView, load_more_button);
  gtk_widget_class_bind_template_child (widget_class, TaskerAppHistoryView, empty_page);
  gtk_widget_class_bind_template_child (widget_class, TaskerAppHistoryView, error_page);
  gtk_widget_class_bind_template_callback (widget_class, search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, stop_search_cb);
  gtk_widget_class_bind_template_callback (widget_class, status_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, edge_reached_cb);
  gtk_widget_class_bind_template_callback (widget_class, row_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, setup_row_cb);
  gtk_widget_class_bind_template_callback (widget_class, bind_row_cb);
  gtk_widget_class_bind_template_callback (widget_class, unbind_row_cb);

  gtk_widget_class_install_action (widget_class, "history.refresh", NULL, refresh_action);
  gtk_widget_class_install_action (widget_class, "history.load-more", NULL, load_more_action);
  gtk_widget_class_install_action (widget_class, "history.clear", NULL, clear_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F5, 0, "history.refresh", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_r, GDK_CONTROL_MASK, "history.refresh", NULL);

  gtk_widget_class_set_css_name (widget_class, "historyview");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
tasker_app_history_view_init (TaskerAppHistoryView *self)
{
  g_autoptr(GtkNoSelection) selection = NULL;

  self->store = g_list_store_new (TASKER_TYPE_HISTORY_RECORD);
  self->clear_cancellable = g_cancellable_new ();

  gtk_widget_init_template (GTK_WIDGET (self));

  selection = gtk_no_selection_new (g_object_ref (G_LIST_MODEL (self->store)));
  gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (selection));
  /* Typing anywhere in the view searches. */
  gtk_search_entry_set_key_capture_widget (self->search_entry, GTK_WIDGET (self));

  update_state (self);
}

/**
 * tasker_app_history_view_new:
 * @manager: (nullable): the manager whose history to show
 *
 * Creates a history view.
 *
 * Returns: (transfer floating): a new #TaskerAppHistoryView
 */
GtkWidget *
tasker_app_history_view_new (TaskerManager *manager)
{
  g_return_val_if_fail (manager == NULL || TASKER_IS_MANAGER (manager), NULL);

  return g_object_new (TASKER_APP_TYPE_HISTORY_VIEW,
                       "manager", manager,
                       NULL);
}

/**
 * tasker_app_history_view_get_manager:
 * @self: a #TaskerAppHistoryView
 *
 * Returns: (transfer none) (nullable): the manager whose history is shown
 */
TaskerManager *
tasker_app_history_view_get_manager (TaskerAppHistoryView *self)
{
  g_return_val_if_fail (TASKER_APP_IS_HISTORY_VIEW (self), NULL);

  return self->manager;
}

/**
 * tasker_app_history_view_set_manager:
 * @self: a #TaskerAppHistoryView
 * @manager: (nullable): a #TaskerManager
 *
 * Sets the manager whose history is shown, and reads it when the view is
 * mapped.
 */
void
tasker_app_history_view_set_manager (TaskerAppHistoryView *self,
                                     TaskerManager        *manager)
{
  g_return_if_fail (TASKER_APP_IS_HISTORY_VIEW (self));
  g_return_if_fail (manager == NULL || TASKER_IS_MANAGER (manager));

  if (self->manager == manager)
    return;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  set_loading (self, FALSE);
  if (self->manager != NULL)
    g_clear_signal_handler (&self->task_finished_id, self->manager);
  g_set_object (&self->manager, manager);
  if (manager != NULL)
    self->task_finished_id = g_signal_connect_object (manager, "task-finished",
                                                      G_CALLBACK (task_finished_cb), self,
                                                      G_CONNECT_SWAPPED);

  g_list_store_remove_all (self->store);
  self->loaded = FALSE;
  self->has_more = FALSE;
  if (manager != NULL && gtk_widget_get_mapped (GTK_WIDGET (self)))
    tasker_app_history_view_refresh (self);
  else
    update_state (self);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MANAGER]);
}

/**
 * tasker_app_history_view_get_model:
 * @self: a #TaskerAppHistoryView
 *
 * Returns: (transfer none): the records shown, a #GListModel of
 *   #TaskerHistoryRecord, newest first
 */
GListModel *
tasker_app_history_view_get_model (TaskerAppHistoryView *self)
{
  g_return_val_if_fail (TASKER_APP_IS_HISTORY_VIEW (self), NULL);

  return G_LIST_MODEL (self->store);
}

/**
 * tasker_app_history_view_is_loading:
 * @self: a #TaskerAppHistoryView
 *
 * Returns: whether a query of the history is in flight
 */
gboolean
tasker_app_history_view_is_loading (TaskerAppHistoryView *self)
{
  g_return_val_if_fail (TASKER_APP_IS_HISTORY_VIEW (self), FALSE);

  return self->loading;
}
