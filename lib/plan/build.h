/* Internal: turning a parsed JSON document into a plan model, reporting
 * every problem on the way. Shared by the build_*.c files. */
#ifndef CONVOY_LIB_PLAN_BUILD_H
#define CONVOY_LIB_PLAN_BUILD_H

#include <cjson/cJSON.h>
#include <stdint.h>

#include "core/buf.h"
#include "diag.h"
#include "model.h"

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

/* A growable list of steps with the node each came from (for policies). */
typedef struct convoy__steps {
    convoy_step *items;
    const cJSON **origin;
    size_t n, cap;
} convoy__steps;

typedef struct convoy__named_steps {
    const char *name;
    const cJSON *node;
    convoy__steps steps;
    int valid;
} convoy__named_steps;

typedef struct convoy__dep {
    const cJSON *node;     /* the depends_on entry */
    const cJSON *name_node;
    const char *name;
    int32_t step;
    const cJSON *step_node;
} convoy__dep;

/* Build-time facts about one service that the model does not keep. */
typedef struct convoy__svc_build {
    const cJSON *node;
    const cJSON *name_node;
    const cJSON **step_origin;  /* parallel to svc->steps */
    const cJSON *background_node; /* the service's background_analysis */
    convoy__dep *deps;
    size_t n_deps;
    const cJSON *cohort_node;
    const cJSON *sticky_node;
    int schedule_ok;
} convoy__svc_build;

typedef struct convoy__build {
    convoy_diagnostics *d;
    const convoy_parse_options *opts;
    convoy_plan *plan;
    const cJSON *root;
    const cJSON *defaults;          /* the defaults object, or NULL */
    const cJSON *tpl_steps;         /* templates.steps object, or NULL */
    const cJSON *tpl_analyses;      /* templates.analyses object, or NULL */
    const cJSON *policies;          /* policies object, or NULL */
    const cJSON *rollback_mode_node;
    convoy__named_steps *step_templates;
    size_t n_step_templates;
    convoy_analysis *template_analyses; /* built templates.analyses, by document order */
    const cJSON **template_analysis_nodes;
    int *template_analysis_ok;      /* built without problems */
    size_t n_template_analyses;
    convoy__svc_build *sb;          /* per service */
    convoy__buf scratch;            /* reused for canonical JSON */
    int oom;
} convoy__build;

/* ---- generic field checks (fields.c) ----------------------------------- */

/* Checks `obj` is an object whose keys are all in `keys` (reporting unknown
 * keys with a suggestion, and repeated keys); found[i] receives the member
 * named keys[i] or NULL. Returns 0 when obj is not an object. */
int convoy__fields(convoy__build *b, const cJSON *obj, const char *what,
                   const char *const *keys, size_t n, const cJSON **found);
const char *convoy__string(convoy__build *b, const cJSON *node, int allow_empty);
int convoy__bool(convoy__build *b, const cJSON *node, int *out);
int convoy__int(convoy__build *b, const cJSON *node, long long min, long long max,
                long long *out);
int convoy__number(convoy__build *b, const cJSON *node, double min, double max, double *out);
int convoy__duration(convoy__build *b, const cJSON *node, uint64_t *ms);
int convoy__weight(convoy__build *b, const cJSON *node, uint32_t *bp);
const char *convoy__name(convoy__build *b, const cJSON *node);
/* Returns the index of the value in `values`, or -1 (reported). */
int convoy__enum(convoy__build *b, const cJSON *node, const char *const *values, size_t n);
/* Reports literal secrets anywhere below `node` (see docs/plan-format.md). */
void convoy__check_secrets(convoy__build *b, const cJSON *node);
/* Is `{"env": "VAR"}` (reports what is wrong when it looks like one). */
int convoy__is_env_ref(convoy__build *b, const cJSON *node);
/* Memory the plan keeps (its arena): zeroed; NULL and b->oom when out of memory. */
void *convoy__alloc(convoy__build *b, size_t count, size_t size);
/* Moves every service's steps into one arena block, in wave order (the
 * order a tick visits them); out of memory, leaves them where they are. */
void convoy__pack_steps(convoy_plan *plan);
char *convoy__dup(convoy__build *b, const char *s);
/* Canonical JSON of a node, kept by the plan. */
char *convoy__canonical(convoy__build *b, const cJSON *node);
/* The buffer's text, kept by the plan; the buffer is released. */
char *convoy__keep(convoy__build *b, convoy__buf *buf);
/* Scratch memory for the build only: zeroed, freed with convoy__dealloc. */
void *convoy__temp(convoy__build *b, size_t count, size_t size);

/* ---- pieces ------------------------------------------------------------ */
int convoy__steps_push(convoy__build *b, convoy__steps *list, const convoy_step *step,
                       const cJSON *origin);
void convoy__steps_clear(convoy__steps *list);
/* Parses a JSON array of steps (build_steps.c). */
void convoy__parse_steps(convoy__build *b, const cJSON *array, convoy__steps *out);
/* Steps share their strings with the plan's arena: copying is assignment. */
/* Parses a webhook object into a step's webhook fields (build_webhook.c). */
int convoy__parse_webhook(convoy__build *b, const cJSON *node, convoy_step *step);

void convoy__build_templates(convoy__build *b, const cJSON *templates);
void convoy__build_analyses(convoy__build *b, const cJSON *analyses);
/* Builds one analysis object (not a {"template": …} reference). */
int convoy__build_analysis(convoy__build *b, convoy_analysis *an, const char *name,
                           const cJSON *node);
int convoy__analysis_copy(convoy__build *b, convoy_analysis *dst, const convoy_analysis *src);

void convoy__build_service(convoy__build *b, size_t index, const cJSON *node);
void convoy__build_traffic(convoy__build *b, convoy_service *svc, convoy__svc_build *sb,
                           const cJSON *traffic);

void convoy__resolve_analyses(convoy__build *b);
void convoy__build_graph(convoy__build *b);
void convoy__build_cohorts(convoy__build *b);
void convoy__check_policies(convoy__build *b);
void convoy__compute_estimates(convoy_plan *plan);

#endif
