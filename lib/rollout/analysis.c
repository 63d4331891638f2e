/* The analysis step of a service: measurements on their schedule (Argo
 * semantics through convoy/gate.h), or rounds of the canary judge and group
 * scoring (Kayenta), ending in one verdict. Progress lives in the state
 * (outcome letters per metric), so a resumed engine rebuilds the same runs. */
#include <convoy/gate.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/arena.h"
#include "core/error.h"
#include "engine.h"
#include "gate/tally.h"
#include "plan/json_tree.h"
#include "plan/model.h"

static const char OUTCOME_LETTERS[] = "?SFIE"; /* indexed by CONVOY_MEASURE_* */

static int outcome_of(char c)
{
    const char *p = strchr(OUTCOME_LETTERS + 1, c);
    return p ? (int)(p - OUTCOME_LETTERS) : CONVOY_MEASURE_ERROR;
}

/* The gate of a metric: a step analysis must end, so a metric with an
 * interval but no count takes one measurement there; a background
 * analysis (unbounded) keeps measuring until the service leaves its steps. */
static int step_gate(convoy_metric_gate *g, const convoy_metric *m, int bounded)
{
    int rc = convoy_metric_gate_from_plan(g, m);
    if (rc == CONVOY_OK && bounded && !g->count)
        g->count = 1;
    return rc;
}

/* A metric of a running analysis as the engine sees it: its gate and the
 * counters its outcome letters add up to. Rebuilt at every visit from the
 * state (what a resumed engine has too), without allocating: a
 * convoy_metric_run would copy the criteria and parse them again. */
typedef struct metric_view {
    convoy_metric_gate gate;
    convoy__tally tally;
} metric_view;

static int view_metric(metric_view *v, const convoy_metric *m, const convoy__metric_progress *p,
                       int bounded)
{
    memset(&v->tally, 0, sizeof v->tally);
    int rc = step_gate(&v->gate, m, bounded);
    /* outcome_of gives only known outcomes: adding cannot fail. */
    for (size_t k = 0; rc == CONVOY_OK && k < p->n_outcomes; k++)
        rc = convoy__tally_add(&v->tally, outcome_of(p->outcomes[k]));
    return rc;
}

static int view_phase(const metric_view *v)
{
    return convoy__tally_phase(&v->tally, &v->gate);
}

/* One measurement's outcome with the criteria the plan parsed once. */
static int measure_metric(int *outcome, const metric_view *v, const convoy_metric *m,
                          int has_value, double value, double aggregate)
{
    if ((m->n_success && !m->success_parsed) || (m->n_failure && !m->failure_parsed))
        return convoy_measure(outcome, &v->gate, has_value, value, aggregate);
    return convoy__measure_parsed(outcome, &v->gate, m->success_parsed, m->failure_parsed,
                                  has_value, value, aggregate);
}

/* One query through the backend. Returns CONVOY__DONE (samples filled or
 * empty = no data), CONVOY__WAIT, or CONVOY__FAILED (the query failed). */
static int query(convoy_rollout *r, size_t i, const convoy_metric *m, int variant,
                 convoy_samples *out)
{
    convoy__samples_clear(out);
    if (!r->be.query_metric)
        return CONVOY__DONE;
    convoy__service_state *s = &r->st->services[i];
    convoy_action a = {0};
    a.kind = CONVOY_ACTION_QUERY_METRIC;
    a.service = &r->plan->services[i];
    a.step = s->step;
    a.attempt = 1;
    a.now_ms = r->st->now_ms;
    a.candidate_bp = s->candidate_bp;
    a.mirror_bp = s->mirror_bp;
    a.metric = m;
    a.variant = variant;
    int rc = r->be.query_metric(out, &a, r->userdata);
    if (rc == CONVOY_PENDING) {
        r->waiting = 1;
        return CONVOY__WAIT;
    }
    return rc == CONVOY_OK && !out->failed ? CONVOY__DONE : CONVOY__FAILED;
}

