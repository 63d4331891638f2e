/*
 * bench_judge - the Mann-Whitney p-value path against scipy, and the
 * whole canary judge against one sort of the same data.
 *
 * usage: bench_judge [N [RUNS]]      (defaults 100000 values per side, 7 runs)
 *
 * Generates two samples of N values (normal-like, the experiment shifted
 * by 0.3 %), then prints, best of RUNS (CLOCK_MONOTONIC):
 *
 *  1. convoy_mann_whitney against scipy.stats.mannwhitneyu on the same
 *     samples: they are written to temporary files and timed inside
 *     /usr/bin/python3 (the import and file reading are not timed), with
 *     the ratio and "target >= 3x: met" or "NOT met", and whether U and p
 *     agree;
 *  2. convoy_judge (copy, clean, sort, interval search, classification)
 *     against one qsort of the combined 2N values, with the ratio and
 *     "target <= 10x: met" or "NOT met".
 *
 * Informational: the exit status is 0 either way (1 only for a usage error
 * or a failing call). Without scipy the comparison is reported as not run.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* clock_gettime, mkstemp, popen; meson passes it already */
#endif
#include <convoy/convoy.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PYTHON "/usr/bin/python3"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* xorshift64* and a sum of 12 uniforms: reproducible, roughly normal. */
static uint64_t rng = 0x9E3779B97F4A7C15u;
static double uniform(void)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return (double)((rng * 0x2545F4914F6CDD1Du) >> 11) * (1.0 / 9007199254740992.0);
}
static double normal(double mean, double sd)
{
    double s = -6;
    for (int i = 0; i < 12; i++)
        s += uniform();
    return mean + sd * s;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Writes `bytes` bytes to a new temporary file; its name goes to path. */
static int write_temp(char *path, size_t cap, const void *data, size_t bytes)
{
    const char *dir = getenv("TMPDIR");
    snprintf(path, cap, "%s/bench_judge.XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(path);
    if (fd < 0)
        return -1;
    FILE *f = fdopen(fd, "wb");
    if (!f) {
        close(fd);
        unlink(path);
        return -1;
    }
    int ok = fwrite(data, 1, bytes, f) == bytes;
    ok &= fclose(f) == 0;
    if (!ok)
        unlink(path);
    return ok ? 0 : -1;
}

/* Times scipy.stats.mannwhitneyu in /usr/bin/python3: best of runs, after
 * one warm-up call. Returns 0 and the seconds, U and p; -1 when python or
 * scipy is missing or fails (why in `why`). */
static int time_scipy(double *seconds, double *u, double *p, const double *x, const double *y,
                      size_t n, unsigned runs, char *why, size_t why_cap)
{
    static const char script[] =
        "import sys, time\n"
        "try:\n"
        "    import numpy as np\n"
        "    from scipy.stats import mannwhitneyu\n"
        "except ImportError as e:\n"
        "    print('missing', e); sys.exit(3)\n"
        "x = np.fromfile(sys.argv[1]); y = np.fromfile(sys.argv[2]); runs = int(sys.argv[3])\n"
        "r = mannwhitneyu(x, y)\n"
        "best = float('inf')\n"
        "for _ in range(runs):\n"
        "    t = time.perf_counter(); r = mannwhitneyu(x, y); best = min(best, time.perf_counter() - t)\n"
        "print(repr(best), repr(float(r.statistic)), repr(float(r.pvalue)))\n";
    char px[256], py[256], cmd[1024];
    if (access(PYTHON, X_OK) != 0) {
        snprintf(why, why_cap, "%s not found", PYTHON);
        return -1;
    }
    if (write_temp(px, sizeof px, x, n * sizeof *x) != 0) {
        snprintf(why, why_cap, "cannot write a temporary file");
        return -1;
    }
    if (write_temp(py, sizeof py, y, n * sizeof *y) != 0) {
        unlink(px);
        snprintf(why, why_cap, "cannot write a temporary file");
        return -1;
    }
    char script_path[256];
    int rc = -1;
    if (write_temp(script_path, sizeof script_path, script, strlen(script)) == 0) {
        snprintf(cmd, sizeof cmd, "%s %s %s %s %u 2>&1", PYTHON, script_path, px, py, runs);
        FILE *out = popen(cmd, "r");
        char line[512] = "";
        if (out) {
            if (!fgets(line, sizeof line, out))
                line[0] = '\0';
            int status = pclose(out);
            if (status == 0 && sscanf(line, "%lf %lf %lf", seconds, u, p) == 3)
                rc = 0;
            else
                snprintf(why, why_cap, "scipy run failed: %.200s", line);
        } else {
            snprintf(why, why_cap, "cannot run %s", PYTHON);
        }
        unlink(script_path);
    } else {
        snprintf(why, why_cap, "cannot write the script");
    }
    unlink(px);
    unlink(py);
    return rc;
}

int main(int argc, char **argv)
{
    size_t n = 100000;
    unsigned runs = 7;
    if (argc > 1)
        n = strtoul(argv[1], NULL, 10);
    if (argc > 2)
        runs = (unsigned)strtoul(argv[2], NULL, 10);
    if (argc > 3 || n < 10 || n > 100000000 || runs < 1 || runs > 1000) {
        fprintf(stderr, "usage: %s [N (10-100000000, default 100000) [RUNS (default 7)]]\n",
                argv[0]);
        return 1;
    }
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    double *both = malloc(2 * n * sizeof *both);
    if (!x || !y || !both) {
        fprintf(stderr, "bench_judge: out of memory\n");
        return 1;
    }
    for (size_t i = 0; i < n; i++) {
        x[i] = normal(100.3, 10);
        y[i] = normal(100, 10);
    }
    printf("bench_judge: %zu values per side, best of %u runs\n", n, runs);

    /* 1. the p-value path */
    double u = 0, p = 0, best_mwu = INFINITY;
    int method = 0;
    for (unsigned r = 0; r < runs; r++) {
        double t = now();
        if (convoy_mann_whitney(&u, &p, &method, x, n, y, n) != CONVOY_OK) {
            fprintf(stderr, "bench_judge: convoy_mann_whitney failed: %s\n",
                    convoy_error_message(convoy_error_last()));
            return 1;
        }
        t = now() - t;
        if (t < best_mwu)
            best_mwu = t;
    }
    printf("  convoy_mann_whitney     : %9.3f ms  (U %.17g, p %.6g, %s)\n", best_mwu * 1e3, u, p,
           method == CONVOY_MWU_EXACT ? "exact" : "asymptotic");
    double s_time, s_u, s_p;
    char why[300] = "";
    if (time_scipy(&s_time, &s_u, &s_p, x, y, n, runs, why, sizeof why) == 0) {
        double ratio = s_time / best_mwu;
        int agree = s_u == u && fabs(s_p - p) <= 1e-9 * fabs(s_p) + 1e-300;
        printf("  scipy mannwhitneyu      : %9.3f ms  (U %.17g, p %.6g: %s)\n", s_time * 1e3, s_u,
               s_p, agree ? "agrees" : "DIFFERS");
        printf("  speed-up over scipy     : %9.2fx (target >= 3x: %s)\n", ratio,
               ratio >= 3 ? "met" : "NOT met");
    } else {
        printf("  scipy mannwhitneyu      : not run (%s)\n", why);
    }

    /* 2. the whole judge against one sort of the combined samples */
    double best_judge = INFINITY, best_sort = INFINITY;
    convoy_judgement *j = NULL;
    for (unsigned r = 0; r < runs; r++) {
        convoy_judgement_free(j);
        double t = now();
        if (convoy_judge(&j, x, n, y, n, NULL) != CONVOY_OK) {
            fprintf(stderr, "bench_judge: convoy_judge failed: %s\n",
                    convoy_error_message(convoy_error_last()));
            return 1;
        }
        t = now() - t;
        if (t < best_judge)
            best_judge = t;
        memcpy(both, x, n * sizeof *x);
        memcpy(both + n, y, n * sizeof *y);
        t = now();
        qsort(both, 2 * n, sizeof *both, cmp_double);
        t = now() - t;
        if (t < best_sort)
            best_sort = t;
    }
    double ratio = best_judge / best_sort;
    printf("  convoy_judge            : %9.3f ms  (%s)\n", best_judge * 1e3,
           convoy_judgement_explain(j));
    printf("  qsort of the 2N values  : %9.3f ms\n", best_sort * 1e3);
    printf("  judge / sort            : %9.2fx (target <= 10x: %s)\n", ratio,
           ratio <= 10 ? "met" : "NOT met");
    convoy_judgement_free(j);
    free(x);
    free(y);
    free(both);
    return 0;
}
