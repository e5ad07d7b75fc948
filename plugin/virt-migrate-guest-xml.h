/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A guest's libvirt XML, read once with GMarkup: what the pre-flight
 * checks and the destination's storage need to know of it. Pure. */

typedef struct {
  char      *virt_type;
  char      *arch;
  char      *machine;
  char      *emulator;
  char      *cpu_mode;
  gboolean   cpu_model;   /* <cpu> names a model or features: compare it */
  GPtrArray *networks;    /* char* pairs: kind, name */
  GPtrArray *devices;     /* char* triples: domcaps element, enum, value (disk bus virtio…) */
  GPtrArray *disks;       /* VirtMigrateDiskXml */
  guint      n_hostdevs;
  /* parser state */
  GString   *text;
  gboolean   in_emulator;
  gboolean   in_disk;
  gboolean   in_interface;
  char      *iface_kind;
} VirtMigrateGuestXml;

typedef struct {
  char    *type;      /* file, block, network… */
  char    *device;    /* disk, cdrom, floppy, lun */
  char    *format;    /* the driver's type: qcow2, raw */
  char    *target;
  char    *source;
  char    *cache;
  gboolean readonly;
} VirtMigrateDiskXml;

gboolean virt_migrate_guest_xml_parse (const char *xml, VirtMigrateGuestXml *g);
void     virt_migrate_guest_xml_clear (VirtMigrateGuestXml *g);

G_END_DECLS
