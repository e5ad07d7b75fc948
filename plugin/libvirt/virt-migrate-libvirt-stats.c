/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A migration's statistics as libvirt gives them, read into a sample; and
 * what the memory model asks besides: QEMU's resident set and the dirty
 * rate it sampled. */
#include "config.h"

#include <string.h>

#include "virt-migrate-libvirt-private.h"

static guint64
param_ull (virTypedParameterPtr params, int nparams, const char *name, gboolean *found)
{
  unsigned long long value = 0;
  int rc = virTypedParamsGetULLong (params, nparams, name, &value);

  if (found != NULL)
    *found = rc == 1;
  return rc == 1 ? value : 0;
}

/* The dirty rate QEMU measured, in bytes/s, in *@bytes_per_second (0
 * included: an idle guest dirties nothing QEMU's sampling finds).
 * Returns: %FALSE while it measures, or if libvirt gives none. */
gboolean
virt_migrate_libvirt_sampled_dirty_rate (virDomainPtr dom, guint64 *bytes_per_second)
{
  virDomainPtr doms[] = { dom, NULL };
  virDomainStatsRecordPtr *records = NULL;
  long long mib = 0;
  int status = 0;
  gboolean measured = FALSE;
  int n = virDomainListGetStats (doms, VIR_DOMAIN_STATS_DIRTYRATE, &records, 0);

  if (n == 1 &&
      virTypedParamsGetInt (records[0]->params, records[0]->nparams, "dirtyrate.calc_status", &status) == 1 &&
      status == 2 /* measured */ &&
      virTypedParamsGetLLong (records[0]->params, records[0]->nparams, "dirtyrate.megabytes_per_second", &mib) == 1)
    measured = TRUE;
  if (records != NULL)
    virDomainStatsRecordListFree (records);
  *bytes_per_second = mib > 0 ? (guint64) mib * 1024 * 1024 : 0;
  return measured;
}

/* The time the guest's vCPUs have wanted a host CPU, in ns, summed in
 * *@nanoseconds (each vCPU thread's run time, and its wait for a CPU when
 * libvirt reads that too: a guest on a busy host is no less busy for
 * waiting), and how many vCPUs there are in *@vcpus. A halted vCPU wants
 * none.
 * Returns: %FALSE if libvirt gives none. */
gboolean
virt_migrate_libvirt_vcpu_time (virDomainPtr dom, guint64 *nanoseconds, guint *vcpus)
{
  virDomainPtr doms[] = { dom, NULL };
  virDomainStatsRecordPtr *records = NULL;
  int n = virDomainListGetStats (doms, VIR_DOMAIN_STATS_VCPU, &records, 0);

  *nanoseconds = 0;
  *vcpus = 0;
  if (n == 1)
    for (int i = 0; i < records[0]->nparams; i++)
      {
        const virTypedParameter *param = &records[0]->params[i];

        if (param->type != VIR_TYPED_PARAM_ULLONG || !g_str_has_prefix (param->field, "vcpu."))
          continue;
        if (g_str_has_suffix (param->field, ".time"))
          {
            *nanoseconds += param->value.ul;
            (*vcpus)++;
          }
        else if (g_str_has_suffix (param->field, ".delay"))
          *nanoseconds += param->value.ul;
      }
  if (records != NULL)
    virDomainStatsRecordListFree (records);
  return *vcpus > 0;
}

/* The source QEMU's resident set (libvirt's memory statistic "rss", there
 * without a balloon driver), in bytes; 0 if libvirt gives none. */
guint64
virt_migrate_libvirt_resident_bytes (virDomainPtr dom)
{
  virDomainMemoryStatStruct stats[VIR_DOMAIN_MEMORY_STAT_NR];
  int n = virDomainMemoryStats (dom, stats, VIR_DOMAIN_MEMORY_STAT_NR, 0);

  for (int i = 0; i < n; i++)
    if (stats[i].tag == VIR_DOMAIN_MEMORY_STAT_RSS)
      return (guint64) stats[i].val * 1024;
  return 0;
}

