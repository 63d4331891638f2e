/*
 * cmd_simulate.c - `convoy simulate PLAN [--scenario FILE] [--log FILE]
 * [--state FILE] [--resume] [--history FILE] [--svg FILE] [--json]`: run
 * the whole rollout of PLAN against the library's simulated backend on a
 * simulated clock, showing progress, then the outcome.
 *
 * The engine's callbacks are the simulator's, wrapped: the wrappers see
 * every action (the set-weights targets for the progress lines), receive
 * every decision-log record (notify) for the view, the report and the SVG,
 * and count calls for the crash hook (CONVOY_SIMULATE_KILL_AFTER=N raises
 * SIGKILL right after the N-th callback returns; the crash-resume test
 * uses it).
 */
#include "cli.h"
#include "gate_util.h"
#include "load.h"
#include "report.h"
#include "sim.h"

#include <cjson/cJSON.h>
#include <convoy/convoy.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CMD "simulate"

/* Stop a run that goes on for ever (an analysis without a count): after
 * this much simulated time, or this many ticks at one instant (an engine
 * that makes no progress). */
#define MAX_SIMULATED_MS (30ull * 24 * 3600 * 1000)
#define MAX_TICKS_AT_ONE_INSTANT 10000

typedef struct sim_args {
    int help, json, resume;
    uint32_t parse_flags;
    const char *plan, *scenario, *log, *state, *history, *svg;
} sim_args;

/* Two names for one file: the same name, or the same inode when both exist. */
static int same_file(const char *x, const char *y)
{
    struct stat sx, sy;
    if (strcmp(x, y) == 0)
        return 1;
    return stat(x, &sx) == 0 && stat(y, &sy) == 0 && sx.st_dev == sy.st_dev &&
           sx.st_ino == sy.st_ino;
}

/* The history outlives this run and is shared with later releases; the
 * state is replaced and the log emptied on a fresh start, so a history
 * that is one of them would be destroyed. */
static int history_apart(const sim_args *a)
{
    static const struct {
        const char *option;
        size_t offset;
    } others[] = {
        {"--log", offsetof(sim_args, log)},
        {"--state", offsetof(sim_args, state)},
        {"--svg", offsetof(sim_args, svg)},
    };
    if (!a->history)
        return 0;
    for (size_t k = 0; k < sizeof others / sizeof others[0]; k++) {
        const char *other =
            *(const char *const *)(const void *)((const char *)a + others[k].offset);
        if (other && same_file(a->history, other))
            return usage_error(CMD, "--history and %s cannot be the same file ('%s')",
                               others[k].option, a->history);
    }
    return 0;
}

static int parse_args(sim_args *a, int argc, char **argv)
{
    static const struct {
        const char *name;
        size_t offset;
    } valued[] = {
        {"--scenario", offsetof(sim_args, scenario)},
        {"--log", offsetof(sim_args, log)},
        {"--state", offsetof(sim_args, state)},
        {"--history", offsetof(sim_args, history)},
        {"--svg", offsetof(sim_args, svg)},
    };
    int options_done = 0;

    memset(a, 0, sizeof *a);
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (options_done || arg[0] != '-' || arg[1] == '\0') {
            if (a->plan)
                return usage_error(CMD, "only one plan can be simulated (got '%s' and '%s')",
                                   a->plan, arg);
            a->plan = arg;
            continue;
        }
        if (strcmp(arg, "--") == 0) {
            options_done = 1;
            continue;
        }
        if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
            a->help = 1;
            continue;
        }
        if (strcmp(arg, "--json") == 0) {
            a->json = 1;
            continue;
        }
        if (strcmp(arg, "--resume") == 0) {
            a->resume = 1;
            continue;
        }
        if (strcmp(arg, "--no-policies") == 0) {
            a->parse_flags |= CONVOY_PARSE_SKIP_POLICIES;
            continue;
        }
        int matched = 0;
        for (size_t k = 0; k < sizeof valued / sizeof valued[0] && !matched; k++) {
            const char *value = NULL;
            int r = gu_option_value(CMD, argc, argv, &i, valued[k].name, &value);
            if (r < 0)
                return CLI_USAGE;
            if (r == 0)
                continue;
            const char **slot = (const char **)(void *)((char *)a + valued[k].offset);
            if (*slot)
                return usage_error(CMD, "%s given twice", valued[k].name);
            if (!*value)
                return usage_error(CMD, "%s needs a file name", valued[k].name);
            *slot = value;
            matched = 1;
        }
        if (!matched)
            return usage_error(CMD, "unknown option '%s'", arg);
    }
    if (a->help)
        return 0;
    if (!a->plan)
        return usage_error(CMD, "no plan given");
    if (a->resume && !a->state)
        return usage_error(CMD, "--resume needs --state FILE (the saved state to resume)");
    if (a->scenario && strcmp(a->scenario, "-") == 0 && strcmp(a->plan, "-") == 0)
        return usage_error(CMD, "the plan and the scenario cannot both be standard input");
    if (a->history && strcmp(a->history, "-") == 0)
        return usage_error(CMD, "--history needs a file: it is read, then appended to");
    return history_apart(a);
}

