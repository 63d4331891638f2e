/*
 * test_render - convoy_render and the format names (convoy/traffic.h):
 * every format for the shop plan's frontend and for small plans covering
 * every condition test and source, weight rules, mirroring, options,
 * CONVOY_RENDER_SKIP_UNSUPPORTED and the errors. JSON outputs are parsed
 * and checked field by field; HAProxy line by line; nginx as text.
 *
 * argv[1]: path of examples/plans/shop.json.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <convoy/convoy.h>

static const char *shop_path;

/* ---- helpers ------------------------------------------------------------ */

static convoy_plan *parse(const char *json)
{
    convoy_plan *p = NULL;
    int rc = convoy_plan_parse(&p, NULL, json, strlen(json), NULL);
    if (rc != CONVOY_OK)
        fail_msg("plan does not parse (%d): %s", rc,
                 convoy_error_message(convoy_error_last()));
    return p;
}

/* One service "web" with the given traffic block (may be NULL). */
static convoy_plan *web_plan(const char *traffic)
{
    char json[4096];
    snprintf(json, sizeof json,
             "{\"name\": \"t\", \"services\": [{\"name\": \"web\", \"steps\": "
             "[{\"set_weight\": 50}]%s%s}]}",
             traffic ? ", \"traffic\": " : "", traffic ? traffic : "");
    return parse(json);
}

static char *render_opts(const convoy_plan *p, const char *svc, uint32_t bp, uint32_t mirror,
                         int format, const convoy_render_options *opts)
{
    char *out = NULL;
    size_t len = 0;
    int rc = convoy_render(&out, &len, p, svc, bp, mirror, format, opts);
    if (rc != CONVOY_OK)
        fail_msg("convoy_render(%s) = %d: %s", convoy_format_name(format), rc,
                 convoy_error_message(convoy_error_last()));
    assert_non_null(out);
    assert_int_equal(len, strlen(out));
    return out;
}

static char *render(const convoy_plan *p, uint32_t bp, uint32_t mirror, int format)
{
    return render_opts(p, "web", bp, mirror, format, NULL);
}

static cJSON *render_json_opts(const convoy_plan *p, const char *svc, uint32_t bp,
                               uint32_t mirror, int format, const convoy_render_options *opts)
{
    char *text = render_opts(p, svc, bp, mirror, format, opts);
    cJSON *root = cJSON_Parse(text);
    if (!root)
        fail_msg("not JSON:\n%s", text);
    convoy_free(text);
    return root;
}

static cJSON *render_json(const convoy_plan *p, uint32_t bp, uint32_t mirror, int format)
{
    return render_json_opts(p, "web", bp, mirror, format, NULL);
}

static int render_rc(const convoy_plan *p, uint32_t bp, int format,
                     const convoy_render_options *opts)
{
    char *out = (char *)"untouched";
    size_t len = 99;
    int rc = convoy_render(&out, &len, p, "web", bp, 0, format, opts);
    if (rc != CONVOY_OK) {
        assert_null(out);
        assert_int_equal(len, 0);
    } else {
        convoy_free(out);
    }
    return rc;
}

static const char *last_message(void)
{
    return convoy_error_message(convoy_error_last());
}

/* Walks a path of object keys and array indices: "spec", "http", "#2". */
static cJSON *at(const cJSON *node, const char *path)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    const cJSON *cur = node;
    for (char *tok = strtok(buf, "/"); tok && cur; tok = strtok(NULL, "/")) {
        if (tok[0] == '#')
            cur = cJSON_GetArrayItem(cur, atoi(tok + 1));
        else
            cur = cJSON_GetObjectItemCaseSensitive(cur, tok);
    }
    if (!cur)
        fail_msg("no %s", path);
    return (cJSON *)cur;
}

static const char *str_at(const cJSON *node, const char *path)
{
    cJSON *s = at(node, path);
    if (!cJSON_IsString(s))
        fail_msg("%s is not a string", path);
    return s->valuestring;
}

static double num_at(const cJSON *node, const char *path)
{
    cJSON *n = at(node, path);
    if (!cJSON_IsNumber(n))
        fail_msg("%s is not a number", path);
    return n->valuedouble;
}

static int has(const cJSON *node, const char *key)
{
    return cJSON_GetObjectItemCaseSensitive(node, key) != NULL;
}

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

/* nginx: braces outside quoted strings and comments must balance and never
 * go below zero; every statement inside a block ends with ';'. */
static void assert_nginx_balanced(const char *text)
{
    int depth = 0;
    int in_quote = 0, in_comment = 0;
    for (const char *p = text; *p; p++) {
        if (in_comment) {
            if (*p == '\n')
                in_comment = 0;
            continue;
        }
        if (in_quote) {
            if (*p == '\\' && p[1])
                p++;
            else if (*p == '"')
                in_quote = 0;
            continue;
        }
        if (*p == '#')
            in_comment = 1;
        else if (*p == '"')
            in_quote = 1;
        else if (*p == '{')
            depth++;
        else if (*p == '}')
            assert_true(--depth >= 0);
    }
    assert_int_equal(depth, 0);
    assert_false(in_quote);
}

/* ---- format names and options -------------------------------------------- */

static void test_format_names(void **state)
{
    (void)state;
    static const char *const names[] = {"haproxy", "envoy", "istio", "nginx", "gateway-api"};
    static const int codes[] = {CONVOY_FORMAT_HAPROXY, CONVOY_FORMAT_ENVOY, CONVOY_FORMAT_ISTIO,
                                CONVOY_FORMAT_NGINX, CONVOY_FORMAT_GATEWAY_API};
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(convoy_format_from_name(names[i]), codes[i]);
        assert_string_equal(convoy_format_name(codes[i]), names[i]);
    }
    assert_int_equal(convoy_format_from_name("HAProxy"), CONVOY_E_NOT_FOUND);
    assert_int_equal(convoy_format_from_name("gateway"), CONVOY_E_NOT_FOUND);
    assert_int_equal(convoy_format_from_name(""), CONVOY_E_NOT_FOUND);
    assert_int_equal(convoy_format_from_name(NULL), CONVOY_E_NOT_FOUND);
    assert_null(convoy_format_name(0));
    assert_null(convoy_format_name(6));
    assert_null(convoy_format_name(-1));
}

static void test_options_init(void **state)
{
    (void)state;
    convoy_render_options expect = CONVOY_RENDER_OPTIONS_INIT;
    convoy_render_options o;
    memset(&o, 0xab, sizeof o);
    assert_int_equal(convoy_render_options_init(&o, CONVOY_RENDER_OPTIONS_VERSION), CONVOY_OK);
    assert_int_equal(o.version, expect.version);
    assert_int_equal(o.flags, 0);
    assert_null(o.name);
    assert_null(o.host);
    assert_null(o.namespace_name);
    assert_null(o.gateway);
    assert_null(o.baseline_target);
    assert_null(o.candidate_target);
    assert_int_equal(o.port, 0);
    assert_int_equal(convoy_render_options_init(&o, 2), CONVOY_E_VERSION);
    assert_int_equal(convoy_render_options_init(NULL, CONVOY_RENDER_OPTIONS_VERSION),
                     CONVOY_E_INVALID_ARG);
}

/* ---- errors ------------------------------------------------------------- */

