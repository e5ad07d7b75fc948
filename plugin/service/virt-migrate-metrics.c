/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The manager's jobs in the Prometheus text exposition format (0.0.4), with
 * names in the style of KubeVirt's kubevirt_vmi_migration_* metrics:
 *
 *   gauges, one series per running job:
 *     virtmigrate_migration_data_total_bytes, _data_processed_bytes,
 *     _data_remaining_bytes, _dirty_memory_rate_bytes,
 *     _memory_transfer_rate_bytes, _progress_ratio, _iteration;
 *   counters of finished jobs:
 *     virtmigrate_migrations_succeeded_total, _failed_total, _cancelled_total;
 *   histograms of succeeded migrations:
 *     virtmigrate_migration_duration_seconds, _downtime_seconds;
 *
 * all labelled by domain and destination (the destination libvirt URI). */
#include "config.h"

#include "virt-migrate-service.h"
#include "virt-migrate-metrics.h"

static const double duration_buckets[] = { 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600 };
static const double downtime_buckets[] = { 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10 };

typedef struct {
  guint64 counts[G_N_ELEMENTS (duration_buckets) + 1]; /* per bucket, not cumulative; last: +Inf */
  guint64 count;
  double  sum;
} Histogram;

/* Everything counted for one (domain, destination) pair. */
typedef struct {
  char      *domain;
  char      *destination;
  guint64    succeeded;
  guint64    failed;
  guint64    cancelled;
  Histogram  duration;
  Histogram  downtime;
} Series;

struct _VirtMigrateMetrics
{
  GObject             parent_instance;
  VirtMigrateManager *manager;
  GHashTable         *series; /* "domain\nURI" → Series */
};

G_DEFINE_FINAL_TYPE (VirtMigrateMetrics, virt_migrate_metrics, G_TYPE_OBJECT)

static void
series_free (gpointer data)
{
  Series *s = data;

  g_free (s->domain);
  g_free (s->destination);
  g_free (s);
}

static void
histogram_observe (Histogram *h, const double *bounds, guint n_bounds, double value)
{
  guint i = 0;

  while (i < n_bounds && value > bounds[i])
    i++;
  h->counts[i]++;
  h->count++;
  h->sum += value;
}

static const char *
nonnull (const char *s)
{
  return s != NULL ? s : "";
}

static Series *
lookup_series (VirtMigrateMetrics *self, const char *domain, const char *destination)
{
  g_autofree char *key = g_strdup_printf ("%s\n%s", nonnull (domain), nonnull (destination));
  Series *s = g_hash_table_lookup (self->series, key);

  if (s == NULL)
    {
      s = g_new0 (Series, 1);
      s->domain = g_strdup (nonnull (domain));
      s->destination = g_strdup (nonnull (destination));
      g_hash_table_insert (self->series, g_steal_pointer (&key), s);
    }
  return s;
}

/* Counts @job as it ends (VirtMigrateJob::completed comes once per job). */
static void
on_job_completed (VirtMigrateJob *job, VirtMigrateMetrics *self)
{
  VirtMigrateRequest *request = virt_migrate_job_get_request (job);
  Series *s;

  s = lookup_series (self, virt_migrate_request_get_domain (request),
                     virt_migrate_request_get_dest_uri (request));
  switch (virt_migrate_job_get_state (job))
    {
    case VIRT_MIGRATE_JOB_STATE_SUCCEEDED:
      s->succeeded++;
      histogram_observe (&s->duration, duration_buckets, G_N_ELEMENTS (duration_buckets),
                         virt_migrate_job_get_elapsed (job) / 1000.0);
      histogram_observe (&s->downtime, downtime_buckets, G_N_ELEMENTS (downtime_buckets),
                         virt_migrate_job_get_downtime (job) / 1000.0);
      break;
    case VIRT_MIGRATE_JOB_STATE_CANCELLED:
      s->cancelled++;
      break;
    default:
      s->failed++;
      break;
    }
}

static void
on_job_added (VirtMigrateManager *manager, VirtMigrateJob *job, gpointer self)
{
  g_signal_connect_object (job, "completed", G_CALLBACK (on_job_completed), self, 0);
}

