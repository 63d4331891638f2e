/*
 * tsan_slot - 4 reader threads route through one convoy_router_slot while a
 * writer publishes 10,000 snapshots, for ThreadSanitizer (tsan.sh builds
 * the library and this program with -fsanitize=thread) and, in ordinary and
 * ASan builds, as a stress test of the slot's reclamation.
 *
 *   tsan_slot [--require-tsan] [--race-selftest] [--publishes N]
 *
 * Snapshot g (0..N) is convoy_router_reweight() of one base router with
 * service "web" at 0 % (g even) or 100 % (g odd) and service "gen" at g
 * basis points, so every answer can be checked against the snapshot it
 * came from:
 *   - through convoy_router_slot_route(): buckets, key sources and rule
 *     decisions (which do not depend on weights) must be right, and "web"
 *     must be all-baseline or all-candidate;
 *   - inside one acquire / release: "gen" says g, "web" must have weight
 *     (g odd ? 10000 : 0), two routes of different users must agree with
 *     it, "gen" must route by bucket <= g, and g never goes backwards on
 *     one reader.
 * Readers count their routes; any failure is reported and the exit status
 * is 1. --race-selftest adds a deliberate data race (a plain global counter
 * that all threads increment) so that tsan.sh can check that TSan is live.
 * --require-tsan fails unless this program was built with TSan.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <convoy/convoy.h>

#if defined(__SANITIZE_THREAD__)
#  define BUILT_WITH_TSAN 1
#elif defined(__has_feature)
#  if __has_feature(thread_sanitizer)
#    define BUILT_WITH_TSAN 1
#  endif
#endif
#ifndef BUILT_WITH_TSAN
#  define BUILT_WITH_TSAN 0
#endif

#define N_READERS 4
#define N_USERS 64
#define MIN_ROUTES_PER_READER 2000
#define CATCH_UP 8

static const char PLAN[] =
    "{\"name\": \"tsan\", \"services\": ["
    " {\"name\": \"web\", \"traffic\": {\"sticky\": {\"header\": \"x-user-id\"}, \"rules\": ["
    "  {\"name\": \"canary\", \"match\": [{\"header\": \"x-canary\", \"exact\": \"always\"}],"
    "   \"variant\": \"candidate\"},"
    "  {\"name\": \"bots\", \"match\": [{\"header\": \"user-agent\", \"regex\": \".*[Bb]ot.*\"}],"
    "   \"variant\": \"baseline\"},"
    "  {\"name\": \"beta\", \"match\": [{\"cookie\": \"beta\", \"regex\": \"on|yes\"}],"
    "   \"variant\": \"candidate\"}]}},"
    " {\"name\": \"gen\", \"traffic\": {\"sticky\": {\"header\": \"x-user-id\"}}}"
    "]}";

static convoy_router_slot *slot;
static convoy_router *base;
static unsigned n_publishes = 10000;
static atomic_int readers_started, writer_done;
/* The newest snapshot any reader has pinned: the writer lets readers catch
 * up every few publishes, so that they really overlap. Relaxed on purpose:
 * it must not give TSan a happens-before edge the slot itself lacks. */
static atomic_uint newest_seen;
static int race_selftest;
static unsigned long racy_counter; /* deliberately unsynchronised (--race-selftest) */

static char users[N_USERS][32];
static uint32_t web_bucket[N_USERS], gen_bucket[N_USERS];

typedef struct reader {
    int id;
    unsigned long routes, pinned, failures;
    uint32_t generations_seen, last_gen;
} reader;

#define FAIL(rd, ...)                                                                       \
    do {                                                                                    \
        if ((rd)->failures++ < 10) {                                                        \
            fprintf(stderr, "reader %d: ", (rd)->id);                                       \
            fprintf(stderr, __VA_ARGS__);                                                   \
            fputc('\n', stderr);                                                            \
        }                                                                                   \
    } while (0)