static void test_errors(void **state)
{
    (void)state;
    convoy_plan *p = web_plan(NULL);
    char *out = NULL;
    assert_int_equal(convoy_render(NULL, NULL, p, "web", 0, 0, CONVOY_FORMAT_ENVOY, NULL),
                     CONVOY_E_INVALID_ARG);
    assert_int_equal(convoy_render(&out, NULL, NULL, "web", 0, 0, CONVOY_FORMAT_ENVOY, NULL),
                     CONVOY_E_INVALID_ARG);
    assert_null(out);
    assert_int_equal(convoy_render(&out, NULL, p, NULL, 0, 0, CONVOY_FORMAT_ENVOY, NULL),
                     CONVOY_E_INVALID_ARG);
    assert_int_equal(convoy_render(&out, NULL, p, "nope", 0, 0, CONVOY_FORMAT_ENVOY, NULL),
                     CONVOY_E_NOT_FOUND);
    assert_non_null(strstr(last_message(), "nope"));
    assert_int_equal(convoy_render(&out, NULL, p, "web", 10001, 0, CONVOY_FORMAT_ENVOY, NULL),
                     CONVOY_E_INVALID_ARG);
    assert_int_equal(convoy_render(&out, NULL, p, "web", 0, 10001, CONVOY_FORMAT_ENVOY, NULL),
                     CONVOY_E_INVALID_ARG);
    assert_int_equal(convoy_render(&out, NULL, p, "web", 10000, 10000, CONVOY_FORMAT_ENVOY, NULL),
                     CONVOY_OK);
    convoy_free(out);
    out = NULL;
    assert_int_equal(render_rc(p, 0, 0, NULL), CONVOY_E_NOT_FOUND);
    assert_int_equal(render_rc(p, 0, 6, NULL), CONVOY_E_NOT_FOUND);
    assert_int_equal(render_rc(p, 0, -3, NULL), CONVOY_E_NOT_FOUND);

    convoy_render_options o = CONVOY_RENDER_OPTIONS_INIT;
    o.version = 2;
    assert_int_equal(render_rc(p, 0, CONVOY_FORMAT_ISTIO, &o), CONVOY_E_VERSION);
    o.version = CONVOY_RENDER_OPTIONS_VERSION;
    o.name = "";
    assert_int_equal(render_rc(p, 0, CONVOY_FORMAT_ISTIO, &o), CONVOY_E_INVALID_ARG);
    assert_non_null(strstr(last_message(), "name"));
    convoy_plan_free(p);
}

static void test_attribute_rule_unsupported(void **state)
{
    (void)state;
    convoy_plan *p = web_plan(
        "{\"rules\": [{\"name\": \"hdr\", \"match\": [{\"header\": \"x-a\", \"exact\": \"1\"}],"
        " \"variant\": \"candidate\"}, {\"name\": \"eu-stays\", \"match\": [{\"attribute\": "
        "\"region\", \"exact\": \"eu\"}], \"variant\": \"baseline\"}]}");
    for (int f = CONVOY_FORMAT_HAPROXY; f <= CONVOY_FORMAT_GATEWAY_API; f++) {
        assert_int_equal(render_rc(p, 1000, f, NULL), CONVOY_E_UNSUPPORTED);
        const char *msg = last_message();
        /* HAProxy fails on the first rule; the others on the attribute. */
        assert_non_null(strstr(msg, f == CONVOY_FORMAT_HAPROXY ? "\"hdr\"" : "\"eu-stays\""));
        assert_non_null(strstr(msg, convoy_format_name(f)));
    }
    convoy_render_options o = CONVOY_RENDER_OPTIONS_INIT;
    o.flags = CONVOY_RENDER_SKIP_UNSUPPORTED;
    cJSON *e = render_json_opts(p, "web", 1000, 0, CONVOY_FORMAT_ENVOY, &o);
    cJSON *routes = at(e, "virtual_hosts/#0/routes");
    assert_int_equal(cJSON_GetArraySize(routes), 2);
    assert_string_equal(str_at(routes, "#0/name"), "hdr");
    assert_string_equal(str_at(routes, "#1/name"), "default");
    cJSON_Delete(e);
    cJSON *i = render_json_opts(p, "web", 1000, 0, CONVOY_FORMAT_ISTIO, &o);
    assert_int_equal(cJSON_GetArraySize(at(i, "spec/http")), 2);
    cJSON_Delete(i);
    cJSON *g = render_json_opts(p, "web", 1000, 0, CONVOY_FORMAT_GATEWAY_API, &o);
    assert_int_equal(cJSON_GetArraySize(at(g, "spec/rules")), 2);
    cJSON_Delete(g);
    char *n = render_opts(p, "web", 1000, 0, CONVOY_FORMAT_NGINX, &o);
    assert_non_null(strstr(n, "# rule \"eu-stays\" left out: attribute conditions"));
    assert_null(strstr(n, "region"));
    assert_non_null(strstr(n, "map $http_x_a $convoy_web_upstream {"));
    assert_non_null(strstr(n, "default $convoy_web_split;"));
    convoy_free(n);
    convoy_plan_free(p);
}

/* ---- HAProxy ------------------------------------------------------------- */

static void expect_haproxy(const convoy_plan *p, uint32_t bp, const char *want)
{
    char *out = render(p, bp, 0, CONVOY_FORMAT_HAPROXY);
    assert_string_equal(out, want);
    convoy_free(out);
}

static void test_haproxy_scaling(void **state)
{
    (void)state;
    convoy_plan *p = web_plan(NULL);
    expect_haproxy(p, 0, "set weight web/baseline 256\nset weight web/candidate 0\n");
    /* 1 bp is 0.0256 of 256: rounds to 0. */
    expect_haproxy(p, 1, "set weight web/baseline 256\nset weight web/candidate 0\n");
    expect_haproxy(p, 19, "set weight web/baseline 256\nset weight web/candidate 0\n");
    expect_haproxy(p, 20, "set weight web/baseline 255\nset weight web/candidate 1\n");
    expect_haproxy(p, 3000, "set weight web/baseline 179\nset weight web/candidate 77\n");
    expect_haproxy(p, 5000, "set weight web/baseline 128\nset weight web/candidate 128\n");
    /* 9999 bp is 255.97: rounds to 256, the baseline gets nothing. */
    expect_haproxy(p, 9999, "set weight web/baseline 0\nset weight web/candidate 256\n");
    expect_haproxy(p, 10000, "set weight web/baseline 0\nset weight web/candidate 256\n");
    /* Every weight: the two always add up to 256, candidate non-decreasing. */
    unsigned prev = 0;
    for (uint32_t bp = 0; bp <= 10000; bp += 7) {
        char *out = render(p, bp, 0, CONVOY_FORMAT_HAPROXY);
        unsigned b, c;
        assert_int_equal(sscanf(out, "set weight web/baseline %u\nset weight web/candidate %u\n",
                                &b, &c),
                         2);
        assert_int_equal(b + c, 256);
        assert_true(c >= prev);
        assert_true(c * 10000 <= bp * 256 + 5000 && bp * 256 < c * 10000 + 5000 + 1);
        prev = c;
        convoy_free(out);
    }
    /* Mirroring has no runtime API command: same output. */
    char *m = render(p, 3000, 2000, CONVOY_FORMAT_HAPROXY);
    assert_string_equal(m, "set weight web/baseline 179\nset weight web/candidate 77\n");
    convoy_free(m);
    convoy_plan_free(p);
}

