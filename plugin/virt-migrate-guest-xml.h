/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A guest's libvirt XML, read once with GMarkup: what the pre-flight
 * checks and the destination's storage need to know of it. Pure. */

/* What ties a running guest to its host: a device or feature by which
 * libvirt 9.0 or QEMU 7.2 decides whether it can migrate running
 * (qemuMigrationSrcIsAllowed(), QEMU's migration blockers, which libvirt
 * asks for). */
typedef enum {
  VIRT_MIGRATE_TIE_HOSTDEV,  /* a PCI, mdev or SCSI host device, an <interface type='hostdev'>: refused */
  VIRT_MIGRATE_TIE_TEAMED,   /* a PCI one with <teaming type='transient'/>: QEMU unplugs it for the migration */
  VIRT_MIGRATE_TIE_USB,      /* a USB host device: QEMU reattaches it there, if the destination has it */
  VIRT_MIGRATE_TIE_SHMEM,    /* shared memory (ivshmem) whose role is not 'master': refused by QEMU */
  VIRT_MIGRATE_TIE_9P,       /* a directory shared through 9p: refused while the guest has it mounted */
  VIRT_MIGRATE_TIE_VIRTIOFS, /* a directory shared through virtiofs: refused by libvirt */
  VIRT_MIGRATE_TIE_INVTSC,   /* the invariant TSC without a TSC frequency: refused by libvirt */
} VirtMigrateTieKind;

typedef struct {
  VirtMigrateTieKind kind;
  char              *what; /* libvirt's words for it (<hostdev mode='subsystem' type='pci'>), the
                            * USB device's IDs, the shared memory's name, the 9p mount tag */
} VirtMigrateTie;

/* Where the guest's threads or memory are pinned on its host: a set of
 * host CPUs or NUMA nodes, in libvirt's syntax ("0-3,^2,8"). */
typedef struct {
  char    *what;   /* the guest's: "vCPU 0", "vCPUs", "emulator threads", "I/O thread 1", "memory"… */
  char    *set;
  gboolean numa;   /* NUMA nodes, else CPUs */
  gboolean plural; /* "vCPUs", "emulator threads" */
} VirtMigrateAffinity;

/* A TCP port a guest's graphics listen on: one its definition fixes, or
 * (a running guest's live XML) one it holds, whoever chose it. */
typedef struct {
  char    *what;    /* "VNC", "VNC websocket", "SPICE", "SPICE TLS" */
  char    *address; /* where it listens; NULL: where the host's qemu.conf says (vnc_listen…) */
  guint    port;
  gboolean fixed;   /* the definition asks for this very port (autoport='no', a websocket given) */
  char    *guest;   /* the guest it is of, where the reader wants to say so; NULL: not set */
} VirtMigrateEndpoint;

