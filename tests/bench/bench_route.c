/*
 * bench_route - the per-request routing path: cost against a bare hash,
 * cost of rules, and heap allocations per call.
 *
 * usage: bench_route [N [RUNS]]      (defaults 1000000 keys, 5 runs)
 *
 * Keys are "user-0" .. "user-(N-1)". Prints, best of RUNS
 * (CLOCK_MONOTONIC), in one run:
 *
 *  (a) convoy_router_route of a service with a sticky key (req->key) and
 *      no rules, against convoy_murmur3_32 of the same "group:key" bytes
 *      (joined beforehand, so the hash alone is timed): ns per call and the
 *      ratio, "target <= 2x: met" or "NOT met";
 *  (m) convoy_router_route_many of (a)'s requests in batches of 256 (the
 *      batch's key pointers set in the timed loop, as (a) sets req.key per
 *      call): ns per request and the ratio to the bare hash;
 *  (b) the same through a service with three rules (a header exact test,
 *      an attribute prefix test, a cookie regex read from a raw Cookie
 *      header), none of which matches, so all three are evaluated on every
 *      call, the key coming from the sticky header: ns per call and the
 *      ratio to (a);
 *  (s) (b) through a convoy_router_slot (convoy_router_slot_route): ns per
 *      call and the ratio to (b);
 *  (c) heap allocations per call: malloc, calloc, realloc, aligned
 *      allocations and free are counted by wrappers in this executable
 *      (interposed over glibc's __libc_* functions; under ASan, TSan or MSan,
 *      whose allocators cannot be interposed, by their malloc/free hooks) on
 *      the routing threads only, over 1,000,000 calls of (b), 1,000,000
 *      calls of (s) and 1,000,000 requests of (b) through route_many in
 *      batches of 250, spread over 4 threads, after one warm-up call per
 *      thread (a thread's first regex match allocates its PCRE2 match
 *      data); meanwhile another thread publishes a new snapshot into the
 *      slot about every millisecond (its allocations are not the routes').
 *      Target 0. The warm-up calls are counted apart and printed (each
 *      thread's PCRE2 match data), and a malloc/free pair is counted
 *      first, so a counter that sees nothing cannot pass.
 *
 * Exit status: 0, or 1 when a call fails or (c) counts any allocation -
 * a behaviour check, not a timing one; timings never fail the run.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* clock_gettime, nanosleep; meson passes it already */
#endif
#include <convoy/convoy.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ------------------------------------------------------------------------
 * Counting allocations on the threads that set `counting`. */

static _Thread_local int counting;
static atomic_ulong n_allocs, n_frees;

static inline void count_alloc(void)
{
    if (counting)
        atomic_fetch_add_explicit(&n_allocs, 1, memory_order_relaxed);
}
static inline void count_free(void *p)
{
    if (counting && p)
        atomic_fetch_add_explicit(&n_frees, 1, memory_order_relaxed);
}

/* Sanitizers with their own allocator (ASan, TSan, MSan) cannot be
 * interposed; their common runtime calls hooks instead. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define BENCH_SANITIZER_ALLOCATOR 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
    __has_feature(memory_sanitizer)
#define BENCH_SANITIZER_ALLOCATOR 1
#endif
#endif

#ifdef BENCH_SANITIZER_ALLOCATOR
/* The sanitizer owns malloc; it calls these hooks on every allocation and free. */
int __sanitizer_install_malloc_and_free_hooks(void (*malloc_hook)(const volatile void *, size_t),
                                              void (*free_hook)(const volatile void *));
static void on_malloc(const volatile void *p, size_t n)
{
    (void)p;
    (void)n;
    count_alloc();
}
static void on_free(const volatile void *p)
{
    count_free((void *)(uintptr_t)p);
}
static const char *counter_kind = "the sanitizer's malloc/free hooks";
static void install_counter(void)
{
    __sanitizer_install_malloc_and_free_hooks(on_malloc, on_free);
}
#else
/* glibc's allocator under its internal names; every allocation in the
 * process (the library, PCRE2, libc) goes through these wrappers. */
extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t size);
extern void *__libc_memalign(size_t align, size_t size);
extern void __libc_free(void *p);

