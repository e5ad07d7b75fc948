/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <gio/gio.h>

#include "virt-migrate-enums.h"
#include "virt-migrate-guest-xml.h"

G_BEGIN_DECLS

/* Pre-flight checks, a pure unit: what was learnt about the guest and one
 * destination (VirtMigratePreflightFacts, asked through the hypervisor seam by
 * virt-migrate-preflight-gather.c) in; a verdict out, one check each with its
 * result, a reason a person understands and the fix. */

#define VIRT_MIGRATE_CPU_NOT_COMPARED (-2)
/* libvirt's virCPUCompareResult values this unit reads. */
#define VIRT_MIGRATE_CPU_INCOMPATIBLE 0
#define VIRT_MIGRATE_CPU_IDENTICAL    1
#define VIRT_MIGRATE_CPU_SUPERSET     2

typedef enum {
  VIRT_MIGRATE_FACT_UNKNOWN, /* could not be learnt */
  VIRT_MIGRATE_FACT_NO,
  VIRT_MIGRATE_FACT_YES,
} VirtMigrateFact;

/* What libvirt makes of the file system under a path (virFileIsSharedFS(),
 * virFileIsClusterFS()). */
typedef enum {
  VIRT_MIGRATE_FS_UNKNOWN,
  VIRT_MIGRATE_FS_LOCAL,   /* ext4, xfs, tmpfs…: a disk left there uncopied is "unsafe" */
  VIRT_MIGRATE_FS_SHARED,  /* NFS, SMB/CIFS, AFS, GPFS, ACFS, Quobyte: shared, its cache not coherent */
  VIRT_MIGRATE_FS_CLUSTER, /* GFS2, OCFS2, CephFS, GlusterFS: shared and coherent */
} VirtMigrateFsKind;

typedef struct {
  char           *kind;   /* "network", "bridge", "direct" */
  char           *name;   /* the network, bridge or host device, after any network-map */
  VirtMigrateFact present;
} VirtMigratePreflightNetwork;

typedef struct {
  char           *kind;    /* "disk" (its bus), "video" (its model), "graphics" (its type) */
  char           *value;   /* virtio, qxl, spice… */
  VirtMigrateFact offered; /* in the destination's domain capabilities */
} VirtMigratePreflightDevice;

/* An image under a disk's top image (its backing chain), top first. */
typedef struct {
  char           *source;      /* its path on the source */
  char           *format;      /* qcow2, raw…; NULL: not given */
  char           *dest_path;   /* where the destination's top image must find it (after any disk-map) */
  VirtMigrateFact dest_exists; /* a file at dest_path on the destination */
  guint64         capacity;    /* the disk it holds, in bytes (its virtual size), on the source; 0: unknown */
  guint64         dest_capacity; /* that of the file at dest_path there; 0: unknown */
} VirtMigratePreflightBacking;

/* A file opened as the guest starts on the destination: one a character
 * device writes (a serial port's, a log), or one QEMU reads (a kernel
 * booted directly, the firmware). */
typedef struct {
  char           *what;        /* "serial port", "console's log", "kernel", "firmware"… */
  char           *path;        /* its destination XML's */
  gboolean        read;        /* read, so the file must be there; else written, so its directory */
  VirtMigrateFact there;       /* that on the destination (a local one's, a volume of a pool there; else unknown) */
  VirtMigrateFact usable;      /* and its libvirtd's user may read it (write in its directory); a local one's */
  char           *occupant;    /* a socket's path: what is there now that is no socket ("a file of 9 bytes") */
} VirtMigratePreflightFile;

