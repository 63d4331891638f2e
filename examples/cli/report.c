/* report.c - problems of a plan, as text or JSON. */
#include "report.h"

#include "jsonw.h"

#include <inttypes.h>

void report_problems_text(FILE *f, const char *file, const convoy_diagnostics *diags)
{
    size_t n = convoy_diagnostics_count(diags);

    for (size_t i = 0; i < n; i++) {
        const char *ptr = convoy_diagnostic_pointer(diags, i);
        const char *msg = convoy_diagnostic_message(diags, i);
        fprintf(f, "%s:%" PRIu32 ":%" PRIu32 ": %s: %s [%s]\n", file,
                convoy_diagnostic_line(diags, i), convoy_diagnostic_column(diags, i),
                ptr && *ptr ? ptr : REPORT_ROOT_POINTER, msg ? msg : "",
                convoy_problem_name(convoy_diagnostic_code(diags, i)));
    }
}

void report_json(FILE *f, const char *file, int valid, const convoy_diagnostics *diags,
                 const char *error)
{
    jsonw w;
    size_t n = convoy_diagnostics_count(diags);

    jsonw_init(&w, f);
    jsonw_object_begin(&w);
    if (file)
        jsonw_kv_string(&w, "file", file);
    jsonw_kv_bool(&w, "valid", valid);
    jsonw_key(&w, "errors");
    jsonw_array_begin(&w);
    for (size_t i = 0; i < n; i++) {
        const char *ptr = convoy_diagnostic_pointer(diags, i);
        const char *msg = convoy_diagnostic_message(diags, i);
        jsonw_object_begin(&w);
        jsonw_kv_string(&w, "code", convoy_problem_name(convoy_diagnostic_code(diags, i)));
        jsonw_kv_string(&w, "message", msg ? msg : "");
        jsonw_kv_string(&w, "pointer", ptr ? ptr : "");
        jsonw_kv_u64(&w, "line", convoy_diagnostic_line(diags, i));
        jsonw_kv_u64(&w, "column", convoy_diagnostic_column(diags, i));
        jsonw_object_end(&w);
    }
    jsonw_array_end(&w);
    if (error)
        jsonw_kv_string(&w, "error", error);
    jsonw_object_end(&w);
    fputc('\n', f);
}

void report_error(const char *file, const char *message)
{
    fprintf(stderr, "convoy: %s: %s\n", file, message);
}
