/*
 * bench_plan - how long convoy_plan_parse takes on a large plan, compared
 * with cJSON_Parse of the same text, and how much memory it uses.
 *
 * usage: bench_plan [SERVICES [RUNS]]      (defaults 5000 and 7)
 *        bench_plan --dump SERVICES        (print the generated plan)
 *
 * Generates in memory a plan with SERVICES services in layers of up to 100
 * (each depending on one to three services of the layer before), owners,
 * 6-10 steps each (set_weight, pause, analysis, approval, set_mirror,
 * webhook), a handful of analyses (measurement and judge, one from a
 * template), cohorts of services with identical schedules, traffic rules
 * with one regex each, a rollback block and policies. Then:
 *
 *  - times convoy_plan_parse (best of RUNS, CLOCK_MONOTONIC) against
 *    cJSON_ParseWithLength alone on the same text, and prints the ratio
 *    with "target <= 3: met" or "NOT met" - informational: the exit status
 *    is 0 either way (1 only when the plan does not parse);
 *  - counts the library's own allocations through convoy_set_allocator
 *    (peak and retained bytes per service; anything allocated through
 *    cJSON's hooks is not counted) and, as a second figure, the growth
 *    of getrusage() maxrss over the first parse (and of /proc's VmHWM,
 *    which unlike maxrss does not start at the parent's peak after exec).
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* clock_gettime; meson passes it already */
#endif
#include <convoy/convoy.h>

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

/* ---- counting allocator ------------------------------------------------ */

/* A header in front of every block remembers its size; 16 bytes keeps the
 * alignment malloc guarantees. */
#define HDR 16

static size_t g_cur, g_peak, g_calls;

static void account(size_t add, size_t sub)
{
    g_cur = g_cur + add - sub;
    if (g_cur > g_peak)
        g_peak = g_cur;
}

static void *count_malloc(size_t n)
{
    unsigned char *p = malloc(n + HDR);
    if (!p)
        return NULL;
    memcpy(p, &n, sizeof n);
    g_calls++;
    account(n, 0);
    return p + HDR;
}

static void *count_realloc(void *ptr, size_t n)
{
    if (!ptr)
        return count_malloc(n);
    unsigned char *old = (unsigned char *)ptr - HDR;
    size_t old_n;
    memcpy(&old_n, old, sizeof old_n);
    unsigned char *p = realloc(old, n + HDR);
    if (!p)
        return NULL;
    memcpy(p, &n, sizeof n);
    g_calls++;
    account(n, old_n);
    return p + HDR;
}

static void count_free(void *ptr)
{
    if (!ptr)
        return;
    unsigned char *p = (unsigned char *)ptr - HDR;
    size_t n;
    memcpy(&n, p, sizeof n);
    account(0, n);
    free(p);
}

/* ---- text buffer --------------------------------------------------------- */

typedef struct {
    char *s;
    size_t len, cap;
} buf;

static void bprintf(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void bprintf(buf *b, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
        if (n < 0) {
            perror("vsnprintf");
            exit(2);
        }
        if ((size_t)n < b->cap - b->len) {
            b->len += (size_t)n;
            return;
        }
        b->cap = (b->cap + (size_t)n + 1) * 2;
        b->s = realloc(b->s, b->cap);
        if (!b->s) {
            perror("realloc");
            exit(2);
        }
    }
}

/* ---- plan generator -------------------------------------------------------- */

#define LAYER 100      /* services per dependency layer */
#define COHORT_SIZE 4  /* services per cohort: four neighbours in one layer */
#define COHORT_EVERY 5 /* one group of COHORT_SIZE in every 5 groups is a cohort */

static unsigned rnd_state = 12345u;
static unsigned rnd(void)
{
    rnd_state = rnd_state * 1103515245u + 12345u;
    return (rnd_state >> 16) & 0x7fff;
}

/* The steps of one schedule; every service of a cohort uses the same one.
 * Weight jumps stay <= 25 and an analysis comes before any weight above 50,
 * so the plan passes its own policies. */
