/*
 * bench_simulate - how the engine scales: a whole rollout of a large random
 * DAG, simulated to completion with the built-in simulator.
 *
 * usage: bench_simulate [LARGE [SMALL [RUNS]]]   (defaults 10000, 1000, 1)
 *        bench_simulate --dump SERVICES          (print the generated plan)
 *
 * Generates in memory (seeded PRNG, so every run sees the same plan) a plan
 * with SERVICES services in 10 waves of equal size; each service of wave
 * w > 0 depends on one to three services of earlier waves, one of them in
 * wave w - 1, so the DAG is exactly 10 waves deep. Every service has five
 * steps: set_weight 10, pause 1m, an analysis with one measurement metric
 * (error-rate, every 30s, twice), set_weight 50, pause 1m. max_parallel is
 * 0 (no limit) and the simulator has no scenario, so everything is healthy.
 *
 * For LARGE and SMALL services it parses the plan and ticks the rollout at
 * convoy_rollout_next_due until it is promoted (no log, no state file:
 * the engine alone), best of RUNS, and prints parse time, simulation time,
 * ticks and time per tick; then the ratio of the two simulation times
 * against the target (<= 12x for 10x the services). Informational: the
 * exit status is 0 whatever the timings (1 when a plan does not parse or a
 * rollout does not end promoted).
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* clock_gettime; meson passes it already */
#endif
#include <convoy/convoy.h>

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define WAVES 10

/* ---- output buffer ------------------------------------------------------ */

typedef struct sbuf {
    char *data;
    size_t len, cap;
} sbuf;

static void put(sbuf *b, const char *fmt, ...)
{
    va_list ap;
    for (;;) {
        va_start(ap, fmt);
        int n = vsnprintf(b->data ? b->data + b->len : NULL, b->data ? b->cap - b->len : 0, fmt,
                          ap);
        va_end(ap);
        if (n < 0) {
            fprintf(stderr, "bench_simulate: formatting failed\n");
            exit(1);
        }
        if (b->data && b->len + (size_t)n < b->cap) {
            b->len += (size_t)n;
            return;
        }
        size_t cap = b->cap ? b->cap : 65536;
        while (cap <= b->len + (size_t)n)
            cap *= 2;
        char *grown = realloc(b->data, cap);
        if (!grown) {
            fprintf(stderr, "bench_simulate: out of memory\n");
            exit(1);
        }
        b->data = grown;
        b->cap = cap;
    }
}

/* ---- the plan ------------------------------------------------------------ */

/* xorshift64*: small, seeded, the same on every platform. */
static uint64_t rng_state;

static uint64_t rng(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1Dull;
}

static size_t below(size_t n)
{
    return (size_t)(rng() % n);
}

/* Service i is in wave i * WAVES / n (sizes differ by at most one). */
static size_t wave_start(size_t wave, size_t n)
{
    return (wave * n + WAVES - 1) / WAVES;
}

static char *make_plan(size_t n, size_t *len)
{
    sbuf b = {0};
    rng_state = 0x9E3779B97F4A7C15ull ^ n;
    put(&b, "{\"name\": \"bench-%zu\", \"max_parallel\": 0,\n", n);
    put(&b, " \"analyses\": {\"errors\": {\"metrics\": [{\"name\": \"error-rate\","
            " \"provider\": {\"prometheus\": {\"query\": \"sum(rate(errors{service=\\\"{{service}}\\\"}[1m]))\"}},"
            " \"interval\": \"30s\", \"count\": 2, \"success\": \"<0.01\", \"failure\": \">=0.05\"}]}},\n");
    put(&b, " \"rollback\": {\"scope\": \"dependents\"},\n \"services\": [\n");
    for (size_t w = 0; w < WAVES; w++) {
        size_t first = wave_start(w, n), end = wave_start(w + 1, n);
        for (size_t i = first; i < end; i++) {
            put(&b, "  {\"name\": \"svc-%zu-%05zu\", \"owner\": \"team-%zu\"", w, i, i % 97);
            if (w > 0) {
                /* One dependency in the wave before, up to two more in
                 * any earlier wave, all distinct. */
                size_t deps[3], nd = 0;
                size_t prev = wave_start(w - 1, n), span = first - prev;
                deps[nd++] = prev + below(span);
                size_t want = 1 + below(3);
                for (int tries = 0; nd < want && tries < 16; tries++) {
                    size_t d = below(first);
                    int dup = 0;
                    for (size_t k = 0; k < nd; k++)
                        dup |= deps[k] == d;
                    if (!dup)
                        deps[nd++] = d;
                }
                put(&b, ", \"depends_on\": [");
                for (size_t k = 0; k < nd; k++) {
                    size_t dw = 0;
                    while (wave_start(dw + 1, n) <= deps[k])
                        dw++;
                    put(&b, "%s\"svc-%zu-%05zu\"", k ? ", " : "", dw, deps[k]);
                }
                put(&b, "]");
            }
            put(&b, ", \"steps\": [{\"set_weight\": 10}, {\"pause\": \"1m\"}, {\"analysis\": \"errors\"},"
                    " {\"set_weight\": 50}, {\"pause\": \"1m\"}]}%s\n",
                i + 1 < n ? "," : "");
        }
    }
    put(&b, " ]}\n");
    *len = b.len;
    return b.data;
}

/* ---- timing ----------------------------------------------------------------- */

