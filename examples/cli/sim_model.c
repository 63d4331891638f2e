/* sim_model.c - `convoy simulate`: the engine's decision-log records turned
 * into per-service timelines (weights, states, gate verdicts) and the
 * moments the convoy turned back. The same records come live through the
 * notify callback and, on --resume, from the --log file, so a resumed run's
 * timeline is the whole run's. */
#include "sim.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static char *dup_or_null(const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

/* Room for one more item of `size` bytes in *items (count *n, capacity *cap). */
static int grow(void **items, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return 0;
    size_t ncap = *cap ? *cap * 2 : 16;
    void *p = realloc(*items, ncap * size);
    if (!p)
        return -1;
    *items = p;
    *cap = ncap;
    return 0;
}

int sim_model_init(sim_model *m, const convoy_plan *plan)
{
    memset(m, 0, sizeof *m);
    m->plan = plan;
    m->n = convoy_plan_service_count(plan);
    m->svc = calloc(m->n ? m->n : 1, sizeof *m->svc);
    m->order = calloc(m->n ? m->n : 1, sizeof *m->order);
    if (!m->svc || !m->order) {
        free(m->svc);
        free(m->order);
        return -1;
    }
    for (size_t i = 0; i < m->n; i++) {
        sim_service *s = &m->svc[i];
        s->svc = convoy_plan_service(plan, i);
        s->name = convoy_service_name(s->svc);
        s->n_steps = convoy_service_step_count(s->svc);
        s->wave = convoy_service_wave(s->svc);
    }
    size_t k = 0;
    for (size_t w = 0; w < convoy_plan_wave_count(plan); w++)
        for (size_t j = 0; j < convoy_plan_wave_size(plan, w) && k < m->n; j++)
            m->order[k++] = convoy_service_index(convoy_plan_wave_service(plan, w, j));
    /* Every service is in exactly one wave; should that ever not hold,
     * fall back to plan order rather than show a service twice. */
    if (k != m->n)
        for (size_t i = 0; i < m->n; i++)
            m->order[i] = i;
    return 0;
}

static void free_mark(sim_mark *mk)
{
    free(mk->gate);
    free(mk->name);
    free(mk->metric);
    free(mk->decision);
    free(mk->reason);
}

void sim_model_free(sim_model *m)
{
    if (!m->svc)
        return;
    for (size_t i = 0; i < m->n; i++) {
        sim_service *s = &m->svc[i];
        free(s->weights);
        free(s->phases);
        for (size_t k = 0; k < s->n_marks; k++)
            free_mark(&s->marks[k]);
        free(s->marks);
    }
    for (size_t k = 0; k < m->n_turns; k++) {
        sim_turn *t = &m->turns[k];
        free(t->kind);
        free(t->service);
        free(t->gate_name);
        free(t->metric);
        free(t->rationale);
        free(t->order);
    }
    free(m->turns);
    free(m->svc);
    free(m->order);
    memset(m, 0, sizeof *m);
}

const char *sim_verdict_name(int verdict)
{
    switch (verdict) {
    case SIM_VERDICT_PASS: return "pass";
    case SIM_VERDICT_FAIL: return "fail";
    case SIM_VERDICT_INCONCLUSIVE: return "inconclusive";
    case SIM_VERDICT_ERROR: return "error";
    default: return "-";
    }
}

const char *sim_str_of(const cJSON *obj, const char *key)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(it) ? it->valuestring : NULL;
}

double sim_num_of(const cJSON *obj, const char *key, double dflt)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsNumber(it) ? it->valuedouble : dflt;
}

size_t sim_model_service_of(const sim_model *m, const cJSON *rec)
{
    const char *name = sim_str_of(rec, "service");
    if (!name)
        return SIZE_MAX;
    const convoy_service *svc = convoy_plan_service_by_name(m->plan, name);
    return svc ? convoy_service_index(svc) : SIZE_MAX;
}

