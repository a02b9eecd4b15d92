/* cost_range.h: the time range of `fawkes cost` (--from/--to), normalized to UTC. */
#ifndef HOST_COST_RANGE_H
#define HOST_COST_RANGE_H

#include <time.h>

#include "diag.h"

/* "YYYY-MM-DDTHH:MM:SSZ" plus the NUL. */
#define COST_TIME_MAX 21

/*
 * cost_range: turn --from and --to (either may be NULL) into UTC RFC 3339 times
 * "YYYY-MM-DDTHH:MM:SSZ". Accepted: "YYYY-MM-DD" (midnight UTC), "YYYY-MM-DDTHH:MM:SSZ",
 * "YYYY-MM-DDTHH:MM:SS+HH:MM" / "-HH:MM" (fractions of a second are dropped). Defaults:
 * from = the first day of `now`'s month at 00:00:00Z, to = `now`. Returns 0, or -1 with
 * "--from X: ..." in err when a value cannot be read or from is not before to.
 * Thread-safe.
 */
int cost_range(const char *from, const char *to, time_t now, char from_out[COST_TIME_MAX],
               char to_out[COST_TIME_MAX], diag *err);

#endif
