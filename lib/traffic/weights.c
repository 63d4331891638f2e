/* The traffic split of a service at a step, and percentages as text. */
#include <convoy/traffic.h>

#include "core/error.h"
#include "plan/model.h"

int convoy_weights_at(uint32_t *baseline_bp, uint32_t *candidate_bp, uint32_t *mirror_bp,
                      const convoy_service *svc, size_t step)
{
    uint32_t candidate = 0, mirror = 0;
    if (!svc)
        return convoy__fail(CONVOY_E_INVALID_ARG, "convoy_weights_at: NULL service");
    if (step == CONVOY_STEP_PROMOTED || step == svc->n_steps) {
        candidate = 10000;
    } else if (step == CONVOY_STEP_BEFORE) {
        candidate = 0;
    } else if (step < svc->n_steps) {
        candidate = svc->steps[step].weight_bp;
        mirror = svc->steps[step].mirror_bp;
    } else {
        return convoy__fail(CONVOY_E_RANGE, "service \"%s\" has %zu steps; step %zu does not exist",
                            svc->name, svc->n_steps, step);
    }
    if (baseline_bp)
        *baseline_bp = 10000u - candidate;
    if (candidate_bp)
        *candidate_bp = candidate;
    if (mirror_bp)
        *mirror_bp = mirror;
    return CONVOY_OK;
}

int convoy_weight_parse(uint32_t *bp_out, const char *text)
{
    if (!bp_out || !text)
        return convoy__fail(CONVOY_E_INVALID_ARG, "convoy_weight_parse: NULL argument");
    /* Digits exactly, so "1e1", " 5", "+5" and "0x10" are all refused
     * rather than half-read by strtod. */
    const char *p = text;
    uint32_t whole = 0, frac = 0;
    int digits = 0, decimals = 0;
    for (; *p >= '0' && *p <= '9'; p++, digits++)
        if (whole <= 1000) /* anything larger is refused below anyway */
            whole = whole * 10u + (uint32_t)(*p - '0');
    if (*p == '.') {
        p++;
        for (; *p >= '0' && *p <= '9' && decimals < 3; p++, decimals++)
            frac = frac * 10u + (uint32_t)(*p - '0');
        if (decimals == 0)
            digits = 0;
    }
    if (!digits || *p || decimals > 2) {
        if (digits && decimals > 2)
            return convoy__fail(CONVOY_E_INVALID,
                                "weight \"%.40s\": at most two decimals (basis points)", text);
        return convoy__fail(CONVOY_E_INVALID,
                            "weight \"%.40s\" is not a percentage like 25 or 12.5", text);
    }
    if (decimals == 1)
        frac *= 10u;
    uint32_t bp = whole * 100u + frac;
    if (whole > 100 || bp > 10000)
        return convoy__fail(CONVOY_E_INVALID, "weight \"%.40s\" is above 100", text);
    *bp_out = bp;
    return CONVOY_OK;
}