const sim_mark *sim_model_last_mark(const sim_model *m, size_t i)
{
    if (i >= m->n || !m->svc[i].n_marks)
        return NULL;
    return &m->svc[i].marks[m->svc[i].n_marks - 1];
}

static int state_from_name(const char *name)
{
    for (int s = CONVOY_SERVICE_PENDING; name && s <= CONVOY_SERVICE_ROLLED_BACK; s++) {
        const char *n = convoy_service_state_name(s);
        if (n && strcmp(n, name) == 0)
            return s;
    }
    return -1;
}

static int verdict_from_phase(const char *phase)
{
    if (!phase)
        return SIM_VERDICT_NONE;
    if (strcmp(phase, "Successful") == 0)
        return SIM_VERDICT_PASS;
    if (strcmp(phase, "Failed") == 0)
        return SIM_VERDICT_FAIL;
    if (strcmp(phase, "Inconclusive") == 0)
        return SIM_VERDICT_INCONCLUSIVE;
    if (strcmp(phase, "Error") == 0)
        return SIM_VERDICT_ERROR;
    return SIM_VERDICT_NONE;
}

static void apply_service(sim_model *m, sim_service *s, const cJSON *rec, uint64_t t)
{
    int state = state_from_name(sim_str_of(rec, "state"));
    if (state >= 0 && (!s->n_phases || s->phases[s->n_phases - 1].state != state)) {
        if (grow((void **)&s->phases, &s->cap_phases, s->n_phases, sizeof *s->phases) != 0) {
            m->failed = 1;
        } else {
            s->phases[s->n_phases].t = t;
            s->phases[s->n_phases].state = state;
            s->n_phases++;
        }
    }

    const cJSON *w = cJSON_GetObjectItemCaseSensitive(rec, "weights");
    if (cJSON_IsObject(w)) {
        double c = sim_num_of(w, "candidate", 0), mi = sim_num_of(w, "mirror", 0);
        uint32_t cb = c > 0 && c <= 10000 ? (uint32_t)c : 0;
        uint32_t mb = mi > 0 && mi <= 10000 ? (uint32_t)mi : 0;
        uint32_t pc = 0, pm = 0;
        if (s->n_weights) {
            pc = s->weights[s->n_weights - 1].candidate_bp;
            pm = s->weights[s->n_weights - 1].mirror_bp;
        }
        if (cb != pc || mb != pm) {
            /* Several changes at one instant: keep the last. */
            if (s->n_weights && s->weights[s->n_weights - 1].t == t) {
                s->weights[s->n_weights - 1].candidate_bp = cb;
                s->weights[s->n_weights - 1].mirror_bp = mb;
            } else if (grow((void **)&s->weights, &s->cap_weights, s->n_weights,
                            sizeof *s->weights) != 0) {
                m->failed = 1;
            } else {
                s->weights[s->n_weights].t = t;
                s->weights[s->n_weights].candidate_bp = cb;
                s->weights[s->n_weights].mirror_bp = mb;
                s->n_weights++;
            }
        }
    }

    const char *event = sim_str_of(rec, "event");
    if (event && strcmp(event, "started") == 0 && !s->started) {
        s->started = 1;
        s->started_ms = t;
    }
}

/* The strings of a JSON array joined with ", "; NULL when empty. */
static char *join_names(const cJSON *arr)
{
    const cJSON *it;
    size_t len = 0;
    cJSON_ArrayForEach(it, arr)
        if (cJSON_IsString(it))
            len += strlen(it->valuestring) + 2;
    if (!len)
        return NULL;
    char *out = malloc(len + 1), *p = out;
    if (!out)
        return NULL;
    cJSON_ArrayForEach(it, arr)
    {
        if (!cJSON_IsString(it))
            continue;
        size_t n = strlen(it->valuestring);
        if (p != out) {
            memcpy(p, ", ", 2);
            p += 2;
        }
        memcpy(p, it->valuestring, n);
        p += n;
    }
    *p = '\0';
    return out;
}

