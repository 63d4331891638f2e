/* sim_report.c - the end of `convoy simulate`: the summary for people and
 * the --json report. Both come from the engine's state (the same after an
 * uninterrupted run and after a resumed one). */
#include "sim.h"

#include "fmt.h"
#include "jsonw.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

const char *sim_service_outcome(const convoy_state *st, size_t i)
{
    int state = convoy_state_service_state(st, i);
    if (state == CONVOY_SERVICE_PENDING && !convoy_state_service_touched(st, i))
        return "untouched";
    if (state == CONVOY_SERVICE_PROMOTED)
        return "promoted";
    if (state == CONVOY_SERVICE_ROLLED_BACK)
        return "rolled_back";
    return "held";
}

static const char *outcome_words(const char *name)
{
    if (strcmp(name, "promoted") == 0)
        return "PROMOTED: every service runs its candidate";
    if (strcmp(name, "rolled_back") == 0)
        return "ROLLED BACK";
    if (strcmp(name, "aborted") == 0)
        return "ABORTED: a person must look";
    return "HELD: nothing more happens without an operator";
}

void sim_report_text(FILE *f, const convoy_plan *plan, const convoy_state *st,
                     const sim_model *m, const sim_outcome *o)
{
    char dur[FMT_BUF], w[FMT_BUF];

    fprintf(f, "Outcome: %s\n", outcome_words(o->name));
    if (o->why)
        fprintf(f, "  %s\n", o->why);
    uint64_t nd = convoy_state_decisions(st);
    fprintf(f, "  simulated time %s, %" PRIu64 " decision%s\n",
            fmt_duration(dur, sizeof dur, o->end_ms), nd, nd == 1 ? "" : "s");

    /* The moment(s) the convoy turned back, and who to call. */
    for (size_t k = 0; k < m->n_turns; k++) {
        const sim_turn *t = &m->turns[k];
        char when[32];
        fprintf(f, "  %s at %s", t->kind, sim_clock(when, sizeof when, t->t));
        if (t->service) {
            fprintf(f, ": %s failed", t->service);
            if (t->gate_name)
                fprintf(f, " %s", t->gate_name);
            if (t->metric && isfinite(t->value))
                fprintf(f, " (%s = %g)", t->metric, t->value);
            else if (t->metric)
                fprintf(f, " (%s)", t->metric);
            const convoy_service *svc = convoy_plan_service_by_name(plan, t->service);
            const char *owner = svc ? convoy_service_owner(svc) : NULL;
            if (owner)
                fprintf(f, "; owner %s", owner);
        }
        fputc('\n', f);
    }
    size_t nr = convoy_state_rollback_count(st);
    if (nr) {
        fputs("  rollback order: ", f);
        for (size_t k = 0; k < nr; k++)
            fprintf(f, "%s%s", k ? ", " : "",
                    convoy_service_name(convoy_plan_service(plan, convoy_state_rollback_service(st, k))));
        fputc('\n', f);
    }

    int width = 7;
    for (size_t k = 0; k < m->n; k++) {
        int len = (int)strlen(m->svc[m->order[k]].name);
        if (len > width)
            width = len > 32 ? 32 : len;
    }
    fprintf(f, "\n  %-*s  %-11s  %7s  %s\n", width, "SERVICE", "STATE", "WEIGHT", "WAVE");
    for (size_t k = 0; k < m->n; k++) {
        size_t i = m->order[k];
        fprintf(f, "  %-*s  %-11s  %7s  %zu\n", width, m->svc[i].name, sim_service_outcome(st, i),
                fmt_weight(w, sizeof w, convoy_state_service_candidate_bp(st, i)),
                m->svc[i].wave);
    }
}

void sim_report_json(FILE *f, const convoy_plan *plan, const convoy_state *st,
                     const sim_outcome *o)
{
    jsonw w;
    size_t n = convoy_plan_service_count(plan);

    jsonw_init(&w, f);
    jsonw_object_begin(&w);
    jsonw_kv_string(&w, "outcome", o->name);
    jsonw_key(&w, "services");
    jsonw_object_begin(&w);
    for (size_t i = 0; i < n; i++) {
        jsonw_key(&w, convoy_service_name(convoy_plan_service(plan, i)));
        jsonw_object_begin(&w);
        jsonw_kv_string(&w, "state", sim_service_outcome(st, i));
        jsonw_kv_u64(&w, "weight", convoy_state_service_candidate_bp(st, i));
        jsonw_object_end(&w);
    }
    jsonw_object_end(&w);
    jsonw_key(&w, "rollback_order");
    jsonw_array_begin(&w);
    for (size_t k = 0; k < convoy_state_rollback_count(st); k++)
        jsonw_string(&w, convoy_service_name(
                             convoy_plan_service(plan, convoy_state_rollback_service(st, k))));
    jsonw_array_end(&w);
    jsonw_kv_u64(&w, "decisions", convoy_state_decisions(st));
    jsonw_kv_u64(&w, "simulated_seconds", o->end_ms / 1000);
    jsonw_object_end(&w);
    fputc('\n', f);
}