static void test_haproxy_options(void **state)
{
    (void)state;
    convoy_plan *p = web_plan(NULL);
    convoy_render_options o = CONVOY_RENDER_OPTIONS_INIT;
    o.name = "be_web";
    o.baseline_target = "web-v1";
    o.candidate_target = "web:v2";
    char *out = render_opts(p, "web", 5000, 0, CONVOY_FORMAT_HAPROXY, &o);
    assert_string_equal(out, "set weight be_web/web-v1 128\nset weight be_web/web:v2 128\n");
    convoy_free(out);
    o.candidate_target = "web v2";
    assert_int_equal(render_rc(p, 0, CONVOY_FORMAT_HAPROXY, &o), CONVOY_E_INVALID_ARG);
    o.candidate_target = NULL;
    o.name = "a/b";
    assert_int_equal(render_rc(p, 0, CONVOY_FORMAT_HAPROXY, &o), CONVOY_E_INVALID_ARG);
    convoy_plan_free(p);
}

static void test_haproxy_rules(void **state)
{
    (void)state;
    convoy_plan *p = NULL;
    assert_int_equal(convoy_plan_parse_file(&p, NULL, shop_path, NULL), CONVOY_OK);
    char *out = NULL;
    assert_int_equal(convoy_render(&out, NULL, p, "frontend", 3000, 0, CONVOY_FORMAT_HAPROXY, NULL),
                     CONVOY_E_UNSUPPORTED);
    assert_null(out);
    assert_non_null(strstr(last_message(), "\"canary-header\""));
    convoy_render_options o = CONVOY_RENDER_OPTIONS_INIT;
    o.flags = CONVOY_RENDER_SKIP_UNSUPPORTED;
    out = render_opts(p, "frontend", 3000, 2000, CONVOY_FORMAT_HAPROXY, &o);
    assert_string_equal(out,
                        "set weight frontend/baseline 179\nset weight frontend/candidate 77\n");
    convoy_free(out);
    /* A service without rules needs no flag. */
    out = render_opts(p, "checkout", 1250, 0, CONVOY_FORMAT_HAPROXY, NULL);
    assert_string_equal(out,
                        "set weight checkout/baseline 224\nset weight checkout/candidate 32\n");
    convoy_free(out);
    convoy_plan_free(p);
}

/* ---- the shop plan's frontend, every format ---------------------------------- */

static convoy_plan *shop(void)
{
    convoy_plan *p = NULL;
    if (convoy_plan_parse_file(&p, NULL, shop_path, NULL) != CONVOY_OK)
        fail_msg("cannot parse %s", shop_path);
    return p;
}

static void test_shop_envoy(void **state)
{
    (void)state;
    convoy_plan *p = shop();
    cJSON *r = render_json_opts(p, "frontend", 3000, 2000, CONVOY_FORMAT_ENVOY, NULL);
    assert_string_equal(str_at(r, "name"), "frontend");
    assert_string_equal(str_at(r, "virtual_hosts/#0/name"), "frontend");
    assert_string_equal(str_at(r, "virtual_hosts/#0/domains/#0"), "frontend");
    cJSON *routes = at(r, "virtual_hosts/#0/routes");
    assert_int_equal(cJSON_GetArraySize(routes), 3);
    assert_string_equal(str_at(routes, "#0/name"), "canary-header");
    assert_string_equal(str_at(routes, "#0/match/prefix"), "/");
    assert_string_equal(str_at(routes, "#0/match/headers/#0/name"), "x-canary");
    assert_string_equal(str_at(routes, "#0/match/headers/#0/string_match/exact"), "always");
    assert_string_equal(str_at(routes, "#0/route/cluster"), "frontend-candidate");
    assert_string_equal(str_at(routes, "#1/match/headers/#0/name"), "user-agent");
    assert_string_equal(str_at(routes, "#1/match/headers/#0/string_match/suffix"), "bot");
    assert_string_equal(str_at(routes, "#1/route/cluster"), "frontend-baseline");
    cJSON *def = at(routes, "#2");
    assert_false(has(at(def, "match"), "headers"));
    cJSON *clusters = at(def, "route/weighted_clusters/clusters");
    assert_int_equal(cJSON_GetArraySize(clusters), 2);
    assert_string_equal(str_at(clusters, "#0/name"), "frontend-baseline");
    assert_int_equal(num_at(clusters, "#0/weight"), 7000);
    assert_string_equal(str_at(clusters, "#1/name"), "frontend-candidate");
    assert_int_equal(num_at(clusters, "#1/weight"), 3000);
    cJSON *mp = at(def, "route/request_mirror_policies/#0");
    assert_string_equal(str_at(mp, "cluster"), "frontend-candidate");
    assert_int_equal(num_at(mp, "runtime_fraction/default_value/numerator"), 2000);
    assert_string_equal(str_at(mp, "runtime_fraction/default_value/denominator"), "TEN_THOUSAND");
    cJSON_Delete(r);
    convoy_plan_free(p);
}

static void test_shop_istio(void **state)
{
    (void)state;
    convoy_plan *p = shop();
    cJSON *r = render_json_opts(p, "frontend", 3000, 2000, CONVOY_FORMAT_ISTIO, NULL);
    assert_string_equal(str_at(r, "apiVersion"), "networking.istio.io/v1beta1");
    assert_string_equal(str_at(r, "kind"), "VirtualService");
    assert_string_equal(str_at(r, "metadata/name"), "frontend");
    assert_false(has(at(r, "metadata"), "namespace"));
    assert_string_equal(str_at(r, "spec/hosts/#0"), "frontend");
    cJSON *http = at(r, "spec/http");
    assert_int_equal(cJSON_GetArraySize(http), 3);
    assert_string_equal(str_at(http, "#0/name"), "canary-header");
    assert_string_equal(str_at(http, "#0/match/#0/headers/x-canary/exact"), "always");
    assert_string_equal(str_at(http, "#0/route/#0/destination/host"), "frontend");
    assert_string_equal(str_at(http, "#0/route/#0/destination/subset"), "candidate");
    assert_int_equal(num_at(http, "#0/route/#0/weight"), 100);
    assert_false(has(at(http, "#0/route/#0/destination"), "port"));
    assert_string_equal(str_at(http, "#1/match/#0/headers/user-agent/regex"), ".*bot");
    assert_string_equal(str_at(http, "#1/route/#0/destination/subset"), "baseline");
    cJSON *def = at(http, "#2");
    assert_false(has(def, "match"));
    assert_string_equal(str_at(def, "route/#0/destination/subset"), "baseline");
    assert_int_equal(num_at(def, "route/#0/weight"), 70);
    assert_string_equal(str_at(def, "route/#1/destination/subset"), "candidate");
    assert_int_equal(num_at(def, "route/#1/weight"), 30);
    assert_string_equal(str_at(def, "mirror/host"), "frontend");
    assert_string_equal(str_at(def, "mirror/subset"), "candidate");
    assert_true(num_at(def, "mirrorPercentage/value") == 20.0);
    cJSON_Delete(r);
    convoy_plan_free(p);
}

