/* plan_json.c - `convoy plan --json`: the plan and its estimates as JSON. */
#include "fmt.h"
#include "jsonw.h"
#include "plan_view.h"

static void write_waves(jsonw *w, const convoy_plan *plan)
{
    size_t n = convoy_plan_wave_count(plan);

    jsonw_key(w, "waves");
    jsonw_array_begin(w);
    for (size_t k = 0; k < n; k++) {
        size_t size = convoy_plan_wave_size(plan, k);
        jsonw_array_begin(w);
        for (size_t i = 0; i < size; i++)
            jsonw_string(w, convoy_service_name(convoy_plan_wave_service(plan, k, i)));
        jsonw_array_end(w);
    }
    jsonw_array_end(w);
}

static void write_dependencies(jsonw *w, const convoy_service *svc)
{
    size_t n = convoy_service_dependency_count(svc);

    jsonw_key(w, "depends_on");
    jsonw_array_begin(w);
    for (size_t i = 0; i < n; i++) {
        int32_t step = convoy_service_dependency_step(svc, i);
        jsonw_object_begin(w);
        jsonw_kv_string(w, "service", convoy_service_name(convoy_service_dependency(svc, i)));
        jsonw_key(w, "step");
        if (step >= 0)
            jsonw_i64(w, step);
        else
            jsonw_null(w);
        jsonw_object_end(w);
    }
    jsonw_array_end(w);
}

static void write_step(jsonw *w, const convoy_step *st, size_t index)
{
    int kind = convoy_step_kind(st);

    jsonw_object_begin(w);
    jsonw_kv_u64(w, "index", index);
    jsonw_kv_string(w, "kind", fmt_step_kind(kind));
    jsonw_kv_u64(w, "weight_bp", convoy_step_weight_bp(st));
    jsonw_kv_u64(w, "mirror_bp", convoy_step_mirror_bp(st));
    jsonw_kv_u64(w, "duration_ms", convoy_step_duration_ms(st));
    jsonw_kv_u64(w, "timeout_ms", convoy_step_timeout_ms(st));
    jsonw_kv_string(w, "analysis",
                    kind == CONVOY_STEP_ANALYSIS ? convoy_analysis_name(convoy_step_analysis(st))
                                                 : NULL);
    jsonw_kv_string(w, "webhook", kind == CONVOY_STEP_WEBHOOK ? convoy_step_webhook_name(st) : NULL);
    jsonw_object_end(w);
}

static void write_service(jsonw *w, const convoy_service *svc, const svc_estimate *e)
{
    size_t n = convoy_service_step_count(svc);

    jsonw_object_begin(w);
    jsonw_kv_string(w, "name", convoy_service_name(svc));
    jsonw_kv_string(w, "owner", convoy_service_owner(svc));
    jsonw_kv_u64(w, "wave", convoy_service_wave(svc));
    write_dependencies(w, svc);
    jsonw_kv_string(w, "cohort", convoy_service_cohort(svc));
    jsonw_kv_string(w, "baseline", convoy_service_baseline(svc));
    jsonw_kv_string(w, "candidate", convoy_service_candidate(svc));
    jsonw_key(w, "steps");
    jsonw_array_begin(w);
    for (size_t i = 0; i < n; i++)
        write_step(w, convoy_service_step(svc, i), i);
    jsonw_array_end(w);
    jsonw_key(w, "estimate");
    jsonw_object_begin(w);
    jsonw_kv_u64(w, "promote_ms", e->promote_ms);
    jsonw_kv_u64(w, "rollback_ms", e->rollback_ms);
    jsonw_kv_u64(w, "start_ms", e->start_ms);
    jsonw_kv_u64(w, "finish_ms", e->finish_ms);
    jsonw_kv_bool(w, "approvals", (e->flags & CONVOY_ESTIMATE_APPROVALS) != 0);
    jsonw_kv_bool(w, "unbounded", (e->flags & CONVOY_ESTIMATE_UNBOUNDED) != 0);
    jsonw_object_end(w);
    jsonw_object_end(w);
}

void plan_print_json(FILE *f, const plan_view *v)
{
    jsonw w;

    jsonw_init(&w, f);
    jsonw_object_begin(&w);
    jsonw_kv_string(&w, "name", convoy_plan_name(v->plan));
    jsonw_kv_u64(&w, "max_parallel", convoy_plan_max_parallel(v->plan));
    write_waves(&w, v->plan);
    jsonw_key(&w, "services");
    jsonw_array_begin(&w);
    for (size_t i = 0; i < v->n_services; i++)
        write_service(&w, convoy_plan_service(v->plan, i), &v->services[i]);
    jsonw_array_end(&w);
    jsonw_key(&w, "estimate");
    jsonw_object_begin(&w);
    jsonw_kv_u64(&w, "promote_ms", v->promote_ms);
    jsonw_kv_u64(&w, "rollback_ms", v->rollback_ms);
    jsonw_kv_bool(&w, "approvals", (v->flags & CONVOY_ESTIMATE_APPROVALS) != 0);
    jsonw_kv_bool(&w, "unbounded", (v->flags & CONVOY_ESTIMATE_UNBOUNDED) != 0);
    jsonw_object_end(&w);
    jsonw_object_end(&w);
    fputc('\n', f);
}