void *malloc(size_t size)
{
    count_alloc();
    return __libc_malloc(size);
}
void *calloc(size_t n, size_t size)
{
    count_alloc();
    return __libc_calloc(n, size);
}
void *realloc(void *p, size_t size)
{
    count_alloc();
    return __libc_realloc(p, size);
}
void free(void *p)
{
    count_free(p);
    __libc_free(p);
}
void *aligned_alloc(size_t align, size_t size)
{
    count_alloc();
    return __libc_memalign(align, size);
}
int posix_memalign(void **out, size_t align, size_t size)
{
    count_alloc();
    void *p = __libc_memalign(align, size);
    if (!p)
        return 12; /* ENOMEM */
    *out = p;
    return 0;
}
static const char *counter_kind = "interposed malloc/calloc/realloc/free";
static void install_counter(void)
{
}
#endif

/* ------------------------------------------------------------------------ */

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static volatile uint32_t sink;
static int failed;

static const char plan_json[] =
    "{\"name\": \"bench-route\", \"services\": [\n"
    " {\"name\": \"plain\", \"traffic\": {\"sticky\": {\"header\": \"x-user-id\"}}},\n"
    " {\"name\": \"ruled\", \"traffic\": {\"sticky\": {\"header\": \"x-user-id\"}, \"rules\": [\n"
    "   {\"name\": \"canary\", \"match\": [{\"header\": \"x-canary\", \"exact\": \"always\"}],"
    "    \"variant\": \"candidate\"},\n"
    "   {\"name\": \"eu\", \"match\": [{\"attribute\": \"region\", \"prefix\": \"eu-\"}],"
    "    \"variant\": \"baseline\"},\n"
    "   {\"name\": \"qa\", \"match\": [{\"cookie\": \"uid\", \"regex\": \"(qa|dev)-[0-9]+\"}],"
    "    \"weight\": 50}\n"
    " ]}}\n"
    "]}";
#define SVC_PLAIN 0
#define SVC_RULED 1
#define BATCH 256 /* requests per convoy_router_route_many call in (m) */
static const uint32_t weights[2] = {2500, 2500};

static size_t n_keys;
static char (*keys)[16];
static size_t *key_len;

/* A request of the ruled service for key i: sticky header, other headers,
 * a raw Cookie header whose uid does not match, an attribute. */
typedef struct ruled_request {
    convoy_pair headers[5];
    convoy_pair attrs[1];
    convoy_request req;
} ruled_request;

static void ruled_init(ruled_request *r)
{
#define S(lit) lit, sizeof lit - 1
    convoy_pair h[5] = {
        {S("Accept"), S("text/html")},
        {S("User-Agent"), S("Mozilla/5.0 (X11; Linux x86_64)")},
        {S("X-Canary"), S("never")},
        {S("Cookie"), S("session=abc123; uid=prod-123; theme=dark")},
        {S("X-User-Id"), NULL, 0},
    };
    memcpy(r->headers, h, sizeof h);
    r->attrs[0] = (convoy_pair){S("region"), S("us-east-1")};
#undef S
    convoy_request init = CONVOY_REQUEST_INIT;
    r->req = init;
    r->req.headers = r->headers;
    r->req.n_headers = 5;
    r->req.attrs = r->attrs;
    r->req.n_attrs = 1;
}

static inline void ruled_key(ruled_request *r, size_t i)
{
    r->headers[4].value = keys[i];
    r->headers[4].value_len = key_len[i];
}

/* ------------------------------------------------------------------------
 * (c): routing threads and a publisher. */
#define THREADS 4
#define ALLOC_CALLS 1000000
#define MANY_BATCH 250 /* requests per route_many call in (c) */

typedef struct shared {
    const convoy_router *router;
    convoy_router_slot *slot;
    pthread_barrier_t ready, go, done, counted;
    atomic_int stop;
    atomic_ulong publishes;
    unsigned long route_calls[THREADS], slot_calls[THREADS], many_requests[THREADS];
    uint32_t acc[THREADS];
    atomic_int bad_rc;
} shared;

typedef struct worker {
    shared *sh;
    int index;
} worker;