static void test_shop_gateway(void **state)
{
    (void)state;
    convoy_plan *p = shop();
    cJSON *r = render_json_opts(p, "frontend", 3000, 2000, CONVOY_FORMAT_GATEWAY_API, NULL);
    assert_string_equal(str_at(r, "apiVersion"), "gateway.networking.k8s.io/v1");
    assert_string_equal(str_at(r, "kind"), "HTTPRoute");
    assert_string_equal(str_at(r, "metadata/name"), "frontend");
    cJSON *spec = at(r, "spec");
    assert_false(has(spec, "parentRefs"));
    assert_false(has(spec, "hostnames"));
    cJSON *rules = at(spec, "rules");
    assert_int_equal(cJSON_GetArraySize(rules), 3);
    cJSON *h = at(rules, "#0/matches/#0/headers/#0");
    assert_string_equal(str_at(h, "type"), "Exact");
    assert_string_equal(str_at(h, "name"), "x-canary");
    assert_string_equal(str_at(h, "value"), "always");
    assert_string_equal(str_at(rules, "#0/backendRefs/#0/name"), "frontend-candidate");
    assert_int_equal(cJSON_GetArraySize(at(rules, "#0/backendRefs")), 1);
    h = at(rules, "#1/matches/#0/headers/#0");
    assert_string_equal(str_at(h, "type"), "RegularExpression");
    assert_string_equal(str_at(h, "name"), "user-agent");
    assert_string_equal(str_at(h, "value"), "^.*bot$");
    assert_string_equal(str_at(rules, "#1/backendRefs/#0/name"), "frontend-baseline");
    cJSON *def = at(rules, "#2");
    assert_false(has(def, "matches"));
    assert_string_equal(str_at(def, "backendRefs/#0/name"), "frontend-baseline");
    assert_int_equal(num_at(def, "backendRefs/#0/weight"), 7000);
    assert_string_equal(str_at(def, "backendRefs/#1/name"), "frontend-candidate");
    assert_int_equal(num_at(def, "backendRefs/#1/weight"), 3000);
    assert_false(has(at(def, "backendRefs/#1"), "port"));
    assert_string_equal(str_at(def, "filters/#0/type"), "RequestMirror");
    assert_string_equal(str_at(def, "filters/#0/requestMirror/backendRef/name"),
                        "frontend-candidate");
    assert_int_equal(num_at(def, "filters/#0/requestMirror/percent"), 20);
    cJSON_Delete(r);
    convoy_plan_free(p);
}

static void test_shop_nginx(void **state)
{
    (void)state;
    convoy_plan *p = shop();
    char *n = render_opts(p, "frontend", 3000, 2000, CONVOY_FORMAT_NGINX, NULL);
    assert_nginx_balanced(n);
    assert_non_null(strstr(n, "proxy_pass http://$convoy_frontend_upstream;"));
    assert_non_null(strstr(n, "# Mirror 20% not rendered"));
    assert_non_null(strstr(n, "map $cookie_shop_session $convoy_frontend_key {\n"
                              "    \"\" $request_id;\n"
                              "    default $cookie_shop_session;\n}\n"));
    assert_non_null(strstr(n, "split_clients \"${convoy_frontend_key}\" $convoy_frontend_split {\n"
                              "    30% \"frontend-candidate\";\n"
                              "    * \"frontend-baseline\";\n}\n"));
    assert_non_null(strstr(n, "map $http_x_canary $convoy_frontend_upstream {\n"
                              "    \"~^always$\" \"frontend-candidate\";\n"
                              "    default $convoy_frontend_r1;\n}\n"));
    assert_non_null(strstr(n, "map $http_user_agent $convoy_frontend_r1 {\n"
                              "    \"~bot$\" \"frontend-baseline\";\n"
                              "    default $convoy_frontend_split;\n}\n"));
    assert_int_equal(count(n, "map "), 3);
    assert_int_equal(count(n, "split_clients "), 1);
    /* Every non-comment line inside a block is a statement. */
    for (const char *line = n; *line;) {
        const char *end = strchr(line, '\n');
        assert_non_null(end);
        if (line[0] == ' ')
            assert_true(end[-1] == ';');
        else if (line[0] != '#')
            assert_true(end[-1] == '{' || end[-1] == '}');
        line = end + 1;
    }
    convoy_free(n);
    convoy_plan_free(p);
}

/* ---- every condition test and source ---------------------------------------- */

#define ALL_TESTS_TRAFFIC                                                                         \
    "{\"rules\": ["                                                                              \
    "{\"name\": \"r-exact\", \"match\": [{\"header\": \"X-Exact\", \"exact\": \"a.b\"}], "      \
    "\"variant\": \"candidate\"},"                                                              \
    "{\"name\": \"r-prefix\", \"match\": [{\"header\": \"x-prefix\", \"prefix\": \"v1(\"}], "   \
    "\"variant\": \"candidate\"},"                                                              \
    "{\"name\": \"r-suffix\", \"match\": [{\"header\": \"x-suffix\", \"suffix\": \"$x*\"}], "   \
    "\"variant\": \"baseline\"},"                                                               \
    "{\"name\": \"r-regex\", \"match\": [{\"header\": \"x-regex\", \"regex\": \"[0-9]+\"}], "   \
    "\"variant\": \"candidate\"},"                                                              \
    "{\"name\": \"r-present\", \"match\": [{\"header\": \"x-present\", \"present\": true}], "   \
    "\"variant\": \"candidate\"},"                                                              \
    "{\"name\": \"c-exact\", \"match\": [{\"cookie\": \"canary\", \"exact\": \"always\"}], "    \
    "\"variant\": \"candidate\"},"                                                              \
    "{\"name\": \"c-prefix\", \"match\": [{\"cookie\": \"cp\", \"prefix\": \"p.\"}], "          \
    "\"variant\": \"candidate\"},"                                                              \
    "{\"name\": \"c-suffix\", \"match\": [{\"cookie\": \"cs\", \"suffix\": \"s\"}], "           \
    "\"variant\": \"candidate\"},"                                                              \
    "{\"name\": \"c-regex\", \"match\": [{\"cookie\": \"cr\", \"regex\": \"on|yes\"}], "        \
    "\"variant\": \"candidate\"},"                                                              \
    "{\"name\": \"c-present\", \"match\": [{\"cookie\": \"c.p\", \"present\": true}], "         \
    "\"variant\": \"candidate\"},"                                                              \
    "{\"name\": \"both\", \"match\": [{\"header\": \"x-one\", \"exact\": \"1\"}, "              \
    "{\"header\": \"x-two\", \"exact\": \"2\"}], \"weight\": 12.5}"                             \
    "]}"

#define ABSENT_TRAFFIC                                                                            \
    "{\"rules\": ["                                                                              \
    "{\"name\": \"r-absent\", \"match\": [{\"header\": \"x-absent\", \"absent\": true}], "      \
    "\"variant\": \"baseline\"},"                                                               \
    "{\"name\": \"c-absent\", \"match\": [{\"cookie\": \"ca\", \"absent\": true}], "            \
    "\"variant\": \"baseline\"}"                                                                \
    "]}"

