/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Where the dirtier (dirtier.c) says its state, for the test bed
 * (vm-testbed.c) to read with virDomainMemoryPeek(): two little-endian
 * words at this guest-physical address (free low memory), the magic, then
 * the state. Shared by the freestanding guest and the host: defines only. */
#pragma once

#define DIRTIER_STATUS_ADDRESS 0x7000
#define DIRTIER_MAGIC 0x54524944u /* "DIRT" */
#define DIRTIER_DIRTYING 1u       /* past the clock's calibration, writing */
#define DIRTIER_IDLE 2u           /* its rounds done, touching nothing */