static void record_measurement(convoy_rollout *r, size_t i, const convoy_metric *m, int has_value,
                               double value, int outcome)
{
    if (!convoy__records_read(r)) {
        convoy__record_action(r, i, CONVOY_ACTION_QUERY_METRIC, CONVOY_OK, NULL); /* counted */
        return;
    }
    char detail[160];
    if (has_value)
        snprintf(detail, sizeof detail, "%s = %.6g -> %s", m->name, value,
                 convoy_measure_name(outcome));
    else
        snprintf(detail, sizeof detail, "%s: no value -> %s", m->name,
                 convoy_measure_name(outcome));
    convoy__record_action(r, i, CONVOY_ACTION_QUERY_METRIC, CONVOY_OK, detail);
}

/* ---- Argo-style measurements ----------------------------------------- */

static int measure_due(convoy_rollout *r, size_t i, const convoy_analysis *an,
                       convoy__metric_progress *progress, int bounded)
{
    uint64_t now = r->st->now_ms;
    for (size_t k = 0; k < an->n_metrics; k++) {
        const convoy_metric *m = &an->metrics[k];
        convoy__metric_progress *p = &progress[k];
        metric_view v;
        if (view_metric(&v, m, p, bounded) != CONVOY_OK) {
            r->failed = convoy_error_code(convoy_error_last());
            return 0;
        }
        if (view_phase(&v) != CONVOY_PHASE_RUNNING)
            continue;
        if (p->next_due_ms > now) {
            convoy__due(r, p->next_due_ms);
            continue;
        }
        int q = query(r, i, m, CONVOY_VARIANT_CANDIDATE, &r->samples);
        if (q == CONVOY__WAIT)
            continue;
        int has_value = q == CONVOY__DONE && r->samples.n > 0;
        double value = has_value ? r->samples.values[r->samples.n - 1] : NAN;
        int outcome = CONVOY_MEASURE_ERROR;
        if (q == CONVOY__DONE) {
            double aggregate = r->history ? convoy__history_baseline(r->history, r->plan->name,
                                                                    r->plan->services[i].name,
                                                                    m->name, 0)
                                          : NAN;
            if (measure_metric(&outcome, &v, m, has_value, value, aggregate) != CONVOY_OK)
                outcome = CONVOY_MEASURE_ERROR;
        }
        if (convoy__metric_append(p, OUTCOME_LETTERS[outcome]) != CONVOY_OK) {
            r->failed = convoy_error_code(convoy_error_last());
            return 0;
        }
        if (has_value) {
            p->last_value = value;
            if (isfinite(value)) {
                p->sum += value;
                p->n_values++;
            }
        }
        record_measurement(r, i, m, has_value, value, outcome);
        p->next_due_ms = now + v.gate.interval_ms;
        if (v.gate.interval_ms)
            convoy__due(r, p->next_due_ms);
        r->changed = 1;
    }
    return 1;
}

/* The analysis's phase: the worst of its counted (not dry-run) metrics'
 * phases, Successful when none is counted (convoy_analysis_phase); -1
 * with r->failed set when a gate cannot be read. */
static int analysis_phase(convoy_rollout *r, const convoy_analysis *an,
                          const convoy__metric_progress *progress, int bounded)
{
    int worst = CONVOY_PHASE_SUCCESSFUL;
    for (size_t k = 0; k < an->n_metrics; k++) {
        metric_view v;
        if (view_metric(&v, &an->metrics[k], &progress[k], bounded) != CONVOY_OK) {
            r->failed = convoy_error_code(convoy_error_last());
            return -1;
        }
        int phase = view_phase(&v);
        if (!v.gate.dry_run && phase > worst)
            worst = phase;
    }
    return worst;
}

/* The metric that decided a finished analysis: the first counted one in
 * the analysis's phase. Sets the verdict's metric and value, and the
 * reason when records are read (unread, it would be formatted for
 * nobody). */
static void deciding_metric(convoy_rollout *r, const convoy_analysis *an,
                            const convoy__metric_progress *progress, int bounded, int phase,
                            convoy_verdict *v, char *reason, size_t cap)
{
    for (size_t k = 0; k < an->n_metrics; k++) {
        metric_view mv;
        if (view_metric(&mv, &an->metrics[k], &progress[k], bounded) != CONVOY_OK ||
            mv.gate.dry_run || view_phase(&mv) != phase)
            continue;
        v->metric = an->metrics[k].name;
        v->value = progress[k].last_value;
        char *why = NULL;
        if (convoy__records_read(r) &&
            convoy__tally_explain(&why, &mv.tally, &mv.gate, progress[k].last_value) ==
                CONVOY_OK) {
            snprintf(reason, cap, "%s", why);
            convoy_free(why);
        }
        return;
    }
}