static int fail(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

static int fail(const char *fmt, ...)
{
    va_list ap;
    fputs("convoy: " CMD ": ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return CLI_FAIL;
}

/* The library's last error about `file` as "FILE:[LINE:COL:] POINTER: message". */
static void last_error_detail(char *buf, size_t size, const char *file, int rc)
{
    const convoy_error *e = convoy_error_last();
    const char *msg = convoy_error_message(e);
    const char *ptr = convoy_error_pointer(e);
    uint32_t line = convoy_error_line(e), col = convoy_error_column(e);
    char where[32] = "";
    if (line)
        snprintf(where, sizeof where, "%" PRIu32 ":%" PRIu32 ":", line, col);
    snprintf(buf, size, "%s:%s %s: %s", file, where, ptr && *ptr ? ptr : REPORT_ROOT_POINTER,
             msg && *msg ? msg : convoy_strerror(rc));
}

/* The whole of `path` ("-": standard input), NUL-terminated, malloc'ed. */
static char *read_file(const char *path, size_t *len_out)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    size_t cap = 4096, len = 0;
    char *buf = NULL;

    if (!f)
        return NULL;
    buf = malloc(cap);
    while (buf) {
        if (len + 1 >= cap) {
            char *nbuf = cap < ((size_t)1 << 30) ? realloc(buf, cap * 2) : NULL;
            if (!nbuf) {
                free(buf);
                buf = NULL;
                errno = ENOMEM;
                break;
            }
            buf = nbuf;
            cap *= 2;
        }
        size_t n = fread(buf + len, 1, cap - len - 1, f);
        len += n;
        if (n == 0) {
            if (ferror(f)) {
                free(buf);
                buf = NULL;
                errno = errno ? errno : EIO;
            }
            break;
        }
    }
    int saved = errno;
    if (f != stdin)
        fclose(f);
    errno = saved;
    if (buf) {
        buf[len] = '\0';
        *len_out = len;
    }
    return buf;
}

/* ------------------------------------------------------------------------
 * The wrapped backend.
 */

typedef struct sim_ctx {
    convoy_backend inner;   /* the simulator's callbacks */
    void *inner_userdata;   /* the simulator */
    const convoy_plan *plan;
    sim_model *model;
    sim_view *view;
    unsigned long long calls, kill_after;
} sim_ctx;

/* Every wrapped callback ends here once the real one has returned. */
static void called(sim_ctx *c)
{
    c->calls++;
    if (c->kill_after && c->calls == c->kill_after)
        raise(SIGKILL);
}

#define WRAP_ACTION(slot)                                                                 \
    static int wrap_##slot(const convoy_action *a, void *userdata)                       \
    {                                                                                     \
        sim_ctx *c = userdata;                                                            \
        int rc = c->inner.slot ? c->inner.slot(a, c->inner_userdata) : CONVOY_OK;         \
        called(c);                                                                        \
        return rc;                                                                        \
    }

WRAP_ACTION(deploy)
WRAP_ACTION(verify_weights)
WRAP_ACTION(approval)
WRAP_ACTION(webhook)
WRAP_ACTION(promote)
WRAP_ACTION(revert)

static int wrap_set_weights(const convoy_action *a, void *userdata)
{
    sim_ctx *c = userdata;
    const convoy_service *svc = convoy_action_service(a);
    size_t i = svc ? convoy_service_index(svc) : SIZE_MAX;
    if (i < convoy_plan_service_count(c->plan)) {
        c->view->target_bp[i] = convoy_action_candidate_bp(a);
        c->view->target_mirror_bp[i] = convoy_action_mirror_bp(a);
    }
    int rc = c->inner.set_weights ? c->inner.set_weights(a, c->inner_userdata) : CONVOY_OK;
    called(c);
    return rc;
}

static int wrap_query_metric(convoy_samples *out, const convoy_action *a, void *userdata)
{
    sim_ctx *c = userdata;
    int rc = c->inner.query_metric ? c->inner.query_metric(out, a, c->inner_userdata) : CONVOY_OK;
    called(c);
    return rc;
}

static void wrap_notify(const char *record, size_t len, void *userdata)
{
    sim_ctx *c = userdata;
    cJSON *rec = cJSON_ParseWithLength(record, len);
    if (rec) {
        sim_model_apply(c->model, rec);
        sim_view_record(c->view, rec);
        cJSON_Delete(rec);
    } else {
        c->model->failed = 1;
    }
    if (c->inner.notify)
        c->inner.notify(record, len, c->inner_userdata);
    called(c);
}

static void wrap_backend(convoy_backend *out, const convoy_backend *inner)
{
    *out = *inner;
    out->deploy = wrap_deploy;
    out->set_weights = wrap_set_weights;
    out->verify_weights = wrap_verify_weights;
    out->query_metric = wrap_query_metric;
    out->approval = wrap_approval;
    out->webhook = wrap_webhook;
    out->promote = wrap_promote;
    out->revert = wrap_revert;
    out->notify = wrap_notify;
}

/* CONVOY_SIMULATE_KILL_AFTER: 0 when unset; -1 when malformed. */
static int kill_after(unsigned long long *out)
{
    const char *s = getenv("CONVOY_SIMULATE_KILL_AFTER");
    *out = 0;
    if (!s || !*s)
        return 0;
    for (const char *p = s; *p; p++)
        if (*p < '0' || *p > '9')
            return -1;
    errno = 0;
    unsigned long long n = strtoull(s, NULL, 10);
    if (errno || n == 0)
        return -1;
    *out = n;
    return 0;
}

/* ------------------------------------------------------------------------
 * Files.
 */

/* Fresh start: no saved state, an empty log. */
static int start_fresh(const sim_args *a)
{
    if (a->state && remove(a->state) != 0 && errno != ENOENT)
        return fail("%s: cannot remove the old state: %s", a->state, strerror(errno));
    if (a->log) {
        int fd = open(a->log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
        if (fd < 0)
            return fail("%s: cannot create the decision log: %s", a->log, strerror(errno));
        close(fd);
    }
    return CLI_OK;
}

/* The engine appends to the history when a service finishes, perhaps hours
 * of simulated time in; find out now that it cannot, before a fresh start
 * empties the log. A missing file is created (an empty history); what an
 * existing one holds is the engine's to read and judge. */
static int check_history(const char *path)
{
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NONBLOCK | O_CLOEXEC, 0666);
    if (fd < 0)
        return fail("%s: cannot open the history for appending: %s", path, strerror(errno));
    close(fd);
    return CLI_OK;
}

/* On --resume, what the run did before: the log's records (the engine has
 * cut it back to what the state counts) feed the model, so the report and
 * the SVG cover the whole run. */
static void replay_log(sim_model *m, const char *path)
{
    size_t len = 0;
    char *text = read_file(path, &len);
    if (!text)
        return;
    char *p = text, *end = text + len;
    while (p < end) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        if (n) {
            cJSON *rec = cJSON_ParseWithLength(p, n);
            if (rec) {
                sim_model_apply(m, rec);
                cJSON_Delete(rec);
            }
        }
        p += n + 1;
    }
    free(text);
}

