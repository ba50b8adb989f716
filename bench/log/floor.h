/*
 * Lower bounds for the log parsing benchmark, built only into
 * build/floor/smtptriage (make build/floor/smtptriage), never into
 * ./smtptriage.  core/agg.c and core/logread.c call these hooks when
 * they are compiled with SMTPTRIAGE_FLOOR defined.  The environment
 * variable SMTPTRIAGE_FLOOR picks what the build does with each event:
 *
 *	unset	count it as ./smtptriage does
 *	parse	drop it, so only reading and parsing the log are left
 *	compact	count it in one 64-byte record per client (floor.c)
 *
 * With parse or compact the agg stays empty, so list prints no
 * clients.  bench/log/floor.sh runs the three side by side.
 */
#ifndef SMTPTRIAGE_BENCH_FLOOR_H
#define SMTPTRIAGE_BENCH_FLOOR_H

#include <stdint.h>

#include "event.h"

/*
 * Take ev, whose address has the hash h, unless SMTPTRIAGE_FLOOR is
 * unset.  Returns 1 when it took the event, 0 when the agg must count it.
 */
int	floor_count(const struct event *ev, uint64_t h);

/* Start loading the compact record of hash h: a hint for the ring. */
void	floor_prefetch(uint64_t h);

/* 1 when events go through the ring of logread.c from the first one. */
int	floor_ring(void);

#endif
