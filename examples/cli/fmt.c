/* fmt.c - durations and weights for people. */
#include "fmt.h"

#include <convoy/convoy.h>
#include <inttypes.h>
#include <stdio.h>

const char *fmt_duration(char *buf, size_t size, uint64_t ms)
{
    static const struct { const char *unit; uint64_t ms; } units[] = {
        {"h", 3600000u}, {"m", 60000u}, {"s", 1000u}, {"ms", 1u},
    };
    size_t used = 0;

    if (size == 0)
        return buf;
    buf[0] = '\0';
    if (ms == 0) {
        snprintf(buf, size, "0s");
        return buf;
    }
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        uint64_t n = ms / units[i].ms;
        ms %= units[i].ms;
        if (n == 0 || used >= size)
            continue;
        int k = snprintf(buf + used, size - used, "%" PRIu64 "%s", n, units[i].unit);
        if (k < 0)
            break;
        used += (size_t)k;
    }
    return buf;
}

const char *fmt_weight(char *buf, size_t size, uint32_t bp)
{
    uint32_t whole = bp / 100, frac = bp % 100;

    if (frac == 0)
        snprintf(buf, size, "%" PRIu32 "%%", whole);
    else if (frac % 10 == 0)
        snprintf(buf, size, "%" PRIu32 ".%" PRIu32 "%%", whole, frac / 10);
    else
        snprintf(buf, size, "%" PRIu32 ".%02" PRIu32 "%%", whole, frac);
    return buf;
}

const char *fmt_step_kind(int kind)
{
    switch (kind) {
    case CONVOY_STEP_SET_WEIGHT: return "set_weight";
    case CONVOY_STEP_PAUSE: return "pause";
    case CONVOY_STEP_APPROVAL: return "approval";
    case CONVOY_STEP_ANALYSIS: return "analysis";
    case CONVOY_STEP_WEBHOOK: return "webhook";
    case CONVOY_STEP_SET_MIRROR: return "set_mirror";
    default: return "unknown";
    }
}