static void *route_thread(void *arg)
{
    worker *w = arg;
    shared *sh = w->sh;
    ruled_request rr;
    ruled_init(&rr);
    convoy_route_result res = CONVOY_ROUTE_RESULT_INIT;
    /* route_many's batch, allocated before counting starts. */
    ruled_request *batch_rr = malloc(MANY_BATCH * sizeof *batch_rr);
    convoy_request *batch = malloc(MANY_BATCH * sizeof *batch);
    convoy_route_result *batch_out = malloc(MANY_BATCH * sizeof *batch_out);
    if (!batch_rr || !batch || !batch_out) {
        atomic_store(&sh->bad_rc, 1);
        return NULL;
    }
    for (size_t j = 0; j < MANY_BATCH; j++) {
        convoy_route_result res_init = CONVOY_ROUTE_RESULT_INIT;
        ruled_init(&batch_rr[j]);
        batch_out[j] = res_init;
    }
    /* Warm-up: the thread's first regex match creates its match data. */
    ruled_key(&rr, (size_t)w->index);
    counting = 1; /* counted apart: shows that the counter sees the library's allocations */
    if (convoy_router_route(&res, sh->router, SVC_RULED, &rr.req) != CONVOY_OK ||
        convoy_router_slot_route(&res, sh->slot, SVC_RULED, &rr.req) != CONVOY_OK)
        atomic_store(&sh->bad_rc, 1);
    counting = 0;
    pthread_barrier_wait(&sh->ready);
    pthread_barrier_wait(&sh->go);
    counting = 1;
    size_t per = ALLOC_CALLS / THREADS, first = per * (size_t)w->index;
    uint32_t acc = 0;
    for (size_t k = 0; k < per; k++) {
        ruled_key(&rr, (first + k) % n_keys);
        if (convoy_router_route(&res, sh->router, SVC_RULED, &rr.req) != CONVOY_OK)
            atomic_store(&sh->bad_rc, 1);
        acc += res.bucket;
    }
    sh->route_calls[w->index] = per;
    for (size_t k = 0; k < per; k++) {
        ruled_key(&rr, (first + k) % n_keys);
        if (convoy_router_slot_route(&res, sh->slot, SVC_RULED, &rr.req) != CONVOY_OK)
            atomic_store(&sh->bad_rc, 1);
        acc += res.bucket;
    }
    sh->slot_calls[w->index] = per;
    for (size_t k = 0; k < per; k += MANY_BATCH) {
        size_t m = per - k < MANY_BATCH ? per - k : MANY_BATCH;
        for (size_t j = 0; j < m; j++) {
            ruled_key(&batch_rr[j], (first + k + j) % n_keys);
            batch[j] = batch_rr[j].req;
        }
        if (convoy_router_route_many(batch_out, sh->router, SVC_RULED, batch, m) != CONVOY_OK)
            atomic_store(&sh->bad_rc, 1);
        acc += batch_out[0].bucket;
    }
    sh->many_requests[w->index] = per;
    counting = 0;
    free(batch_rr);
    free(batch);
    free(batch_out);
    sh->acc[w->index] = acc;
    pthread_barrier_wait(&sh->done);
    pthread_barrier_wait(&sh->counted); /* exit (and free thread data) after the count */
    return NULL;
}

static void *publish_thread(void *arg)
{
    shared *sh = arg;
    uint32_t w[2] = {2500, 2500};
    while (!atomic_load(&sh->stop)) {
        w[1] = w[1] == 2500 ? 2600 : 2500;
        convoy_router *next = NULL;
        if (convoy_router_reweight(&next, sh->router, w, NULL, 2) != CONVOY_OK ||
            convoy_router_slot_publish(sh->slot, next) != CONVOY_OK) {
            atomic_store(&sh->bad_rc, 1);
            break;
        }
        atomic_fetch_add(&sh->publishes, 1);
        struct timespec ms = {0, 1000000};
        nanosleep(&ms, NULL);
    }
    return NULL;
}

/* ------------------------------------------------------------------------ */