static int write_svg(const char *path, const convoy_plan *plan, const convoy_state *st,
                     const sim_model *m, const sim_outcome *o)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return fail("%s: cannot write the timeline: %s", path, strerror(errno));
    int rc = sim_svg_write(f, plan, st, m, o);
    int saved = errno;
    if (fclose(f) != 0 && rc == 0) {
        rc = -1;
        saved = errno;
    }
    if (rc != 0)
        return fail("%s: writing the timeline failed: %s", path, strerror(saved));
    return CLI_OK;
}

/* 1 when `msg` is about `path`: the library starts such messages "PATH: ". */
static int about_file(const char *msg, const char *path)
{
    size_t n = path ? strlen(path) : 0;
    return n && strncmp(msg, path, n) == 0 && msg[n] == ':';
}

/* Why the engine could not start. With --resume that is usually the saved
 * state, but a history that cannot be read must not be blamed on it. */
static int report_open_error(const sim_args *a, int rc)
{
    const char *msg = convoy_error_message(convoy_error_last());
    if (!msg || !*msg)
        msg = convoy_strerror(rc);
    if (a->resume && !about_file(msg, a->history))
        return fail("%s: cannot resume: %s", a->state, msg);
    return fail("%s", msg);
}

/* ------------------------------------------------------------------------
 * The run.
 */