static int measurement_verdict(convoy_rollout *r, size_t i, const convoy_analysis *an,
                               const convoy__metric_progress *progress, int bounded,
                               convoy_verdict *v, char *reason, size_t cap)
{
    int phase = analysis_phase(r, an, progress, bounded);
    if (phase < 0 || phase == CONVOY_PHASE_RUNNING || phase == CONVOY_PHASE_PENDING)
        return 0;
    *v = (convoy_verdict)CONVOY_VERDICT_INIT;
    v->service = i;
    v->gate = CONVOY_GATE_ANALYSIS;
    v->phase = phase;
    v->name = an->name;
    v->value = NAN;
    reason[0] = '\0';
    deciding_metric(r, an, progress, bounded, phase, v, reason, cap);
    v->reason = reason;
    if (bounded && convoy__metrics_keep_totals(&r->st->services[i]) != CONVOY_OK)
        r->failed = CONVOY_E_NOMEM;
    return 1;
}

/* ---- Kayenta-style judge rounds --------------------------------------- */

static double number_or(const cJSON *obj, const char *key, double fallback)
{
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsNumber(n) ? n->valuedouble : fallback;
}

static int string_is(const cJSON *obj, const char *key, const char *value)
{
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(s) && strcmp(s->valuestring, value) == 0;
}

static void judge_options(convoy_judge_options *o, const cJSON *an, const cJSON *m)
{
    *o = (convoy_judge_options)CONVOY_JUDGE_OPTIONS_INIT;
    o->confidence = number_or(an, "confidence", o->confidence);
    o->tolerance = number_or(an, "tolerance", o->tolerance);
    if (!m)
        return;
    o->direction = string_is(m, "direction", "increase")   ? CONVOY_DIRECTION_INCREASE
                   : string_is(m, "direction", "decrease") ? CONVOY_DIRECTION_DECREASE
                                                           : CONVOY_DIRECTION_EITHER;
    o->critical = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(m, "critical"));
    o->must_have_data = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(m, "must_have_data"));
    o->nan_strategy = string_is(m, "nan_strategy", "replace") ? CONVOY_NAN_REPLACE
                                                              : CONVOY_NAN_REMOVE;
    o->remove_outliers = string_is(m, "outliers", "remove");
    o->effect = string_is(m, "effect", "cles") ? CONVOY_EFFECT_CLES : CONVOY_EFFECT_MEAN_RATIO;
    /* The plan writes 1.0 for an unset limit; for CLES that means "the
     * effect's own default". */
    double *limits[4] = {&o->allowed_increase, &o->allowed_decrease, &o->critical_increase,
                         &o->critical_decrease};
    static const char *const keys[4] = {"allowed_increase", "allowed_decrease",
                                        "critical_increase", "critical_decrease"};
    for (int k = 0; k < 4; k++) {
        double v = number_or(m, keys[k], -1.0);
        *limits[k] = o->effect == CONVOY_EFFECT_CLES && v == 1.0 ? -1.0 : v;
    }
}

typedef struct judge_round {
    convoy__arena arena;
    convoy_scored_metric *scored;
    convoy_group_weight *weights;
    size_t n_weights;
    const char **groups; /* all metrics' group names, flattened */
} judge_round;

