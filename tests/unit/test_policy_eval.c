/* test_policy_eval.c: `policy eval`'s own JSON fast paths (host/policy_eval_parse.c,
   host/policy_eval_out.c) against jansson: the parser never accepts what jansson rejects and
   builds what jansson builds; the encoder writes each decision byte for byte as the host
   always did (a copy with "input" and "uid" set, json_dumps(JSON_COMPACT)), for shared
   (cached) and fresh decisions, in jsonl, json and table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy_eval.h"

/* ---- the parser ---- */

/* fast must be NULL, or equal jansson's result in every byte of its encoding. Returns 1
   when the fast path took it. */
static int check_same(const char *text, size_t len)
{
    char *scratch = NULL;
    size_t cap = 0;
    json_t *fast = fwkx_json_parse_fast(text, len, &scratch, &cap);
    free(scratch);
    if (!fast)
        return 0;
    json_error_t err;
    json_t *ref = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);
    if (!ref)
        fail_msg("the fast parser took what jansson rejects (%s): %.*s", err.text, (int)len, text);
    char *a = json_dumps(fast, JSON_COMPACT | JSON_ENCODE_ANY);
    char *b = json_dumps(ref, JSON_COMPACT | JSON_ENCODE_ANY);
    assert_non_null(a);
    assert_non_null(b);
    if (strcmp(a, b) != 0)
        fail_msg("fast %s != jansson %s for %.*s", a, b, (int)len, text);
    assert_true(json_equal(fast, ref));
    free(a);
    free(b);
    json_decref(fast);
    json_decref(ref);
    return 1;
}

static void test_parse_takes_valid_documents_as_jansson_does(void **state)
{
    (void)state;
    static const char *const valid[] = {
        "{}",
        "[]",
        " \t{\"a\" : 1 , \"b\":[1,2.5,-0,-0.0,1e3,1E-2,2e+2,true,false,null]}\r\n",
        "{\"uid\":\"aws:1:eu:storage.bucket:x\",\"labels\":{\"env\":\"prod\"},\"n\":null}",
        "{\"s\":\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"}",
        "{\"esc\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t \\u00e9 \\u20AC \\ud83d\\ude00 \\u0001\"}",
        "{\"k\\u00e9y\":1,\"k\\ty\":2}",
        "{\"big\":9223372036854775807,\"small\":-9223372036854775808}",
        "{\"r\":1.7976931348623157e308,\"t\":4.9e-324,\"u\":1e-400}",
        "[[[[[[{\"deep\":[[[]]]}]]]]]]",
        "{\"a\":{},\"b\":[],\"c\":\"\"}",
        "{\"long\":\"0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdef\\\"tail\"}",
    };
    for (size_t i = 0; i < sizeof valid / sizeof *valid; i++)
        if (!check_same(valid[i], strlen(valid[i])))
            fail_msg("the fast parser gave up on a valid document: %s", valid[i]);
}

static void test_parse_gives_up_on_what_jansson_rejects(void **state)
{
    (void)state;
    static const char *const invalid[] = {
        "",
        "   ",
        "42",
        "\"text\"",
        "{",
        "{\"a\":1,}",
        "[1,]",
        "{\"a\" 1}",
        "{\"a\":1}{",
        "{\"a\":1} x",
        "{\"a\":01}",
        "{\"a\":-}",
        "{\"a\":1.}",
        "{\"a\":.5}",
        "{\"a\":1e}",
        "{\"a\":1x}",
        "{\"a\":tru}",
        "{\"a\":truex}",
        "{\"a\":nul}",
        "{\"a\":9223372036854775808}",
        "{\"a\":-9223372036854775809}",
        "{\"a\":1e400}",
        "{\"a\":\"\\x\"}",
        "{\"a\":\"\\u12\"}",
        "{\"a\":\"\\u0000\"}",
        "{\"a\":\"\\ud800\"}",
        "{\"a\":\"\\udc00\"}",
        "{\"a\":\"\\ud800\\u0041\"}",
        "{\"a\":\"tab\there\"}",
        "{\"a\":\"\xc3\"}",
        "{\"a\":\"\xc0\xaf\"}",
        "{\"a\":\"\xed\xa0\x80\"}",
        "{\"a\":\"\xf4\x90\x80\x80\"}",
        "{\"a\":\"\xff\"}",
        "{\"a\":1,\"a\":2}",
        "{\"a\":\"unterminated}",
        "{'a':1}",
        "{\"a\":[1 2]}",
    };
    for (size_t i = 0; i < sizeof invalid / sizeof *invalid; i++) {
        char *scratch = NULL;
        size_t cap = 0;
        json_t *fast = fwkx_json_parse_fast(invalid[i], strlen(invalid[i]), &scratch, &cap);
        free(scratch);
        if (fast)
            fail_msg("the fast parser took an invalid document: %s", invalid[i]);
        json_error_t err;
        json_t *ref = json_loadb(invalid[i], strlen(invalid[i]), JSON_REJECT_DUPLICATES, &err);
        if (ref)
            fail_msg("jansson took %s: the case is wrong", invalid[i]);
    }
    /* an embedded NUL byte, and a depth jansson allows but the fast path leaves to it */
    static const char nul[] = "{\"a\":\"x\0y\"}";
    char *scratch = NULL;
    size_t cap = 0;
    assert_null(fwkx_json_parse_fast(nul, sizeof nul - 1, &scratch, &cap));
    char deep[2 * 300 + 1];
    memset(deep, '[', 300);
    memset(deep + 300, ']', 300);
    assert_null(fwkx_json_parse_fast(deep, 600, &scratch, &cap));
    free(scratch);
}

