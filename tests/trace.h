/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "virt-migrate-sample.h"

/* The samples of tests/traces/NAME.trace (recorded on the test bed by
 * tests/traces/record.sh), times in monotonic µs from 0. */
static inline GArray *
trace_load (const char *name)
{
  g_autofree char *file = g_strconcat (name, ".trace", NULL);
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "traces", file, NULL);
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  GArray *samples = g_array_new (FALSE, TRUE, sizeof (VirtMigrateSample));

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      VirtMigrateSample s;

      if (lines[i][0] == '#' || lines[i][0] == '\0')
        continue;
      g_assert_true (virt_migrate_sample_parse (lines[i], &s));
      g_array_append_val (samples, s);
    }
  g_assert_cmpuint (samples->len, >, 0);
  return samples;
}