static int finished(int status)
{
    return status == CONVOY_ROLLOUT_PROMOTED || status == CONVOY_ROLLOUT_ROLLED_BACK ||
           status == CONVOY_ROLLOUT_ABORTED;
}

static void outcome_of(sim_outcome *o, int status, uint64_t end_ms, const char *why)
{
    o->end_ms = end_ms;
    o->why = NULL;
    switch (status) {
    case CONVOY_ROLLOUT_PROMOTED:
        o->name = "promoted";
        o->exit_code = 0;
        break;
    case CONVOY_ROLLOUT_ROLLED_BACK:
        o->name = "rolled_back";
        o->exit_code = 2;
        break;
    case CONVOY_ROLLOUT_ABORTED:
        o->name = "aborted";
        o->exit_code = 3;
        break;
    default:
        o->name = "held";
        o->exit_code = 3;
        o->why = why;
        break;
    }
}

/* Tick until the rollout is over or nothing more can happen. Returns the
 * last status (>= 0) or a negative error; *now_ms is the final clock. */
static int run(convoy_rollout *r, sim_ctx *c, uint64_t *now_ms, const char **why)
{
    uint64_t now = *now_ms;
    unsigned same_instant = 0;
    int status;

    *why = NULL;
    for (;;) {
        status = convoy_rollout_tick(r, now);
        if (status < 0)
            break;
        sim_view_tick(c->view, convoy_rollout_state(r), now);
        if (finished(status))
            break;
        uint64_t next = convoy_rollout_next_due(r);
        if (next == UINT64_MAX) {
            *why = status == CONVOY_ROLLOUT_RUNNING
                       ? "waiting for an answer that never comes (a pending approval, "
                         "webhook or action in the scenario)"
                       : "a service is held: an operator must resume, promote or abort";
            break;
        }
        if (next <= now) {
            if (++same_instant > MAX_TICKS_AT_ONE_INSTANT) {
                char when[32];
                fail("no progress after %u ticks at %s: stopping", same_instant,
                     sim_clock(when, sizeof when, now));
                *now_ms = now;
                return CONVOY_E_LIMIT;
            }
            continue;
        }
        same_instant = 0;
        if (next > MAX_SIMULATED_MS) {
            *why = "stopped after 30 days of simulated time (an analysis without a count?)";
            break;
        }
        now = next;
    }
    *now_ms = now;
    return status;
}