/* A label value with \, " and newline escaped, as the format asks. */
static void
append_label_value (GString *out, const char *value)
{
  for (const char *p = value; *p != '\0'; p++)
    {
      if (*p == '\\')
        g_string_append (out, "\\\\");
      else if (*p == '"')
        g_string_append (out, "\\\"");
      else if (*p == '\n')
        g_string_append (out, "\\n");
      else
        g_string_append_c (out, *p);
    }
}

static void
append_labels (GString *out, const char *domain, const char *destination, const char *le)
{
  g_string_append (out, "{domain=\"");
  append_label_value (out, domain);
  g_string_append (out, "\",destination=\"");
  append_label_value (out, destination);
  if (le != NULL)
    g_string_append_printf (out, "\",le=\"%s", le);
  g_string_append (out, "\"}");
}

static void
append_double (GString *out, double value)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  g_string_append (out, g_ascii_dtostr (buf, sizeof buf, value));
}

static void
append_header (GString *out, const char *name, const char *type, const char *help)
{
  g_string_append_printf (out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static int
compare_series (gconstpointer a, gconstpointer b)
{
  const Series *x = *(Series **) a, *y = *(Series **) b;
  int c = strcmp (x->domain, y->domain);

  return c != 0 ? c : strcmp (x->destination, y->destination);
}

static void
append_histogram (GString *out, GPtrArray *series, const char *name, const char *help,
                  gsize offset, const double *bounds, guint n_bounds)
{
  g_autofree char *bucket = g_strconcat (name, "_bucket", NULL);

  append_header (out, name, "histogram", help);
  for (guint i = 0; i < series->len; i++)
    {
      Series *s = g_ptr_array_index (series, i);
      Histogram *h = G_STRUCT_MEMBER_P (s, offset);
      guint64 cumulative = 0;

      if (h->count == 0)
        continue;
      for (guint b = 0; b <= n_bounds; b++)
        {
          char le[G_ASCII_DTOSTR_BUF_SIZE];

          cumulative += h->counts[b];
          if (b < n_bounds)
            g_ascii_dtostr (le, sizeof le, bounds[b]);
          else
            g_strlcpy (le, "+Inf", sizeof le);
          g_string_append (out, bucket);
          append_labels (out, s->domain, s->destination, le);
          g_string_append_printf (out, " %" G_GUINT64_FORMAT "\n", cumulative);
        }
      g_string_append_printf (out, "%s_sum", name);
      append_labels (out, s->domain, s->destination, NULL);
      g_string_append_c (out, ' ');
      append_double (out, h->sum);
      g_string_append_printf (out, "\n%s_count", name);
      append_labels (out, s->domain, s->destination, NULL);
      g_string_append_printf (out, " %" G_GUINT64_FORMAT "\n", h->count);
    }
}

char *
virt_migrate_metrics_render (VirtMigrateMetrics *self)
{
  /* From each running job's snapshot (virt_migrate_job_to_variant()), by
   * its D-Bus property name. */
  static const struct {
    const char *name;
    const char *help;
    const char *key;
  } gauges[] = {
    { "virtmigrate_migration_data_total_bytes", "Bytes the running migration has to move in all (memory and disks)", "BytesTotal" },
    { "virtmigrate_migration_data_processed_bytes", "Bytes the running migration has moved so far", "BytesProcessed" },
    { "virtmigrate_migration_data_remaining_bytes", "Bytes the running migration still has to move", "BytesRemaining" },
    { "virtmigrate_migration_dirty_memory_rate_bytes", "Rate at which the guest dirties its memory, bytes per second", "DirtyRate" },
    { "virtmigrate_migration_memory_transfer_rate_bytes", "Rate of the migration stream, bytes per second", "Rate" },
    { "virtmigrate_migration_iteration", "Memory pass the running migration is in", "Iteration" },
    { "virtmigrate_migration_progress_ratio", "Part of the running migration done, 0 to 1", "Progress" },
  };
  static const struct {
    const char *name;
    const char *help;
    gsize       offset;
  } counters[] = {
    { "virtmigrate_migrations_succeeded_total", "Migrations that succeeded", G_STRUCT_OFFSET (Series, succeeded) },
    { "virtmigrate_migrations_failed_total", "Migrations that failed (the guest stays on the source)", G_STRUCT_OFFSET (Series, failed) },
    { "virtmigrate_migrations_cancelled_total", "Migrations that were cancelled (the guest stays on the source)", G_STRUCT_OFFSET (Series, cancelled) },
  };
  GString *out = g_string_new (NULL);
  g_autoptr(GPtrArray) jobs = virt_migrate_manager_list_jobs (self->manager);
  g_autoptr(GPtrArray) series = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->series);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (series, value);
  g_ptr_array_sort (series, compare_series);

  g_autoptr(GPtrArray) snapshots = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);

  for (guint i = 0; i < jobs->len; i++)
    if (!virt_migrate_job_is_finished (g_ptr_array_index (jobs, i)))
      g_ptr_array_add (snapshots, g_variant_ref_sink (virt_migrate_job_to_variant (g_ptr_array_index (jobs, i))));
  for (guint g = 0; g < G_N_ELEMENTS (gauges); g++)
    {
      append_header (out, gauges[g].name, "gauge", gauges[g].help);
      for (guint i = 0; i < snapshots->len; i++)
        {
          GVariant *snapshot = g_ptr_array_index (snapshots, i);
          g_autoptr(GVariant) request = g_variant_lookup_value (snapshot, "Request", G_VARIANT_TYPE_VARDICT);
          g_autoptr(GVariant) v = g_variant_lookup_value (snapshot, gauges[g].key, NULL);
          const char *domain = NULL, *destination = NULL;

          g_variant_lookup (snapshot, "Domain", "&s", &domain);
          g_variant_lookup (request, "dest-uri", "&s", &destination);
          g_string_append (out, gauges[g].name);
          append_labels (out, nonnull (domain), nonnull (destination), NULL);
          g_string_append_c (out, ' ');
          if (g_variant_is_of_type (v, G_VARIANT_TYPE_DOUBLE))
            append_double (out, g_variant_get_double (v));
          else
            g_string_append_printf (out, "%" G_GUINT64_FORMAT, g_variant_get_uint64 (v));
          g_string_append_c (out, '\n');
        }
    }

  for (guint c = 0; c < G_N_ELEMENTS (counters); c++)
    {
      append_header (out, counters[c].name, "counter", counters[c].help);
      for (guint i = 0; i < series->len; i++)
        {
          Series *s = g_ptr_array_index (series, i);

          g_string_append (out, counters[c].name);
          append_labels (out, s->domain, s->destination, NULL);
          g_string_append_printf (out, " %" G_GUINT64_FORMAT "\n",
                                  G_STRUCT_MEMBER (guint64, s, counters[c].offset));
        }
    }

  append_histogram (out, series, "virtmigrate_migration_duration_seconds",
                    "Wall-clock time of succeeded migrations, seconds",
                    G_STRUCT_OFFSET (Series, duration), duration_buckets, G_N_ELEMENTS (duration_buckets));
  append_histogram (out, series, "virtmigrate_migration_downtime_seconds",
                    "Guest downtime of succeeded migrations, seconds",
                    G_STRUCT_OFFSET (Series, downtime), downtime_buckets, G_N_ELEMENTS (downtime_buckets));
  return g_string_free (out, FALSE);
}

static void
virt_migrate_metrics_finalize (GObject *object)
{
  VirtMigrateMetrics *self = VIRT_MIGRATE_METRICS (object);

  g_clear_object (&self->manager);
  g_clear_pointer (&self->series, g_hash_table_unref);
  G_OBJECT_CLASS (virt_migrate_metrics_parent_class)->finalize (object);
}

static void
virt_migrate_metrics_class_init (VirtMigrateMetricsClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = virt_migrate_metrics_finalize;
}

static void
virt_migrate_metrics_init (VirtMigrateMetrics *self)
{
  self->series = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, series_free);
}

/* Counts the jobs @manager starts from now on, as they finish. */
VirtMigrateMetrics *
virt_migrate_metrics_new (VirtMigrateManager *manager)
{
  VirtMigrateMetrics *self = g_object_new (VIRT_MIGRATE_TYPE_METRICS, NULL);

  self->manager = g_object_ref (manager);
  virt_migrate_service_watch_jobs (manager, self, on_job_added, NULL);
  return self;
}
