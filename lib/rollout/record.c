/* Decision-log records: one JSON object per decision, action and event,
 * collected during a tick and written (and fsync'd) before the state that
 * counts them is saved. Secrets never get here: webhook headers stay
 * {"env": VAR} references and callback detail strings are not logged. */
#include <convoy/gate.h>
#include <math.h>
#include <string.h>

#include "engine.h"
#include "plan/canon.h"
#include "plan/model.h"

/* Nobody reads the records (no log file, no notify callback): count them
 * (the state does) but do not format them, the engine's largest cost. */
int convoy__records_read(const convoy_rollout *r)
{
    return r->log.fd >= 0 || r->be.notify;
}

static int unread(convoy_rollout *r)
{
    if (convoy__records_read(r))
        return 0;
    r->st->records++;
    r->changed = 1;
    return 1;
}

static void begin(convoy_rollout *r, convoy__buf *b, const char *type, size_t service)
{
    convoy_state *st = r->st;
    convoy__buf_printf(b, "{\"seq\":%llu,\"time_ms\":%llu,\"type\":\"%s\"",
                       (unsigned long long)st->records + 1, (unsigned long long)st->now_ms, type);
    if (service == (size_t)-1)
        return;
    const convoy__service_state *s = &st->services[service];
    convoy__buf_puts(b, ",\"service\":");
    convoy__json_put_string(b, r->plan->services[service].name);
    /* Outside the steps (before the first, once promoted) there is no step
     * index; "state" says which. */
    if (s->step == CONVOY_STEP_BEFORE || s->step == CONVOY_STEP_PROMOTED)
        convoy__buf_puts(b, ",\"step\":null");
    else
        convoy__buf_printf(b, ",\"step\":%zu", s->step);
    convoy__buf_printf(b, ",\"state\":\"%s\"", convoy_service_state_name(s->state));
    convoy__buf_printf(b, ",\"weights\":{\"baseline\":%u,\"candidate\":%u,\"mirror\":%u}",
                       10000u - s->candidate_bp, s->candidate_bp, s->mirror_bp);
}

static void finish(convoy_rollout *r, convoy__buf *b)
{
    convoy__buf_puts(b, "}");
    if (b->failed) {
        r->failed = CONVOY_E_NOMEM;
        convoy__buf_free(b);
        return;
    }
    if (r->be.notify)
        r->be.notify(b->data, b->len, r->userdata);
    convoy__buf_append(&r->pending, b->data, b->len);
    convoy__buf_putc(&r->pending, '\n');
    r->st->records++;
    r->changed = 1;
    convoy__buf_free(b);
}

static void put_opt_string(convoy__buf *b, const char *key, const char *value)
{
    convoy__buf_printf(b, ",\"%s\":", key);
    if (value)
        convoy__json_put_string(b, value);
    else
        convoy__buf_puts(b, "null");
}

static void put_opt_number(convoy__buf *b, const char *key, double value)
{
    convoy__buf_printf(b, ",\"%s\":", key);
    /* NaN and infinities are not JSON numbers. */
    if (value == value && value - value == 0)
        convoy__json_put_number(b, value);
    else
        convoy__buf_puts(b, "null");
}

void convoy__record_action(convoy_rollout *r, size_t service, int kind, int rc, const char *detail)
{
    if (unread(r))
        return;
    convoy__buf b = {0};
    begin(r, &b, "action", service);
    /* Gates (queries, approvals, webhooks) are asked without retries: their
     * one try is attempt 1, as the callback was told. */
    uint32_t attempt = r->st->services[service].attempt;
    convoy__buf_printf(&b, ",\"action\":\"%s\",\"result\":\"%s\",\"attempt\":%u",
                       convoy_action_kind_name(kind), rc == CONVOY_OK ? "ok" : "error",
                       attempt ? attempt : 1u);
    if (rc != CONVOY_OK)
        convoy__buf_printf(&b, ",\"error\":\"%s\"", convoy_strerror(rc));
    if (detail)
        put_opt_string(&b, "detail", detail);
    finish(r, &b);
}

void convoy__record_event(convoy_rollout *r, size_t service, const char *event, const char *detail)
{
    if (unread(r))
        return;
    convoy__buf b = {0};
    begin(r, &b, "event", service);
    convoy__buf_puts(&b, ",\"event\":");
    convoy__json_put_string(&b, event);
    if (detail)
        put_opt_string(&b, "detail", detail);
    if (service == (size_t)-1)
        convoy__buf_printf(&b, ",\"status\":\"%s\"", convoy_rollout_status_name(r->st->status));
    finish(r, &b);
}

static const char *gate_name(int gate)
{
    static const char *const names[] = {"gate",   "analysis", "approval",  "webhook",
                                        "action", "held",     "background", "rollback-webhook"};
    return gate >= 0 && gate <= 7 ? names[gate] : "gate";
}

void convoy__record_decision(convoy_rollout *r, const convoy_decision *d, const convoy_verdict *v,
                             const char *decided_by)
{
    r->st->decisions++;
    if (unread(r))
        return;
    convoy__buf b = {0};
    size_t service = d ? convoy_decision_service(d) : (v ? v->service : (size_t)-1);
    begin(r, &b, "decision", service);
    if (d) {
        convoy__buf_printf(&b, ",\"decision\":\"%s\"",
                           convoy_decision_kind_name(convoy_decision_kind(d)));
        put_opt_string(&b, "decided_by", decided_by);
        put_opt_string(&b, "rationale", convoy_decision_rationale(d));
        put_opt_string(&b, "owner", convoy_decision_owner(d));
        convoy__buf_printf(&b, ",\"failed_evaluations\":%u",
                           convoy_decision_failed_evaluations(d));
        if (!isnan(convoy_decision_burn_rate(d)))
            put_opt_number(&b, "burn_rate", convoy_decision_burn_rate(d));
    } else {
        put_opt_string(&b, "decision", decided_by);
        put_opt_string(&b, "decided_by", "operator");
        put_opt_string(&b, "rationale", v && v->reason ? v->reason : decided_by);
        put_opt_string(&b, "owner",
                       service != (size_t)-1 ? r->plan->services[service].owner : NULL);
    }
    /* An operator's record carries its reason in a verdict without a gate:
     * it evaluated nothing. */
    if (v && v->gate) {
        convoy__buf_printf(&b, ",\"gates\":[{\"gate\":\"%s\",\"phase\":\"%s\"", gate_name(v->gate),
                           v->phase ? convoy_phase_name(v->phase) : "None");
        put_opt_string(&b, "name", v->name);
        put_opt_string(&b, "metric", v->metric);
        put_opt_number(&b, "value", v->value);
        put_opt_string(&b, "reason", v->reason);
        convoy__buf_puts(&b, "}]");
    }
    if (d && convoy_decision_rollback_count(d)) {
        convoy__buf_puts(&b, ",\"rollback_order\":[");
        for (size_t i = 0; i < convoy_decision_rollback_count(d); i++) {
            if (i)
                convoy__buf_putc(&b, ',');
            convoy__json_put_string(
                &b, r->plan->services[convoy_decision_rollback_service(d, i)].name);
        }
        convoy__buf_putc(&b, ']');
    }
    finish(r, &b);
}

int convoy__records_flush(convoy_rollout *r)
{
    if (!r->pending.len)
        return CONVOY_OK;
    if (r->log.fd >= 0) {
        int rc = convoy__log_write(&r->log, r->pending.data, r->pending.len);
        if (rc != CONVOY_OK)
            return rc;
        r->st->log_bytes = r->log.bytes;
    }
    r->pending.len = 0;
    return CONVOY_OK;
}