typedef struct {
  char           *target;      /* vda */
  char           *source;      /* the path on the source, NULL: no medium */
  char           *dest_path;   /* where it will be on the destination (after any disk-map) */
  gboolean        copied;      /* part of the storage copy */
  gboolean        readonly;    /* readonly or shareable: safe as it is */
  gboolean        transient;   /* <transient/>: libvirt 9.0 cannot migrate it */
  gboolean        written;     /* not read-only (a shareable disk is written): libvirt's local-file-system rule applies */
  char           *cache;       /* the cache mode, NULL: the hypervisor's default */
  VirtMigrateFact dest_exists; /* a volume at dest_path on the destination */
  guint64         capacity;    /* copied into an image there: the guest's disk's size, in bytes; 0: unknown */
  guint64         dest_capacity; /* and the size of the disk that image holds; 0: unknown */
  char           *format;      /* the disk's format (its driver's type: qcow2, raw), NULL: not given */
  char           *dest_format; /* copied into an image there: that image's format; NULL: unknown */
  guint64         copy_bytes;  /* copied into a new image: about what the copy writes (the allocation of the
                                * source's images it reads), bytes; 0: unknown */
  char           *space_where; /* where that image is made: a file system of this machine, a pool there */
  guint64         space_free;  /* bytes free there; 0: unknown */
  char           *dest_pool;   /* a storage pool of the destination covering its directory */
  gboolean        created_by_us; /* a disk-map copy: a missing image is made there through its storage API */
  VirtMigrateFact dest_dir_exists; /* the directory it is made in is there (a local destination's; else unknown) */
  VirtMigrateFact dest_dir_writable; /* and its libvirtd may write in it (a local destination's; else unknown) */
  VirtMigrateFact dest_openable; /* an image there: its libvirtd's user may read it, and write it if copied into or
                                 * written (QEMU runs as a session daemon's user; a local destination's; else unknown) */
  char           *dest_same_as; /* copied into dest_path, which is on this machine the very file of this image of
                                 * the source's guest (its top image or a backing file), NULL: not seen so */
  char           *nvme;        /* an NVMe disk's host device (source NULL) */
  gboolean        droppable;   /* startupPolicy optional or requisite: libvirt leaves a medium missing there out */
  char           *pool;        /* a volume disk's storage pool (libvirt finds it by name on each host), NULL: a path;
                                * source and dest_path are then its volume's paths, where the pools say */
  VirtMigrateFact dest_pool_named; /* the destination has an active pool of that name */
  VirtMigrateFsKind source_fs; /* the file system under the source path, as libvirt sees it (a local source only) */
  GPtrArray      *backing;     /* VirtMigratePreflightBacking: the chain under the top image, top first */
  gboolean        dest_backing_known; /* an image at dest_path was read: dest_backing is its backing file */
  char           *dest_backing;       /* that image's backing file, NULL: none */
  VirtMigrateFact dest_backing_exists; /* that backing file is on the destination */
  char           *dest_user;   /* another guest of the destination (a name) whose disk image dest_path is */
  gboolean        dest_user_running;
} VirtMigratePreflightDisk;

/* A daemon's qemu.conf that a check read, changed after the daemon
 * started (it reads the file only then). */
typedef struct {
  char   *path;     /* NULL: none (not read, not changed since, or not known) */
  gint64  changed;  /* when it was last changed, seconds since 1970 */
  gint64  started;  /* when its daemon started */
} VirtMigrateConfChange;