static int judge_once(convoy_rollout *r, size_t i, const convoy_analysis *an, double *score,
                      int *label, char *reason, size_t cap, int *waiting)
{
    judge_round jr;
    memset(&jr, 0, sizeof jr);
    int rc = CONVOY_OK;
    const cJSON *aj = convoy__json_tree(&jr.arena, an->judge_json, strlen(an->judge_json));
    jr.scored = convoy__arena_alloc(&jr.arena, (an->n_metrics + 1) * sizeof *jr.scored);
    if (!aj || !jr.scored) {
        convoy__arena_free(&jr.arena);
        return convoy__fail(CONVOY_E_NOMEM, "out of memory judging");
    }
    const cJSON *groups = cJSON_GetObjectItemCaseSensitive(aj, "groups");
    size_t ng = (size_t)cJSON_GetArraySize(groups);
    jr.weights = convoy__arena_alloc(&jr.arena, (ng + 1) * sizeof *jr.weights);
    for (const cJSON *g = groups ? groups->child : NULL; g && jr.weights; g = g->next) {
        jr.weights[jr.n_weights].group = g->string;
        jr.weights[jr.n_weights++].weight = g->valuedouble;
    }
    reason[0] = '\0';
    size_t used = 0;
    for (size_t k = 0; k < an->n_metrics && rc == CONVOY_OK; k++) {
        const convoy_metric *m = &an->metrics[k];
        const cJSON *mj = m->judge_json ? convoy__json_tree(&jr.arena, m->judge_json,
                                                            strlen(m->judge_json))
                                        : NULL;
        convoy_judge_options o;
        judge_options(&o, aj, mj);
        int qc = query(r, i, m, CONVOY_VARIANT_BASELINE, &r->baseline);
        int qe = qc == CONVOY__WAIT ? CONVOY__WAIT : query(r, i, m, CONVOY_VARIANT_CANDIDATE,
                                                            &r->samples);
        if (qc == CONVOY__WAIT || qe == CONVOY__WAIT) {
            *waiting = 1;
            break;
        }
        convoy_scored_metric *sm = &jr.scored[k];
        sm->name = m->name;
        sm->critical = o.critical;
        const cJSON *mg = mj ? cJSON_GetObjectItemCaseSensitive(mj, "groups") : NULL;
        sm->n_groups = (size_t)cJSON_GetArraySize(mg);
        const char **names = convoy__arena_alloc(&jr.arena, (sm->n_groups + 1) * sizeof *names);
        size_t n = 0;
        for (const cJSON *g = mg ? mg->child : NULL; g && names; g = g->next)
            names[n++] = g->valuestring;
        /* Kayenta scores groups; a metric without one would count only for
         * the critical and no-data rules, so an analysis without any group
         * could never pass. Such metrics form one implicit group. */
        if (!n && names) {
            names[n++] = "default";
            sm->n_groups = 1;
        }
        sm->groups = names;
        if (qc == CONVOY__FAILED || qe == CONVOY__FAILED) {
            sm->classification = CONVOY_CLASS_ERROR;
        } else {
            convoy_judgement *j = NULL;
            rc = convoy_judge(&j, r->samples.values, r->samples.n, r->baseline.values,
                              r->baseline.n, &o);
            if (rc == CONVOY_OK) {
                sm->classification = convoy_judgement_class(j);
                sm->critical = convoy_judgement_critical(j);
                if (used < cap && sm->classification != CONVOY_CLASS_PASS) {
                    int w = snprintf(reason + used, cap - used, "%s%s", used ? "; " : "",
                                     convoy_judgement_explain(j));
                    used = w < 0 ? cap : used + (size_t)w;
                }
            }
            convoy_judgement_free(j);
        }
    }
    if (rc == CONVOY_OK && !*waiting)
        rc = convoy_score(score, label, NULL, jr.scored, an->n_metrics, jr.weights, jr.n_weights,
                          an->pass_score, an->marginal_score);
    convoy__arena_free(&jr.arena);
    return rc;
}

