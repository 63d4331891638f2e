/* The history store: one JSON line per finished service of a release, read
 * back by later rollouts as the reference for relative criteria.
 *
 * The file only ever grows by appends, and a crash can tear the last line
 * or append a record twice (after the append, before the state that knows
 * it was saved). Reading therefore skips lines that are not records and
 * lets the last record of a (release, service) pair win; appending starts
 * a fresh line when the file does not end with one, so a torn line never
 * swallows the next record.
 */
#include "history.h"

#include <convoy/core.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/error.h"
#include "persist.h"
#include "plan/json_scan.h"
#include "plan/json_tree.h"

/* Records are small; a longer line is garbage, skipped without keeping it. */
#define MAX_LINE ((size_t)16 << 20)
#define READ_CHUNK 65536

typedef struct hist_metric {
    const char *name;
    double mean;       /* NaN when the record had none */
    uint64_t n;
    int has_n;
} hist_metric;

typedef struct hist_entry {
    const char *release, *service, *outcome;
    hist_metric *metrics;
    size_t n_metrics;
    size_t line;       /* 1-based, for the last-one-wins rule */
} hist_entry;

struct convoy__history {
    convoy__arena arena;  /* every string and metric array */
    hist_entry *entries;  /* file order, duplicates removed */
    size_t n, cap;
};

static int nomem(void)
{
    return convoy__fail(CONVOY_E_NOMEM, "out of memory reading the history");
}

static const char *keep(convoy__history *h, const char *s)
{
    return convoy__arena_strndup(&h->arena, s, strlen(s));
}

static int is_count(const cJSON *node)
{
    return cJSON_IsNumber(node) && node->valuedouble >= 0 && node->valuedouble <= 9007199254740992.0 &&
           node->valuedouble == floor(node->valuedouble);
}

/* Fills *e from a parsed line; 0 when the line is not a record. */
static int read_record(convoy__history *h, const cJSON *root, hist_entry *e, int *oom)
{
    if (!cJSON_IsObject(root))
        return 0;
    const cJSON *release = cJSON_GetObjectItemCaseSensitive(root, "release");
    const cJSON *service = cJSON_GetObjectItemCaseSensitive(root, "service");
    const cJSON *outcome = cJSON_GetObjectItemCaseSensitive(root, "outcome");
    const cJSON *metrics = cJSON_GetObjectItemCaseSensitive(root, "metrics");
    if (!cJSON_IsString(release) || !*release->valuestring || !cJSON_IsString(service) ||
        !*service->valuestring || !cJSON_IsString(outcome))
        return 0;
    if (metrics && !cJSON_IsObject(metrics))
        return 0;
    size_t n = 0;
    for (const cJSON *m = metrics ? metrics->child : NULL; m; m = m->next) {
        const cJSON *mean = cJSON_GetObjectItemCaseSensitive(m, "mean");
        const cJSON *count = cJSON_GetObjectItemCaseSensitive(m, "n");
        if (!cJSON_IsObject(m) || !mean || !(cJSON_IsNumber(mean) || cJSON_IsNull(mean)) ||
            (count && !is_count(count)))
            return 0;
        n++;
    }
    memset(e, 0, sizeof *e);
    e->release = keep(h, release->valuestring);
    e->service = keep(h, service->valuestring);
    e->outcome = keep(h, outcome->valuestring);
    e->metrics = n ? convoy__arena_alloc(&h->arena, n * sizeof *e->metrics) : NULL;
    if (!e->release || !e->service || !e->outcome || (n && !e->metrics)) {
        *oom = 1;
        return 0;
    }
    for (const cJSON *m = metrics ? metrics->child : NULL; m; m = m->next) {
        hist_metric *hm = &e->metrics[e->n_metrics++];
        const cJSON *mean = cJSON_GetObjectItemCaseSensitive(m, "mean");
        const cJSON *count = cJSON_GetObjectItemCaseSensitive(m, "n");
        hm->name = keep(h, m->string);
        if (!hm->name) {
            *oom = 1;
            return 0;
        }
        hm->mean = cJSON_IsNumber(mean) ? mean->valuedouble : NAN;
        hm->has_n = count != NULL;
        hm->n = count ? (uint64_t)count->valuedouble : 0;
    }
    return 1;
}