typedef struct {
  /* the destination */
  gboolean        reachable;
  char           *connect_error;
  gboolean        peer_to_peer;     /* the source's libvirtd connects, not us */
  VirtMigrateFact same_host;        /* its host UUID is the source's */
  char           *host_uuid;
  /* other guests there */
  char           *name_conflict_uuid;  /* a guest of this name with another UUID */
  gboolean        name_conflict_active;
  VirtMigrateFact uuid_present;        /* this guest (its UUID) is there */
  gboolean        uuid_active;
  /* can it run the guest */
  char           *cpu_mode;            /* NULL: no <cpu> */
  int             cpu_compare;         /* VIRT_MIGRATE_CPU_NOT_COMPARED, else virCPUCompareResult (-1: error) */
  char           *cpu_error;
  char           *machine;
  char           *emulator;
  gboolean        domcaps_ok;
  char           *domcaps_error;
  guint64         guest_memory;        /* bytes */
  guint64         free_memory;         /* bytes, 0: unknown */
  char           *nvram;               /* the file of the guest's UEFI variables; NULL: none */
  gboolean        uefi;                /* it boots UEFI: it has variables, in nvram or a file libvirt makes at start */
  char           *dest_nvram;          /* the one the destination opens (the destination XML's, if it names one) */
  VirtMigrateFsKind nvram_fs;          /* the file system under it, as libvirt sees it (a local source only) */
  gboolean        same_machine;        /* both hosts are this machine (the destination opens the source's very
                                        * files: its UEFI variables; one set of ports; nothing between them) */
  char           *dest_daemon;         /* a local destination's libvirtd, "libvirtd (pid 812, user vmtb)"; NULL: not known */
  guint           hugepage_kib;        /* the guest's memory on huge pages of this size; 0: not */
  guint64         hugepage_memory;     /* bytes of them it maps (its <memory>) */
  gint64          free_hugepages;      /* of that size on the destination; -1: unknown */
  GPtrArray      *networks;            /* VirtMigratePreflightNetwork */
  GPtrArray      *disks;               /* VirtMigratePreflightDisk */
  GPtrArray      *devices;             /* VirtMigratePreflightDevice */
  GPtrArray      *ties;                /* VirtMigrateTie: devices libvirt or QEMU judge a live migration by */
  GPtrArray      *affinities;          /* VirtMigrateAffinity: where the guest is pinned (its destination XML's) */
  GArray         *dest_cpus;           /* guint: the destination's CPUs (its capabilities); NULL: unknown */
  GArray         *dest_cells;          /* guint: its NUMA cells; NULL: unknown */
  GPtrArray      *endpoints;           /* VirtMigrateEndpoint: the ports its graphics fix (its destination XML's),
                                        * a running guest's in a live migration; NULL: none */
  GPtrArray      *ports_held;          /* VirtMigrateEndpoint, each with its guest: the ports the destination's
                                        * running guests hold (its libvirtd has them reserved); NULL: not known */
  char          **dest_loaders;        /* the firmware files the destination's domain capabilities list; NULL: unknown */
  GPtrArray      *files;               /* VirtMigratePreflightFile: a running guest's in a live migration; NULL: none */
  GPtrArray      *ports_here;          /* both hosts on this machine: the source's guests' (the guest's own
                                        * among them), which QEMU there cannot bind either; NULL: another machine */
  GPtrArray      *streams;             /* VirtMigrateEndpoint: the migration's own ports there that its URIs fix
                                        * (the stream's, the storage copy's), at the host the source connects to,
                                        * a live migration's; NULL: none */
  GPtrArray      *sockets;             /* VirtMigratePreflightFile: the UNIX sockets the destination's QEMU makes
                                        * (a unix:// migrate or disks URI's), a live migration's to this machine */
  guint           unprivileged_port_start; /* a local destination's net.ipv4.ip_unprivileged_port_start: its QEMU,
                                        * unprivileged, binds no port below it; 0: not known */
  VirtMigrateFact dest_daemon_root;    /* that destination's daemon runs as root (its QEMU may then not be
                                        * unprivileged); asked only of a port below that */
  char           *listen_address;      /* where the destination's QEMU listens (the request's listen-address), a live
                                        * migration's; NULL: its default */
  VirtMigrateFact listen_here;         /* that address is one of this machine's, the destination (else unknown) */
  char           *stream_host;         /* the host the source connects to for the stream (a tcp migrate URI's), a
                                        * live migration's with a listen address; NULL: not given */
  VirtMigrateFact stream_reaches;      /* connecting there reaches that listen address (a wildcard, the address,
                                        * or a name for it looked up where the source is this machine) */
  char           *dest_name;           /* with no migrate URI, the host the destination's libvirtd names for the stream
                                        * (its qemu.conf's migration_host, else its host name: libvirt 9.0's
                                        * tcp://NAME:PORT), a live migration's over the hypervisor's own connection;
                                        * NULL: none, or not known */
  VirtMigrateFact dest_name_set;       /* that name is migration_host (YES), its host name and no migration_host is
                                        * set (NO: a local destination's qemu.conf read), or not known which */
  VirtMigrateFact dest_name_resolves;  /* it resolves where the source is this machine (else unknown) */
  char           *dest_name_addresses; /* then to these, "127.0.0.1, ::1"; or why not (the resolver's error) */
  gboolean        dest_name_loopback;  /* only to loopback addresses, and the destination is not this machine (its
                                        * URI neither local nor to one of this machine's addresses) */
  VirtMigrateFact tls_forced_source;   /* a migration neither over TLS nor tunnelled: the source's daemon takes
                                        * migrations only with TLS (its qemu.conf's migrate_tls_force; a local one's) */
  VirtMigrateFact tls_forced_dest;     /* the same of the destination's */
  char           *tls_name;            /* a live migration over TLS: the name the source's QEMU checks the destination's
                                        * certificate against (--tls-destination, else the migrate URI's host, else the
                                        * destination's name for itself); NULL: not known */
  const char     *tls_name_from;       /* where that name comes from, in words (static) */
  char           *tls_cert;            /* the destination's server certificate (its migration certificates' directory's
                                        * server-cert.pem), a local destination's; NULL: not known */
  VirtMigrateFact tls_cert_there;      /* that file is there */
  char           *tls_cert_names;      /* the names it holds, "127.0.0.1, localhost"; NULL: not read */
  VirtMigrateFact tls_cert_matches;    /* one of them is tls_name (GnuTLS's check, QEMU's) */
  gboolean        tls_cert_expired;    /* it has expired, or is not valid yet */
  char           *tls_ca;              /* the source's CA certificate (ca-cert.pem there), a local source's; NULL */
  VirtMigrateFact tls_cert_trusted;    /* the destination's certificate is signed by it */
  char           *tls_own_ca;          /* the destination's own CA certificate (ca-cert.pem beside it); NULL: not read */
  VirtMigrateFact tls_cert_own_ca;     /* its certificate is signed by that one (QEMU there checks it as it starts) */
  char           *tls_client_cert;     /* the source's client certificate (client-cert.pem in its directory), where the
                                        * destination wants one (migrate_tls_x509_verify) and both are local; NULL */
  VirtMigrateFact tls_client_there;    /* that file is there */
  VirtMigrateFact tls_client_trusted;  /* it is signed by the destination's own CA */
  gboolean        zerocopy;            /* the request's: libvirt has the guest's QEMU lock all its memory */
  guint64         memlock_needed;      /* then how much (its hard_limit, else its memory), bytes; 0: not known */
  gint64          memlock_limit;       /* the hard limit its QEMU has now, bytes (G_MAXINT64: unlimited), a source
                                        * that is this machine; -1: not known */
  char           *source_daemon;       /* the source's libvirtd, "libvirtd (pid 8, user vmtb)"; NULL: not known */
  VirtMigrateFact source_daemon_raises; /* it may raise that limit (it has CAP_SYS_RESOURCE) */
  VirtMigrateConfChange source_conf;   /* the source's daemon's qemu.conf, read and changed since it started */
  VirtMigrateConfChange dest_conf;     /* the destination's */
  GPtrArray      *listeners;           /* VirtMigrateEndpoint: the destination being this machine, its TCP sockets
                                        * listening on those ports, each with its program where seen; NULL: not known */
  gint            snapshots;           /* libvirt's snapshots of the guest; -1: not known */
  gboolean        not_running;         /* the guest is not running on the source (shut off, crashed) */
  char           *state;               /* then libvirt's word for its state; NULL: not known */
  gboolean        resume;              /* the request resumes a post-copy migration that broke (postcopy-resume) */
  char          **unknown_disks;       /* the request's migrate-disks that name no disk of the guest; NULL: none */
  char           *disk_targets;        /* then the guest's disks' targets, "vda, hdc" */
  gboolean        in_postcopy;         /* the guest is in a post-copy migration on the source */
  gboolean        postcopy_failed;     /* one that broke there ("post-copy failed") */
  gboolean        io_error;            /* the guest is paused by a disk I/O error */
  gboolean        abort_on_error;      /* the request's abort-on-error */
  gboolean        paused;              /* the guest is paused on the source (not in a post-copy migration) */
  gboolean        postcopy;            /* the request allows post-copy */
  char           *busy;                /* the job libvirt runs on the guest now, in words; NULL: none */
  /* the request */
  gboolean        incremental;         /* copy-inc: only the top images are copied */
  gboolean        live;
  gboolean        offline;             /* only the definition moves */
  gboolean        unsafe;
  gboolean        force;
} VirtMigratePreflightFacts;

