/* Getters of convoy_action, the samples sink, the backend table init. */
#include "action.h"

#include <convoy/traffic.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/versioned.h"

static const char *const KINDS[] = {NULL,        "deploy",   "set-weights", "verify-weights",
                                    "query-metric", "approval", "webhook",     "promote",
                                    "revert"};

const char *convoy_action_kind_name(int kind)
{
    return kind > 0 && kind < 9 ? KINDS[kind] : NULL;
}

int convoy_action_kind(const convoy_action *a) { return a ? a->kind : 0; }
const convoy_service *convoy_action_service(const convoy_action *a) { return a ? a->service : NULL; }
size_t convoy_action_step(const convoy_action *a) { return a ? a->step : CONVOY_STEP_BEFORE; }
uint32_t convoy_action_attempt(const convoy_action *a) { return a ? a->attempt : 0; }
uint64_t convoy_action_now_ms(const convoy_action *a) { return a ? a->now_ms : 0; }
uint32_t convoy_action_candidate_bp(const convoy_action *a) { return a ? a->candidate_bp : 0; }
uint32_t convoy_action_mirror_bp(const convoy_action *a) { return a ? a->mirror_bp : 0; }
const convoy_metric *convoy_action_metric(const convoy_action *a) { return a ? a->metric : NULL; }
int convoy_action_variant(const convoy_action *a) { return a ? a->variant : 0; }
const char *convoy_action_webhook_type(const convoy_action *a) { return a ? a->webhook_type : NULL; }
const char *convoy_action_webhook_json(const convoy_action *a) { return a ? a->webhook_json : NULL; }

int convoy_samples_add(convoy_samples *s, double value)
{
    if (!s)
        return convoy__fail(CONVOY_E_INVALID_ARG, "convoy_samples_add: NULL samples");
    if (s->n >= CONVOY__MAX_SAMPLES) {
        s->failed = 1;
        return convoy__fail(CONVOY_E_LIMIT, "more than %u values in one metric query",
                            CONVOY__MAX_SAMPLES);
    }
    if (convoy__grow(&s->values, &s->cap, s->n, sizeof *s->values, 64) != 0) {
        s->failed = 1;
        return convoy__fail(CONVOY_E_NOMEM, "out of memory storing metric values");
    }
    s->values[s->n++] = value;
    return CONVOY_OK;
}

void convoy__samples_clear(convoy_samples *s)
{
    s->n = 0;
    s->failed = 0;
}

void convoy__samples_free(convoy_samples *s)
{
    convoy__dealloc(s->values);
    s->values = NULL;
    s->n = s->cap = 0;
}

int convoy_backend_init(convoy_backend *backend, uint32_t version)
{
    static const convoy_backend defaults = CONVOY_BACKEND_INIT;
    return convoy__init_versioned(backend, version, CONVOY_BACKEND_VERSION, &defaults,
                                  sizeof defaults, "convoy_backend_init");
}

void *convoy_alloc(size_t size)
{
    return convoy__malloc(size ? size : 1);
}
