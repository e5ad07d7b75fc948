/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The memory-dirtying test guest: a tiny multiboot kernel that QEMU boots
 * directly (<kernel> in the domain XML) and that keeps writing to guest
 * memory, so that live migration has pages to send again and again.
 *
 * Kernel command line (<cmdline>):
 *   dirty_mib=N   how much memory to keep dirtying (default 32), from 4 MiB up
 *   rate=M        MiB dirtied per second (default 0: as fast as it can)
 *   rounds=R      go over the memory R times, then idle (default 0: for
 *                 ever): rounds=1 is a guest that wrote its data once and
 *                 now touches nothing, the common idle guest
 *
 * It dirties one word per 4 KiB page. The rate is paced by CPU work, not by
 * the clock: at boot it measures how much busy work fits in one second of
 * the CMOS real-time clock, then spaces its writes with that work. So, like
 * a real workload, it dirties less when its vCPU is throttled (QEMU's
 * auto-converge). It reports on the first serial port once a second, and
 * its state in guest memory (dirtier-status.h): DIRTIER_DIRTYING once it
 * writes (past the clock's calibration), DIRTIER_IDLE once its rounds are
 * done. */

#include "dirtier-status.h"

typedef unsigned int u32;
typedef unsigned char u8;

struct multiboot_info {
  u32 flags, mem_lower, mem_upper, boot_device, cmdline;
};

static inline void outb (unsigned short port, u8 v) { __asm__ volatile ("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline u8 inb (unsigned short port) { u8 v; __asm__ volatile ("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }

static void
serial_putc (char c)
{
  while ((inb (0x3F8 + 5) & 0x20) == 0)
    ;
  outb (0x3F8, (u8) c);
}

static void
serial_puts (const char *s)
{
  while (*s)
    serial_putc (*s++);
}

static void
serial_putu (u32 v)
{
  char buf[12];
  int i = 0;

  do
    buf[i++] = (char) ('0' + v % 10);
  while ((v /= 10) != 0);
  while (i > 0)
    serial_putc (buf[--i]);
}

static u8
rtc_seconds (void)
{
  outb (0x70, 0x00);
  return inb (0x71);
}

/* "key=123" in @cmdline, or @fallback. */
static u32
param (const char *cmdline, const char *key, u32 fallback)
{
  for (const char *p = cmdline; p != 0 && *p; p++)
    {
      const char *k = key, *q = p;

      if (p != cmdline && p[-1] != ' ')
        continue;
      while (*k && *q == *k)
        k++, q++;
      if (*k == 0 && *q == '=')
        {
          u32 v = 0;

          for (q++; *q >= '0' && *q <= '9'; q++)
            v = v * 10 + (u32) (*q - '0');
          return v;
        }
    }
  return fallback;
}

/* One unit of busy work. */
static void
work (void)
{
  for (volatile u32 i = 0; i < 64; i++)
    ;
}

void dirtier_main (u32 magic, struct multiboot_info *mbi);

void
dirtier_main (u32 magic, struct multiboot_info *mbi)
{
  const char *cmdline = (magic == 0x2BADB002 && (mbi->flags & 4)) ? (const char *) mbi->cmdline : 0;
  u32 dirty_mib = param (cmdline, "dirty_mib", 32);
  u32 rate = param (cmdline, "rate", 0);
  u32 rounds = param (cmdline, "rounds", 0), round = 0;
  u32 mem_mib = (magic == 0x2BADB002 && (mbi->flags & 1)) ? (mbi->mem_upper / 1024) : 64;
  volatile u32 *base = (volatile u32 *) (4u << 20);
  volatile u32 *status = (volatile u32 *) DIRTIER_STATUS_ADDRESS;
  u32 pages, page = 0, counter = 0, total_mib = 0, units_per_second = 0, units_per_page;
  u8 second;

  /* Stay clear of the first 4 MiB (kernel, stack) and of the top 1 MiB. */
  if (dirty_mib + 5 > mem_mib)
    dirty_mib = mem_mib > 5 ? mem_mib - 5 : 1;
  pages = dirty_mib * 256;
  serial_puts ("dirtier: ");
  serial_putu (dirty_mib);
  serial_puts (" MiB at ");
  serial_putu (rate);
  serial_puts (" MiB/s (0: flat out)\n");

  /* How much work fits in a second at full speed. */
  second = rtc_seconds ();
  while (rtc_seconds () == second)
    ;
  second = rtc_seconds ();
  while (rtc_seconds () == second)
    {
      /* Port I/O is slow under emulation: look at the clock rarely. */
      for (u32 i = 0; i < 1024; i++)
        work ();
      units_per_second += 1024;
    }
  second = rtc_seconds ();
  units_per_page = rate == 0 ? 0 : units_per_second / (rate * 256);
  serial_puts ("calibrated: ");
  serial_putu (units_per_second);
  serial_puts (" work units per second\n");
  status[0] = DIRTIER_MAGIC;
  status[1] = DIRTIER_DIRTYING;

  for (;;)
    {
      base[page * 1024] = counter++;
      if (++page == pages)
        {
          page = 0;
          if (rounds != 0 && ++round == rounds)
            break;
        }
      if ((counter & 255) == 0)
        total_mib++;
      for (u32 i = 0; i < units_per_page; i++)
        work ();
      if ((counter & 63) == 0 && rtc_seconds () != second)
        {
          second = rtc_seconds ();
          serial_puts ("dirtied ");
          serial_putu (total_mib);
          serial_puts (" MiB\n");
        }
    }
  status[1] = DIRTIER_IDLE;
  serial_puts ("idle\n");
  for (;;)
    __asm__ volatile ("cli; hlt");
}