static double seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct result {
    size_t services, waves;
    double parse_s, sim_s;
    uint64_t ticks, sim_ms, decisions;
    int ok;
} result;

static int simulate_once(const convoy_plan *plan, result *res)
{
    convoy_simulator *sim = NULL;
    convoy_rollout *r = NULL;
    convoy_backend be;
    int rc = convoy_simulator_new(&sim, plan, NULL, 0);
    if (rc == CONVOY_OK)
        rc = convoy_simulator_backend(&be, sim);
    if (rc == CONVOY_OK)
        rc = convoy_rollout_new(&r, plan, &be, sim, NULL);
    if (rc != CONVOY_OK) {
        fprintf(stderr, "bench_simulate: setting up: %s\n",
                convoy_error_message(convoy_error_last()));
        convoy_simulator_free(sim);
        return -1;
    }
    uint64_t now = 0, ticks = 0;
    int status;
    double t0 = seconds();
    for (;;) {
        status = convoy_rollout_tick(r, now);
        ticks++;
        if (status < 0 || status == CONVOY_ROLLOUT_PROMOTED ||
            status == CONVOY_ROLLOUT_ROLLED_BACK || status == CONVOY_ROLLOUT_ABORTED)
            break;
        uint64_t next = convoy_rollout_next_due(r);
        if (next == UINT64_MAX)
            break;
        now = next;
    }
    double t1 = seconds();
    if (status != CONVOY_ROLLOUT_PROMOTED)
        fprintf(stderr, "bench_simulate: the rollout ended %s (%d): %s\n",
                status >= 0 ? convoy_rollout_status_name(status) : "with an error", status,
                status < 0 ? convoy_error_message(convoy_error_last()) : "");
    res->ticks = ticks;
    res->sim_ms = now;
    res->decisions = convoy_state_decisions(convoy_rollout_state(r));
    convoy_rollout_free(r);
    convoy_simulator_free(sim);
    if (res->sim_s == 0 || t1 - t0 < res->sim_s)
        res->sim_s = t1 - t0;
    return status == CONVOY_ROLLOUT_PROMOTED ? 0 : -1;
}

static result run(size_t n, int runs)
{
    result res;
    memset(&res, 0, sizeof res);
    res.services = n;
    size_t len;
    char *json = make_plan(n, &len);
    convoy_plan *plan = NULL;
    convoy_diagnostics *d = NULL;
    double t0 = seconds();
    int rc = convoy_plan_parse(&plan, &d, json, len, NULL);
    res.parse_s = seconds() - t0;
    free(json);
    if (rc != CONVOY_OK) {
        fprintf(stderr, "bench_simulate: the %zu-service plan does not parse: %s\n", n,
                convoy_error_message(convoy_error_last()));
        for (size_t i = 0; i < convoy_diagnostics_count(d) && i < 5; i++)
            fprintf(stderr, "  %s at %s\n", convoy_diagnostic_message(d, i),
                    convoy_diagnostic_pointer(d, i));
        convoy_diagnostics_free(d);
        return res;
    }
    convoy_diagnostics_free(d);
    res.waves = convoy_plan_wave_count(plan);
    res.ok = 1;
    for (int i = 0; i < runs; i++)
        if (simulate_once(plan, &res) != 0)
            res.ok = 0;
    convoy_plan_free(plan);
    printf("%6zu services, %zu waves: parse %8.3f ms, simulate %9.3f ms, %4llu ticks, "
           "%9.3f ms/tick, %7llu decisions, %llus simulated%s\n",
           res.services, res.waves, res.parse_s * 1e3, res.sim_s * 1e3,
           (unsigned long long)res.ticks, res.ticks ? res.sim_s * 1e3 / (double)res.ticks : 0.0,
           (unsigned long long)res.decisions, (unsigned long long)(res.sim_ms / 1000),
           res.ok ? "" : "  (NOT promoted)");
    fflush(stdout);
    return res;
}

static size_t size_arg(const char *s, const char *what)
{
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end || v < WAVES || v > 10000) {
        fprintf(stderr, "bench_simulate: %s must be %d..10000\n", what, WAVES);
        exit(2);
    }
    return (size_t)v;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--dump") == 0) {
        size_t len;
        char *json = make_plan(size_arg(argv[2], "SERVICES"), &len);
        fwrite(json, 1, len, stdout);
        free(json);
        return 0;
    }
    size_t large = argc > 1 ? size_arg(argv[1], "LARGE") : 10000;
    size_t small = argc > 2 ? size_arg(argv[2], "SMALL") : 1000;
    int runs = argc > 3 ? atoi(argv[3]) : 1;
    if (runs < 1)
        runs = 1;
    printf("bench_simulate: random DAG, %d waves, 1-3 dependencies each, 5 steps, "
           "max_parallel 0; best of %d\n",
           WAVES, runs);
    result s = run(small, runs);
    result l = run(large, runs);
    if (!s.ok || !l.ok)
        return 1;
    double ratio = l.sim_s / s.sim_s;
    double size_ratio = (double)large / (double)small;
    double target = 1.2 * size_ratio;
    printf("ratio %zu/%zu services: simulate %.2fx (%.2fx per tick) for %.0fx the services; "
           "target <= %.0fx: %s\n",
           large, small, ratio,
           (l.sim_s / (double)l.ticks) / (s.sim_s / (double)s.ticks), size_ratio, target,
           ratio <= target ? "met" : "NOT met");
    return 0;
}