/* QEMU's dirty-rate sampling reads a page of every 2 MiB or so, and the
 * migration's scan reads every page: some kernels (6.18, THP on; any with
 * use_zero_page 0) back a page never touched with memory when it is read,
 * so the resident set is QEMU's doing from then on, not the guest's (a
 * 288 MiB guest's went from 98 to 138 MiB within 50 ms of the sampling,
 * to 252 MiB by QEMU's first statistics; the scan crossing zero pages adds
 * hundreds of MiB a second). Told by the set growing, from the reading
 * @before to the one @after, @elapsed_us later, by more than
 * READS_RESIDENT_BYTES plus READS_GROWTH_MAX a second: a guest touching new
 * memory faster than that would not converge anyway. */
gboolean
virt_migrate_libvirt_reads_resident (guint64 before,
                                     guint64 after,
                                     gint64  elapsed_us)
{
  return before > 0 && after > before + READS_RESIDENT_BYTES + (guint64) (MAX (elapsed_us, 0) / 1e6 * READS_GROWTH_MAX);
}

/* The source QEMU's resident set read (again) into @self: %FALSE (none)
 * if libvirt gives none, and from the reading that grew faster than a
 * guest fills it on (QEMU's reads filling it on this kernel), for the rest
 * of the migration. */
gboolean
virt_migrate_libvirt_resident_read (VirtMigrateResident *self,
                                    virDomainPtr         dom)
{
  guint64 resident;
  gint64 now;

  if (self->by_reads)
    return FALSE;
  resident = virt_migrate_libvirt_resident_bytes (dom);
  now = g_get_monotonic_time ();
  if (self->last > 0 && virt_migrate_libvirt_reads_resident (self->last, resident, now - self->time))
    {
      g_info ("%s: the resident set grew from %" G_GUINT64_FORMAT " to %" G_GUINT64_FORMAT " MiB in %.2f s, "
              "QEMU's reads filling it: not read again", virDomainGetName (dom), self->last >> 20, resident >> 20,
              (now - self->time) / 1e6);
      self->by_reads = TRUE;
      return FALSE;
    }
  self->last = resident;
  self->time = now;
  return resident > 0;
}

void
virt_migrate_libvirt_sample_from_params (VirtMigrateSample *s, int type, virTypedParameterPtr params, int nparams)
{
  memset (s, 0, sizeof (*s));
  s->time = g_get_monotonic_time ();
  s->active = type != VIR_DOMAIN_JOB_NONE;
  s->completed = type == VIR_DOMAIN_JOB_COMPLETED;
  s->total = param_ull (params, nparams, VIR_DOMAIN_JOB_DATA_TOTAL, &s->have_total);
  s->transferred = param_ull (params, nparams, VIR_DOMAIN_JOB_DATA_PROCESSED, NULL);
  s->remaining = param_ull (params, nparams, VIR_DOMAIN_JOB_DATA_REMAINING, NULL);
  s->memory_total = param_ull (params, nparams, VIR_DOMAIN_JOB_MEMORY_TOTAL, NULL);
  s->memory_bps = param_ull (params, nparams, VIR_DOMAIN_JOB_MEMORY_BPS, NULL);
  s->disk_bps = param_ull (params, nparams, VIR_DOMAIN_JOB_DISK_BPS, NULL);
  s->dirty_rate = param_ull (params, nparams, VIR_DOMAIN_JOB_MEMORY_DIRTY_RATE, NULL);
  s->page_size = param_ull (params, nparams, VIR_DOMAIN_JOB_MEMORY_PAGE_SIZE, NULL);
  s->iteration = param_ull (params, nparams, VIR_DOMAIN_JOB_MEMORY_ITERATION, NULL);
  s->memory_constant = param_ull (params, nparams, VIR_DOMAIN_JOB_MEMORY_CONSTANT, NULL);
  s->memory_normal = param_ull (params, nparams, VIR_DOMAIN_JOB_MEMORY_NORMAL, NULL);
  s->time_elapsed = param_ull (params, nparams, VIR_DOMAIN_JOB_TIME_ELAPSED, NULL);
  s->downtime = param_ull (params, nparams, VIR_DOMAIN_JOB_DOWNTIME, &s->have_downtime);
}

gboolean
virt_migrate_libvirt_fetch_stats (virDomainPtr dom, unsigned int flags, VirtMigrateSample *s)
{
  virTypedParameterPtr params = NULL;
  int nparams = 0;
  int type = VIR_DOMAIN_JOB_NONE;

  if (virDomainGetJobStats (dom, &type, &params, &nparams, flags) < 0)
    return FALSE;
  virt_migrate_libvirt_sample_from_params (s, type, params, nparams);
  virTypedParamsFree (params, nparams);
  return TRUE;
}