static int judge_due(convoy_rollout *r, size_t i, const convoy_analysis *an, convoy_verdict *v,
                     char *reason, size_t cap)
{
    convoy__service_state *s = &r->st->services[i];
    convoy__metric_progress *p = &s->metrics[0];
    uint64_t now = r->st->now_ms;
    if (p->next_due_ms > now) {
        convoy__due(r, p->next_due_ms);
        return 0;
    }
    double score = NAN;
    int label = 0, waiting = 0;
    int rc = judge_once(r, i, an, &score, &label, reason, cap, &waiting);
    if (rc != CONVOY_OK) {
        r->failed = rc;
        return 0;
    }
    if (waiting)
        return 0;
    s->judge_rounds++;
    s->judge_score = score;
    r->changed = 1;
    char detail[96];
    snprintf(detail, sizeof detail, "judge round %u: score %.2f -> %s", s->judge_rounds, score,
             convoy_score_label_name(label));
    convoy__record_action(r, i, CONVOY_ACTION_QUERY_METRIC, CONVOY_OK, detail);
    uint32_t count = an->judge_count ? an->judge_count : 1;
    if (label != CONVOY_SCORE_FAIL && s->judge_rounds < count) {
        p->next_due_ms = now + an->judge_interval_ms;
        convoy__due(r, p->next_due_ms);
        return 0;
    }
    *v = (convoy_verdict)CONVOY_VERDICT_INIT;
    v->service = i;
    v->gate = CONVOY_GATE_ANALYSIS;
    v->phase = label == CONVOY_SCORE_PASS       ? CONVOY_PHASE_SUCCESSFUL
               : label == CONVOY_SCORE_MARGINAL ? CONVOY_PHASE_INCONCLUSIVE
                                                : CONVOY_PHASE_FAILED;
    v->name = an->name;
    v->metric = "score";
    v->value = score;
    if (!reason[0])
        snprintf(reason, cap, "score %.2f (pass %.2f, marginal %.2f)", score, an->pass_score,
                 an->marginal_score);
    v->reason = reason;
    return 1;
}

int convoy__analysis_advance(convoy_rollout *r, size_t i, convoy_verdict *v, char *reason,
                             size_t reason_cap)
{
    convoy__service_state *s = &r->st->services[i];
    const convoy_service *svc = &r->plan->services[i];
    const convoy_analysis *an = svc->steps[s->step].analysis;
    if (!an || !an->n_metrics) {
        *v = (convoy_verdict)CONVOY_VERDICT_INIT;
        v->service = i;
        v->gate = CONVOY_GATE_ANALYSIS;
        v->phase = CONVOY_PHASE_SUCCESSFUL;
        v->name = an ? an->name : NULL;
        v->value = NAN;
        return 1;
    }
    int judge = an->kind == CONVOY_ANALYSIS_JUDGE;
    if (!s->metrics) {
        if (convoy__metrics_reset(s, an->n_metrics) != CONVOY_OK) {
            r->failed = CONVOY_E_NOMEM;
            return 0;
        }
        for (size_t k = 0; k < an->n_metrics; k++)
            s->metrics[k].next_due_ms =
                s->step_started_ms +
                (judge ? an->judge_initial_delay_ms : an->metrics[k].initial_delay_ms);
        r->changed = 1;
    }
    if (judge)
        return judge_due(r, i, an, v, reason, reason_cap);
    if (!measure_due(r, i, an, s->metrics, 1))
        return 0;
    return measurement_verdict(r, i, an, s->metrics, 1, v, reason, reason_cap);
}

int convoy__background_advance(convoy_rollout *r, size_t i, convoy_verdict *v, char *reason,
                               size_t reason_cap)
{
    convoy__service_state *s = &r->st->services[i];
    const convoy_step *bg = r->plan->services[i].background;
    const convoy_analysis *an = bg ? bg->analysis : NULL;
    if (!an || !an->n_metrics)
        return 0;
    if (!s->background) {
        uint64_t start = s->background_at_ms > r->st->now_ms ? s->background_at_ms
                                                             : r->st->now_ms;
        if (convoy__background_reset(s, an->n_metrics) != CONVOY_OK) {
            r->failed = CONVOY_E_NOMEM;
            return 0;
        }
        for (size_t k = 0; k < an->n_metrics; k++)
            s->background[k].next_due_ms = start + an->metrics[k].initial_delay_ms;
        r->changed = 1;
    }
    if (!measure_due(r, i, an, s->background, 0))
        return 0;
    int done = measurement_verdict(r, i, an, s->background, 0, v, reason, reason_cap);
    /* Only a failing background run has something to decide; a finished
     * successful one (a metric with a count) simply rests. */
    if (!done || v->phase == CONVOY_PHASE_SUCCESSFUL)
        return 0;
    v->gate = CONVOY_GATE_BACKGROUND;
    return 1;
}
