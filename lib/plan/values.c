#include "values.h"

#include <convoy/plan.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

int convoy__parse_duration(uint64_t *ms, const char **why, const char *text)
{
    static const struct { const char *unit; uint64_t ms; } units[] = {
        {"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}, {"d", 86400000},
    };
    const char *p = text;
    uint64_t total = 0;
    *why = NULL;
    if (!*p) {
        *why = "empty duration";
        return -1;
    }
    if (strcmp(p, "0") == 0) {
        *ms = 0;
        return 0;
    }
    while (*p) {
        if (*p == '-' || *p == '+') {
            *why = "durations cannot be signed";
            return -1;
        }
        if (!(*p >= '0' && *p <= '9') && *p != '.') {
            *why = "a number was expected (durations look like \"30s\", \"5m\", \"1h30m\")";
            return -1;
        }
        /* Whole and fractional parts read as integers: exact, no binary rounding. */
        uint64_t whole = 0, frac = 0, frac_scale = 1;
        int digits = 0;
        while (*p >= '0' && *p <= '9') {
            if (whole > CONVOY__MAX_DURATION_MS) {
                *why = "duration too long (at most 365 days)";
                return -1;
            }
            whole = whole * 10 + (uint64_t)(*p++ - '0');
            digits++;
        }
        if (*p == '.') {
            p++;
            while (*p >= '0' && *p <= '9') {
                if (frac_scale < 1000000000u) {
                    frac = frac * 10 + (uint64_t)(*p - '0');
                    frac_scale *= 10;
                } else if (*p != '0') {
                    *why = "duration is not a whole number of milliseconds";
                    return -1;
                }
                p++;
                digits++;
            }
        }
        if (!digits) {
            *why = "a number was expected before the unit";
            return -1;
        }
        size_t best = 0;
        int found = -1;
        for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
            size_t n = strlen(units[i].unit);
            if (strncmp(p, units[i].unit, n) == 0 && n > best) {
                best = n;
                found = (int)i;
            }
        }
        if (found < 0) {
            *why = *p ? "unknown unit (use ms, s, m, h or d)" : "missing unit (use ms, s, m, h or d)";
            return -1;
        }
        p += best;
        uint64_t unit = units[found].ms;
        if (frac && (frac * unit) % frac_scale != 0) {
            *why = "duration is not a whole number of milliseconds";
            return -1;
        }
        if (whole > CONVOY__MAX_DURATION_MS / unit) {
            *why = "duration too long (at most 365 days)";
            return -1;
        }
        total += whole * unit + frac * unit / frac_scale;
        if (total > CONVOY__MAX_DURATION_MS) {
            *why = "duration too long (at most 365 days)";
            return -1;
        }
    }
    *ms = total;
    return 0;
}

void convoy__format_duration(char *out, size_t cap, uint64_t ms)
{
    static const struct { const char *unit; uint64_t ms; } units[] = {
        {"h", 3600000}, {"m", 60000}, {"s", 1000}, {"ms", 1},
    };
    size_t len = 0;
    if (cap == 0)
        return;
    out[0] = '\0';
    if (ms == 0) {
        snprintf(out, cap, "0s");
        return;
    }
    for (size_t i = 0; i < sizeof units / sizeof units[0] && len < cap; i++) {
        uint64_t n = ms / units[i].ms;
        if (!n)
            continue;
        ms -= n * units[i].ms;
        int w = snprintf(out + len, cap - len, "%llu%s", (unsigned long long)n, units[i].unit);
        if (w < 0)
            return;
        len += (size_t)w;
    }
}

int convoy__weight_bp(uint32_t *bp, double percent)
{
    if (!(percent >= 0.0 && percent <= 100.0))
        return CONVOY_P_RANGE;
    double scaled = percent * 100.0;
    double rounded = floor(scaled + 0.5);
    /* JSON's 12.34 is not exactly representable; allow binary noise only. */
    if (fabs(scaled - rounded) > 1e-6)
        return CONVOY_P_PRECISION;
    *bp = (uint32_t)rounded;
    return 0;
}

int convoy__valid_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 253)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        int alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-')))
            return 0;
    }
    return 1;
}

void convoy__format_weight(char *out, size_t cap, uint32_t bp)
{
    if (bp % 100 == 0)
        snprintf(out, cap, "%u", bp / 100);
    else if (bp % 10 == 0)
        snprintf(out, cap, "%u.%u", bp / 100, (bp % 100) / 10);
    else
        snprintf(out, cap, "%u.%02u", bp / 100, bp % 100);
}
