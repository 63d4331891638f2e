/*
 * bench_route_unleash - Convoy's sticky bucketing against the Unleash Node
 * SDK's own flexibleRollout evaluation, on the same keys, with the same
 * decisions.
 *
 * usage: bench_route_unleash NODE SCRIPT CORPORA_DIR [N [RUNS]]
 *        (defaults 1000000 keys, 5 runs)
 *
 * NODE is the node binary, SCRIPT tests/bench/unleash_bench.js, CORPORA_DIR
 * the .corpora directory that scripts/fetch-corpora.sh fills (it must hold
 * the `unleash-client` package: without it this program FAILS, it does not
 * skip). The script times FlexibleRolloutStrategy.isEnabled({rollout: "25",
 * stickiness: "userId", groupId: "checkout-flow"}, {userId: "user-<i>"})
 * for i in 0..N-1 (best of RUNS, after an untimed warm-up) and writes its
 * decisions as a bitset. This program times, best of RUNS, on the same
 * keys:
 *
 *   - convoy_router_route_many of a service named "checkout-flow" at
 *     2500 bp, in batches of 256 requests whose sticky key (req->key) is
 *     the user's: the batch's requests are set up once, and pointing them
 *     at the batch's keys is inside the timed loop (as setting req.key is
 *     in the next one), as is reading the decisions back;
 *   - convoy_router_route of the same service, one call per key;
 *   - convoy_bucket("checkout-flow", key) <= 2500;
 *   - convoy_unleash_normalize("checkout-flow", key, 100, 0) <= 25 (the
 *     SDK's own formula, in C);
 *
 * checks that all four give exactly the SDK's decision for every key, and
 * prints the times and the ratios SDK / Convoy (for route_many, the
 * target: "target >= 20x: met" or "NOT met"; one call per key is printed
 * too), and for scale the time of a bare convoy_murmur3_32 of the joined
 * "group:key" bytes, one key at a time (the router hashes only the key,
 * from its precomputed "group:" state; route_many hashes 16 keys in
 * step).
 *
 * Exit status: 0; 1 when the corpus or node is missing, the script fails,
 * or any decision differs. Timings never fail the run.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* clock_gettime, mkstemp; meson passes it already */
#endif
#include <convoy/convoy.h>

#include <cjson/cJSON.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define GROUP "checkout-flow"
#define PERCENT 25u
#define BATCH 256 /* requests per convoy_router_route_many call */

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static volatile uint32_t sink;

static char *read_all(const char *path, size_t *len_out)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    struct stat st;
    if (fstat(fileno(f), &st) != 0) {
        fclose(f);
        return NULL;
    }
    char *buf = malloc((size_t)st.st_size + 1);
    size_t got = buf ? fread(buf, 1, (size_t)st.st_size, f) : 0;
    fclose(f);
    if (!buf)
        return NULL;
    buf[got] = '\0';
    *len_out = got;
    return buf;
}

static int make_temp(char *path, size_t cap, const char *what)
{
    const char *dir = getenv("TMPDIR");
    snprintf(path, cap, "%s/bench_route_unleash.%s.XXXXXX", dir && *dir ? dir : "/tmp", what);
    int fd = mkstemp(path);
    if (fd >= 0)
        close(fd);
    return fd;
}

/* Runs NODE SCRIPT CORPORA N RUNS BITSET with stdout into `summary`. */
static int run_node(const char *node, const char *script, const char *corpora, size_t n,
                    unsigned runs, const char *bitset, const char *summary)
{
    char n_s[32], runs_s[32];
    snprintf(n_s, sizeof n_s, "%zu", n);
    snprintf(runs_s, sizeof runs_s, "%u", runs);
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int fd = open(summary, O_WRONLY | O_TRUNC);
        if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0)
            _exit(127);
        close(fd);
        char *argv[] = {(char *)node, (char *)script, (char *)corpora, n_s, runs_s,
                        (char *)bitset, NULL};
        execvp(node, argv);
        fprintf(stderr, "bench_route_unleash: cannot run %s\n", node);
        _exit(127);
    }
    int status = 0;
    if (waitpid(pid, &status, 0) < 0)
        return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