static void request_for(convoy_request *q, convoy_pair *h, size_t u, int kind)
{
    convoy_request init = CONVOY_REQUEST_INIT;
    *q = init;
    convoy_pair user = {"X-User-Id", CONVOY_NTS, users[u], CONVOY_NTS};
    h[0] = user;
    q->headers = h;
    q->n_headers = 1;
    if (kind == 1) {
        convoy_pair c = {"x-canary", CONVOY_NTS, "always", CONVOY_NTS};
        h[q->n_headers++] = c;
    } else if (kind == 2) {
        convoy_pair b = {"User-Agent", CONVOY_NTS, "Mozilla/5.0 (compatible; Googlebot/2.1)",
                         CONVOY_NTS};
        h[q->n_headers++] = b;
    } else if (kind == 3) {
        convoy_pair c = {"Cookie", CONVOY_NTS, "a=1; beta=yes; b=2", CONVOY_NTS};
        h[q->n_headers++] = c;
    }
}

/* An answer through the slot, snapshot unknown: what must hold for all. */
static void check_unpinned(reader *rd, int rc, const convoy_route_result *res, size_t u,
                           int kind)
{
    if (rc != CONVOY_OK) {
        FAIL(rd, "convoy_router_slot_route returned %d (%s)", rc, convoy_strerror(rc));
        return;
    }
    if (res->bucket != web_bucket[u] || res->key_source != CONVOY_KEY_STICKY)
        FAIL(rd, "user %s: bucket %u source %d, expected %u", users[u], (unsigned)res->bucket,
             res->key_source, (unsigned)web_bucket[u]);
    static const int32_t rule[] = {-1, 0, 1, 2};
    static const int variant[] = {-1, CONVOY_VARIANT_CANDIDATE, CONVOY_VARIANT_BASELINE,
                                  CONVOY_VARIANT_CANDIDATE};
    if (res->rule != rule[kind] || (kind && res->variant != variant[kind]))
        FAIL(rd, "user %s kind %d: rule %d variant %d", users[u], kind, (int)res->rule,
             res->variant);
    if (res->variant != CONVOY_VARIANT_BASELINE && res->variant != CONVOY_VARIANT_CANDIDATE)
        FAIL(rd, "variant %d", res->variant);
    if (res->flags != 0)
        FAIL(rd, "flags %#x", (unsigned)res->flags);
}

/* Two routes and the getters of one pinned snapshot. */
static void check_pinned(reader *rd, const convoy_router *r, size_t u)
{
    if (!r) {
        FAIL(rd, "convoy_router_slot_acquire returned NULL");
        return;
    }
    uint32_t g = convoy_router_candidate_bp(r, 1);
    uint32_t w = convoy_router_candidate_bp(r, 0);
    if (w != (g % 2 ? 10000u : 0u))
        FAIL(rd, "snapshot %u has web weight %u", (unsigned)g, (unsigned)w);
    if (g < rd->last_gen)
        FAIL(rd, "snapshot %u after snapshot %u", (unsigned)g, (unsigned)rd->last_gen);
    if (g != rd->last_gen)
        rd->generations_seen++;
    if (g > atomic_load_explicit(&newest_seen, memory_order_relaxed))
        atomic_store_explicit(&newest_seen, g, memory_order_relaxed);
    rd->last_gen = g;
    const char *name = convoy_router_rule_name(r, 0, 0);
    if (!name || strcmp(name, "canary") != 0)
        FAIL(rd, "rule 0 is called %s", name ? name : "(null)");
    int want = g % 2 ? CONVOY_VARIANT_CANDIDATE : CONVOY_VARIANT_BASELINE;
    for (size_t k = 0; k < 2; k++) {
        size_t v = (u + k * 17) % N_USERS;
        convoy_request q;
        convoy_pair h[2];
        request_for(&q, h, v, 0);
        convoy_route_result res = CONVOY_ROUTE_RESULT_INIT;
        int rc = convoy_router_route(&res, r, 0, &q);
        rd->routes++;
        if (rc != CONVOY_OK || res.variant != want || res.bucket != web_bucket[v])
            FAIL(rd, "snapshot %u, user %s: rc %d variant %d bucket %u", (unsigned)g, users[v],
                 rc, res.variant, (unsigned)res.bucket);
        rc = convoy_router_route(&res, r, 1, &q);
        rd->routes++;
        int want_gen = gen_bucket[v] <= g ? CONVOY_VARIANT_CANDIDATE : CONVOY_VARIANT_BASELINE;
        if (rc != CONVOY_OK || res.variant != want_gen || res.bucket != gen_bucket[v])
            FAIL(rd, "snapshot %u, service gen, user %s: rc %d variant %d bucket %u",
                 (unsigned)g, users[v], rc, res.variant, (unsigned)res.bucket);
    }
}

