/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The dirty rate during a migration's first pass, before QEMU measures
 * one (its first bitmap sync ends the pass). libvirt's page sampling (4 s,
 * started in prepare; 2 s in older traces) hashes 512 pages per GiB, one
 * per 2 MiB, so over 2 s it finds about one dirty page per MiB/s the guest
 * dirties and reports that count
 * as whole MiB/s: a Poisson count whose mean is the rate, read as 1 for a
 * real 3 and 3 for a real 2 on the test bed (bench-eta; bench/README.md
 * measures it over 102 traces: its mean 0.95 of the truth, the spread
 * Poisson's). It is taken with a prior of three kinds of guest:
 *  - most that migrate with work running converge and dirty about a fifth
 *    of the link (a Gamma prior of shape 2);
 *  - one in ten dirties faster than the link (1.5 times it, the
 *    convergence policy's business);
 *  - the idle guest, the most common of all (three in ten here, about 0.1
 *    MiB/s whatever the link): QEMU's count of 0 is a measurement, not a
 *    missing one, and makes it the likely kind unless the link is slow
 *    enough for a converging guest to count 0 as often.
 * The count picks the most likely kind (a negative binomial each), and the
 * estimate is that kind's posterior mean. Replayed over 16 recorded
 * converging guests (48 figures), a single prior of shape 2 gave 39 within
 * 20 % and one of shape 1 38; the fast kind keeps the count of a guest
 * that needs the policy (12 for an 8 MiB/s link: +4 % at half-time
 * instead of +272 %) from being pulled down to a guest that converges.
 * Before the idle kind, a count of 0 read as none, and an idle guest was
 * given a fifth of the link: its end 30/47/85 % late at 25/50/75 % of
 * bench-eta's idle guests (the whole migration is its first pass); with
 * it, +30/+1/+1 (the 25 % figure comes before the count), replayed, and
 * the 45 recorded converging guests as before (79 of 135 figures within
 * 20 %, 78).
 * The guest's vCPUs, read over the same two seconds, settle the idle
 * kind: a guest that writes memory runs (bench-eta's dirtying guests
 * 100 % of their vCPU, the idle ones 0 %), so a count of 0 from vCPUs
 * busy a quarter of their time or more is a converging guest's unlucky
 * count (one in twelve for a guest dirtying 2.5 MiB/s: bench-eta's 320 MiB
 * guest over 16 MiB/s read as idle, its end 68 % early at the end of its
 * first pass, 5 Dec), and one from vCPUs that hardly ran (under a
 * twentieth of their time) an idle guest's, whatever the link. Before
 * QEMU's figure comes, vCPUs that hardly ran make it an idle guest's
 * already (the first quarter of bench-eta's idle guests was 30 % late
 * waiting for the count). Over four seconds (DIRTY_CALC_SECONDS) the count
 * is twice two seconds' and QEMU reports it halved, in whole MiB/s: a
 * figure of r is a count of 2r or 2r + 1 over twice the exposure, taken
 * as 2r + 1/2; and that count spreads wider than a Poisson count (its
 * variance 1.45 times its mean on two paced guests, 14 counts each), so
 * it counts as one of a Poisson count's worth 1.5 times less. Replayed
 * over 41 recorded first passes with counts drawn so, 73 % of the figures
 * within 20 % (72 % taking it as Poisson; 66 % for two seconds' counts).
 * Sampled as a migration starts (as the job does), though, the 4-s figure
 * reads low, where sampled alone it did not: over 20 migrations recorded on
 * 6 Dec, figures of 0 and 1 MiB/s came from guests QEMU then measured
 * dirtying 1.4 and 2.1 MiB/s on average (all 20: 1.25 against 1.91), so a
 * figure of r is read as r + FIGURE_LOW (the count 2r + 2 + 1/2). Replayed
 * over 42 recorded first passes, 91 of 126 figures within 20 %, 83 as the
 * figure was; +1.5 gave 98, its gain the guests still touching new memory
 * (their unseen growth, memory_time_left()), at the cost of those that had
 * touched all of theirs (+98 % at 75 % on two): not taken.
 * All of that is a guess about a guest never seen; the expected end's error
 * in the first pass is almost all this rate's (24 guests outside the bench
 * replayed with the rate QEMU measured later in the same migration as the
 * prior: 64 of 72 figures within 20 %, against 51). A guest migrated
 * before brings its own: the rate QEMU measured in its last migration's
 * first pass (the history's DirtyRate) is the converging kind's prior
 * instead, LEARNT_SHARE of it with shape LEARNT_SHAPE (a guest dirties
 * about the same each time, but not exactly: replayed with the learnt rate
 * 0.7, 0.8, 1, 1.2 and 1.3 times the truth, 50, 60, 64, 62 and 61 of the
 * 72 figures within 20 %; taken whole, 60, 62 and 49 at 0.7, 1 and 1.3:
 * an overestimate is amplified by the passes it adds). A guest may
 * have changed since: the converging kind without it, the fast and the
 * idle kinds stay, for a count that says so. */
#include "config.h"

#include <math.h>

#include "virt-migrate-dirty-prior.h"

#define DIRTY_PRIOR_SHARE 0.2
#define DIRTY_PRIOR_SHAPE 2.0
#define DIRTY_FAST_SHARE 1.5
#define DIRTY_FAST_WEIGHT 0.1
#define DIRTY_IDLE_MIB 0.1
#define DIRTY_IDLE_WEIGHT 0.3
#define CONVERGING_WEIGHT (1 - DIRTY_FAST_WEIGHT - DIRTY_IDLE_WEIGHT)
/* vCPUs busier than this are not an idle guest's; less busy, they are. */
#define IDLE_BUSY_MAX 0.25
#define IDLE_BUSY_SURE 0.05
/* How much wider than a Poisson count QEMU's sampled count spreads
 * (over four seconds). */
#define COUNT_SPREAD 1.5
/* How far under the guest's rate QEMU's 4-s figure reads as a migration
 * starts, MiB/s (see above). */
#define FIGURE_LOW 1.0
/* The guest's own rate from its last migration (see above). */
#define LEARNT_SHARE 0.85
#define LEARNT_SHAPE 4.0
#define LEARNT_WEIGHT 0.8 /* of the converging kind's: the rest, a guest that changed */
#define MIB (1024.0 * 1024.0)

/* Whether the guest's vCPUs hardly ran (@busy: their share, negative
 * while not known): an idle guest's. */
static gboolean
hardly_ran (gdouble busy)
{
  return busy >= 0 && busy < IDLE_BUSY_SURE;
}

/* The log of the chance of a Poisson @count whose mean has a Gamma prior
 * of shape @k and mean @mean, less the term that depends on @count alone
 * (a negative binomial): to compare two priors. */
static gdouble
count_log_chance (gdouble k, gdouble mean, gdouble count)
{
  gdouble theta = mean / k;

  return lgamma (k + count) - lgamma (k) - k * log1p (theta) + count * (log (theta) - log1p (theta));
}

/* The posterior mean of the mean rate of a Poisson @count over @exposure
 * (units of two seconds) under a Gamma prior of shape @k and mean @mean. */
static gdouble
posterior_mean (gdouble k, gdouble mean, gdouble count, gdouble exposure)
{
  return (k + count) / (k / mean + exposure);
}

/**
 * virt_migrate_dirty_prior_estimate:
 * @link_rate: the rate the migration achieves, bytes/s
 * @learnt: the rate QEMU measured in the guest's last migration's first
 *   pass, bytes/s; 0: not known
 * @sampled: QEMU's sampled dirty rate, bytes/s (whole MiB/s), once @measured
 * @measured: whether QEMU's sampling has given its figure (0 included)
 * @seconds: how long QEMU sampled, s (0: 2)
 * @busy: the share of their time the guest's vCPUs ran meanwhile (so far,
 *   before @measured), 0 to 1; negative: not known
 * @ceiling: the estimate's upper bound, bytes/s
 * @converging: (out): the same count read as a converging guest's
 *
 * Returns: the guest's dirty rate during the first pass, bytes/s (0 while
 *   the link's rate is unknown), never above @ceiling.
 */
gdouble
virt_migrate_dirty_prior_estimate (gdouble   link_rate,
                                   gdouble   learnt,
                                   guint64   sampled,
                                   gboolean  measured,
                                   guint64   seconds,
                                   gdouble   busy,
                                   gdouble   ceiling,
                                   gdouble  *converging)
{
  gdouble generic = link_rate * DIRTY_PRIOR_SHARE / MIB; /* MiB/s */
  gdouble prior = learnt > 0 ? MAX (learnt * LEARNT_SHARE / MIB, DIRTY_IDLE_MIB) : generic;
  gdouble fast = link_rate * DIRTY_FAST_SHARE / MIB, count = sampled / MIB;
  gdouble k = DIRTY_PRIOR_SHAPE, kc = learnt > 0 ? LEARNT_SHAPE : k;
  gdouble estimate, best, chance, exposure = seconds > 0 ? seconds / 2.0 : 1;

  *converging = 0;
  if (link_rate <= 0)
    return 0;
  if (exposure > 1)
    {
      count = ((floor (count) + FIGURE_LOW) * exposure + (exposure - 1) / 2) / COUNT_SPREAD;
      exposure /= COUNT_SPREAD;
    }
  estimate = !measured ? prior : posterior_mean (kc, prior, count, exposure);
  *converging = MIN (estimate * MIB, ceiling);
  if (!measured)
    return hardly_ran (busy) ? MIN (DIRTY_IDLE_MIB * MIB, ceiling) : *converging;
  /* The most likely kind for the count, and its posterior mean: a guest
   * migrated before may have changed, a converging guest like any other. */
  best = log (CONVERGING_WEIGHT * (learnt > 0 ? LEARNT_WEIGHT : 1)) + count_log_chance (kc, prior * exposure, count);
  chance = log (CONVERGING_WEIGHT * (1 - LEARNT_WEIGHT)) + count_log_chance (k, generic * exposure, count);
  if (learnt > 0 && chance > best)
    {
      best = chance;
      estimate = posterior_mean (k, generic, count, exposure);
    }
  chance = log (DIRTY_FAST_WEIGHT) + count_log_chance (k, fast * exposure, count);
  if (chance > best)
    {
      best = chance;
      estimate = posterior_mean (k, fast, count, exposure);
    }
  /* Busy vCPUs are not an idle guest's; ones that hardly ran with a
   * count of 0 are. */
  if (busy < IDLE_BUSY_MAX &&
      ((hardly_ran (busy) && sampled == 0) ||
       log (DIRTY_IDLE_WEIGHT) + count_log_chance (k, DIRTY_IDLE_MIB * exposure, count) > best))
    estimate = posterior_mean (k, DIRTY_IDLE_MIB, count, exposure);
  return MIN (estimate * MIB, ceiling);
}