/* Random byte edits of valid documents: whatever the fast path takes, jansson takes alike. */
static void test_parse_agrees_with_jansson_on_mutated_documents(void **state)
{
    (void)state;
    static const char *const seeds[] = {
        "{\"uid\":\"gcp:p:r:k:n\",\"n\":[1,-2.5e3,true,null],\"s\":\"a\\\"b\\u00e9\xc3\xa9\"}",
        "{\"labels\":{\"env\":\"prod\",\"owner\":\"x\"},\"attributes\":{\"rules\":[{\"p\":22}]}}",
    };
    static const char pieces[] = "\"\\u0{}[],:-+.eE019 \t\nnulltrfase\xc3\xa9\xed\xa0\x80\xf0";
    uint64_t rng = 0x9E3779B97F4A7C15ull;
    int taken = 0;
    for (int i = 0; i < 40000; i++) {
        char doc[256];
        const char *seed = seeds[i % 2];
        size_t len = strlen(seed);
        memcpy(doc, seed, len);
        int edits = 1 + (int)(rng % 3);
        for (int e = 0; e < edits; e++) {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            size_t at = (size_t)(rng >> 8) % len;
            char c = pieces[(rng >> 32) % (sizeof pieces - 1)];
            switch (rng % 3) {
            case 0: /* replace */
                doc[at] = c;
                break;
            case 1: /* insert */
                if (len + 1 < sizeof doc) {
                    memmove(doc + at + 1, doc + at, len - at);
                    doc[at] = c;
                    len++;
                }
                break;
            default: /* delete */
                memmove(doc + at, doc + at + 1, len - at - 1);
                len--;
            }
        }
        taken += check_same(doc, len);
    }
    /* some edits leave the document valid (a digit for a digit, a space added): those must
       have gone the fast way, or the fast path is never tried */
    assert_true(taken > 1000);
}

static void test_word_special_misses_no_special_byte(void **state)
{
    (void)state;
    for (int b = 0; b < 256; b++) {
        bool special = b < 0x20 || b == '"' || b == '\\';
        for (int at = 0; at < 8; at++) {
            unsigned char bytes[8];
            memset(bytes, 'a', 8);
            bytes[at] = (unsigned char)b;
            uint64_t v;
            memcpy(&v, bytes, 8);
            if (special && !fwkx_json_word_special(v))
                fail_msg("byte 0x%02x at %d not seen", b, at);
            if (!special && b < 0x80 && fwkx_json_word_special(v))
                fail_msg("byte 0x%02x at %d taken for special", b, at);
        }
    }
}

/* ---- the encoder, through a worker and a fake plugin ---- */

static json_t *shared_allow; /* held here and handed out, as the policy plugin does */

static fwk_status fake_evaluate(fwk_ctx *ctx, void *instance, const json_t *doc, json_t **decisions)
{
    (void)ctx;
    (void)instance;
    const char *name = json_string_value(json_object_get(doc, "name"));
    *decisions = json_array();
    json_array_append(*decisions, shared_allow);
    json_array_append_new(
        *decisions, json_pack("{s:s, s:s, s:s, s:s+, s:s, s:[s], s:s, s:{s:s, s:s}}", "effect",
                              "deny", "policy", "p\"q", "rule", "r\\s", "reason", "name \x01\t\"",
                              name, "severity", "high", "compliance", "C-1", "title", "caf\xc3\xa9",
                              "exception", "id", "E-1", "owner", "o"));
    /* a decision naming its own uid and input: kept where it stands, overwritten */
    json_array_append_new(*decisions,
                          json_pack("{s:s, s:s, s:s, s:s, s:s}", "effect", "warn", "uid", "theirs",
                                    "policy", "p", "input", "x", "severity", "low"));
    json_array_append_new(*decisions, json_object()); /* no effect: counted as an error */
    return FWK_OK;
}

static const fwk_policy_vtable fake_vt = {.struct_size = sizeof(fwk_policy_vtable),
                                          .evaluate = fake_evaluate};

