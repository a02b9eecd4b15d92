/* test_select_req.c: the requirements file of `fawkes select`: accepted forms, every key's
   type and range, unknown and missing keys, with file:line:column in each error. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "select_req.h"

static char path[64];

static void write_file(const char *text)
{
    snprintf(path, sizeof path, "/tmp/fawkes-select-req-%d.yaml", (int)getpid());
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* Load `text`; expect failure with `message` after "PATH:". */
static void expect_error(const char *text, const char *message)
{
    json_t *req = NULL, *marks = NULL;
    diag err = {{0}};
    char want[512];
    write_file(text);
    assert_int_equal(select_req_load(path, &req, &marks, &err), -1);
    assert_null(req);
    assert_null(marks);
    snprintf(want, sizeof want, "%s:%s", path, message);
    if (strncmp(err.text, want, strlen(want)) != 0)
        fail_msg("for %s\n got: %s\nwant: %s", text, err.text, want);
    unlink(path);
}

static void test_full_file(void **state)
{
    json_t *req = NULL, *marks = NULL;
    diag err = {{0}};
    (void)state;
    write_file("cpu: 4\nmemory_gb: 7.5\nstorage_gb: 0\nregions: [gb, us-east-1]\n"
               "features: [kubernetes]\ncompliance: [hipaa, soc2]\nmax_monthly_cost: 250\n"
               "priority: latency\n");
    if (select_req_load(path, &req, &marks, &err) != 0)
        fail_msg("%s", err.text);
    assert_int_equal(json_integer_value(json_object_get(req, "cpu")), 4);
    assert_true(json_number_value(json_object_get(req, "memory_gb")) == 7.5);
    assert_int_equal(json_array_size(json_object_get(req, "compliance")), 2);
    assert_string_equal(json_string_value(json_object_get(req, "priority")), "latency");
    /* The marks locate a node for later errors (the playbook's checks). */
    select_req_locate(path, marks, "/compliance/1", "compliance[2]: nope", &err);
    char want[128];
    snprintf(want, sizeof want, "%s:6:21: compliance[2]: nope", path);
    assert_string_equal(err.text, want);
    json_decref(req);
    json_decref(marks);
    unlink(path);
}

static void test_json_file(void **state)
{
    json_t *req = NULL, *marks = NULL;
    diag err = {{0}};
    (void)state;
    write_file("{\"cpu\": 2, \"memory_gb\": 4}\n");
    assert_int_equal(select_req_load(path, &req, &marks, &err), 0);
    assert_int_equal(json_object_size(req), 2);
    json_decref(req);
    json_decref(marks);
    unlink(path);
}

static void test_errors(void **state)
{
    (void)state;
    expect_error("cpu: 0\nmemory_gb: 4\n",
                 "1:6: cpu: expected a whole number of vCPUs from 1 to 1024, got integer 0");
    expect_error("cpu: 2.5\nmemory_gb: 4\n", "1:6: cpu: expected a whole number of vCPUs");
    expect_error("cpu: 2\nmemory_gb: 0\n", "2:12: memory_gb: expected a number > 0, got integer 0");
    expect_error("cpu: 2\nmemory_gb: 4\nstorage_gb: -5\n",
                 "3:13: storage_gb: expected a number >= 0, got integer -5");
    expect_error("cpu: 2\nmemory_gb: 4\nmax_monthly_cost: cheap\n",
                 "3:19: max_monthly_cost: expected a number > 0, got string \"cheap\"");
    expect_error("cpu: 2\nmemory_gb: 4\nregions: [\"\"]\n",
                 "3:11: regions[1]: expected a non-empty string, got string \"\"");
    expect_error("cpu: 2\nmemory_gb: 4\nfeatures: {gpu: true}\n",
                 "3:11: features: expected a list of names, got a mapping");
    expect_error("cpu: 2\nmemory_gb: 4\npriority: 1\n",
                 "3:11: priority: expected cost, performance, compliance, latency or balanced, "
                 "got integer 1");
    expect_error("cpu: 2\nmemory: 4\n", "2:1: unknown key 'memory'; allowed: cpu, memory_gb,");
    expect_error("cpu: 2\n", "1:1: memory_gb: required; add memory_gb: ...");
    expect_error("", " expected a mapping of cpu, memory_gb, ... (see docs/select.md), got "
                     "an empty file");
    expect_error("cpu: 2\ncpu: 3\nmemory_gb: 4\n", "2:1: duplicate key 'cpu' (first at line 1");
}

static void test_missing_file(void **state)
{
    json_t *req = NULL, *marks = NULL;
    diag err = {{0}};
    (void)state;
    assert_int_equal(select_req_load("/nonexistent/req.yaml", &req, &marks, &err), -1);
    assert_string_equal(err.text, "/nonexistent/req.yaml: cannot open the requirements file: "
                                  "No such file or directory");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_file),
        cmocka_unit_test(test_json_file),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_missing_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