int main(int argc, char **argv)
{
    if (argc < 4 || argc > 6) {
        fprintf(stderr, "usage: %s NODE SCRIPT CORPORA_DIR [N [RUNS]]\n", argv[0]);
        return 1;
    }
    const char *node = argv[1], *script = argv[2], *corpora = argv[3];
    long n_arg = argc > 4 ? strtol(argv[4], NULL, 10) : 1000000;
    long runs_arg = argc > 5 ? strtol(argv[5], NULL, 10) : 5;
    if (n_arg < 1 || n_arg > 100000000 || runs_arg < 1 || runs_arg > 1000) {
        fprintf(stderr, "usage: %s NODE SCRIPT CORPORA_DIR [N [RUNS]]\n", argv[0]);
        return 1;
    }
    size_t n = (size_t)n_arg;
    unsigned runs = (unsigned)runs_arg;

    char sdk[4096];
    snprintf(sdk, sizeof sdk, "%s/node_modules/unleash-client/lib/strategy/"
             "flexible-rollout-strategy.js", corpora);
    if (access(sdk, R_OK) != 0) {
        fprintf(stderr, "bench_route_unleash: FAIL: %s not found.\n"
                        "Run scripts/fetch-corpora.sh first: it installs unleash-client into "
                        ".corpora/.\n", sdk);
        return 1;
    }

    /* The SDK's run. */
    char bitset_path[4096], summary_path[4096];
    if (make_temp(bitset_path, sizeof bitset_path, "bits") < 0 ||
        make_temp(summary_path, sizeof summary_path, "json") < 0) {
        fprintf(stderr, "bench_route_unleash: cannot create temporary files\n");
        return 1;
    }
    int rc = run_node(node, script, corpora, n, runs, bitset_path, summary_path);
    size_t bits_len = 0, summary_len = 0;
    unsigned char *bits = (unsigned char *)read_all(bitset_path, &bits_len);
    char *summary = read_all(summary_path, &summary_len);
    unlink(bitset_path);
    unlink(summary_path);
    cJSON *doc = summary ? cJSON_Parse(summary) : NULL;
    const cJSON *best = cJSON_GetObjectItemCaseSensitive(doc, "best_ns");
    const cJSON *enabled = cJSON_GetObjectItemCaseSensitive(doc, "enabled");
    const cJSON *version = cJSON_GetObjectItemCaseSensitive(doc, "version");
    const cJSON *node_version = cJSON_GetObjectItemCaseSensitive(doc, "node");
    if (rc != 0 || !bits || bits_len != (n + 7) / 8 || !cJSON_IsNumber(best) ||
        !cJSON_IsNumber(enabled) || !cJSON_IsString(version) || !cJSON_IsString(node_version)) {
        fprintf(stderr, "bench_route_unleash: FAIL: the SDK run failed (exit %d, %zu bytes of "
                        "decisions, summary: %s)\n", rc, bits_len, summary ? summary : "none");
        return 1;
    }
    double sdk_time = best->valuedouble * 1e-9;

    /* Keys and the router. */
    char (*keys)[16] = malloc(n * sizeof *keys);
    size_t *key_len = malloc(n * sizeof *key_len);
    if (!keys || !key_len) {
        fprintf(stderr, "bench_route_unleash: out of memory\n");
        return 1;
    }
    for (size_t i = 0; i < n; i++)
        key_len[i] = (size_t)snprintf(keys[i], sizeof keys[i], "user-%zu", i);
    static const char plan_json[] =
        "{\"name\": \"bench-unleash\", \"services\": [{\"name\": \"" GROUP "\","
        " \"traffic\": {\"sticky\": {\"header\": \"x-user-id\"}}}]}";
    convoy_plan *plan = NULL;
    convoy_router *router = NULL;
    uint32_t bp = PERCENT * 100u;
    rc = convoy_plan_parse(&plan, NULL, plan_json, sizeof plan_json - 1, NULL);
    if (rc == CONVOY_OK)
        rc = convoy_router_new(&router, plan, &bp, NULL, 1, NULL);
    convoy_plan_free(plan);
    if (rc != CONVOY_OK) {
        fprintf(stderr, "bench_route_unleash: cannot build the router: %s\n",
                convoy_strerror(rc));
        return 1;
    }

    unsigned char *d_route = malloc(n), *d_bucket = malloc(n), *d_norm = malloc(n);
    unsigned char *d_many = malloc(n);
    /* route_many's batch: requests set up once; each batch only points
     * them at its keys (timed, as the per-key loop times setting req.key). */
    static convoy_request batch_req[BATCH];
    static convoy_route_result batch_out[BATCH];
    for (size_t i = 0; i < BATCH; i++) {
        convoy_request req_init = CONVOY_REQUEST_INIT;
        convoy_route_result res_init = CONVOY_ROUTE_RESULT_INIT;
        batch_req[i] = req_init;
        batch_out[i] = res_init;
    }
    if (!d_route || !d_bucket || !d_norm || !d_many) {
        fprintf(stderr, "bench_route_unleash: out of memory\n");
        return 1;
    }
    double best_route = 1e30, best_many = 1e30, best_bucket = 1e30, best_norm = 1e30,
           best_hash = 1e30;
    const size_t glen = sizeof GROUP - 1;
    /* "checkout-flow:user-<i>" joined beforehand: the bare hash's time is
     * the floor of any murmur3-based bucketing on these keys. */
    char (*joined)[32] = malloc(n * sizeof *joined);
    size_t *joined_len = malloc(n * sizeof *joined_len);
    if (!joined || !joined_len) {
        fprintf(stderr, "bench_route_unleash: out of memory\n");
        return 1;
    }
    for (size_t i = 0; i < n; i++)
        joined_len[i] = (size_t)snprintf(joined[i], sizeof joined[i], GROUP ":%s", keys[i]);
    for (unsigned r = 0; r < runs; r++) {
        convoy_request req = CONVOY_REQUEST_INIT;
        convoy_route_result res = CONVOY_ROUTE_RESULT_INIT;
        uint32_t bad = 0;
        double t0 = now();
        for (size_t i = 0; i < n; i++) {
            req.key = keys[i];
            req.key_len = key_len[i];
            bad |= (uint32_t)convoy_router_route(&res, router, 0, &req);
            d_route[i] = res.variant == CONVOY_VARIANT_CANDIDATE;
        }
        double t = now() - t0;
        if (bad) {
            fprintf(stderr, "bench_route_unleash: convoy_router_route failed\n");
            return 1;
        }
        if (t < best_route)
            best_route = t;

        t0 = now();
        for (size_t first = 0; first < n; first += BATCH) {
            size_t m = n - first < BATCH ? n - first : BATCH;
            for (size_t i = 0; i < m; i++) {
                batch_req[i].key = keys[first + i];
                batch_req[i].key_len = key_len[first + i];
            }
            bad |= (uint32_t)convoy_router_route_many(batch_out, router, 0, batch_req, m);
            for (size_t i = 0; i < m; i++)
                d_many[first + i] = batch_out[i].variant == CONVOY_VARIANT_CANDIDATE;
        }
        t = now() - t0;
        if (bad) {
            fprintf(stderr, "bench_route_unleash: convoy_router_route_many failed\n");
            return 1;
        }
        if (t < best_many)
            best_many = t;

        t0 = now();
        for (size_t i = 0; i < n; i++)
            d_bucket[i] = convoy_bucket(GROUP, glen, keys[i], key_len[i]) <= PERCENT * 100u;
        t = now() - t0;
        if (t < best_bucket)
            best_bucket = t;

        t0 = now();
        for (size_t i = 0; i < n; i++)
            d_norm[i] = convoy_unleash_normalize(GROUP, glen, keys[i], key_len[i], 100, 0) <=
                        PERCENT;
        t = now() - t0;
        if (t < best_norm)
            best_norm = t;
        uint32_t acc = 0;
        t0 = now();
        for (size_t i = 0; i < n; i++)
            acc += convoy_murmur3_32(joined[i], joined_len[i], 0);
        t = now() - t0;
        if (t < best_hash)
            best_hash = t;
        sink += acc + d_route[n / 2] + d_many[n / 5] + d_bucket[n / 3] + d_norm[n / 4];
    }

    /* Same decisions, key by key. */
    size_t in_sdk = 0, diff_route = 0, diff_many = 0, diff_bucket = 0, diff_norm = 0;
    size_t first_diff = n;
    for (size_t i = 0; i < n; i++) {
        unsigned char s = (bits[i >> 3] >> (i & 7)) & 1u;
        in_sdk += s;
        diff_route += d_route[i] != s;
        diff_many += d_many[i] != s;
        diff_bucket += d_bucket[i] != s;
        diff_norm += d_norm[i] != s;
        if ((d_route[i] != s || d_many[i] != s || d_bucket[i] != s || d_norm[i] != s) &&
            first_diff == n)
            first_diff = i;
    }
    int failed = 0;
    if ((size_t)enabled->valuedouble != in_sdk) {
        fprintf(stderr, "bench_route_unleash: the SDK's count %.0f and its bitset (%zu) differ\n",
                enabled->valuedouble, in_sdk);
        failed = 1;
    }

    double ns = 1e9 / (double)n;
    printf("bench_route_unleash: %zu keys \"user-<i>\", rollout %u %% of group \"%s\", "
           "best of %u runs\n", n, PERCENT, GROUP, runs);
    printf("  unleash-client %s (node %s) FlexibleRolloutStrategy.isEnabled: %8.2f ns/key, "
           "%zu in the rollout\n", version->valuestring, node_version->valuestring,
           sdk_time * ns, in_sdk);
    printf("  convoy_router_route (sticky key, 2500 bp)   : %8.2f ns/key, %zu differ from the SDK\n",
           best_route * ns, diff_route);
    printf("  convoy_router_route_many (batches of %3d)   : %8.2f ns/key, %zu differ from the "
           "SDK\n", BATCH, best_many * ns, diff_many);
    printf("  convoy_bucket <= 2500                       : %8.2f ns/key, %zu differ\n",
           best_bucket * ns, diff_bucket);
    printf("  convoy_unleash_normalize <= 25              : %8.2f ns/key, %zu differ\n",
           best_norm * ns, diff_norm);
    double ratio_route = sdk_time / best_route, ratio_bucket = sdk_time / best_bucket;
    double ratio_many = sdk_time / best_many;
    printf("  SDK / convoy_router_route_many              : %8.2fx (target >= 20x: %s)\n",
           ratio_many, ratio_many >= 20 ? "met" : "NOT met");
    printf("  SDK / convoy_router_route (one call per key): %8.2fx\n", ratio_route);
    printf("  SDK / convoy_bucket                         : %8.2fx\n", ratio_bucket);
    printf("  (for scale: convoy_murmur3_32 of the joined \"group:key\" bytes, one key at a "
           "time: %.2f ns/key, SDK / hash %.2fx)\n", best_hash * ns, sdk_time / best_hash);
    if (diff_route || diff_many || diff_bucket || diff_norm) {
        fprintf(stderr, "bench_route_unleash: FAIL: decisions differ from the SDK's (first: %s)\n",
                keys[first_diff]);
        failed = 1;
    } else {
        printf("  same decisions as the SDK for all %zu keys\n", n);
    }

    cJSON_Delete(doc);
    free(summary);
    free(bits);
    free(d_route);
    free(d_bucket);
    free(d_norm);
    free(d_many);
    free(keys);
    free(key_len);
    free(joined);
    free(joined_len);
    convoy_router_free(router);
    return failed;
}