static void *reader_main(void *arg)
{
    reader *rd = arg;
    atomic_fetch_add(&readers_started, 1);
    for (unsigned long i = 0;; i++) {
        if (atomic_load(&writer_done) && rd->routes >= MIN_ROUTES_PER_READER)
            break;
        if (race_selftest)
            racy_counter++;
        /* Four busy readers on fewer cores would starve the writer (it waits
         * for pinned readers, and a reader preempted while pinned holds it up
         * for a whole time slice): step aside now and then, outside a pin. */
        if (i % 256 == 255)
            sched_yield();
        size_t u = (size_t)((i * 7 + (unsigned long)rd->id * 13) % N_USERS);
        if (i % 2 == 0) {
            int kind = (int)((i / 2) % 4);
            convoy_request q;
            convoy_pair h[2];
            request_for(&q, h, u, kind);
            convoy_route_result res = CONVOY_ROUTE_RESULT_INIT;
            int rc = convoy_router_slot_route(&res, slot, 0, &q);
            rd->routes++;
            check_unpinned(rd, rc, &res, u, kind);
        } else {
            uint32_t ticket;
            const convoy_router *r = convoy_router_slot_acquire(slot, &ticket);
            check_pinned(rd, r, u);
            convoy_router_slot_release(slot, ticket);
            rd->pinned++;
        }
    }
    return NULL;
}