static void test_envoy_conditions(void **state)
{
    (void)state;
    convoy_plan *p = web_plan(ALL_TESTS_TRAFFIC);
    cJSON *r = render_json(p, 2500, 0, CONVOY_FORMAT_ENVOY);
    cJSON *routes = at(r, "virtual_hosts/#0/routes");
    assert_int_equal(cJSON_GetArraySize(routes), 12);
    assert_string_equal(str_at(routes, "#0/match/headers/#0/name"), "x-exact");
    assert_string_equal(str_at(routes, "#0/match/headers/#0/string_match/exact"), "a.b");
    assert_string_equal(str_at(routes, "#1/match/headers/#0/string_match/prefix"), "v1(");
    assert_string_equal(str_at(routes, "#2/match/headers/#0/string_match/suffix"), "$x*");
    assert_string_equal(str_at(routes, "#3/match/headers/#0/string_match/safe_regex/regex"),
                        "[0-9]+");
    assert_true(cJSON_IsTrue(at(routes, "#4/match/headers/#0/present_match")));
    assert_false(has(at(routes, "#4/match/headers/#0"), "invert_match"));
    static const char *const cookie_re[] = {
        "^(.*?;\\s*)?(canary=always)(;.*)?$",
        "^(.*?;\\s*)?(cp=p\\.[^;]*)(;.*)?$",
        "^(.*?;\\s*)?(cs=[^;]*s)(;.*)?$",
        "^(.*?;\\s*)?(cr=(?:on|yes))(;.*)?$",
        "^(.*?;\\s*)?(c\\.p=[^;]*)(;.*)?$",
    };
    for (int k = 0; k < 5; k++) {
        char path[64];
        snprintf(path, sizeof path, "#%d/match/headers/#0", 5 + k);
        cJSON *h = at(routes, path);
        assert_string_equal(str_at(h, "name"), "cookie");
        assert_string_equal(str_at(h, "string_match/safe_regex/regex"), cookie_re[k]);
    }
    cJSON *both = at(routes, "#10");
    assert_int_equal(cJSON_GetArraySize(at(both, "match/headers")), 2);
    assert_string_equal(str_at(both, "match/headers/#1/name"), "x-two");
    assert_int_equal(num_at(both, "route/weighted_clusters/clusters/#0/weight"), 8750);
    assert_int_equal(num_at(both, "route/weighted_clusters/clusters/#1/weight"), 1250);
    assert_false(has(at(routes, "#11/route"), "request_mirror_policies"));
    cJSON_Delete(r);
    convoy_plan_free(p);

    p = web_plan(ABSENT_TRAFFIC);
    r = render_json(p, 0, 0, CONVOY_FORMAT_ENVOY);
    routes = at(r, "virtual_hosts/#0/routes");
    cJSON *h = at(routes, "#0/match/headers/#0");
    assert_string_equal(str_at(h, "name"), "x-absent");
    assert_true(cJSON_IsTrue(at(h, "present_match")));
    assert_true(cJSON_IsTrue(at(h, "invert_match")));
    h = at(routes, "#1/match/headers/#0");
    assert_string_equal(str_at(h, "name"), "cookie");
    assert_string_equal(str_at(h, "string_match/safe_regex/regex"), "^(.*?;\\s*)?(ca=[^;]*)(;.*)?$");
    assert_true(cJSON_IsTrue(at(h, "invert_match")));
    /* Weight 0 keeps both clusters (the sum stays positive). */
    assert_int_equal(num_at(routes, "#2/route/weighted_clusters/clusters/#0/weight"), 10000);
    assert_int_equal(num_at(routes, "#2/route/weighted_clusters/clusters/#1/weight"), 0);
    cJSON_Delete(r);
    convoy_plan_free(p);
}

static void test_istio_conditions(void **state)
{
    (void)state;
    convoy_plan *p = web_plan(ALL_TESTS_TRAFFIC);
    cJSON *r = render_json(p, 2500, 0, CONVOY_FORMAT_ISTIO);
    cJSON *http = at(r, "spec/http");
    assert_int_equal(cJSON_GetArraySize(http), 12);
    assert_string_equal(str_at(http, "#0/match/#0/headers/x-exact/exact"), "a.b");
    assert_string_equal(str_at(http, "#1/match/#0/headers/x-prefix/prefix"), "v1(");
    assert_string_equal(str_at(http, "#2/match/#0/headers/x-suffix/regex"), ".*\\$x\\*");
    assert_string_equal(str_at(http, "#3/match/#0/headers/x-regex/regex"), "[0-9]+");
    cJSON *present = at(http, "#4/match/#0/headers/x-present");
    assert_true(cJSON_IsObject(present));
    assert_null(present->child);
    assert_string_equal(str_at(http, "#5/match/#0/headers/cookie/regex"),
                        "^(.*?;\\s*)?(canary=always)(;.*)?$");
    assert_string_equal(str_at(http, "#8/match/#0/headers/cookie/regex"),
                        "^(.*?;\\s*)?(cr=(?:on|yes))(;.*)?$");
    cJSON *both = at(http, "#10");
    assert_string_equal(str_at(both, "match/#0/headers/x-one/exact"), "1");
    assert_string_equal(str_at(both, "match/#0/headers/x-two/exact"), "2");
    /* 12.5 % rounds half up to 13; the baseline takes the rest. */
    assert_int_equal(num_at(both, "route/#0/weight"), 87);
    assert_int_equal(num_at(both, "route/#1/weight"), 13);
    assert_false(has(at(http, "#11"), "mirror"));
    cJSON_Delete(r);
    convoy_plan_free(p);

    p = web_plan(ABSENT_TRAFFIC);
    r = render_json(p, 0, 0, CONVOY_FORMAT_ISTIO);
    http = at(r, "spec/http");
    assert_false(has(at(http, "#0/match/#0"), "headers"));
    cJSON *absent = at(http, "#0/match/#0/withoutHeaders/x-absent");
    assert_true(cJSON_IsObject(absent));
    assert_null(absent->child);
    assert_string_equal(str_at(http, "#1/match/#0/withoutHeaders/cookie/regex"),
                        "^(.*?;\\s*)?(ca=[^;]*)(;.*)?$");
    cJSON_Delete(r);
    convoy_plan_free(p);

    /* Two cookie tests fall on one header, which Istio's map keys once. */
    p = web_plan("{\"rules\": [{\"name\": \"two\", \"match\": [{\"cookie\": \"a\", \"exact\": "
                 "\"1\"}, {\"cookie\": \"b\", \"exact\": \"2\"}], \"variant\": \"candidate\"}]}");
    assert_int_equal(render_rc(p, 0, CONVOY_FORMAT_ISTIO, NULL), CONVOY_E_UNSUPPORTED);
    assert_non_null(strstr(last_message(), "\"two\""));
    assert_non_null(strstr(last_message(), "cookie"));
    /* Envoy lists matchers, so it has no such limit. */
    assert_int_equal(render_rc(p, 0, CONVOY_FORMAT_ENVOY, NULL), CONVOY_OK);
    convoy_plan_free(p);
}

