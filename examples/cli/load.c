/* load.c - parse a plan from a file or standard input. */
#include "load.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *load_display_name(const char *arg)
{
    return strcmp(arg, "-") == 0 ? LOAD_STDIN_NAME : arg;
}

/* Read at most `max` bytes of standard input into a malloc'ed buffer.
 * Returns 0, or an errno value. */
static int read_stdin(char **out, size_t *len_out, size_t max)
{
    size_t cap = 65536, len = 0;
    char *buf = malloc(cap);

    if (!buf)
        return ENOMEM;
    for (;;) {
        if (len == cap) {
            if (cap >= max)
                break;
            size_t ncap = cap * 2 > max ? max : cap * 2;
            char *nbuf = realloc(buf, ncap);
            if (!nbuf) {
                free(buf);
                return ENOMEM;
            }
            buf = nbuf;
            cap = ncap;
        }
        size_t n = fread(buf + len, 1, cap - len, stdin);
        len += n;
        if (n == 0) {
            if (ferror(stdin)) {
                int e = errno ? errno : EIO;
                free(buf);
                return e;
            }
            break;
        }
    }
    *out = buf;
    *len_out = len;
    return 0;
}

int load_plan(convoy_plan **plan, convoy_diagnostics **diags, const char *arg,
              uint32_t flags, char *errbuf, size_t errsize)
{
    convoy_parse_options opts = CONVOY_PARSE_OPTIONS_INIT;
    int rc;

    opts.flags = flags;
    *plan = NULL;
    *diags = NULL;
    errbuf[0] = '\0';
    convoy_error_clear();

    if (strcmp(arg, "-") == 0) {
        char *text = NULL;
        size_t len = 0;
        /* One byte over the limit lets the library report `limit` itself. */
        size_t max = opts.max_document_bytes + 1;
        int e = read_stdin(&text, &len, max < opts.max_document_bytes ? opts.max_document_bytes : max);
        if (e != 0) {
            snprintf(errbuf, errsize, "cannot read standard input: %s", strerror(e));
            return CONVOY_E_IO;
        }
        rc = convoy_plan_parse(plan, diags, text, len, &opts);
        free(text);
    } else {
        rc = convoy_plan_parse_file(plan, diags, arg, &opts);
    }

    if (rc != CONVOY_OK) {
        /* Copy now: the record is only valid until the next failing call. */
        const char *msg = convoy_error_message(convoy_error_last());
        if (!msg || !*msg)
            msg = convoy_strerror(rc);
        snprintf(errbuf, errsize, "%s", msg);
    }
    return rc;
}