int main(int argc, char **argv)
{
    long n_arg = argc > 1 ? strtol(argv[1], NULL, 10) : 1000000;
    long runs_arg = argc > 2 ? strtol(argv[2], NULL, 10) : 5;
    if (argc > 3 || n_arg < 100 || n_arg > 100000000 || runs_arg < 1 || runs_arg > 1000) {
        fprintf(stderr, "usage: %s [N (100-100000000, default 1000000) [RUNS (default 5)]]\n",
                argv[0]);
        return 1;
    }
    install_counter();
    n_keys = (size_t)n_arg;
    unsigned runs = (unsigned)runs_arg;
    keys = malloc(n_keys * sizeof *keys);
    key_len = malloc(n_keys * sizeof *key_len);
    const char *group = "plain";
    char *joined = malloc(n_keys * 24);
    size_t *joined_len = malloc(n_keys * sizeof *joined_len);
    if (!keys || !key_len || !joined || !joined_len) {
        fprintf(stderr, "bench_route: out of memory\n");
        return 1;
    }
    for (size_t i = 0; i < n_keys; i++) {
        key_len[i] = (size_t)snprintf(keys[i], sizeof keys[i], "user-%zu", i);
        joined_len[i] =
            (size_t)snprintf(joined + i * 24, 24, "%s:%s", group, keys[i]);
    }

    convoy_plan *plan = NULL;
    int rc = convoy_plan_parse(&plan, NULL, plan_json, sizeof plan_json - 1, NULL);
    convoy_router *router = NULL;
    if (rc == CONVOY_OK)
        rc = convoy_router_new(&router, plan, weights, NULL, 2, NULL);
    convoy_plan_free(plan);
    if (rc != CONVOY_OK) {
        fprintf(stderr, "bench_route: cannot build the router: %s\n", convoy_strerror(rc));
        return 1;
    }
    printf("bench_route: %zu keys, best of %u runs, %s\n", n_keys, runs,
           convoy_router_rule_count(router, SVC_RULED) == 3 ? "3 rules (1 regex)" : "?");

    /* Same decisions first: the route's bucket is that of the hash. */
    for (size_t i = 0; i < n_keys; i += 97) {
        convoy_request req = CONVOY_REQUEST_INIT;
        req.key = keys[i];
        req.key_len = key_len[i];
        convoy_route_result res = CONVOY_ROUTE_RESULT_INIT;
        uint32_t h = convoy_murmur3_32(joined + i * 24, joined_len[i], 0);
        if (convoy_router_route(&res, router, SVC_PLAIN, &req) != CONVOY_OK ||
            res.bucket != (h % 100u) * 100u + (h / 100u) % 100u + 1u) {
            fprintf(stderr, "bench_route: route and hash disagree for %s\n", keys[i]);
            failed = 1;
            break;
        }
    }

    /* route_many gives route's results (test_route_many checks it fully). */
    {
        convoy_request req[64];
        convoy_route_result res[64];
        for (size_t i = 0; i < 64; i++) {
            convoy_request req_init = CONVOY_REQUEST_INIT;
            convoy_route_result res_init = CONVOY_ROUTE_RESULT_INIT;
            req[i] = req_init;
            req[i].key = keys[i * 7 % n_keys];
            req[i].key_len = key_len[i * 7 % n_keys];
            res[i] = res_init;
        }
        rc = convoy_router_route_many(res, router, SVC_PLAIN, req, 64);
        for (size_t i = 0; i < 64 && !failed; i++) {
            convoy_route_result one = CONVOY_ROUTE_RESULT_INIT;
            if (rc != CONVOY_OK || convoy_router_route(&one, router, SVC_PLAIN, &req[i]) ||
                memcmp(&one, &res[i], sizeof one) != 0) {
                fprintf(stderr, "bench_route: route_many and route disagree for %s\n",
                        keys[i * 7 % n_keys]);
                failed = 1;
            }
        }
    }

    /* (a) route with a sticky key, no rules, vs the bare hash; (m) the
     * same requests through route_many. */
    double best_hash = 1e30, best_plain = 1e30, best_ruled = 1e30, best_slot = 1e30;
    double best_many = 1e30;
    static convoy_request batch[BATCH];
    static convoy_route_result batch_out[BATCH];
    for (size_t i = 0; i < BATCH; i++) {
        convoy_request req_init = CONVOY_REQUEST_INIT;
        convoy_route_result res_init = CONVOY_ROUTE_RESULT_INIT;
        batch[i] = req_init;
        batch_out[i] = res_init;
    }
    for (unsigned r = 0; r < runs; r++) {
        uint32_t acc = 0;
        double t0 = now();
        for (size_t i = 0; i < n_keys; i++)
            acc += convoy_murmur3_32(joined + i * 24, joined_len[i], 0);
        double t = now() - t0;
        sink += acc;
        if (t < best_hash)
            best_hash = t;

        convoy_request req = CONVOY_REQUEST_INIT;
        convoy_route_result res = CONVOY_ROUTE_RESULT_INIT;
        acc = 0;
        t0 = now();
        for (size_t i = 0; i < n_keys; i++) {
            req.key = keys[i];
            req.key_len = key_len[i];
            rc = convoy_router_route(&res, router, SVC_PLAIN, &req);
            acc += res.bucket + (uint32_t)rc;
        }
        t = now() - t0;
        sink += acc;
        if (t < best_plain)
            best_plain = t;
    }
    /* (m), in a loop of its own so that (a)'s runs stay as they were. */
    for (unsigned r = 0; r < runs; r++) {
        uint32_t acc = 0;
        double t0 = now();
        for (size_t first = 0; first < n_keys; first += BATCH) {
            size_t m = n_keys - first < BATCH ? n_keys - first : BATCH;
            for (size_t i = 0; i < m; i++) {
                batch[i].key = keys[first + i];
                batch[i].key_len = key_len[first + i];
            }
            rc = convoy_router_route_many(batch_out, router, SVC_PLAIN, batch, m);
            for (size_t i = 0; i < m; i++)
                acc += batch_out[i].bucket;
            acc += (uint32_t)rc;
        }
        double t = now() - t0;
        sink += acc;
        if (t < best_many)
            best_many = t;
    }

    /* (b) three rules, the sticky key from a header; (s) through a slot. */
    convoy_router *for_slot = NULL;
    convoy_router_slot *slot = NULL;
    if (convoy_router_reweight(&for_slot, router, weights, NULL, 2) != CONVOY_OK ||
        convoy_router_slot_new(&slot, for_slot) != CONVOY_OK) {
        fprintf(stderr, "bench_route: cannot build the slot\n");
        return 1;
    }
    ruled_request rr;
    ruled_init(&rr);
    unsigned long rule_decided = 0;
    for (unsigned r = 0; r < runs; r++) {
        convoy_route_result res = CONVOY_ROUTE_RESULT_INIT;
        uint32_t acc = 0;
        double t0 = now();
        for (size_t i = 0; i < n_keys; i++) {
            ruled_key(&rr, i);
            rc = convoy_router_route(&res, router, SVC_RULED, &rr.req);
            acc += res.bucket + (uint32_t)rc;
            rule_decided += res.rule >= 0;
        }
        double t = now() - t0;
        sink += acc;
        if (t < best_ruled)
            best_ruled = t;

        acc = 0;
        t0 = now();
        for (size_t i = 0; i < n_keys; i++) {
            ruled_key(&rr, i);
            rc = convoy_router_slot_route(&res, slot, SVC_RULED, &rr.req);
            acc += res.bucket + (uint32_t)rc;
        }
        t = now() - t0;
        sink += acc;
        if (t < best_slot)
            best_slot = t;
    }
    if (rule_decided) {
        fprintf(stderr, "bench_route: a rule matched %lu times; none should\n", rule_decided);
        failed = 1;
    }

    double ns = 1e9 / (double)n_keys;
    double ratio_a = best_plain / best_hash;
    printf("  (a) murmur3_32 of \"group:key\"     : %8.2f ns/key\n", best_hash * ns);
    printf("      route, sticky key, no rules    : %8.2f ns/call\n", best_plain * ns);
    printf("      route / hash                   : %8.2fx (target <= 2x: %s)\n", ratio_a,
           ratio_a <= 2 ? "met" : "NOT met");
    printf("  (m) route_many, batches of %d     : %8.2f ns/request (%.2fx the hash, %.2fx "
           "faster than route)\n", BATCH, best_many * ns, best_many / best_hash,
           best_plain / best_many);
    printf("  (b) route, 3 rules (1 regex)       : %8.2f ns/call  (%.2fx of (a))\n",
           best_ruled * ns, best_ruled / best_plain);
    printf("  (s) slot route, 3 rules            : %8.2f ns/call  (%.2fx of (b))\n",
           best_slot * ns, best_slot / best_ruled);

    /* (c) allocations per call, 4 threads, with a publisher. First, the
     * counter must count (through pointers the compiler cannot elide). */
    void *(*volatile alloc_fn)(size_t) = malloc;
    void (*volatile free_fn)(void *) = free;
    counting = 1;
    free_fn(alloc_fn(16));
    counting = 0;
    if (atomic_load(&n_allocs) != 1 || atomic_load(&n_frees) != 1) {
        fprintf(stderr, "bench_route: the allocation counter does not work (%lu/%lu)\n",
                atomic_load(&n_allocs), atomic_load(&n_frees));
        return 1;
    }
    atomic_store(&n_allocs, 0);
    atomic_store(&n_frees, 0);

    static shared sh;
    sh.router = router;
    sh.slot = slot;
    pthread_barrier_init(&sh.ready, NULL, THREADS + 1);
    pthread_barrier_init(&sh.go, NULL, THREADS + 1);
    pthread_barrier_init(&sh.done, NULL, THREADS + 1);
    pthread_barrier_init(&sh.counted, NULL, THREADS + 1);
    atomic_init(&sh.stop, 0);
    atomic_init(&sh.publishes, 0);
    atomic_init(&sh.bad_rc, 0);
    pthread_t tid[THREADS], pub;
    worker wk[THREADS];
    for (int t = 0; t < THREADS; t++) {
        wk[t].sh = &sh;
        wk[t].index = t;
        if (pthread_create(&tid[t], NULL, route_thread, &wk[t]) != 0) {
            fprintf(stderr, "bench_route: cannot start a thread\n");
            return 1;
        }
    }
    if (pthread_create(&pub, NULL, publish_thread, &sh) != 0) {
        fprintf(stderr, "bench_route: cannot start the publisher\n");
        return 1;
    }
    pthread_barrier_wait(&sh.ready);
    unsigned long warmup_allocs = atomic_load(&n_allocs);
    atomic_store(&n_allocs, 0);
    atomic_store(&n_frees, 0);
    double t0 = now();
    pthread_barrier_wait(&sh.go);
    pthread_barrier_wait(&sh.done);
    double t_threads = now() - t0;
    unsigned long allocs = atomic_load(&n_allocs), frees = atomic_load(&n_frees);
    pthread_barrier_wait(&sh.counted);
    atomic_store(&sh.stop, 1);
    pthread_join(pub, NULL);
    for (int t = 0; t < THREADS; t++)
        pthread_join(tid[t], NULL);
    unsigned long calls = 0, many = 0;
    for (int t = 0; t < THREADS; t++) {
        calls += sh.route_calls[t] + sh.slot_calls[t];
        many += sh.many_requests[t];
    }
    for (int t = 0; t < THREADS; t++)
        sink += sh.acc[t];
    if (atomic_load(&sh.bad_rc)) {
        fprintf(stderr, "bench_route: a route or publish failed in the threaded run\n");
        failed = 1;
    }
    printf("  (c) heap allocations per call      : %.6f (%lu allocations, %lu frees over %lu "
           "calls: %lu route + %lu slot route, and %lu requests in route_many batches of %d, "
           "%d threads, %lu snapshots published meanwhile, "
           "%.0f ms; counted by %s) (target 0: %s)\n",
           calls ? (double)allocs / (double)calls : 0.0, allocs, frees, calls,
           calls / 2, calls / 2, many, MANY_BATCH, THREADS, atomic_load(&sh.publishes),
           t_threads * 1e3,
           counter_kind, allocs == 0 && frees == 0 ? "met" : "NOT met");
    printf("      warm-up (first call per thread): %lu allocations on %d threads\n",
           warmup_allocs, THREADS);
    if (allocs || frees) {
        fprintf(stderr, "bench_route: FAIL: routing allocated or freed memory "
                        "(<convoy/traffic.h>: routing allocates nothing)\n");
        failed = 1;
    }
    if (calls != 2 * (ALLOC_CALLS / THREADS) * THREADS || many != calls / 2) {
        fprintf(stderr, "bench_route: only %lu of the calls ran\n", calls);
        failed = 1;
    }

    convoy_router_slot_free(slot);
    convoy_router_free(router);
    free(keys);
    free(key_len);
    free(joined);
    free(joined_len);
    return failed ? 1 : 0;
}