static void gen_steps(buf *b, unsigned variant)
{
    static const char *const analyses[] = {"error-rate", "latency", "http-errors", "judge"};
    const char *an = analyses[variant % 4];
    unsigned nsteps = 6 + variant % 5; /* 6..10 */
    static const unsigned weights[] = {10, 25, 50, 75};
    unsigned w = 0;

    bprintf(b, "\"steps\": [");
    for (unsigned k = 0; k < nsteps; k++) {
        if (k)
            bprintf(b, ", ");
        switch (k % 3) {
        case 0:
            bprintf(b, "{\"set_weight\": %u}", weights[w < 3 ? w : 3]);
            w++;
            break;
        case 1:
            if (k == 7 && variant % 7 == 0)
                bprintf(b, "{\"approval\": {\"timeout\": \"30m\"}}");
            else if (k == 4 && variant % 3 == 0)
                bprintf(b, "{\"pause\": {\"duration\": \"2m\"}}");
            else if (k == 7 && variant % 7 == 1)
                bprintf(b, "{\"set_mirror\": 20}");
            else
                bprintf(b, "{\"pause\": \"%us\"}", 30 + (variant % 4) * 15);
            break;
        default:
            bprintf(b, "{\"analysis\": \"%s\"}", an);
            break;
        }
    }
    if (variant % 11 == 0 && nsteps < 10) /* stays within 6-10 steps */
        bprintf(b, ", {\"webhook\": {\"name\": \"smoke\", \"url\": \"http://127.0.0.1:9/smoke\", "
                   "\"type\": \"pre-rollout\", \"timeout\": \"30s\"}}");
    bprintf(b, "]");
}

static const char analyses_json[] =
    "\"templates\": {\"analyses\": {\"errors-tpl\": {\"metrics\": [{\"name\": \"error-rate\", "
    "\"provider\": {\"prometheus\": {\"address\": \"http://127.0.0.1:9090\", \"query\": "
    "\"sum(rate(http_requests_total{service=\\\"{{service}}\\\",code=~\\\"{{args.codes}}\\\"}[1m]))\"}}, "
    "\"interval\": \"1m\", \"count\": 3, \"success\": \"<0.01\", \"failure\": \">=0.05\"}]}}},\n"
    "\"analyses\": {\n"
    " \"error-rate\": {\"metrics\": [{\"name\": \"error-rate\", \"provider\": {\"prometheus\": "
    "{\"address\": \"http://127.0.0.1:9090\", \"query\": "
    "\"sum(rate(errors{service=\\\"{{service}}\\\"}[1m]))\"}}, \"interval\": \"1m\", \"count\": 5, "
    "\"initial_delay\": \"30s\", \"success\": \"<0.01\", \"failure\": [\">=0.05\"], "
    "\"failure_limit\": 1}]},\n"
    " \"latency\": {\"metrics\": [{\"name\": \"p99-latency\", \"provider\": {\"prometheus\": "
    "{\"query\": \"histogram_quantile(0.99, rate(latency_bucket{service=\\\"{{service}}\\\"}[1m]))\"}}, "
    "\"interval\": \"30s\", \"count\": 4, \"success\": [\"<0.5\", \"<=+10%\"]}, "
    "{\"name\": \"error_rate\", \"provider\": {\"prometheus\": {\"query\": \"errs\"}}, "
    "\"interval\": \"30s\", \"count\": 4, \"min\": 0, \"max\": 0.02}]},\n"
    " \"http-errors\": {\"template\": \"errors-tpl\", \"args\": {\"codes\": \"5..\"}},\n"
    " \"judge\": {\"judge\": {\"pass\": 95, \"marginal\": 75, \"groups\": {\"latency\": 60, "
    "\"errors\": 40}, \"confidence\": 0.95, \"tolerance\": 0.25, \"interval\": \"1m\", "
    "\"count\": 10}, \"metrics\": [{\"name\": \"p99\", \"provider\": {\"prometheus\": {\"query\": "
    "\"p99{v=\\\"{{variant}}\\\"}\"}}, \"groups\": [\"latency\"], \"direction\": \"increase\", "
    "\"critical\": true}, {\"name\": \"error-rate\", \"provider\": {\"prometheus\": {\"query\": "
    "\"err{v=\\\"{{variant}}\\\"}\"}}, \"groups\": [\"errors\"], \"direction\": \"increase\"}]}\n"
    "},\n";