int cmd_simulate(int argc, char **argv)
{
    sim_args a;
    unsigned long long kill_n = 0;
    int rc = parse_args(&a, argc, argv);

    if (rc != 0)
        return rc;
    if (a.help)
        return help_print(stdout, CMD) == 0 ? CLI_OK : CLI_FAIL;
    if (kill_after(&kill_n) != 0)
        return fail("CONVOY_SIMULATE_KILL_AFTER must be a positive whole number, not '%s'",
                    getenv("CONVOY_SIMULATE_KILL_AFTER"));

    /* The plan. */
    convoy_plan *plan = NULL;
    convoy_diagnostics *diags = NULL;
    char err[1024];
    const char *plan_name = load_display_name(a.plan);
    rc = load_plan(&plan, &diags, a.plan, a.parse_flags, err, sizeof err);
    if (rc != CONVOY_OK) {
        if (convoy_diagnostics_count(diags) > 0)
            report_problems_text(stderr, plan_name, diags);
        else
            report_error(plan_name, err);
        convoy_diagnostics_free(diags);
        return CLI_FAIL;
    }
    convoy_diagnostics_free(diags);

    /* The scenario and the simulator. */
    int status = CLI_FAIL;
    char *scenario = NULL;
    size_t scenario_len = 0;
    convoy_simulator *sim = NULL;
    convoy_rollout *r = NULL;
    sim_model model;
    sim_view view;
    int have_model = 0, have_view = 0;

    if (a.scenario) {
        scenario = read_file(a.scenario, &scenario_len);
        if (!scenario) {
            fail("%s: cannot read the scenario: %s", gu_display_name(a.scenario),
                 strerror(errno));
            goto out;
        }
    }
    convoy_error_clear();
    rc = convoy_simulator_new(&sim, plan, scenario, scenario_len);
    if (rc != CONVOY_OK) {
        last_error_detail(err, sizeof err, a.scenario ? gu_display_name(a.scenario) : "scenario",
                          rc);
        fail("%s", err);
        goto out;
    }

    if (sim_model_init(&model, plan) != 0) {
        fail("out of memory");
        goto out;
    }
    have_model = 1;
    const char *term = getenv("TERM");
    int mode = a.json ? SIM_VIEW_NONE
               : isatty(STDOUT_FILENO) && term && *term && strcmp(term, "dumb") != 0
                   ? SIM_VIEW_LIVE
                   : SIM_VIEW_LINES;
    if (sim_view_init(&view, mode, stdout, plan, &model) != 0) {
        fail("out of memory");
        goto out;
    }
    have_view = 1;

    /* The files. */
    if (a.resume) {
        struct stat sb;
        if (stat(a.state, &sb) != 0) {
            fail("%s: no saved state to resume: %s (run without --resume to start)", a.state,
                 strerror(errno));
            goto out;
        }
    }
    if (a.history && check_history(a.history) != CLI_OK)
        goto out;
    if (!a.resume && start_fresh(&a) != CLI_OK)
        goto out;

    /* The engine, on the wrapped simulator. */
    sim_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.plan = plan;
    ctx.model = &model;
    ctx.view = &view;
    ctx.kill_after = kill_n;
    ctx.inner_userdata = sim;
    convoy_simulator_backend(&ctx.inner, sim);
    convoy_backend backend;
    wrap_backend(&backend, &ctx.inner);
    convoy_rollout_options opts = CONVOY_ROLLOUT_OPTIONS_INIT;
    opts.log_path = a.log;
    opts.state_path = a.state;
    opts.history_path = a.history;
    convoy_error_clear();
    rc = convoy_rollout_new(&r, plan, &backend, &ctx, &opts);
    if (rc != CONVOY_OK) {
        report_open_error(&a, rc);
        goto out;
    }

    uint64_t now = 0;
    if (a.resume) {
        now = convoy_state_now_ms(convoy_rollout_state(r));
        if (a.log)
            replay_log(&model, a.log);
        else
            sim_model_seed(&model, convoy_rollout_state(r), now);
        char when[32];
        sim_view_note(&view, "resuming %s from %s at %s (%" PRIu64 " decisions so far)",
                      convoy_plan_name(plan), a.state, sim_clock(when, sizeof when, now),
                      convoy_state_decisions(convoy_rollout_state(r)));
    }

    const char *why = NULL;
    int st = run(r, &ctx, &now, &why);
    const convoy_state *state = convoy_rollout_state(r);
    if (st < 0) {
        sim_view_end(&view, state, now);
        if (st != CONVOY_E_LIMIT) {
            char when[32];
            const char *msg = convoy_error_message(convoy_error_last());
            fail("the rollout stopped at %s: %s", sim_clock(when, sizeof when, now),
                 msg && *msg ? msg : convoy_strerror(st));
        }
        goto out;
    }

    sim_outcome o;
    outcome_of(&o, st, now, why);
    sim_view_end(&view, state, now);
    if (a.json)
        sim_report_json(stdout, plan, state, &o);
    else
        sim_report_text(stdout, plan, state, &model, &o);
    if (model.failed)
        fprintf(stderr, "convoy: " CMD ": warning: some decision-log records could not be "
                        "kept; the timeline is incomplete\n");
    status = o.exit_code;
    if (a.svg && write_svg(a.svg, plan, state, &model, &o) != CLI_OK)
        status = CLI_FAIL;

out:
    convoy_rollout_free(r);
    if (have_view)
        sim_view_free(&view);
    if (have_model)
        sim_model_free(&model);
    convoy_simulator_free(sim);
    free(scenario);
    convoy_plan_free(plan);
    return status;
}