typedef struct {
  char      *virt_type;
  char      *arch;
  char      *machine;
  char      *emulator;
  char      *cpu_mode;
  gboolean   cpu_model;   /* <cpu> names a model or features: compare it */
  GPtrArray *networks;    /* VirtMigrateInterfaceXml */
  GPtrArray *devices;     /* char* triples: domcaps element, enum, value (disk bus virtio…) */
  GPtrArray *disks;       /* VirtMigrateDiskXml */
  GPtrArray *ties;        /* VirtMigrateTie, in the XML's order */
  guint64    memory_kib;  /* <memory>: what QEMU maps for its RAM */
  char      *nvram;       /* <os><nvram>: the file of its UEFI variables; NULL: none, or not a file */
  gboolean   uefi;        /* <os firmware='efi'> or a pflash <loader>: it has variables, named or not yet */
  GPtrArray *affinities;  /* VirtMigrateAffinity: <vcpu cpuset>, <cputune>'s pins, <numatune>'s nodesets */
  guint      hugepage_kib; /* <memoryBacking><hugepages>: the page size (KiB); 0: none */
  GPtrArray *endpoints;   /* VirtMigrateEndpoint: its graphics' TCP ports (port > 0), in the XML's order */
  GPtrArray *char_files;  /* char* pairs: what (a serial port, its log…), the file it writes (QEMU opens it) */
  GPtrArray *boot_files;  /* char* pairs: what (kernel, initrd, device tree, firmware), the file QEMU reads at start */
  /* parser state */
  GString   *text;
  gboolean   in_emulator;
  gboolean   in_memory;
  gboolean   in_nvram;
  guint64    memory_unit;
  gboolean   in_disk;
  gboolean   in_interface;
  gboolean   in_filesystem;
  gboolean   fs_virtiofs;
  char      *fs_tag;
  VirtMigrateTie *hostdev; /* the <hostdev> or <interface type='hostdev'> being read */
  gboolean   invtsc;      /* <cpu> asks for the invariant TSC */
  gboolean   tsc_frequency; /* <clock><timer name='tsc' frequency='N'/> */
  char      *iface_kind;
  const char *in_boot_file; /* the <os> child whose text is a file being read: its words */
  const char *in_chardev; /* the <serial>, <console>, <parallel> or <channel> being read */
  char      *chardev_what; /* its words ("serial port") */
  char      *chardev_file_kind; /* the same, when it writes a file (type='file'); NULL: not */
  gboolean   in_graphics;
  guint      graphics_from; /* the open <graphics>' first endpoint */
  gboolean   graphics_listen; /* its first <listen> was read */
  guint      backing_depth;
} VirtMigrateGuestXml;

/* A network interface: what it connects to on the host. */
typedef struct {
  char *kind; /* network, bridge, direct */
  char *name; /* the network's name, the bridge, the host device */
} VirtMigrateInterfaceXml;

/* One image below a disk's top image, as the live XML's <backingStore>
 * chain lists them (top first). */
typedef struct {
  char *path;
  char *format;      /* qcow2, raw…; NULL: not given */
} VirtMigrateBackingXml;

typedef struct {
  char    *type;      /* file, block, network… */
  char    *device;    /* disk, cdrom, floppy, lun */
  char    *format;    /* the driver's type: qcow2, raw */
  char    *target;
  char    *source;
  char    *network;   /* a network disk's PROTOCOL:NAME (source stays NULL) */
  char    *pool;      /* a volume disk's storage pool, by name on every host (source stays NULL) */
  char    *volume;    /* and its volume there */
  char    *startup_policy; /* <source startupPolicy>: optional, requisite, mandatory; NULL: not given */
  char    *nvme;      /* an NVMe disk's host device: "PCI 0000:01:00.0 namespace 1" (source stays NULL) */
  char    *cache;
  gboolean readonly;
  gboolean transient; /* <transient/>: its writes in an overlay dropped at shutdown */
  gboolean written;   /* neither <readonly/> nor a CD-ROM (a <shareable/> one is written) */
  GPtrArray *backing; /* VirtMigrateBackingXml, the image under the top first; empty without a chain
                       * (and in the migratable XML, which leaves the chain out) */
} VirtMigrateDiskXml;

gboolean virt_migrate_guest_xml_parse (const char *xml, VirtMigrateGuestXml *g);
/* (virt-migrate-xml-read.c) The ids of libvirt's set syntax ("0-3,^2,8"),
 * sorted, in @ids (guint); FALSE: not that syntax. */
gboolean virt_migrate_parse_id_set (const char *set, GArray *ids);
/* (virt-migrate-xml-read.c) The CPUs and NUMA cells capabilities @caps
 * list under <host><topology>, sorted, in @cpus and @cells (guint);
 * FALSE: no topology there. */
gboolean virt_migrate_caps_topology (const char *caps, GArray *cpus, GArray *cells);
/* An empty list of VirtMigrateEndpoint, and a copy of one added to it
 * (its guest @guest). */
