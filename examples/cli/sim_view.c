/* sim_view.c - `convoy simulate` progress: on a terminal a compact table
 * redrawn in place after every tick (one line per service: state, step,
 * candidate weight, last gate verdict), otherwise one plain line per
 * decision and event: "+MM:SS  SERVICE  what happened". */
#include "sim.h"

#include "fmt.h"

#include <cjson/cJSON.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

/* The live view is paced so that people can follow it: 30 ms of real time
 * per simulated minute, at most 100 ms per tick and 4 s in all. */
#define PACE_MS_PER_MINUTE 30
#define PACE_MAX_TICK_MS 100
#define PACE_BUDGET_MS 4000

/* Label of the rollout-wide records in the service column. */
#define ROLLOUT_LABEL "convoy"

const char *sim_clock(char *buf, size_t size, uint64_t ms)
{
    uint64_t s = ms / 1000;
    snprintf(buf, size, "+%02" PRIu64 ":%02" PRIu64, s / 60, s % 60);
    return buf;
}

int sim_view_init(sim_view *v, int mode, FILE *f, const convoy_plan *plan, const sim_model *m)
{
    size_t n = convoy_plan_service_count(plan);

    memset(v, 0, sizeof *v);
    v->mode = mode;
    v->f = f;
    v->plan = plan;
    v->model = m;
    v->target_bp = calloc(n ? n : 1, sizeof *v->target_bp);
    v->target_mirror_bp = calloc(n ? n : 1, sizeof *v->target_mirror_bp);
    if (!v->target_bp || !v->target_mirror_bp) {
        sim_view_free(v);
        return -1;
    }
    v->name_width = (int)strlen(ROLLOUT_LABEL);
    for (size_t i = 0; i < n; i++) {
        int w = (int)strlen(convoy_service_name(convoy_plan_service(plan, i)));
        if (w > v->name_width)
            v->name_width = w > 32 ? 32 : w;
    }
    const char *no_color = getenv("NO_COLOR");
    v->color = mode == SIM_VIEW_LIVE && !(no_color && *no_color);
    return 0;
}

void sim_view_free(sim_view *v)
{
    free(v->target_bp);
    free(v->target_mirror_bp);
    v->target_bp = v->target_mirror_bp = NULL;
}

/* Append to a fixed buffer, truncating. */
typedef struct line {
    char *buf;
    size_t cap, len;
} line;

