/* Entry points: options, parsing from memory and from a file. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "build.h"
#include "core/alloc.h"
#include "core/error.h"
#include "core/versioned.h"
#include "json_scan.h"
#include "json_tree.h"

void convoy__build_plan(convoy__build *b, const cJSON *root);

int convoy_parse_options_init(convoy_parse_options *opts, uint32_t version)
{
    static const convoy_parse_options defaults = CONVOY_PARSE_OPTIONS_INIT;
    return convoy__init_versioned(opts, version, CONVOY_PARSE_OPTIONS_VERSION, &defaults, sizeof defaults,
                                  "convoy_parse_options");
}

/* Records the first problem as the thread's error and returns `code`. */
static int fail_with_first(int code, const convoy_diagnostics *d)
{
    if (d && d->n)
        return convoy__fail_at(code, d->items[0].pointer, d->items[0].line, d->items[0].column,
                               d->items[0].message);
    return convoy__fail(code, "%s", convoy_strerror(code));
}

static int finish(int code, convoy_diagnostics *d, convoy_diagnostics **diags_out)
{
    int rc = fail_with_first(code, d);
    if (diags_out)
        *diags_out = d;
    else
        convoy_diagnostics_free(d);
    return rc;
}

int convoy_plan_parse(convoy_plan **out, convoy_diagnostics **diags_out, const char *json,
                      size_t len, const convoy_parse_options *opts)
{
    const convoy_parse_options defaults = CONVOY_PARSE_OPTIONS_INIT;
    if (out)
        *out = NULL;
    if (diags_out)
        *diags_out = NULL;
    if (!out || (!json && len))
        return convoy__fail(CONVOY_E_INVALID_ARG, "convoy_plan_parse: NULL argument");
    if (!opts)
        opts = &defaults;
    if (opts->version != CONVOY_PARSE_OPTIONS_VERSION)
        return convoy__fail(CONVOY_E_VERSION, "convoy_parse_options version %u is not supported",
                            (unsigned)opts->version);
    if (!json)
        json = "";

    convoy_diagnostics *d = convoy__diags_new(opts->max_diagnostics);
    if (!d)
        return convoy__fail(CONVOY_E_NOMEM, "out of memory");

    if (len > opts->max_document_bytes) {
        char msg[160];
        snprintf(msg, sizeof msg, "the document is %zu bytes, more than the limit of %zu", len,
                 opts->max_document_bytes);
        convoy__report_offset(d, CONVOY_P_LIMIT, 0, msg);
        convoy__diags_locate(d, NULL, json, 0);
        return finish(CONVOY_E_LIMIT, d, diags_out);
    }
    convoy__scan_result scan;
    if (convoy__json_check(&scan, json, len, opts->max_depth, opts->max_string_bytes) !=
        CONVOY__SCAN_OK) {
        int limit = scan.status == CONVOY__SCAN_LIMIT;
        convoy__report_offset(d, limit ? CONVOY_P_LIMIT : CONVOY_P_SYNTAX, scan.offset,
                              scan.message);
        convoy__diags_locate(d, NULL, json, len);
        return finish(limit ? CONVOY_E_LIMIT : CONVOY_E_PARSE, d, diags_out);
    }
    /* The tree lives in its own arena, gone once the plan is built. */
    convoy__arena tree = {0};
    cJSON *root = convoy__json_tree(&tree, json, len);
    if (!root) {
        convoy__arena_free(&tree);
        convoy_diagnostics_free(d);
        return convoy__fail(CONVOY_E_NOMEM, "out of memory while parsing the plan");
    }

    convoy__build b;
    memset(&b, 0, sizeof b);
    b.d = d;
    b.opts = opts;
    b.root = root;
    b.plan = convoy__calloc(1, sizeof *b.plan);
    if (b.plan) {
        b.plan->budget_max_failed = -1;
        convoy__build_plan(&b, root);
    }
    int oom = !b.plan || b.oom || d->oom;
    int limit = 0;
    for (size_t i = 0; i < d->n; i++)
        limit |= d->items[i].code == CONVOY_P_LIMIT;

    /* Build-time bookkeeping. */
    for (size_t i = 0; b.sb && i < b.plan->n_services; i++) {
        convoy__dealloc(b.sb[i].deps);
        convoy__dealloc(b.sb[i].step_origin);
    }
    convoy__dealloc(b.sb);
    for (size_t i = 0; i < b.n_step_templates; i++)
        convoy__steps_clear(&b.step_templates[i].steps);
    convoy__dealloc(b.step_templates);
    convoy__dealloc(b.template_analyses);
    convoy__buf_free(&b.scratch);
    convoy__dealloc(b.template_analysis_nodes);
    convoy__dealloc(b.template_analysis_ok);

    if (oom) {
        convoy__arena_free(&tree);
        convoy__plan_destroy(b.plan);
        convoy_diagnostics_free(d);
        return convoy__fail(CONVOY_E_NOMEM, "out of memory while parsing the plan");
    }
    if (d->n) {
        int rc = convoy__diags_locate(d, root, json, len);
        convoy__arena_free(&tree);
        convoy__plan_destroy(b.plan);
        if (rc != CONVOY_OK) {
            convoy_diagnostics_free(d);
            return convoy__fail(rc, "out of memory while reporting plan problems");
        }
        return finish(limit ? CONVOY_E_LIMIT : CONVOY_E_INVALID, d, diags_out);
    }
    convoy__arena_free(&tree);
    convoy__pack_steps(b.plan);
    convoy__compute_estimates(b.plan);
    *out = b.plan;
    if (diags_out)
        *diags_out = d;
    else
        convoy_diagnostics_free(d);
    return CONVOY_OK;
}