static char *gen_plan(unsigned nservices, size_t *len_out, unsigned *ncohorts_out)
{
    buf b = {malloc(1 << 20), 0, 1 << 20};
    unsigned ncohorts = 0;
    if (!b.s) {
        perror("malloc");
        exit(2);
    }
    bprintf(&b, "{\n\"name\": \"bench-%u\",\n\"description\": \"generated by bench_plan\",\n"
                "\"max_parallel\": 8,\n",
            nservices);
    bprintf(&b, "%s", analyses_json);
    bprintf(&b, "\"rollback\": {\"mode\": \"automatic\", \"scope\": \"dependents\", "
                "\"on_inconclusive\": \"hold\", \"retry\": {\"attempts\": 3, \"backoff\": \"10s\"}},\n"
                "\"failure_budget\": {\"max_failed_evaluations\": 20, \"time_to_remediate\": \"15m\"},\n"
                "\"policies\": {\"max_weight_jump\": 25, \"analysis_before_weight\": 50, "
                "\"rollback_automatic\": true, \"owner_required\": true},\n"
                "\"services\": [\n");
    for (unsigned i = 0; i < nservices; i++) {
        unsigned layer = i / LAYER, pos = i % LAYER;
        unsigned group = i / COHORT_SIZE, first = group * COHORT_SIZE;
        /* a cohort: a whole group, inside one layer (so no member depends on
         * another) and inside the plan */
        int in_cohort = group % COHORT_EVERY == 0 && first / LAYER == (first + COHORT_SIZE - 1) / LAYER &&
                        first + COHORT_SIZE <= nservices;
        if (in_cohort && i % COHORT_SIZE == 0)
            ncohorts++;

        bprintf(&b, "%s{\"name\": \"svc-%05u\", \"owner\": \"team-%02u <team-%02u@corp.example>\", "
                    "\"baseline\": \"2024.%u.0\", \"candidate\": \"2024.%u.1\"",
                i ? ",\n" : "", i, i % 40, i % 40, i % 50, i % 50);
        if (layer > 0) {
            /* one to three services of the previous layer */
            unsigned prev_base = (layer - 1) * LAYER;
            unsigned ndeps = 1 + rnd() % 3, d[3];
            bprintf(&b, ", \"depends_on\": [");
            for (unsigned k = 0; k < ndeps; k++) {
                d[k] = prev_base + (pos + k * 37 + rnd() % 5) % LAYER;
                int dup = 0;
                for (unsigned q = 0; q < k; q++)
                    dup |= d[q] == d[k];
                if (dup) {
                    ndeps = k;
                    break;
                }
            }
            for (unsigned k = 0; k < ndeps; k++) {
                if (k == 1 && i % 9 == 0)
                    bprintf(&b, ", {\"service\": \"svc-%05u\", \"step\": 2}", d[k]);
                else
                    bprintf(&b, "%s\"svc-%05u\"", k ? ", " : "", d[k]);
            }
            bprintf(&b, "]");
        }
        bprintf(&b, ", ");
        /* cohort members share the variant, so their schedules are identical */
        gen_steps(&b, in_cohort ? group : i);
        if (in_cohort || i % 10 == 3) {
            bprintf(&b, ", \"traffic\": {\"sticky\": {\"header\": \"x-user-id\"}");
            if (in_cohort)
                bprintf(&b, ", \"cohort\": \"cohort-%04u\"", group);
            else
                bprintf(&b,
                        ", \"rules\": ["
                        "{\"name\": \"canary-header\", \"match\": [{\"header\": \"x-canary\", "
                        "\"exact\": \"always\"}], \"variant\": \"candidate\"}, "
                        "{\"name\": \"eu-stays\", \"match\": [{\"attribute\": \"region\", "
                        "\"exact\": \"eu-west\"}], \"variant\": \"baseline\"}, "
                        "{\"name\": \"qa-users\", \"match\": [{\"cookie\": \"uid\", "
                        "\"regex\": \"^(qa|staff)-[0-9]{1,8}$\"}], \"variant\": \"candidate\"}, "
                        "{\"name\": \"beta\", \"match\": [{\"attribute\": \"flag\", "
                        "\"exact\": \"beta\"}], \"weight\": 50}]");
            bprintf(&b, "}");
        }
        bprintf(&b, "}");
    }
    bprintf(&b, "\n]\n}\n");
    *len_out = b.len;
    *ncohorts_out = ncohorts;
    return b.s;
}

/* ---- measurement ---------------------------------------------------------- */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long maxrss_kib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss; /* KiB on Linux */
}

/* The process's own peak RSS (VmHWM) in KiB, or -1 where /proc has none.
 * Unlike ru_maxrss it is reset by execve: under `meson test` ru_maxrss starts
 * at the forking Python's RSS and may not grow at all. */
static long vmhwm_kib(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kib = -1;
    if (!f)
        return -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "VmHWM: %ld kB", &kib) == 1)
            break;
    fclose(f);
    return kib;
}