static void put(line *l, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void put(line *l, const char *fmt, ...)
{
    if (l->len + 1 >= l->cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(l->buf + l->len, l->cap - l->len, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    l->len += (size_t)n;
    if (l->len >= l->cap)
        l->len = l->cap - 1;
}

/* " (metric = value)" when the gate names them. */
static void put_measure(line *l, const cJSON *g)
{
    const char *metric = sim_str_of(g, "metric");
    double value = sim_num_of(g, "value", NAN);
    if (metric && isfinite(value))
        put(l, " (%s = %g)", metric, value);
    else if (metric)
        put(l, " (%s)", metric);
}

static void put_list(line *l, const cJSON *arr)
{
    const cJSON *it;
    const char *sep = "";
    cJSON_ArrayForEach(it, arr)
    {
        if (cJSON_IsString(it)) {
            put(l, "%s%s", sep, it->valuestring);
            sep = ", ";
        }
    }
}

/* What a decision record says, e.g. "analysis error-rate: Failed
 * (error-rate = 0.08) -> rollback of checkout, payments". */
static void describe_decision(line *l, const cJSON *rec)
{
    const char *decision = sim_str_of(rec, "decision");
    const cJSON *gates = cJSON_GetObjectItemCaseSensitive(rec, "gates");
    const cJSON *g = cJSON_IsArray(gates) ? cJSON_GetArrayItem(gates, 0) : NULL;

    if (cJSON_IsObject(g)) {
        const char *gate = sim_str_of(g, "gate"), *name = sim_str_of(g, "name");
        const char *phase = sim_str_of(g, "phase");
        put(l, "%s", gate ? gate : "gate");
        if (name && (!gate || strcmp(name, gate) != 0))
            put(l, " %s", name);
        if (phase && strcmp(phase, "None") != 0)
            put(l, ": %s", phase);
        put_measure(l, g);
        put(l, " -> ");
    }
    put(l, "%s", decision ? decision : "?");
    const cJSON *order = cJSON_GetObjectItemCaseSensitive(rec, "rollback_order");
    if (cJSON_IsArray(order) && cJSON_GetArraySize(order) > 0) {
        put(l, " of ");
        put_list(l, order);
    }
    double failed = sim_num_of(rec, "failed_evaluations", 0);
    const char *phase = cJSON_IsObject(g) ? sim_str_of(g, "phase") : NULL;
    if (decision && strcmp(decision, "continue") == 0 && phase &&
        strcmp(phase, "Successful") != 0 && failed > 0)
        put(l, " (failed evaluations: %.0f)", failed);
}

/* The one-line description of a record worth showing; 0 for the routine
 * ones (metric queries, weight checks, the actions an event reports). */
static int describe(sim_view *v, const cJSON *rec, line *l, size_t *svc_out)
{
    const char *type = sim_str_of(rec, "type");
    size_t i = sim_model_service_of(v->model, rec);
    *svc_out = i;
    if (!type)
        return 0;

    if (strcmp(type, "event") == 0) {
        const char *event = sim_str_of(rec, "event"), *detail = sim_str_of(rec, "detail");
        if (!event)
            return 0;
        if (strcmp(event, "rollout_started") == 0) {
            put(l, "rollout %s started", detail ? detail : "");
        } else if (strcmp(event, "status") == 0) {
            const char *status = detail ? detail : sim_str_of(rec, "status");
            put(l, "rollout %s", status ? status : "?");
        } else if (strcmp(event, "started") == 0 && i != SIZE_MAX) {
            const convoy_service *svc = convoy_plan_service(v->plan, i);
            const char *base = convoy_service_baseline(svc), *cand = convoy_service_candidate(svc);
            put(l, "started");
            if (cand)
                put(l, ": %s%s%s", base ? base : "", base ? " -> " : "", cand);
        } else if (strcmp(event, "rolled_back") == 0) {
            put(l, "rolled back");
        } else {
            put(l, "%s", event);
            if (detail)
                put(l, ": %s", detail);
        }
        return 1;
    }

    if (strcmp(type, "action") == 0) {
        const char *action = sim_str_of(rec, "action"), *result = sim_str_of(rec, "result");
        const char *detail = sim_str_of(rec, "detail");
        if (!action || !result)
            return 0;
        if (strcmp(result, "ok") != 0) {
            put(l, "%s failed", action);
            double attempt = sim_num_of(rec, "attempt", 0);
            if (attempt > 0)
                put(l, " (attempt %.0f)", attempt);
            const char *err = sim_str_of(rec, "error");
            if (detail)
                put(l, ": %s", detail);
            else if (err)
                put(l, ": %s", err);
            return 1;
        }
        if (strcmp(action, "deploy") == 0) {
            put(l, "deployed");
        } else if (strcmp(action, "set-weights") == 0 && i != SIZE_MAX) {
            char w[FMT_BUF], mw[FMT_BUF];
            put(l, "weight %s", fmt_weight(w, sizeof w, v->target_bp[i]));
            if (v->target_mirror_bp[i])
                put(l, ", mirror %s", fmt_weight(mw, sizeof mw, v->target_mirror_bp[i]));
            const char *state = sim_str_of(rec, "state");
            if (state && strcmp(state, "rolling_back") == 0)
                put(l, " (rolling back)");
        } else if (strcmp(action, "webhook") == 0) {
            put(l, "webhook %s passed", detail ? detail : "");
        } else if (strcmp(action, "approval") == 0) {
            put(l, "approval: %s", detail ? detail : "ok");
        } else {
            return 0;
        }
        return 1;
    }

    if (strcmp(type, "decision") == 0) {
        describe_decision(l, rec);
        return 1;
    }
    return 0;
}

/* The live view's "last:" line (truncated to fit). */
static void set_last(sim_view *v, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static void set_last(sim_view *v, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v->last, sizeof v->last, fmt, ap);
    va_end(ap);
}

void sim_view_record(sim_view *v, const cJSON *rec)
{
    if (v->mode == SIM_VIEW_NONE)
        return;
    char buf[1024], when[32];
    line l = {buf, sizeof buf, 0};
    size_t i;
    buf[0] = '\0';
    if (!describe(v, rec, &l, &i))
        return;
    double tm = sim_num_of(rec, "time_ms", 0);
    const char *who = i != SIZE_MAX ? convoy_service_name(convoy_plan_service(v->plan, i))
                                    : ROLLOUT_LABEL;
    sim_clock(when, sizeof when, tm > 0 ? (uint64_t)tm : 0);
    if (v->mode == SIM_VIEW_LIVE) {
        set_last(v, "%s %s %s", when, who, buf);
        return;
    }
    fprintf(v->f, "%s  %-*s  %s\n", when, v->name_width, who, buf);
    /* The reasoning behind a turn is worth its own line. */
    const char *decision = sim_str_of(rec, "decision");
    const char *rationale = sim_str_of(rec, "rationale");
    if (decision && rationale && strcmp(decision, "continue") != 0 &&
        strcmp(decision, "promote") != 0)
        fprintf(v->f, "%*s  %-*s    %s\n", (int)strlen(when), "", v->name_width, "", rationale);
}

void sim_view_note(sim_view *v, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    if (v->mode == SIM_VIEW_NONE)
        return;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (v->mode == SIM_VIEW_LIVE && v->drawn) {
        set_last(v, "%s", buf);
        return;
    }
    fprintf(v->f, "%s\n", buf);
}

/* ---- the live view ----------------------------------------------------- */

static int columns(FILE *f)
{
    struct winsize ws;
    if (ioctl(fileno(f), TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20)
        return ws.ws_col;
    return 80;
}

static const char *state_color(int state)
{
    switch (state) {
    case CONVOY_SERVICE_PROMOTED: return "\033[32m";
    case CONVOY_SERVICE_ROLLED_BACK:
    case CONVOY_SERVICE_ROLLING_BACK: return "\033[31m";
    case CONVOY_SERVICE_HELD: return "\033[33m";
    case CONVOY_SERVICE_PENDING: return "\033[2m";
    default: return "\033[36m";
    }
}

/* One line of the view: `head`, then `word` (coloured), then `tail`,
 * cut to the terminal's width so that redrawing never wraps. */
static void draw_line(sim_view *v, int width, const char *head, const char *word,
                      const char *color, const char *tail)
{
    int room = width - 1;
    int hn = (int)strlen(head), wn = word ? (int)strlen(word) : 0, tn = (int)strlen(tail);
    if (hn > room)
        hn = room;
    room -= hn;
    if (wn > room)
        wn = room;
    room -= wn;
    if (tn > room)
        tn = room;
    fprintf(v->f, "\r\033[K%.*s", hn, head);
    if (wn && word) { /* word: gcc 12 at -O3 cannot see wn > 0 implies it */
        if (v->color && color)
            fprintf(v->f, "%s%.*s\033[0m", color, wn, word);
        else
            fprintf(v->f, "%.*s", wn, word);
    }
    fprintf(v->f, "%.*s\n", tn, tail);
}

static void draw(sim_view *v, const convoy_state *st, uint64_t now_ms)
{
    const sim_model *m = v->model;
    int width = columns(v->f);
    char head[256], word[64], tail[512], when[32];

    if (v->drawn)
        fprintf(v->f, "\033[%dA", v->drawn);
    int lines = 0;

    int status = convoy_state_status(st);
    snprintf(head, sizeof head, "%s  %s  ", convoy_plan_name(v->plan),
             sim_clock(when, sizeof when, now_ms));
    snprintf(word, sizeof word, "%s", convoy_rollout_status_name(status));
    uint64_t nd = convoy_state_decisions(st);
    snprintf(tail, sizeof tail, "  %" PRIu64 " decision%s", nd, nd == 1 ? "" : "s");
    const char *color = status == CONVOY_ROLLOUT_PROMOTED      ? "\033[1;32m"
                        : status == CONVOY_ROLLOUT_ROLLED_BACK ? "\033[1;31m"
                        : status == CONVOY_ROLLOUT_RUNNING     ? "\033[1m"
                                                               : "\033[1;33m";
    draw_line(v, width, head, word, color, tail);
    lines++;

    for (size_t k = 0; k < m->n; k++) {
        size_t i = m->order[k];
        int state = convoy_state_service_state(st, i);
        size_t step = convoy_state_service_step(st, i), n = m->svc[i].n_steps;
        size_t shown = step == CONVOY_STEP_BEFORE ? 0
                       : step == CONVOY_STEP_PROMOTED || step >= n ? n
                                                                   : step + 1;
        if (state == CONVOY_SERVICE_PROMOTED)
            shown = n;
        char w[FMT_BUF];
        fmt_weight(w, sizeof w, convoy_state_service_candidate_bp(st, i));
        snprintf(head, sizeof head, "  %-*s  ", v->name_width, m->svc[i].name);
        snprintf(word, sizeof word, "%-11s", convoy_service_state_name(state));
        const sim_mark *mk = sim_model_last_mark(m, i);
        char verdict[256] = "-";
        if (mk) {
            int off = snprintf(verdict, sizeof verdict, "%s %s",
                               mk->verdict == SIM_VERDICT_PASS ? "pass" : mk->verdict == SIM_VERDICT_FAIL ? "FAIL" : sim_verdict_name(mk->verdict),
                               mk->name ? mk->name : mk->gate ? mk->gate : "");
            if (off > 0 && (size_t)off < sizeof verdict && mk->metric)
                snprintf(verdict + off, sizeof verdict - (size_t)off,
                         isfinite(mk->value) ? " %s=%g" : " %s", mk->metric, mk->value);
        }
        char steps[48];
        snprintf(steps, sizeof steps, "%zu/%zu", shown, n);
        snprintf(tail, sizeof tail, " %5s %6s  %s", steps, w, verdict);
        draw_line(v, width, head, word, state_color(state), tail);
        lines++;
    }
    snprintf(tail, sizeof tail, "  last: %s", v->last[0] ? v->last : "-");
    draw_line(v, width, tail, NULL, NULL, "");
    lines++;
    v->drawn = lines;
    fflush(v->f);
}

void sim_view_tick(sim_view *v, const convoy_state *st, uint64_t now_ms)
{
    if (v->mode != SIM_VIEW_LIVE)
        return;
    draw(v, st, now_ms);
    uint64_t dt = now_ms > v->last_draw_ms ? now_ms - v->last_draw_ms : 0;
    v->last_draw_ms = now_ms;
    uint64_t pause = dt * PACE_MS_PER_MINUTE / 60000;
    if (pause > PACE_MAX_TICK_MS)
        pause = PACE_MAX_TICK_MS;
    if (v->paced_ms + pause > PACE_BUDGET_MS)
        pause = PACE_BUDGET_MS - v->paced_ms;
    if (pause) {
        struct timespec ts = {(time_t)(pause / 1000), (long)(pause % 1000) * 1000000L};
        nanosleep(&ts, NULL);
        v->paced_ms += pause;
    }
}

void sim_view_end(sim_view *v, const convoy_state *st, uint64_t now_ms)
{
    if (v->mode == SIM_VIEW_LIVE) {
        draw(v, st, now_ms);
        fputc('\n', v->f);
        v->drawn = 0;
    } else if (v->mode == SIM_VIEW_LINES) {
        fputc('\n', v->f);
    }
}