static void *writer_main(void *arg)
{
    unsigned long *failures = arg;
    while (atomic_load(&readers_started) < N_READERS)
        sched_yield();
    for (unsigned g = 1; g <= n_publishes; g++) {
        if (race_selftest)
            racy_counter++;
        uint32_t w[2] = {g % 2 ? 10000u : 0u, g};
        convoy_router *next = NULL;
        int rc = convoy_router_reweight(&next, base, w, NULL, 2);
        if (rc == CONVOY_OK)
            rc = convoy_router_slot_publish(slot, next);
        if (rc != CONVOY_OK && (*failures)++ < 10)
            fprintf(stderr, "writer: snapshot %u: %d (%s)\n", g, rc, convoy_strerror(rc));
        /* Every CATCH_UP publishes, wait until a reader has pinned a recent
         * snapshot (the current one, g, at the latest). */
        if (g % CATCH_UP == 0)
            while (atomic_load_explicit(&newest_seen, memory_order_relaxed) + CATCH_UP < g)
                sched_yield();
    }
    atomic_store(&writer_done, 1);
    return NULL;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    int require_tsan = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--require-tsan") == 0) {
            require_tsan = 1;
        } else if (strcmp(argv[i], "--race-selftest") == 0) {
            race_selftest = 1;
        } else if (strcmp(argv[i], "--publishes") == 0 && i + 1 < argc) {
            n_publishes = (unsigned)strtoul(argv[++i], NULL, 10);
            if (n_publishes < 1 || n_publishes > 10000) {
                fprintf(stderr, "tsan_slot: --publishes takes 1..10000\n");
                return 2;
            }
        } else {
            fprintf(stderr, "usage: tsan_slot [--require-tsan] [--race-selftest] "
                            "[--publishes N]\n");
            return 2;
        }
    }
    printf("tsan_slot: built %s ThreadSanitizer\n", BUILT_WITH_TSAN ? "with" : "without");
    if (require_tsan && !BUILT_WITH_TSAN) {
        fprintf(stderr, "tsan_slot: --require-tsan, but this build has no TSan\n");
        return 1;
    }

    for (size_t u = 0; u < N_USERS; u++) {
        snprintf(users[u], sizeof users[u], "user-%zu@example.com", u * 7919);
        web_bucket[u] = convoy_bucket("web", 3, users[u], strlen(users[u]));
        gen_bucket[u] = convoy_bucket("gen", 3, users[u], strlen(users[u]));
    }
    convoy_plan *plan = NULL;
    int rc = convoy_plan_parse(&plan, NULL, PLAN, strlen(PLAN), NULL);
    uint32_t zero[2] = {0, 0};
    convoy_router *first = NULL;
    if (rc == CONVOY_OK)
        rc = convoy_router_new(&base, plan, zero, NULL, 2, NULL);
    convoy_plan_free(plan);
    if (rc == CONVOY_OK)
        rc = convoy_router_reweight(&first, base, zero, NULL, 2);
    if (rc == CONVOY_OK)
        rc = convoy_router_slot_new(&slot, first);
    if (rc != CONVOY_OK) {
        fprintf(stderr, "tsan_slot: set-up failed: %d (%s): %s\n", rc, convoy_strerror(rc),
                convoy_error_message(convoy_error_last()));
        return 1;
    }

    double t0 = now_seconds();
    pthread_t readers[N_READERS], writer;
    reader rd[N_READERS];
    unsigned long writer_failures = 0;
    memset(rd, 0, sizeof rd);
    for (int i = 0; i < N_READERS; i++) {
        rd[i].id = i;
        if (pthread_create(&readers[i], NULL, reader_main, &rd[i]) != 0) {
            fprintf(stderr, "tsan_slot: pthread_create failed\n");
            return 1;
        }
    }
    if (pthread_create(&writer, NULL, writer_main, &writer_failures) != 0) {
        fprintf(stderr, "tsan_slot: pthread_create failed\n");
        return 1;
    }
    pthread_join(writer, NULL);
    for (int i = 0; i < N_READERS; i++)
        pthread_join(readers[i], NULL);
    double dt = now_seconds() - t0;

    /* After the writer: the last snapshot is current. */
    unsigned long failures = writer_failures;
    uint32_t ticket;
    const convoy_router *last = convoy_router_slot_acquire(slot, &ticket);
    if (!last || convoy_router_candidate_bp(last, 1) != n_publishes) {
        fprintf(stderr, "tsan_slot: the slot does not hold the last snapshot\n");
        failures++;
    }
    convoy_router_slot_release(slot, ticket);
    convoy_router_slot_free(slot);
    convoy_router_free(base);

    unsigned long routes = 0, seen = 0;
    for (int i = 0; i < N_READERS; i++) {
        printf("reader %d: %lu routes, %lu pinned reads, %u snapshots seen, %lu failures\n", i,
               rd[i].routes, rd[i].pinned, (unsigned)rd[i].generations_seen, rd[i].failures);
        routes += rd[i].routes;
        seen += rd[i].generations_seen;
        failures += rd[i].failures;
    }
    printf("tsan_slot: %u publishes, %lu routes, %.2f s, %lu failures\n", n_publishes, routes,
           dt, failures);
    if (race_selftest)
        printf("tsan_slot: race self-test counter %lu\n", racy_counter);
    /* The readers must have overlapped the writer, or nothing was tested. */
    if (n_publishes >= 100 && seen < 2) {
        fprintf(stderr, "tsan_slot: readers saw %lu snapshot changes: no overlap\n", seen);
        failures++;
    }
    return failures ? 1 : 0;
}