static void test_istio_rounding(void **state)
{
    (void)state;
    convoy_plan *p = web_plan(NULL);
    static const struct {
        uint32_t bp;
        int candidate;
    } cases[] = {{0, 0}, {1, 0}, {49, 0}, {50, 1}, {1250, 13}, {3333, 33},
                 {9949, 99}, {9950, 100}, {10000, 100}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cJSON *r = render_json(p, cases[i].bp, 0, CONVOY_FORMAT_ISTIO);
        cJSON *route = at(r, "spec/http/#0/route");
        assert_int_equal(cJSON_GetArraySize(route), 2);
        assert_int_equal(num_at(route, "#1/weight"), cases[i].candidate);
        assert_int_equal(num_at(route, "#0/weight") + num_at(route, "#1/weight"), 100);
        cJSON_Delete(r);
    }
    cJSON *r = render_json(p, 1250, 1250, CONVOY_FORMAT_ISTIO);
    assert_true(num_at(r, "spec/http/#0/mirrorPercentage/value") == 12.5);
    cJSON_Delete(r);
    r = render_json(p, 0, 1, CONVOY_FORMAT_ISTIO);
    assert_true(num_at(r, "spec/http/#0/mirrorPercentage/value") == 0.01);
    cJSON_Delete(r);
    convoy_plan_free(p);
}

static void test_gateway_conditions(void **state)
{
    (void)state;
    convoy_plan *p = web_plan(ALL_TESTS_TRAFFIC);
    /* "both" has two conditions after rules with one: Gateway API would try
     * it first. */
    assert_int_equal(render_rc(p, 2500, CONVOY_FORMAT_GATEWAY_API, NULL), CONVOY_E_UNSUPPORTED);
    assert_non_null(strstr(last_message(), "\"both\""));
    convoy_render_options o = CONVOY_RENDER_OPTIONS_INIT;
    o.flags = CONVOY_RENDER_SKIP_UNSUPPORTED;
    cJSON *r = render_json_opts(p, "web", 2500, 0, CONVOY_FORMAT_GATEWAY_API, &o);
    cJSON *rules = at(r, "spec/rules");
    assert_int_equal(cJSON_GetArraySize(rules), 11);
    static const struct {
        const char *type, *name, *value;
    } want[] = {
        {"Exact", "x-exact", "a.b"},
        {"RegularExpression", "x-prefix", "^v1\\(.*"},
        {"RegularExpression", "x-suffix", "^.*\\$x\\*$"},
        {"RegularExpression", "x-regex", "^(?:[0-9]+)$"},
        {"RegularExpression", "x-present", ".*"},
        {"RegularExpression", "Cookie", "^(.*?;\\s*)?(canary=always)(;.*)?$"},
        {"RegularExpression", "Cookie", "^(.*?;\\s*)?(cp=p\\.[^;]*)(;.*)?$"},
        {"RegularExpression", "Cookie", "^(.*?;\\s*)?(cs=[^;]*s)(;.*)?$"},
        {"RegularExpression", "Cookie", "^(.*?;\\s*)?(cr=(?:on|yes))(;.*)?$"},
        {"RegularExpression", "Cookie", "^(.*?;\\s*)?(c\\.p=[^;]*)(;.*)?$"},
    };
    for (int k = 0; k < 10; k++) {
        char path[64];
        snprintf(path, sizeof path, "#%d/matches/#0/headers/#0", k);
        cJSON *h = at(rules, path);
        assert_string_equal(str_at(h, "type"), want[k].type);
        assert_string_equal(str_at(h, "name"), want[k].name);
        assert_string_equal(str_at(h, "value"), want[k].value);
    }
    assert_int_equal(num_at(rules, "#0/backendRefs/#0/weight"), 10000);
    cJSON_Delete(r);
    convoy_plan_free(p);

    /* Non-increasing condition counts keep the list order: fine. */
    p = web_plan("{\"rules\": [{\"name\": \"two\", \"match\": [{\"header\": \"a\", \"exact\": "
                 "\"1\"}, {\"header\": \"b\", \"exact\": \"2\"}], \"weight\": 40}, {\"name\": "
                 "\"one\", \"match\": [{\"header\": \"a\", \"exact\": \"1\"}], \"variant\": "
                 "\"baseline\"}]}");
    r = render_json(p, 100, 0, CONVOY_FORMAT_GATEWAY_API);
    rules = at(r, "spec/rules");
    assert_int_equal(cJSON_GetArraySize(at(rules, "#0/matches/#0/headers")), 2);
    assert_int_equal(num_at(rules, "#0/backendRefs/#0/weight"), 6000);
    assert_int_equal(num_at(rules, "#0/backendRefs/#1/weight"), 4000);
    assert_string_equal(str_at(rules, "#1/backendRefs/#0/name"), "web-baseline");
    cJSON_Delete(r);
    convoy_plan_free(p);

    p = web_plan(ABSENT_TRAFFIC);
    assert_int_equal(render_rc(p, 0, CONVOY_FORMAT_GATEWAY_API, NULL), CONVOY_E_UNSUPPORTED);
    assert_non_null(strstr(last_message(), "\"r-absent\""));
    assert_non_null(strstr(last_message(), "absent"));
    r = render_json_opts(p, "web", 0, 0, CONVOY_FORMAT_GATEWAY_API, &o);
    assert_int_equal(cJSON_GetArraySize(at(r, "spec/rules")), 1);
    cJSON_Delete(r);
    convoy_plan_free(p);
}

static void test_nginx_conditions(void **state)
{
    (void)state;
    convoy_plan *p = web_plan(ALL_TESTS_TRAFFIC);
    char *n = render(p, 2500, 0, CONVOY_FORMAT_NGINX);
    assert_nginx_balanced(n);
    /* No sticky key in the plan: split by request id. */
    assert_non_null(strstr(n, "split_clients \"$request_id\" $convoy_web_split {\n"
                              "    25% \"web-candidate\";\n    * \"web-baseline\";\n}\n"));
    assert_non_null(strstr(n, "split_clients \"$request_id\" $convoy_web_r10_split {\n"
                              "    12.5% \"web-candidate\";\n    * \"web-baseline\";\n}\n"));
    static const char *const maps[] = {
        "map $http_x_exact $convoy_web_upstream {\n    \"~^a\\\\.b$\" \"web-candidate\";\n"
        "    default $convoy_web_r1;\n}\n",
        "map $http_x_prefix $convoy_web_r1 {\n    \"~^v1\\\\(\" \"web-candidate\";\n"
        "    default $convoy_web_r2;\n}\n",
        "map $http_x_suffix $convoy_web_r2 {\n    \"~\\\\$x\\\\*$\" \"web-baseline\";\n"
        "    default $convoy_web_r3;\n}\n",
        "map $http_x_regex $convoy_web_r3 {\n    \"~^(?:[0-9]+)$\" \"web-candidate\";\n"
        "    default $convoy_web_r4;\n}\n",
        /* present: an empty value falls through, anything else holds */
        "map $http_x_present $convoy_web_r4 {\n    \"\" $convoy_web_r5;\n"
        "    default \"web-candidate\";\n}\n",
        "map $cookie_canary $convoy_web_r5 {\n    \"~^always$\" \"web-candidate\";\n"
        "    default $convoy_web_r6;\n}\n",
        "map $cookie_cp $convoy_web_r6 {\n    \"~^p\\\\.\" \"web-candidate\";\n"
        "    default $convoy_web_r7;\n}\n",
        "map $cookie_cs $convoy_web_r7 {\n    \"~s$\" \"web-candidate\";\n"
        "    default $convoy_web_r8;\n}\n",
        "map $cookie_cr $convoy_web_r8 {\n    \"~^(?:on|yes)$\" \"web-candidate\";\n"
        "    default $convoy_web_r9;\n}\n",
        /* "c.p" is no variable name: found in the Cookie header */
        "map $http_cookie $convoy_web_r9 {\n    \"~^(.*?;\\\\s*)?(c\\\\.p=[^;]*)(;.*)?$\" "
        "\"web-candidate\";\n    default $convoy_web_r10;\n}\n",
        /* two conditions: the first leads to the second, both fall through
         * to the split */
        "map $http_x_one $convoy_web_r10 {\n    \"~^1$\" $convoy_web_r10_c1;\n"
        "    default $convoy_web_split;\n}\n",
        "map $http_x_two $convoy_web_r10_c1 {\n    \"~^2$\" $convoy_web_r10_split;\n"
        "    default $convoy_web_split;\n}\n",
    };
    for (size_t k = 0; k < sizeof maps / sizeof maps[0]; k++)
        if (!strstr(n, maps[k]))
            fail_msg("missing map %zu:\n%s\nin:\n%s", k, maps[k], n);
    assert_int_equal(count(n, "map "), 12);
    convoy_free(n);
    convoy_plan_free(p);

    p = web_plan(ABSENT_TRAFFIC);
    n = render(p, 0, 0, CONVOY_FORMAT_NGINX);
    assert_nginx_balanced(n);
    assert_non_null(strstr(n, "map $http_x_absent $convoy_web_upstream {\n    \"\" \"web-baseline\";\n"
                              "    default $convoy_web_r1;\n}\n"));
    assert_non_null(strstr(n, "map $cookie_ca $convoy_web_r1 {\n    \"\" \"web-baseline\";\n"
                              "    default $convoy_web_split;\n}\n"));
    /* 0 %: split_clients takes no "0%" line, "*" alone. */
    assert_non_null(strstr(n, "split_clients \"$request_id\" $convoy_web_split {\n"
                              "    * \"web-baseline\";\n}\n"));
    convoy_free(n);
    convoy_plan_free(p);
}