/* What the host always wrote for `d` of `doc` at `input`. */
static char *expected_item(const json_t *d, const json_t *doc, const char *input)
{
    json_t *copy = json_copy((json_t *)d);
    json_object_set_new(copy, "input", json_string(input));
    if (json_is_string(json_object_get(doc, "uid")))
        json_object_set(copy, "uid", json_object_get(doc, "uid"));
    char *text = json_dumps(copy, JSON_COMPACT);
    json_decref(copy);
    return text;
}

static char *judge_all(output_format format, json_t *const *docs, size_t count,
                       peval_counts *counts)
{
    char *out = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&out, &size);
    assert_non_null(f);
    peval_engine engine = {.vt = &fake_vt, .state = NULL};
    peval_sink sink;
    assert_int_equal(peval_sink_open(&sink, f, format), 0);
    peval_worker *w = peval_worker_new(&engine, &sink, "in \"put\".jsonl");
    assert_non_null(w);
    for (size_t i = 0; i < count; i++)
        assert_int_equal(peval_judge(w, docs[i], (peval_where){.number = (long long)i + 1}), 0);
    assert_int_equal(peval_worker_free(w), 0);
    assert_int_equal(peval_sink_close(&sink), 0);
    *counts = sink.totals;
    fclose(f);
    return out;
}

static void test_decisions_are_written_as_the_host_always_wrote_them(void **state)
{
    (void)state;
    shared_allow =
        json_pack("{s:s, s:s, s:s, s:s, s:s, s:[]}", "effect", "allow", "policy", "p", "rule", "r",
                  "reason", "ok \xe2\x82\xac", "severity", "low", "compliance");
    json_t *docs[3] = {
        json_pack("{s:s, s:s}", "uid", "u\"1\n", "name", "one"),
        json_pack("{s:s}", "name", "two"),                  /* no uid */
        json_pack("{s:i, s:s}", "uid", 7, "name", "three"), /* a uid that is no string */
    };
    peval_counts counts;
    char *out = judge_all(OUTPUT_JSONL, docs, 3, &counts);
    /* each document twice over: the shared decision was encoded once, then reused */
    char *expected = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&expected, &size);
    for (size_t i = 0; i < 3; i++) {
        json_t *decisions;
        char input[64];
        snprintf(input, sizeof input, "in \"put\".jsonl:%zu", i + 1);
        fake_evaluate(NULL, NULL, docs[i], &decisions);
        size_t k;
        json_t *d;
        json_array_foreach (decisions, k, d) {
            char *item = expected_item(d, docs[i], input);
            fprintf(f, "%s\n", item);
            free(item);
        }
        json_decref(decisions);
    }
    fclose(f);
    assert_string_equal(out, expected);
    assert_int_equal(counts.documents, 3);
    assert_int_equal(counts.decisions, 12);
    assert_int_equal(counts.allow, 3);
    assert_int_equal(counts.deny, 3);
    assert_int_equal(counts.warn, 3);
    assert_int_equal(counts.error, 3);
    assert_int_equal(counts.worst_deny, 3); /* high */
    free(out);

    /* json: one document holding the same items */
    out = judge_all(OUTPUT_JSON, docs, 3, &counts);
    json_error_t err;
    json_t *whole = json_loads(out, 0, &err);
    assert_non_null(whole);
    json_t *items = json_object_get(whole, "decisions");
    assert_int_equal(json_array_size(items), 12);
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(whole, "summary"), "decisions")), 12);
    char *line = strtok(expected, "\n");
    for (size_t i = 0; i < 12; i++, line = strtok(NULL, "\n")) {
        char *item = json_dumps(json_array_get(items, i), JSON_COMPACT);
        assert_string_equal(item, line);
        free(item);
    }
    json_decref(whole);
    free(out);
    free(expected);

    /* table: "effect severity policy.rule  uid-or-input  reason [exception ID]", as before */
    out = judge_all(OUTPUT_TABLE, docs, 3, &counts);
    assert_non_null(strstr(out, "allow  low      p.r  u\"1\n  ok \xe2\x82\xac\n"));
    assert_non_null(strstr(out, "deny   high     p\"q.r\\s  in \"put\".jsonl:2  name \x01\t\"two "
                                "[exception E-1]\n"));
    assert_non_null(strstr(out, "warn   low      p.-  theirs  -\n"));
    assert_non_null(strstr(out, "-      -        -.-  in \"put\".jsonl:3  -\n"));
    assert_non_null(strstr(out, "3 documents, 12 decisions: 3 deny, 3 warn, 3 allow, 3 error\n"));
    free(out);
    for (size_t i = 0; i < 3; i++)
        json_decref(docs[i]);
    json_decref(shared_allow);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_takes_valid_documents_as_jansson_does),
        cmocka_unit_test(test_parse_gives_up_on_what_jansson_rejects),
        cmocka_unit_test(test_parse_agrees_with_jansson_on_mutated_documents),
        cmocka_unit_test(test_word_special_misses_no_special_byte),
        cmocka_unit_test(test_decisions_are_written_as_the_host_always_wrote_them),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