/* An unreadable file has no problems in it: the caller still gets an empty
 * diagnostics list, as the header promises for every failure but NOMEM. */
static int io_failure(convoy_diagnostics **diags_out, const convoy_parse_options *opts,
                      const char *path, const char *what)
{
    char msg[512];
    snprintf(msg, sizeof msg, "%s: %s", path, what);
    if (diags_out && !(*diags_out = convoy__diags_new(opts->max_diagnostics)))
        return convoy__fail(CONVOY_E_NOMEM, "out of memory");
    return convoy__fail(CONVOY_E_IO, "%s", msg);
}

int convoy_plan_parse_file(convoy_plan **out, convoy_diagnostics **diags_out, const char *path,
                           const convoy_parse_options *opts)
{
    const convoy_parse_options defaults = CONVOY_PARSE_OPTIONS_INIT;
    if (out)
        *out = NULL;
    if (diags_out)
        *diags_out = NULL;
    if (!out || !path)
        return convoy__fail(CONVOY_E_INVALID_ARG, "convoy_plan_parse_file: NULL argument");
    if (!opts)
        opts = &defaults;
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return io_failure(diags_out, opts, path, strerror(errno));
    struct stat st;
    if (fstat(fileno(fp), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(fp);
        return io_failure(diags_out, opts, path, "not a regular file");
    }
    if (opts->version == CONVOY_PARSE_OPTIONS_VERSION &&
        (uint64_t)st.st_size > (uint64_t)opts->max_document_bytes) {
        fclose(fp);
        convoy_diagnostics *d = convoy__diags_new(opts->max_diagnostics);
        if (!d)
            return convoy__fail(CONVOY_E_NOMEM, "out of memory");
        char msg[200];
        snprintf(msg, sizeof msg, "the document is %lld bytes, more than the limit of %zu",
                 (long long)st.st_size, opts->max_document_bytes);
        convoy__report_offset(d, CONVOY_P_LIMIT, 0, msg);
        convoy__diags_locate(d, NULL, "", 0);
        return finish(CONVOY_E_LIMIT, d, diags_out);
    }
    size_t size = (size_t)st.st_size;
    char *text = convoy__malloc(size + 1);
    if (!text) {
        fclose(fp);
        return convoy__fail(CONVOY_E_NOMEM, "out of memory reading %s", path);
    }
    size_t got = fread(text, 1, size, fp);
    int read_error = ferror(fp) || got != size;
    fclose(fp);
    if (read_error) {
        convoy__dealloc(text);
        return io_failure(diags_out, opts, path, "read error");
    }
    text[size] = '\0';
    int rc = convoy_plan_parse(out, diags_out, text, size, opts);
    convoy__dealloc(text);
    return rc;
}