static void test_nginx_sticky_and_names(void **state)
{
    (void)state;
    convoy_plan *p = web_plan("{\"sticky\": {\"header\": \"X-User-Id\"}}");
    char *n = render(p, 10000, 0, CONVOY_FORMAT_NGINX);
    assert_nginx_balanced(n);
    assert_non_null(strstr(n, "map $http_x_user_id $convoy_web_key {\n    \"\" $request_id;\n"
                              "    default $http_x_user_id;\n}\n"));
    /* No rules: the split itself is the upstream variable; 100 %: "*". */
    assert_non_null(strstr(n, "split_clients \"${convoy_web_key}\" $convoy_web_upstream {\n"
                              "    * \"web-candidate\";\n}\n"));
    convoy_free(n);
    convoy_plan_free(p);

    p = web_plan("{\"sticky\": {\"cookie\": \"session-id\"}}");
    n = render(p, 1, 0, CONVOY_FORMAT_NGINX);
    assert_nginx_balanced(n);
    assert_non_null(strstr(n, "map $http_cookie $convoy_web_key {\n"
                              "    \"~(?:^|;)\\\\s*session-id=([^;]+)\" $1;\n"
                              "    default $request_id;\n}\n"));
    assert_non_null(strstr(n, "    0.01% \"web-candidate\";\n"));
    convoy_free(n);
    convoy_plan_free(p);

    p = web_plan("{\"sticky\": {\"attribute\": \"tenant\"}}");
    n = render(p, 3333, 0, CONVOY_FORMAT_NGINX);
    assert_non_null(strstr(n, "# The sticky attribute \"tenant\" is known only to the host"));
    assert_non_null(strstr(n, "split_clients \"$request_id\" $convoy_web_upstream {\n"
                              "    33.33% \"web-candidate\";\n"));
    convoy_free(n);

    convoy_render_options o = CONVOY_RENDER_OPTIONS_INIT;
    o.name = "shop.web-v2";
    o.baseline_target = "old \"pool\"\\";
    o.candidate_target = "new";
    n = render_opts(p, "web", 5000, 0, CONVOY_FORMAT_NGINX, &o);
    assert_nginx_balanced(n);
    assert_non_null(strstr(n, "$convoy_shop_web_v2_upstream {\n    50% \"new\";\n"
                              "    * \"old \\\"pool\\\"\\\\\";\n}\n"));
    convoy_free(n);
    o.baseline_target = "$host";
    assert_int_equal(render_rc(p, 0, CONVOY_FORMAT_NGINX, &o), CONVOY_E_INVALID_ARG);
    convoy_plan_free(p);

    /* Underscored header names need underscores_in_headers; other
     * characters never reach nginx. */
    p = web_plan("{\"rules\": [{\"name\": \"u\", \"match\": [{\"header\": \"x_flag\", "
                 "\"present\": true}], \"variant\": \"candidate\"}, {\"name\": \"dot\", "
                 "\"match\": [{\"header\": \"x.flag\", \"present\": true}], \"variant\": "
                 "\"candidate\"}]}");
    assert_int_equal(render_rc(p, 0, CONVOY_FORMAT_NGINX, NULL), CONVOY_E_UNSUPPORTED);
    assert_non_null(strstr(last_message(), "\"dot\""));
    o = (convoy_render_options)CONVOY_RENDER_OPTIONS_INIT;
    o.flags = CONVOY_RENDER_SKIP_UNSUPPORTED;
    n = render_opts(p, "web", 0, 0, CONVOY_FORMAT_NGINX, &o);
    assert_non_null(strstr(n, "underscores_in_headers on"));
    assert_non_null(strstr(n, "map $http_x_flag $convoy_web_upstream {"));
    assert_non_null(strstr(n, "# rule \"dot\" left out"));
    convoy_free(n);
    convoy_plan_free(p);
}

/* ---- options and mirroring in the JSON formats ------------------------------- */

