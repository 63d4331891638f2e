/* Internal: the history store - one JSON line per finished service of a
 * release: {"release", "service", "version", "outcome", "time_ms",
 * "metrics": {NAME: {"mean": x, "n": k}}}. Later rollouts read it back to
 * feed Keptn-style relative criteria ("<=+10%" against earlier releases). */
#ifndef CONVOY_LIB_ROLLOUT_HISTORY_H
#define CONVOY_LIB_ROLLOUT_HISTORY_H

#include <stddef.h>
#include <stdint.h>

typedef struct convoy__history convoy__history;

/* Loads `path` (a missing file is an empty history). Lines that are not
 * valid records are skipped (counted in *skipped, may be NULL): one torn
 * line from a crash must not stop a release. CONVOY_E_IO, CONVOY_E_NOMEM. */
int convoy__history_load(convoy__history **out, size_t *skipped, const char *path);
void convoy__history_free(convoy__history *h);
/* Mean of `metric`'s means over earlier *promoted* releases of `service`
 * (other release names than `release`), the latest `max_entries` of them
 * (0: all); NaN when there are none. */
double convoy__history_baseline(const convoy__history *h, const char *release,
                                const char *service, const char *metric, size_t max_entries);
/* Appends one record line (the caller builds it, without newline) and
 * fsyncs. CONVOY_E_IO. */
int convoy__history_append(const char *path, const char *record, size_t len);

#endif
