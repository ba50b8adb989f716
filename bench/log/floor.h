/*
 * Lower bounds ("floor" modes) for the log parsing benchmark, built only
 * into build/floor/smtptriage (make build/floor/smtptriage), never into
 * ./smtptriage.  core/agg.c and core/logread.c call these hooks when
 * they are compiled with SMTPTRIAGE_FLOOR defined.  The environment
 * variable SMTPTRIAGE_FLOOR picks what the build does with each event:
 *
 *	unset or empty	count it as ./smtptriage does
 *	parse		drop it, so only reading and parsing the log are left
 *	compact		count it in one 64-byte record per client (floor.c)
 *
 * With parse or compact the agg stays empty, so list prints no clients.
 * With SMTPTRIAGE_FLOOR_STATS=1 as well, the program prints the events,
 * names (HELO, rDNS and reason texts), records and prefetches of the mode
 * to standard error when it exits.  Any other value than 1 is invalid.
 * bench/log/floor.sh runs the modes side by side.
 */
#ifndef SMTPTRIAGE_BENCH_FLOOR_H
#define SMTPTRIAGE_BENCH_FLOOR_H

#include <stdint.h>

#include "event.h"

/* 1 when SMTPTRIAGE_FLOOR is parse or compact, so the agg counts nothing. */
int	floor_active(void);

/*
 * 1 in compact mode: the ring of logread.c then takes every event of a
 * file, but not of standard input, which does not use the ring.
 */
int	floor_ring_forced(void);

/*
 * Count ev for the statistics.  In compact mode also update its record,
 * found by h, the hash of its address.  ev never reaches the agg.
 */
void	floor_count(const struct event *ev, uint64_t h);

/* Start loading the compact record of hash h: a hint for the ring. */
void	floor_prefetch(uint64_t h);

#endif
