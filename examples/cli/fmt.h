/*
 * fmt.h - human-readable formatting of durations and weights for the CLI.
 */
#ifndef CONVOY_CLI_FMT_H
#define CONVOY_CLI_FMT_H

#include <stddef.h>
#include <stdint.h>

/* Room for any formatted uint64 duration or basis-point weight. */
#define FMT_BUF 64

/* Milliseconds for people: "1h30m", "45s", "250ms", "1s500ms"; parts that
 * are zero are left out (3605000 -> "1h5s"); zero is "0s". Hours are the
 * largest unit ("48h"). The result is also a valid plan duration.
 * Returns buf. */
const char *fmt_duration(char *buf, size_t size, uint64_t ms);

/* Basis points as a percentage with up to two decimals and no trailing
 * zeros: 1000 -> "10%", 1250 -> "12.5%", 5 -> "0.05%". Returns buf. */
const char *fmt_weight(char *buf, size_t size, uint32_t bp);

/* The JSON/CLI name of a step kind: "set_weight", "pause", "approval",
 * "analysis", "webhook", "set_mirror"; "unknown" otherwise. */
const char *fmt_step_kind(int kind);

#endif
