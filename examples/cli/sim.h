/*
 * sim.h - what the pieces of `convoy simulate` share: the run's model (built
 * from the engine's decision-log records), the progress view, the final
 * report and the SVG timeline.
 *
 *   cmd_simulate.c  command line, the simulator and engine, the tick loop,
 *                   the wrapped callbacks and the crash hook
 *   sim_model.c     decision-log records -> per-service timelines
 *   sim_view.c      progress: live view on a terminal, else plain lines
 *   sim_report.c    the final summary (text) and the --json report
 *   sim_svg.c       the --svg timeline
 */
#ifndef CONVOY_CLI_SIM_H
#define CONVOY_CLI_SIM_H

#include <convoy/convoy.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct cJSON cJSON;

/* ------------------------------------------------------------------------
 * The model: what happened, per service, over simulated time.
 */

/* A gate verdict's class, for marks and the live view. */
#define SIM_VERDICT_NONE 0
#define SIM_VERDICT_PASS 1
#define SIM_VERDICT_FAIL 2
#define SIM_VERDICT_INCONCLUSIVE 3
#define SIM_VERDICT_ERROR 4

/* The candidate (and mirror) weight from time t on. */
typedef struct sim_weight {
    uint64_t t;
    uint32_t candidate_bp, mirror_bp;
} sim_weight;

/* The service state (CONVOY_SERVICE_*) from time t on. */
typedef struct sim_phase {
    uint64_t t;
    int state;
} sim_phase;

/* One finished gate evaluation (a decision record's gate). */
typedef struct sim_mark {
    uint64_t t;
    int verdict;     /* SIM_VERDICT_* */
    char *gate;      /* "analysis", "approval", "webhook", "action", "held" */
    char *name;      /* analysis / webhook name, or NULL */
    char *metric;    /* the deciding metric, or NULL */
    double value;    /* NaN when none */
    char *decision;  /* "continue", "rollback", ... */
    char *reason;    /* the gate's reason, or NULL */
} sim_mark;

typedef struct sim_service {
    const convoy_service *svc;
    const char *name;   /* borrowed from the plan */
    size_t n_steps;
    size_t wave;
    int started;        /* a "started" event was seen */
    uint64_t started_ms;
    sim_weight *weights;
    size_t n_weights, cap_weights;
    sim_phase *phases;
    size_t n_phases, cap_phases;
    sim_mark *marks;
    size_t n_marks, cap_marks;
} sim_service;

/* A rollback (or abort) decision: the moment the convoy turned back. */
typedef struct sim_turn {
    uint64_t t;
    char *kind;        /* "rollback" or "abort" */
    char *service;     /* the failing service, or NULL */
    char *gate_name;   /* the analysis / webhook / gate that decided, or NULL */
    char *metric;      /* or NULL */
    double value;      /* NaN when none */
    char *rationale;
    char *order;       /* the rollback set in order, "a, b", or NULL */
} sim_turn;

typedef struct sim_model {
    const convoy_plan *plan;
    size_t n;              /* services, plan order */
    sim_service *svc;
    size_t *order;         /* service indices in wave order */
    sim_turn *turns;
    size_t n_turns, cap_turns;
    uint64_t records;      /* records seen */
    uint64_t last_ms;      /* time of the latest record */
    int failed;            /* out of memory: the model is incomplete */
} sim_model;

int sim_model_init(sim_model *m, const convoy_plan *plan);
void sim_model_free(sim_model *m);
/* Apply one parsed decision-log record. */
void sim_model_apply(sim_model *m, const cJSON *rec);
/* Resuming without the log: start each service's timeline at `now_ms`
 * from the saved state (what came before is unknown). */
void sim_model_seed(sim_model *m, const convoy_state *st, uint64_t now_ms);
/* The plan index of the record's service, or SIZE_MAX. */
size_t sim_model_service_of(const sim_model *m, const cJSON *rec);
/* The latest mark of service i, or NULL. */
const sim_mark *sim_model_last_mark(const sim_model *m, size_t i);
/* "pass", "fail", "inconclusive", "error", "-". */
const char *sim_verdict_name(int verdict);
/* A record's member `key` as a string (NULL when absent or not a string)
 * or a number (`dflt` when absent or not a number); borrowed from obj. */
const char *sim_str_of(const cJSON *obj, const char *key);
double sim_num_of(const cJSON *obj, const char *key, double dflt);

/* ------------------------------------------------------------------------
 * Progress.
 */

#define SIM_VIEW_NONE 0   /* --json: nothing */
#define SIM_VIEW_LINES 1  /* one line per decision / event */
#define SIM_VIEW_LIVE 2   /* a table redrawn in place (a terminal) */

typedef struct sim_view {
    int mode;
    FILE *f;
    const convoy_plan *plan;
    const sim_model *model;
    int color;            /* ANSI colours (live view, NO_COLOR unset) */
    int name_width;       /* widest service name */
    int drawn;            /* lines of the live view on screen */
    char last[256];       /* the live view's latest event line */
    uint64_t paced_ms;    /* real time spent pacing the live view */
    uint64_t last_draw_ms;/* simulated time of the previous draw */
    /* Targets of the set-weights actions being recorded (from the wrapped
     * callback, which runs just before its record), per service. */
    uint32_t *target_bp, *target_mirror_bp;
} sim_view;

int sim_view_init(sim_view *v, int mode, FILE *f, const convoy_plan *plan, const sim_model *m);
void sim_view_free(sim_view *v);
/* A record of this process's run (not one replayed from the log). */
void sim_view_record(sim_view *v, const cJSON *rec);
/* After a tick: redraw the live view (paced so people can follow it). */
void sim_view_tick(sim_view *v, const convoy_state *st, uint64_t now_ms);
/* A note between progress lines ("resuming from ..."). */
void sim_view_note(sim_view *v, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* The run is over: leave the live view on screen as it is. */
void sim_view_end(sim_view *v, const convoy_state *st, uint64_t now_ms);

/* "+MM:SS" (minutes grow past 99), in buf. */
const char *sim_clock(char *buf, size_t size, uint64_t ms);

/* ------------------------------------------------------------------------
 * The outcome and the report.
 */

typedef struct sim_outcome {
    const char *name;  /* "promoted", "rolled_back", "held", "aborted" */
    int exit_code;     /* 0, 2, 3, 3 */
    uint64_t end_ms;   /* the simulated clock at the end */
    const char *why;   /* why it stopped when held, or NULL */
} sim_outcome;

/* The report's name of service i's end state: "promoted", "rolled_back",
 * "untouched" or "held". */
const char *sim_service_outcome(const convoy_state *st, size_t i);

void sim_report_text(FILE *f, const convoy_plan *plan, const convoy_state *st,
                     const sim_model *m, const sim_outcome *o);
/* {"outcome", "services": {S: {"state", "weight"}}, "rollback_order",
 *  "decisions", "simulated_seconds"} and a newline. */
void sim_report_json(FILE *f, const convoy_plan *plan, const convoy_state *st,
                     const sim_outcome *o);

/* ------------------------------------------------------------------------
 * The SVG timeline. Returns 0, or -1 with errno set.
 */
int sim_svg_write(FILE *f, const convoy_plan *plan, const convoy_state *st,
                  const sim_model *m, const sim_outcome *o);

#endif
