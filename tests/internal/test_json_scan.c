/* The strict JSON scanner, the locator and canonical output. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/alloc.h"
#include "plan/canon.h"
#include "plan/diag.h"
#include "plan/json_scan.h"
#include "plan/json_tree.h"

static int scan(const char *text, size_t *offset)
{
    convoy__scan_result r;
    int rc = convoy__json_check(&r, text, strlen(text), 64, 65536);
    if (offset)
        *offset = r.offset;
    return rc;
}

static void test_valid_documents(void **state)
{
    (void)state;
    static const char *const ok[] = {
        "{}", "[]", "0", "-0.5e+3", "\"x\"", "true", "null", " {\"a\": [1, 2, {\"b\": null}]} ",
        "\xEF\xBB\xBF{}", "\"\\u00e9\\ud83d\\ude00\"", "\"caf\xC3\xA9\"", "[1e5, 1E-5, 0.0]",
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        if (scan(ok[i], NULL) != CONVOY__SCAN_OK)
            fail_msg("rejected: %s", ok[i]);
    }
}

static void test_invalid_documents(void **state)
{
    (void)state;
    static const struct { const char *text; size_t offset; } bad[] = {
        {"", 0}, {"{", 1}, {"[1,]", 3}, {"{\"a\":1,}", 7}, {"{\"a\" 1}", 5}, {"01", 0},
        {"1.", 2}, {"1e", 2}, {"\"abc", 0}, {"\"a\\x\"", 2}, {"\"\\u12\"", 1},
        {"\"\\u0000\"", 1}, {"\"\xFF\"", 1}, {"\"\xC0\x80\"", 1}, {"\"\\ud800\"", 1},
        {"[1] x", 4}, {"{a: 1}", 1}, {"nul", 0}, {"'x'", 0}, {"[1 2]", 3},
        {"\"tab\there\"", 4}, {"\"\xED\xA0\x80\"", 1},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        size_t at = 0;
        int rc = scan(bad[i].text, &at);
        if (rc != CONVOY__SCAN_SYNTAX)
            fail_msg("accepted or wrong status %d: %s", rc, bad[i].text);
        if (at != bad[i].offset)
            fail_msg("%s: offset %zu, expected %zu", bad[i].text, at, bad[i].offset);
    }
}

static void test_limits(void **state)
{
    (void)state;
    char deep[200];
    memset(deep, '[', 70);
    memset(deep + 70, ']', 70);
    deep[140] = '\0';
    convoy__scan_result r;
    assert_int_equal(convoy__json_check(&r, deep, 140, 64, 100), CONVOY__SCAN_LIMIT);
    assert_int_equal(convoy__json_check(&r, deep, 140, 100, 100), CONVOY__SCAN_OK);
    assert_int_equal(convoy__json_check(&r, "\"abcdef\"", 8, 64, 5), CONVOY__SCAN_LIMIT);
    assert_int_equal(convoy__json_check(&r, "\"abcde\"", 7, 64, 5), CONVOY__SCAN_OK);
}

static void test_positions_and_lines(void **state)
{
    (void)state;
    const char *text = "{\n  \"a\": [10, {\"b\": true}],\n  \"c\": \"x\"\n}";
    convoy__json_pos *pos;
    size_t n;
    assert_int_equal(convoy__json_positions(&pos, &n, text, strlen(text)), 0);
    /* pre-order: root, a, 10, {b}, true, c */
    assert_int_equal(n, 6);
    assert_int_equal(pos[0].value, 0);
    assert_int_equal(pos[1].key, 4);
    assert_int_equal(text[pos[1].value], '[');
    assert_int_equal(text[pos[2].value], '1');
    assert_int_equal(text[pos[4].value], 't');
    assert_int_equal(text[pos[5].key], '"');
    assert_int_equal(text[pos[5].value], '"');
    uint32_t line, col;
    convoy__line_col(&line, &col, text, strlen(text), pos[5].key);
    assert_int_equal(line, 3);
    assert_int_equal(col, 3);
    convoy__line_col(&line, &col, "\xC3\xA9x", 3, 2); /* é counts as one column */
    assert_int_equal(line, 1);
    assert_int_equal(col, 2);
    convoy__dealloc(pos);
}

static void test_canonical(void **state)
{
    (void)state;
    cJSON *doc = cJSON_Parse("{\"b\": [1, 2.5, \"q\\\"\\n\"], \"a\": {\"z\": null, \"y\": false}, "
                             "\"c\": 0.1, \"d\": 1e300, \"e\": -0}");
    assert_non_null(doc);
    char *s = convoy__json_canonical_string(doc);
    assert_string_equal(s, "{\"a\":{\"y\":false,\"z\":null},\"b\":[1,2.5,\"q\\\"\\n\"],\"c\":0.1,"
                           "\"d\":1e+300,\"e\":0}");
    convoy__dealloc(s);
    cJSON_Delete(doc);
}

static void test_suggest(void **state)
{
    (void)state;
    static const char *const keys[] = {"steps", "services", "step_weight", "name"};
    assert_string_equal(convoy__suggest("stepz", keys, 4), "steps");
    assert_string_equal(convoy__suggest("servces", keys, 4), "services");
    assert_string_equal(convoy__suggest("Name", keys, 4), "name");
    assert_null(convoy__suggest("zzzzzz", keys, 4));
    assert_null(convoy__suggest("x", keys, 4));
}

/* The arena tree must be the tree cJSON_Parse builds, value for value. */
static void test_tree_matches_cjson(void **state)
{
    (void)state;
    static const char *const docs[] = {
        ("{\"a\": [1, -2.5e3, 0.1, 1e-300, 123456789012345678], \"b\": {\"c\": null, \"d\": true,"
         " \"e\": false}, \"f\": \"caf\\u00e9 \\ud83d\\ude00 \\\"q\\\" \\\\ \\/ \\b\\f\\n\\r\\t\"}"),
        "[]", "{}", "[[[[]]], {}, \"\", 0, -0]", "\xEF\xBB\xBF {\"k\" : \"v\" , \"j\": 1}",
        "\"caf\xC3\xA9\"", "3.14159", "[\"a\\u0041\\u00ff\\u0800\"]",
    };
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
        size_t len = strlen(docs[i]);
        convoy__scan_result r;
        assert_int_equal(convoy__json_check(&r, docs[i], len, 64, 65536), CONVOY__SCAN_OK);
        convoy__arena arena = {0};
        cJSON *ours = convoy__json_tree(&arena, docs[i], len);
        cJSON *theirs = cJSON_ParseWithLength(docs[i], len);
        assert_non_null(ours);
        assert_non_null(theirs);
        char *a = convoy__json_canonical_string(ours);
        char *b = convoy__json_canonical_string(theirs);
        if (strcmp(a, b) != 0)
            fail_msg("doc %zu: ours %s, cJSON %s", i, a, b);
        assert_int_equal(cJSON_GetArraySize(ours), cJSON_GetArraySize(theirs));
        convoy__dealloc(a);
        convoy__dealloc(b);
        cJSON_Delete(theirs);
        convoy__arena_free(&arena);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_documents), cmocka_unit_test(test_invalid_documents),
        cmocka_unit_test(test_limits),          cmocka_unit_test(test_positions_and_lines),
        cmocka_unit_test(test_canonical),       cmocka_unit_test(test_suggest),
        cmocka_unit_test(test_tree_matches_cjson),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