static int add_line(convoy__history *h, const char *text, size_t len, size_t line,
                    size_t *skipped)
{
    size_t i = 0;
    while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r'))
        i++;
    if (i == len)
        return CONVOY_OK; /* an empty line holds nothing to lose */
    convoy__scan_result scan;
    if (convoy__json_check(&scan, text, len, 16, SIZE_MAX) != CONVOY__SCAN_OK) {
        (*skipped)++;
        return CONVOY_OK;
    }
    convoy__arena scratch = {0};
    const cJSON *root = convoy__json_tree(&scratch, text, len);
    if (!root) {
        convoy__arena_free(&scratch);
        return nomem();
    }
    if (convoy__grow(&h->entries, &h->cap, h->n, sizeof *h->entries, 64) != 0) {
        convoy__arena_free(&scratch);
        return nomem();
    }
    int oom = 0;
    hist_entry *e = &h->entries[h->n];
    int ok = read_record(h, root, e, &oom);
    convoy__arena_free(&scratch);
    if (oom)
        return nomem();
    if (!ok) {
        (*skipped)++;
        return CONVOY_OK;
    }
    e->line = line;
    h->n++;
    return CONVOY_OK;
}

static int cmp_key(const void *a, const void *b)
{
    const hist_entry *x = *(const hist_entry *const *)a, *y = *(const hist_entry *const *)b;
    int c = strcmp(x->release, y->release);
    if (!c)
        c = strcmp(x->service, y->service);
    if (!c)
        c = x->line < y->line ? -1 : x->line > y->line;
    return c;
}

/* The last record of each (release, service) wins; survivors keep file
 * order, which is the order "latest" refers to. */
static int dedupe(convoy__history *h)
{
    if (h->n < 2)
        return CONVOY_OK;
    hist_entry **order = convoy__malloc(h->n * sizeof *order);
    if (!order)
        return nomem();
    for (size_t i = 0; i < h->n; i++)
        order[i] = &h->entries[i];
    qsort(order, h->n, sizeof *order, cmp_key);
    int any = 0;
    for (size_t i = 0; i + 1 < h->n; i++) {
        if (strcmp(order[i]->release, order[i + 1]->release) == 0 &&
            strcmp(order[i]->service, order[i + 1]->service) == 0) {
            order[i]->line = 0; /* superseded */
            any = 1;
        }
    }
    convoy__dealloc(order);
    if (!any)
        return CONVOY_OK;
    size_t w = 0;
    for (size_t i = 0; i < h->n; i++)
        if (h->entries[i].line)
            h->entries[w++] = h->entries[i];
    h->n = w;
    return CONVOY_OK;
}

/* Reads the file line by line, so a long history never needs one buffer
 * of its whole size. */
static int read_lines(convoy__history *h, int fd, const char *path, size_t *skipped)
{
    char *chunk = convoy__malloc(READ_CHUNK);
    if (!chunk)
        return nomem();
    convoy__buf line = {0};
    int too_long = 0, rc = CONVOY_OK;
    size_t line_no = 1;
    for (;;) {
        ssize_t got = read(fd, chunk, READ_CHUNK);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            rc = convoy__fail(CONVOY_E_IO, "%s: cannot read the history: %s", path,
                              strerror(errno));
            break;
        }
        if (got == 0) {
            /* The last line may lack its newline: torn by a crash (then it
             * is skipped like any bad line) or complete. */
            if (too_long)
                (*skipped)++;
            else if (line.len)
                rc = add_line(h, line.data, line.len, line_no, skipped);
            break;
        }
        const char *p = chunk, *end = chunk + got;
        while (p < end && rc == CONVOY_OK) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            const char *stop = nl ? nl : end;
            if (!too_long) {
                if (line.len + (size_t)(stop - p) > MAX_LINE) {
                    too_long = 1;
                    line.len = 0;
                } else {
                    convoy__buf_append(&line, p, (size_t)(stop - p));
                    if (line.failed)
                        rc = nomem();
                }
            }
            if (nl && rc == CONVOY_OK) {
                if (too_long)
                    (*skipped)++;
                else
                    rc = add_line(h, line.data ? line.data : "", line.len, line_no, skipped);
                too_long = 0;
                line.len = 0;
                line_no++;
            }
            p = stop + (nl ? 1 : 0);
        }
        if (rc != CONVOY_OK)
            break;
    }
    convoy__buf_free(&line);
    convoy__dealloc(chunk);
    return rc;
}