static int parse_or_die(const char *json, size_t len, convoy_plan **out)
{
    convoy_diagnostics *diags = NULL;
    int rc = convoy_plan_parse(out, &diags, json, len, NULL);
    if (rc != CONVOY_OK) {
        size_t n = convoy_diagnostics_count(diags);
        fprintf(stderr, "bench_plan: the generated plan does not parse: %s (%zu problems)\n",
                convoy_strerror(rc), n);
        for (size_t i = 0; i < n && i < 20; i++)
            fprintf(stderr, "  %u:%u %s [%s] %s\n", convoy_diagnostic_line(diags, i),
                    convoy_diagnostic_column(diags, i), convoy_diagnostic_pointer(diags, i),
                    convoy_problem_name(convoy_diagnostic_code(diags, i)),
                    convoy_diagnostic_message(diags, i));
        convoy_diagnostics_free(diags);
        return 1;
    }
    convoy_diagnostics_free(diags);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--dump") == 0) { /* print the generated plan */
        size_t len;
        unsigned nc;
        char *json = gen_plan((unsigned)strtoul(argv[2], NULL, 10), &len, &nc);
        fwrite(json, 1, len, stdout);
        free(json);
        return 0;
    }
    unsigned nservices = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 5000;
    unsigned runs = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 7;
    if (nservices < 1 || nservices > 10000 || runs < 1) {
        fprintf(stderr, "usage: %s [SERVICES (1-10000, default 5000) [RUNS (default 7)]]\n",
                argv[0]);
        return 2;
    }
    if (convoy_set_allocator(count_malloc, count_realloc, count_free) != CONVOY_OK) {
        fprintf(stderr, "bench_plan: convoy_set_allocator failed\n");
        return 2;
    }

    size_t len;
    unsigned ncohorts;
    char *json = gen_plan(nservices, &len, &ncohorts);
    printf("bench_plan: %u services, %u cohorts, %zu bytes of JSON (%.1f KiB/service), "
           "best of %u runs\n",
           nservices, ncohorts, len, (double)len / 1024.0 / nservices, runs);

    /* First parse: memory figures. */
    convoy_plan *plan = NULL;
    long rss0 = maxrss_kib(), hwm0 = vmhwm_kib();
    g_peak = g_cur;
    size_t base = g_cur, calls0 = g_calls;
    if (parse_or_die(json, len, &plan))
        return 1;
    long rss1 = maxrss_kib(), hwm1 = vmhwm_kib();
    size_t peak = g_peak - base, retained = g_cur - base, calls = g_calls - calls0;
    size_t smin = (size_t)-1, smax = 0, stotal = 0, dtotal = 0;
    for (size_t i = 0; i < convoy_plan_service_count(plan); i++) {
        const convoy_service *svc = convoy_plan_service(plan, i);
        size_t n = convoy_service_step_count(svc);
        smin = n < smin ? n : smin;
        smax = n > smax ? n : smax;
        stotal += n;
        dtotal += convoy_service_dependency_count(svc);
    }
    printf("  plan: %zu services, %zu waves, %zu analyses, %zu cohorts, %zu dependencies, "
           "%zu-%zu steps per service (%zu in all)\n",
           convoy_plan_service_count(plan), convoy_plan_wave_count(plan),
           convoy_plan_analysis_count(plan), convoy_plan_cohort_count(plan), dtotal, smin, smax,
           stotal);
    convoy_plan_free(plan);

    /* Timings, best of `runs` each. */
    double best_convoy = 1e30, best_cjson = 1e30;
    for (unsigned r = 0; r < runs; r++) {
        double t0 = now_s();
        int rc = convoy_plan_parse(&plan, NULL, json, len, NULL);
        double t1 = now_s();
        if (rc != CONVOY_OK) {
            fprintf(stderr, "bench_plan: parse failed on run %u: %s\n", r, convoy_strerror(rc));
            return 1;
        }
        convoy_plan_free(plan);
        if (t1 - t0 < best_convoy)
            best_convoy = t1 - t0;

        t0 = now_s();
        cJSON *tree = cJSON_ParseWithLength(json, len);
        t1 = now_s();
        if (!tree) {
            fprintf(stderr, "bench_plan: cJSON cannot parse the generated plan\n");
            return 1;
        }
        cJSON_Delete(tree);
        if (t1 - t0 < best_cjson)
            best_cjson = t1 - t0;
    }
    double ratio = best_convoy / best_cjson;
    printf("  convoy_plan_parse : %9.3f ms  (%.1f MB/s)\n", best_convoy * 1e3,
           (double)len / best_convoy / 1e6);
    printf("  cJSON_Parse alone : %9.3f ms  (%.1f MB/s)\n", best_cjson * 1e3,
           (double)len / best_cjson / 1e6);
    printf("  ratio             : %9.2f  (target <= 3: %s)\n", ratio,
           ratio <= 3.0 ? "met" : "NOT met");
    printf("  library memory    : peak %zu bytes (%.0f B/service), retained by the plan %zu "
           "bytes (%.0f B/service), %zu allocations\n",
           peak, (double)peak / nservices, retained, (double)retained / nservices, calls);
    printf("  maxrss growth     : %ld KiB over the first parse (%.0f B/service; getrusage, "
           "all allocations)\n",
           rss1 - rss0, (double)(rss1 - rss0) * 1024.0 / nservices);
    if (hwm0 >= 0 && hwm1 >= 0)
        printf("  VmHWM growth      : %ld KiB over the first parse (%.0f B/service; /proc, "
               "same but not inherited across exec)\n",
               hwm1 - hwm0, (double)(hwm1 - hwm0) * 1024.0 / nservices);
    if (g_cur != base)
        printf("  note: %zu bytes of library allocations still live after convoy_plan_free\n",
               g_cur - base);
    free(json);
    return 0;
}