VirtMigratePreflightFacts *virt_migrate_preflight_facts_new   (void);
void                       virt_migrate_preflight_facts_free  (VirtMigratePreflightFacts *facts);
VirtMigratePreflightNetwork *virt_migrate_preflight_add_network (VirtMigratePreflightFacts *facts,
                                                                 const char                *kind,
                                                                 const char                *name);
void                       virt_migrate_preflight_add_device  (VirtMigratePreflightFacts *facts,
                                                               const char                *kind,
                                                               const char                *value,
                                                               VirtMigrateFact            offered);
const char                *virt_migrate_preflight_daemon      (const VirtMigratePreflightFacts *facts);
VirtMigratePreflightDisk  *virt_migrate_preflight_add_disk    (VirtMigratePreflightFacts *facts,
                                                               const char                *target,
                                                               const char                *source);
VirtMigratePreflightFile  *virt_migrate_preflight_add_socket  (VirtMigratePreflightFacts *facts,
                                                               const char                *what,
                                                               const char                *path);
VirtMigratePreflightFile  *virt_migrate_preflight_add_file    (VirtMigratePreflightFacts *facts,
                                                               const char                *what,
                                                               const char                *path);
VirtMigratePreflightBacking *virt_migrate_preflight_add_backing (VirtMigratePreflightDisk *disk,
                                                                 const char               *source,
                                                                 const char               *format);

GVariant                  *virt_migrate_preflight_verdict     (const VirtMigratePreflightFacts *facts,
                                                               const char                      *destination);
VirtMigrateCheckResult     virt_migrate_preflight_result      (GVariant *verdict);
char                      *virt_migrate_preflight_blockers    (GVariant *verdict);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VirtMigratePreflightFacts, virt_migrate_preflight_facts_free)

G_END_DECLS