GPtrArray *virt_migrate_endpoints_new (void);
void       virt_migrate_endpoints_add_copy (GPtrArray *endpoints, const VirtMigrateEndpoint *e, const char *guest);
/* The first of @ports on @port on @address (on any, @any_address:
 * listening on the same port and address collides, a wildcard with any);
 * the first that may be on it (an address not known, a name) in @maybe, if
 * that is still NULL. */
const VirtMigrateEndpoint *virt_migrate_endpoints_find (GPtrArray *ports, guint port, gboolean any_address,
                                                        const char *address, const VirtMigrateEndpoint **maybe);
/* Whether every host has @address to listen on: NULL (the host's default),
 * a wildcard, a loopback one. */
gboolean   virt_migrate_address_every_host (const char *address);
/* An empty list of VirtMigrateTie, and one added to it. */
GPtrArray      *virt_migrate_ties_new (void);
VirtMigrateTie *virt_migrate_ties_add (GPtrArray *ties, VirtMigrateTieKind kind, const char *what);
/* Runs @parser over all of @xml (qualified names ignored); FALSE when
 * @xml cannot be read. */
gboolean virt_migrate_xml_parse (const GMarkupParser *parser, const char *xml, gpointer user_data);
gboolean virt_migrate_xml_path_text (const char *xml, const char *const *path, char **text);
/* A size libvirt writes in bytes at @path in @xml (a volume's <capacity>…); 0: none. */
guint64  virt_migrate_xml_path_bytes (const char *xml, const char *const *path);
/* (virt-migrate-xml-read.c) The first element at @path in @xml, written
 * out whole (attributes and text escaped); NULL: none, or unreadable XML. */
char    *virt_migrate_xml_copy_element (const char *xml, const char *const *path);
/* Whether domain capabilities @caps offer @value in <ELEMENT supported='yes'>
 * <enum name='ENUM'>: 1 yes, 0 no (or the element not supported), -1
 * unknown (not listed, or unreadable). */
int      virt_migrate_domcaps_offer (const char *caps, const char *element, const char *enum_name,
                                     const char *value);
gboolean virt_migrate_volume_xml_backing (const char *xml, char **backing);
/* (virt-migrate-xml-read.c) The firmware files domain capabilities @caps
 * list (<os><loader><value>: its firmware descriptors'), NULL when @caps
 * cannot be read. */
char   **virt_migrate_domcaps_loaders (const char *caps);
/* (virt-migrate-xml-read.c) A storage volume's format (its target's:
 * qcow2, raw…), NULL: not given or not read. */
char    *virt_migrate_volume_xml_format (const char *xml);
char    *virt_migrate_backing_resolve (const char *image, const char *backing);
/* (virt-migrate-xml-read.c) Storage pools, each as libvirt's pool XML:
 * the directory of the pool @name, and the pool whose directory is @dir
 * (NULL: none). virt_migrate_pools_dir_func() is the first for
 * virt_migrate_map_path() (@pools a GPtrArray). */
char    *virt_migrate_pools_dir (GPtrArray *pools, const char *name);
/* The bytes free in the pool @name (its <available>); 0: not known. */
guint64  virt_migrate_pools_available (GPtrArray *pools, const char *name);
/* Whether one of @pools is named @name. */
gboolean virt_migrate_pools_has (GPtrArray *pools, const char *name);
/* Whether the pool @name keeps its volumes as files (dir, fs, netfs,
 * vstorage: libvirt then treats a volume disk as a file; a logical or iSCSI
 * pool's are block devices, an RBD one's network disks). */
gboolean virt_migrate_pools_file_backed (GPtrArray *pools, const char *name);
char    *virt_migrate_pools_covering (GPtrArray *pools, const char *dir);
char    *virt_migrate_pools_dir_func (const char *pool, gpointer pools);
void     virt_migrate_guest_xml_clear (VirtMigrateGuestXml *g);

char   **virt_migrate_guest_xml_unknown_targets (const VirtMigrateGuestXml *guest, const char *const *targets,
                                                char                    **known_out);

G_END_DECLS
