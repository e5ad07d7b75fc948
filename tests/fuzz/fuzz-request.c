/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fuzz target: untrusted bytes through everything a D-Bus caller's request
 * reaches before libvirt is called: the a{sv} parser, validation (also
 * against a guest UUID), the mapping onto libvirt's call, the plan and the
 * round trip back to a{sv}.
 *
 * The input (after a first byte kept for the seeds' sake) is a serialized
 * a{sv}, as it arrives over D-Bus. Built with libFuzzer (clang, -Dfuzzing=true) it is the fuzzer;
 * built with fuzz-main.c it replays files, which is how the seed corpus and
 * every crash found stay regression tests. */
#include <stdlib.h>
#include <string.h>

#include <virt-migrate.h>

#include "virt-migrate-plan-private.h"
#include "virt-migrate-request-private.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

static void
exercise (VirtMigrateRequest *request)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) back = NULL;
  g_autoptr(VirtMigrateRequest) again = NULL;
  VirtMigrateCall call = { 0 };

  back = g_variant_ref_sink (virt_migrate_request_to_variant (request));
  again = virt_migrate_request_new_from_variant (back, &error);
  /* What we print, we must read back. */
  g_assert_no_error (error);
  g_assert_nonnull (again);

  if (!virt_migrate_request_validate (request, &error))
    {
      g_assert_nonnull (error);
      g_assert_true (error->domain == VIRT_MIGRATE_ERROR);
      return;
    }
  g_assert_true (virt_migrate_request_validate (again, NULL));
  if (virt_migrate_request_build_call (request, &call, &error))
    {
      g_assert_nonnull (virt_migrate_api_to_string (call.api));
      virt_migrate_call_clear (&call);
    }
  g_clear_error (&error);
  if (virt_migrate_request_validate_for_guest (request, "6b8a2f0c-3d5e-4f1a-9b7c-2e4d6f8a0b1c", &error))
    {
      g_autoptr(VirtMigratePlan) plan = virt_migrate_plan_new (request, "6b8a2f0c-3d5e-4f1a-9b7c-2e4d6f8a0b1c",
                                                               TRUE, TRUE, FALSE, &error);
      if (plan != NULL)
        {
          g_autofree char *text = virt_migrate_plan_to_text (plan);
          g_autoptr(GVariant) v = g_variant_ref_sink (virt_migrate_plan_to_variant (plan));

          g_assert_nonnull (text);
          g_assert_true (g_variant_is_of_type (v, G_VARIANT_TYPE_VARDICT));
        }
    }
}

static void
abort_on_warning (const char *domain, GLogLevelFlags level, const char *message, gpointer user_data)
{
  g_log_default_handler (domain, level, message, user_data);
  if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING))
    abort ();
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  static gboolean initialized = FALSE;
  g_autoptr(GVariant) dict = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(VirtMigrateRequest) request = NULL;

  if (!initialized)
    {
      /* A critical or warning is a bug the fuzzer must report: abort(),
       * which libFuzzer catches and saves the input for. */
      g_log_set_default_handler (abort_on_warning, NULL);
      initialized = TRUE;
    }
  if (size < 1 || size > 64 * 1024)
    return 0;

  /* The first byte is the seed's old form marker (serialized or text);
   * the rest is always read as a serialized a{sv}, as D-Bus delivers it.
   * (GVariant text is parsed by the client, e.g. gdbus, not by us: fuzzing
   * it only found assertions inside GLib 2.74's own text parser, kept in
   * crashes/ as inputs that must stay harmless.) */
  {
    g_autoptr(GBytes) bytes = g_bytes_new (data + 1, size - 1);

    dict = g_variant_ref_sink (g_variant_new_from_bytes (G_VARIANT_TYPE_VARDICT, bytes, FALSE));
  }

  request = virt_migrate_request_new_from_variant (dict, &error);
  if (request == NULL)
    {
      g_assert_nonnull (error);
      return 0;
    }
  exercise (request);
  return 0;
}