static void test_json_options(void **state)
{
    (void)state;
    convoy_plan *p = web_plan("{\"rules\": [{\"name\": \"h\", \"match\": [{\"header\": \"x-h\", "
                              "\"exact\": \"1\"}], \"variant\": \"candidate\"}]}");
    convoy_render_options o = CONVOY_RENDER_OPTIONS_INIT;
    o.name = "web-route";
    o.host = "web.example.com";
    o.namespace_name = "shop";
    o.gateway = "edge";
    o.baseline_target = "stable";
    o.candidate_target = "canary";
    o.port = 8080;

    cJSON *e = render_json_opts(p, "web", 100, 0, CONVOY_FORMAT_ENVOY, &o);
    assert_string_equal(str_at(e, "name"), "web-route");
    assert_string_equal(str_at(e, "virtual_hosts/#0/name"), "web-route");
    assert_string_equal(str_at(e, "virtual_hosts/#0/domains/#0"), "web.example.com");
    assert_string_equal(str_at(e, "virtual_hosts/#0/routes/#0/route/cluster"), "canary");
    assert_string_equal(str_at(e, "virtual_hosts/#0/routes/#1/route/weighted_clusters/clusters/#0/name"),
                        "stable");
    cJSON_Delete(e);

    cJSON *i = render_json_opts(p, "web", 100, 500, CONVOY_FORMAT_ISTIO, &o);
    assert_string_equal(str_at(i, "metadata/name"), "web-route");
    assert_string_equal(str_at(i, "metadata/namespace"), "shop");
    assert_string_equal(str_at(i, "spec/hosts/#0"), "web.example.com");
    cJSON *d = at(i, "spec/http/#0/route/#0/destination");
    assert_string_equal(str_at(d, "host"), "web.example.com");
    assert_string_equal(str_at(d, "subset"), "canary");
    assert_int_equal(num_at(d, "port/number"), 8080);
    assert_string_equal(str_at(i, "spec/http/#1/route/#0/destination/subset"), "stable");
    assert_int_equal(num_at(i, "spec/http/#1/route/#1/weight"), 1);
    assert_int_equal(num_at(i, "spec/http/#1/mirror/port/number"), 8080);
    assert_string_equal(str_at(i, "spec/http/#1/mirror/subset"), "canary");
    assert_true(num_at(i, "spec/http/#1/mirrorPercentage/value") == 5.0);
    cJSON_Delete(i);

    cJSON *g = render_json_opts(p, "web", 100, 250, CONVOY_FORMAT_GATEWAY_API, &o);
    assert_string_equal(str_at(g, "metadata/name"), "web-route");
    assert_string_equal(str_at(g, "metadata/namespace"), "shop");
    assert_string_equal(str_at(g, "spec/parentRefs/#0/name"), "edge");
    assert_string_equal(str_at(g, "spec/hostnames/#0"), "web.example.com");
    cJSON *b = at(g, "spec/rules/#0/backendRefs/#0");
    assert_string_equal(str_at(b, "name"), "canary");
    assert_int_equal(num_at(b, "port"), 8080);
    cJSON *last = at(g, "spec/rules/#1");
    assert_string_equal(str_at(last, "backendRefs/#0/name"), "stable");
    assert_int_equal(num_at(last, "backendRefs/#0/weight"), 9900);
    assert_int_equal(num_at(last, "backendRefs/#1/weight"), 100);
    cJSON *rm = at(last, "filters/#0/requestMirror");
    assert_string_equal(str_at(rm, "backendRef/name"), "canary");
    assert_int_equal(num_at(rm, "backendRef/port"), 8080);
    /* 2.5 % is no whole percent: the exact fraction instead. */
    assert_false(has(rm, "percent"));
    assert_int_equal(num_at(rm, "fraction/numerator"), 250);
    assert_int_equal(num_at(rm, "fraction/denominator"), 10000);
    cJSON_Delete(g);

    /* Defaults of the targets differ: Istio's are subsets. */
    cJSON *i2 = render_json(p, 0, 0, CONVOY_FORMAT_ISTIO);
    assert_string_equal(str_at(i2, "spec/http/#0/route/#0/destination/subset"), "candidate");
    cJSON_Delete(i2);
    convoy_plan_free(p);
}

static void test_escaping(void **state)
{
    (void)state;
    /* Values with quotes, backslashes, '$' and regex metacharacters. */
    convoy_plan *p = web_plan(
        "{\"rules\": [{\"name\": \"q\", \"match\": [{\"header\": \"x-q\", \"suffix\": "
        "\"a\\\"b\\\\c$d{e}|f\"}], \"variant\": \"candidate\"}, {\"name\": \"k\", \"match\": "
        "[{\"cookie\": \"k\", \"exact\": \"x;y=[z]\"}], \"variant\": \"candidate\"}]}");
    cJSON *i = render_json(p, 0, 0, CONVOY_FORMAT_ISTIO);
    assert_string_equal(str_at(i, "spec/http/#0/match/#0/headers/x-q/regex"),
                        ".*a\"b\\\\c\\$d\\{e\\}\\|f");
    assert_string_equal(str_at(i, "spec/http/#1/match/#0/headers/cookie/regex"),
                        "^(.*?;\\s*)?(k=x;y=\\[z\\])(;.*)?$");
    cJSON_Delete(i);
    cJSON *e = render_json(p, 0, 0, CONVOY_FORMAT_ENVOY);
    assert_string_equal(str_at(e, "virtual_hosts/#0/routes/#0/match/headers/#0/string_match/suffix"),
                        "a\"b\\c$d{e}|f");
    cJSON_Delete(e);
    char *n = render(p, 0, 0, CONVOY_FORMAT_NGINX);
    assert_nginx_balanced(n);
    /* nginx reads \\ as \ and \" as ": the regex is a"b\\c\$d\{e\}\|f$. */
    assert_non_null(strstr(n, "\"~a\\\"b\\\\\\\\c\\\\$d\\\\{e\\\\}\\\\|f$\""));
    convoy_free(n);
    convoy_plan_free(p);
}

/* ---- allocation failures ---------------------------------------------------- */

static long fail_after = -1;
static long allocations;

static void *failing_malloc(size_t n)
{
    if (fail_after >= 0 && allocations++ >= fail_after)
        return NULL;
    return malloc(n);
}

static void *failing_realloc(void *ptr, size_t n)
{
    if (fail_after >= 0 && allocations++ >= fail_after)
        return NULL;
    return realloc(ptr, n);
}

static void test_allocation_failures(void **state)
{
    (void)state;
    convoy_plan *p = web_plan(ALL_TESTS_TRAFFIC);
    convoy_render_options o = CONVOY_RENDER_OPTIONS_INIT;
    o.flags = CONVOY_RENDER_SKIP_UNSUPPORTED;
    assert_int_equal(convoy_set_allocator(failing_malloc, failing_realloc, free), CONVOY_OK);
    for (int f = CONVOY_FORMAT_HAPROXY; f <= CONVOY_FORMAT_GATEWAY_API; f++) {
        int done = 0;
        for (long k = 0; k < 10000 && !done; k++) {
            fail_after = k;
            allocations = 0;
            char *out = NULL;
            int rc = convoy_render(&out, NULL, p, "web", 2500, 100, f, &o);
            if (rc == CONVOY_OK) {
                assert_non_null(out);
                convoy_free(out);
                done = 1;
            } else {
                assert_int_equal(rc, CONVOY_E_NOMEM);
                assert_null(out);
            }
        }
        assert_true(done);
    }
    fail_after = -1;
    assert_int_equal(convoy_set_allocator(NULL, NULL, NULL), CONVOY_OK);
    convoy_plan_free(p);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s PATH/TO/shop.json\n", argv[0]);
        return 2;
    }
    shop_path = argv[1];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_names),
        cmocka_unit_test(test_options_init),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_attribute_rule_unsupported),
        cmocka_unit_test(test_haproxy_scaling),
        cmocka_unit_test(test_haproxy_options),
        cmocka_unit_test(test_haproxy_rules),
        cmocka_unit_test(test_shop_envoy),
        cmocka_unit_test(test_shop_istio),
        cmocka_unit_test(test_shop_gateway),
        cmocka_unit_test(test_shop_nginx),
        cmocka_unit_test(test_envoy_conditions),
        cmocka_unit_test(test_istio_conditions),
        cmocka_unit_test(test_istio_rounding),
        cmocka_unit_test(test_gateway_conditions),
        cmocka_unit_test(test_nginx_conditions),
        cmocka_unit_test(test_nginx_sticky_and_names),
        cmocka_unit_test(test_json_options),
        cmocka_unit_test(test_escaping),
        cmocka_unit_test(test_allocation_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