static void apply_decision(sim_model *m, const cJSON *rec, size_t i, uint64_t t)
{
    const char *decision = sim_str_of(rec, "decision");
    const cJSON *gates = cJSON_GetObjectItemCaseSensitive(rec, "gates");
    const cJSON *g = cJSON_IsArray(gates) ? cJSON_GetArrayItem(gates, 0) : NULL;

    if (i != SIZE_MAX && cJSON_IsObject(g)) {
        int verdict = verdict_from_phase(sim_str_of(g, "phase"));
        sim_service *s = &m->svc[i];
        if (verdict != SIM_VERDICT_NONE) {
            if (grow((void **)&s->marks, &s->cap_marks, s->n_marks, sizeof *s->marks) != 0) {
                m->failed = 1;
            } else {
                sim_mark *mk = &s->marks[s->n_marks++];
                memset(mk, 0, sizeof *mk);
                mk->t = t;
                mk->verdict = verdict;
                mk->gate = dup_or_null(sim_str_of(g, "gate"));
                mk->name = dup_or_null(sim_str_of(g, "name"));
                mk->metric = dup_or_null(sim_str_of(g, "metric"));
                mk->value = sim_num_of(g, "value", NAN);
                mk->decision = dup_or_null(decision);
                mk->reason = dup_or_null(sim_str_of(g, "reason"));
            }
        }
    }

    if (decision && (strcmp(decision, "rollback") == 0 || strcmp(decision, "abort") == 0)) {
        if (grow((void **)&m->turns, &m->cap_turns, m->n_turns, sizeof *m->turns) != 0) {
            m->failed = 1;
            return;
        }
        sim_turn *tn = &m->turns[m->n_turns++];
        memset(tn, 0, sizeof *tn);
        tn->t = t;
        tn->kind = dup_or_null(decision);
        tn->service = dup_or_null(sim_str_of(rec, "service"));
        tn->gate_name = cJSON_IsObject(g) ? dup_or_null(sim_str_of(g, "name")) : NULL;
        tn->metric = cJSON_IsObject(g) ? dup_or_null(sim_str_of(g, "metric")) : NULL;
        tn->value = cJSON_IsObject(g) ? sim_num_of(g, "value", NAN) : NAN;
        tn->rationale = dup_or_null(sim_str_of(rec, "rationale"));
        tn->order = join_names(cJSON_GetObjectItemCaseSensitive(rec, "rollback_order"));
    }
}

void sim_model_apply(sim_model *m, const cJSON *rec)
{
    if (!cJSON_IsObject(rec))
        return;
    double tm = sim_num_of(rec, "time_ms", 0);
    uint64_t t = tm > 0 ? (uint64_t)tm : 0;
    m->records++;
    if (t > m->last_ms)
        m->last_ms = t;
    size_t i = sim_model_service_of(m, rec);
    if (i != SIZE_MAX)
        apply_service(m, &m->svc[i], rec, t);
    const char *type = sim_str_of(rec, "type");
    if (type && strcmp(type, "decision") == 0)
        apply_decision(m, rec, i, t);
}

void sim_model_seed(sim_model *m, const convoy_state *st, uint64_t now_ms)
{
    for (size_t i = 0; i < m->n; i++) {
        sim_service *s = &m->svc[i];
        if (s->n_weights || s->n_phases)
            continue;
        uint32_t bp = convoy_state_service_candidate_bp(st, i);
        if (bp && grow((void **)&s->weights, &s->cap_weights, 0, sizeof *s->weights) == 0) {
            s->weights[0].t = now_ms;
            s->weights[0].candidate_bp = bp;
            s->weights[0].mirror_bp = 0;
            s->n_weights = 1;
        }
        if (grow((void **)&s->phases, &s->cap_phases, 0, sizeof *s->phases) == 0) {
            s->phases[0].t = now_ms;
            s->phases[0].state = convoy_state_service_state(st, i);
            s->n_phases = 1;
        }
    }
    if (now_ms > m->last_ms)
        m->last_ms = now_ms;
}