int convoy__history_load(convoy__history **out, size_t *skipped, const char *path)
{
    size_t dropped = 0;
    if (out)
        *out = NULL;
    if (skipped)
        *skipped = 0;
    if (!out || !path)
        return convoy__fail(CONVOY_E_INVALID_ARG, "convoy__history_load: NULL argument");
    convoy__history *h = convoy__calloc(1, sizeof *h);
    if (!h)
        return nomem();
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) {
            *out = h; /* nothing finished yet */
            return CONVOY_OK;
        }
        int rc = convoy__fail(CONVOY_E_IO, "%s: cannot open the history: %s", path,
                              strerror(errno));
        convoy__history_free(h);
        return rc;
    }
    struct stat sb;
    int rc = CONVOY_OK;
    if (fstat(fd, &sb) != 0)
        rc = convoy__fail(CONVOY_E_IO, "%s: cannot stat the history: %s", path, strerror(errno));
    else if (!S_ISREG(sb.st_mode))
        rc = convoy__fail(CONVOY_E_IO, "%s: the history is not a regular file", path);
    else
        rc = read_lines(h, fd, path, &dropped);
    close(fd);
    if (rc == CONVOY_OK)
        rc = dedupe(h);
    if (rc != CONVOY_OK) {
        convoy__history_free(h);
        return rc;
    }
    if (skipped)
        *skipped = dropped;
    *out = h;
    return CONVOY_OK;
}

void convoy__history_free(convoy__history *h)
{
    if (!h)
        return;
    convoy__arena_free(&h->arena);
    convoy__dealloc(h->entries);
    convoy__dealloc(h);
}

double convoy__history_baseline(const convoy__history *h, const char *release,
                                const char *service, const char *metric, size_t max_entries)
{
    if (!h || !service || !metric)
        return NAN;
    double mean = NAN;
    size_t used = 0;
    for (size_t i = h->n; i-- > 0;) {
        const hist_entry *e = &h->entries[i];
        if (strcmp(e->outcome, "promoted") != 0 || strcmp(e->service, service) != 0 ||
            (release && strcmp(e->release, release) == 0))
            continue;
        const hist_metric *m = NULL;
        for (size_t k = 0; k < e->n_metrics && !m; k++)
            if (strcmp(e->metrics[k].name, metric) == 0)
                m = &e->metrics[k];
        /* A record that measured nothing says nothing about the metric. */
        if (!m || !isfinite(m->mean) || (m->has_n && m->n == 0))
            continue;
        used++;
        /* running mean: no overflow from a sum of large values */
        mean = used == 1 ? m->mean : mean + (m->mean - mean) / (double)used;
        if (max_entries && used == max_entries)
            break;
    }
    return mean;
}

int convoy__history_append(const char *path, const char *record, size_t len)
{
    if (!path || (!record && len))
        return convoy__fail(CONVOY_E_INVALID_ARG, "convoy__history_append: NULL argument");
    if (len && memchr(record, '\n', len))
        return convoy__fail(CONVOY_E_INVALID_ARG,
                            "convoy__history_append: a record is one line, without newlines");
    convoy__log log;
    int rc = convoy__log_open(&log, path, UINT64_MAX);
    if (rc != CONVOY_OK)
        return rc;
    int newline_first = 0;
    if (log.bytes > 0) {
        char last = '\n';
        ssize_t got;
        while ((got = pread(log.fd, &last, 1, (off_t)(log.bytes - 1))) < 0 && errno == EINTR)
            ;
        if (got < 0) {
            rc = convoy__fail(CONVOY_E_IO, "%s: cannot read the history: %s", path,
                              strerror(errno));
            convoy__log_close(&log);
            return rc;
        }
        newline_first = got == 1 && last != '\n';
    }
    /* One write for the whole line: appends of whole lines do not tear
     * into each other. */
    convoy__buf b = {0};
    if (newline_first)
        convoy__buf_putc(&b, '\n');
    convoy__buf_append(&b, record ? record : "", len);
    convoy__buf_putc(&b, '\n');
    if (b.failed) {
        convoy__buf_free(&b);
        convoy__log_close(&log);
        return convoy__fail(CONVOY_E_NOMEM, "out of memory appending to the history");
    }
    rc = convoy__log_write(&log, b.data, b.len);
    convoy__buf_free(&b);
    convoy__log_close(&log);
    if (rc != CONVOY_OK) {
        char why[400];
        snprintf(why, sizeof why, "%s", convoy_error_message(convoy_error_last()));
        return convoy__fail(rc, "%s: %s", path, why);
    }
    return CONVOY_OK;
}
