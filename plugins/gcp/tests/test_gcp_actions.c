/* test_gcp_actions.c: unit tests of the gcp provider's actions (dry runs send nothing; the
   exact requests; what is already done plans nothing), provisioning from the neutral spec,
   and cost from a billing export in JSON lines and CSV. */
#include "gcp_fixture.h"

#include <unistd.h>

/* A normalized resource from the normalizers, on the test data. */
static json_t *resource_of(const char *kind)
{
    json_t *doc, *out = NULL;

    if (strcmp(kind, "compute.instance") == 0) {
        doc = data_json("instances_aggregated.json");
        out = gcp_norm_instance(
            inst, "p1", json_array_get(fwkx_path(doc, "items.zones/europe-west2-a.instances"), 0));
    } else if (strcmp(kind, "network.firewall") == 0) {
        doc = data_json("firewalls.json");
        out = gcp_norm_firewall(inst, "p1", json_array_get(json_object_get(doc, "items"), 0));
    } else {
        doc = data_json("buckets.json");
        out = gcp_norm_bucket(inst, "p1", json_array_get(json_object_get(doc, "items"), 0), NULL);
    }
    json_decref(doc);
    assert_non_null(out);
    return out;
}

static json_t *act(const json_t *resource, const char *action, const char *params, int dry_run,
                   fwk_status expect)
{
    json_t *p = params ? json_loads(params, 0, NULL) : NULL;
    json_t *result = NULL;

    assert_int_equal(gcp_run_action(inst, ctx, resource, action, p, dry_run, &result), expect);
    json_decref(p);
    return result;
}

static void test_list_actions(void **state)
{
    json_t *actions = NULL;
    const json_t *a;
    size_t i;
    const char *expected[][2] = {{"delete_firewall_rule", "high"},
                                 {"stop", "high"},
                                 {"enforce_public_access_prevention", "medium"},
                                 {"set_labels", "low"}};

    (void)state;
    assert_int_equal(gcp_list_actions(inst, ctx, &actions), FWK_OK);
    assert_int_equal(json_array_size(actions), 4);
    json_array_foreach (actions, i, a) {
        assert_string_equal(s(a, "name"), expected[i][0]);
        assert_string_equal(s(a, "risk"), expected[i][1]);
    }
    json_decref(actions);
}

static void test_dry_runs_send_nothing(void **state)
{
    json_t *fw = resource_of("network.firewall");
    json_t *vm = resource_of("compute.instance");
    json_t *bucket = resource_of("storage.bucket");
    json_t *result;

    (void)state;
    result = act(fw, "delete_firewall_rule", "{\"rule_id\": \"allow-ssh\"}", 1, FWK_OK);
    assert_json_equal(result, "{\"changed\": false, \"dry_run\": true, \"action\": "
                              "\"delete_firewall_rule\", \"risk\": \"high\", \"requests\": "
                              "[{\"method\": \"DELETE\", \"url\": \"" FAKE_ENDPOINT
                              "/compute/v1/projects/p1/global/firewalls/allow-ssh\", \"body\": "
                              "null}]}");
    json_decref(result);
    result = act(vm, "stop", NULL, 1, FWK_OK);
    assert_json_equal(json_object_get(result, "requests"),
                      "[{\"method\": \"POST\", \"url\": \"" FAKE_ENDPOINT
                      "/compute/v1/projects/p1/zones/europe-west2-a/instances/web-1/stop\", "
                      "\"body\": null}]");
    json_decref(result);
    result = act(bucket, "enforce_public_access_prevention", "{}", 1, FWK_OK);
    assert_json_equal(json_object_get(result, "requests"),
                      "[{\"method\": \"PATCH\", \"url\": \"" FAKE_ENDPOINT
                      "/storage/v1/b/media?fields=iamConfiguration\", \"body\": "
                      "{\"iamConfiguration\": {\"publicAccessPrevention\": \"enforced\"}}}]");
    json_decref(result);
    json_object_set_new(json_object_get(vm, "attributes"), "labelFingerprint",
                        json_string("42WmSpB8rSM="));
    result = act(vm, "set_labels", "{\"labels\": {\"owner\": \"platform\"}}", 1, FWK_OK);
    assert_json_equal(json_object_get(result, "requests"),
                      "[{\"method\": \"POST\", \"url\": \"" FAKE_ENDPOINT
                      "/compute/v1/projects/p1/zones/europe-west2-a/instances/web-1/setLabels\", "
                      "\"body\": {\"labels\": {\"env\": \"prod\", \"owner\": \"platform\"}, "
                      "\"labelFingerprint\": \"42WmSpB8rSM=\"}}]");
    json_decref(result);
    result = act(bucket, "set_labels", "{\"labels\": {\"env\": \"prod\"}}", 1, FWK_OK);
    assert_json_equal(json_object_get(result, "requests"),
                      "[{\"method\": \"PATCH\", \"url\": \"" FAKE_ENDPOINT
                      "/storage/v1/b/media?fields=labels\", \"body\": {\"labels\": {\"env\": "
                      "\"prod\"}}}]");
    json_decref(result);
    /* what is already so plans nothing */
    result = act(vm, "set_labels", "{\"labels\": {\"env\": \"prod\"}}", 0, FWK_OK);
    assert_json_equal(json_object_get(result, "requests"), "[]");
    json_decref(result);
    json_object_set_new(vm, "state", json_string("stopped"));
    result = act(vm, "stop", NULL, 0, FWK_OK);
    assert_json_equal(json_object_get(result, "requests"), "[]");
    json_decref(result);
    assert_int_equal(json_array_size(fake_host_requests(ctx)), 0);
    json_decref(fw);
    json_decref(vm);
    json_decref(bucket);
}

static void test_refusals(void **state)
{
    json_t *fw = resource_of("network.firewall");
    json_t *vm = resource_of("compute.instance");

    (void)state;
    assert_null(act(fw, "delete_firewall_rule", "{\"rule_id\": \"other\"}", 1, FWK_ERROR));
    assert_non_null(strstr(fake_host_failure(ctx), "rule_id \"other\" is not firewall "
                                                   "allow-ssh's name"));
    assert_null(act(fw, "stop", NULL, 1, FWK_ERROR));
    assert_non_null(strstr(fake_host_failure(ctx), "stop does not apply to gcp network.firewall"));
    assert_null(act(vm, "set_labels", "{\"labels\": {\"Owner\": \"x\"}}", 1, FWK_ERROR));
    assert_non_null(strstr(fake_host_failure(ctx), "set_labels: labels.Owner: expected"));
    assert_null(act(vm, "set_labels", "{\"labels\": {}}", 1, FWK_ERROR));
    assert_null(act(vm, "stop", "{\"force\": true}", 1, FWK_ERROR));
    assert_string_equal(fake_host_failure(ctx), "stop: unknown parameter 'force' (allowed: none)");
    assert_null(act(vm, "reboot", NULL, 1, FWK_UNSUPPORTED));
    json_decref(fw);
    json_decref(vm);
}

static void test_apply_sends_and_tolerates_gone(void **state)
{
    json_t *fw = resource_of("network.firewall");
    json_t *result;
    const char *url = FAKE_ENDPOINT "/compute/v1/projects/p1/global/firewalls/allow-ssh";

    (void)state;
    fake_host_route(ctx, "DELETE", url, 200,
                    "{\"kind\": \"compute#operation\", \"name\": \"operation-1\", \"status\": "
                    "\"RUNNING\"}");
    result = act(fw, "delete_firewall_rule", "{\"rule_id\": \"allow-ssh\"}", 0, FWK_OK);
    assert_true(json_is_true(json_object_get(result, "changed")));
    assert_int_equal(json_integer_value(json_object_get(
                         json_array_get(fwkx_path(result, "responses"), 0), "status")),
                     200);
    assert_true((json_integer_value(json_object_get(fake_host_request(ctx, 1), "flags")) &
                 FWK_HTTP_MUTATING) != 0);
    assert_string_equal(fake_host_request_header(fake_host_request(ctx, 1), "Authorization"),
                        "Bearer " TEST_TOKEN);
    json_decref(result);
    /* gone already: done */
    fake_host_route(ctx, "DELETE", url, 404,
                    "{\"error\": {\"code\": 404, \"message\": \"The resource was not found\", "
                    "\"status\": \"NOT_FOUND\"}}");
    result = act(fw, "delete_firewall_rule", "{\"rule_id\": \"allow-ssh\"}", 0, FWK_OK);
    assert_true(json_is_true(json_object_get(result, "changed")));
    json_decref(result);
    /* refused: the failure says so */
    fake_host_route(ctx, "DELETE", url, 403,
                    "{\"error\": {\"code\": 403, \"message\": \"Required "
                    "'compute.firewalls.delete' permission\", \"status\": "
                    "\"PERMISSION_DENIED\"}}");
    assert_null(act(fw, "delete_firewall_rule", "{\"rule_id\": \"allow-ssh\"}", 0, FWK_ERROR));
    assert_non_null(strstr(fake_host_failure(ctx),
                           "DELETE " FAKE_ENDPOINT "/compute/v1/projects/p1/global/firewalls/"
                           "allow-ssh -> HTTP 403: PERMISSION_DENIED"));
    json_decref(fw);
}

static json_t *provision(const char *what, const char *op, const char *spec_text, fwk_status expect)
{
    json_t *spec = json_loads(spec_text, 0, NULL);
    json_t *result = NULL;

    assert_non_null(spec);
    assert_int_equal(gcp_provision(inst, ctx, what, op, spec, 1, &result), expect);
    json_decref(spec);
    return result;
}

static void test_provision_dry_runs(void **state)
{
    json_t *result;

    (void)state;
    result = provision("bucket", "create", "{\"name\": \"media\", \"region\": \"europe-west2\"}",
                       FWK_OK);
    assert_json_equal(result, "{\"what\": \"bucket\", \"op\": \"create\", \"project\": \"p1\", "
                              "\"dry_run\": true, \"requests\": [{\"method\": \"POST\", \"url\": "
                              "\"" FAKE_ENDPOINT "/storage/v1/b?project=p1\", \"body\": "
                              "{\"name\": \"media\", \"location\": \"europe-west2\", "
                              "\"iamConfiguration\": {\"publicAccessPrevention\": \"enforced\", "
                              "\"uniformBucketLevelAccess\": {\"enabled\": true}}, \"labels\": "
                              "{\"managed-by\": \"fawkes\"}}}]}");
    json_decref(result);
    result = provision("database", "create",
                       "{\"name\": \"orders\", \"region\": \"europe-west2\", \"engine\": "
                       "\"PostgreSQL\", \"version\": \"15\", \"size\": \"db-g1-small\", "
                       "\"nodes\": 2}",
                       FWK_OK);
    assert_json_equal(json_array_get(json_object_get(result, "requests"), 0),
                      "{\"method\": \"POST\", \"url\": \"" FAKE_ENDPOINT
                      "/sql/v1beta4/projects/p1/instances\", \"body\": {\"name\": \"orders\", "
                      "\"region\": \"europe-west2\", \"databaseVersion\": \"POSTGRES_15\", "
                      "\"settings\": {\"tier\": \"db-g1-small\", \"availabilityType\": "
                      "\"REGIONAL\", \"ipConfiguration\": {\"ipv4Enabled\": true, \"sslMode\": "
                      "\"ENCRYPTED_ONLY\", \"authorizedNetworks\": []}, \"backupConfiguration\": "
                      "{\"enabled\": true}, \"userLabels\": {\"managed-by\": \"fawkes\"}}}}");
    json_decref(result);
    result = provision("cluster", "create",
                       "{\"name\": \"k\", \"region\": \"europe-west2\", \"nodes\": 2, \"version\": "
                       "\"1.29\"}",
                       FWK_OK);
    assert_json_equal(json_array_get(json_object_get(result, "requests"), 0),
                      "{\"method\": \"POST\", \"url\": \"" FAKE_ENDPOINT
                      "/v1/projects/p1/locations/europe-west2/clusters\", \"body\": {\"cluster\": "
                      "{\"name\": \"k\", \"nodePools\": [{\"name\": \"default-pool\", "
                      "\"initialNodeCount\": 2, \"config\": {\"machineType\": "
                      "\"e2-standard-4\"}}], \"resourceLabels\": {\"managed-by\": \"fawkes\"}, "
                      "\"initialClusterVersion\": \"1.29\"}}}");
    json_decref(result);
    result =
        provision("cluster", "delete", "{\"name\": \"k\", \"region\": \"europe-west2\"}", FWK_OK);
    assert_json_equal(json_object_get(result, "requests"),
                      "[{\"method\": \"DELETE\", \"url\": \"" FAKE_ENDPOINT
                      "/v1/projects/p1/locations/europe-west2/clusters/k\", \"body\": null}]");
    json_decref(result);
    assert_null(provision("database", "create",
                          "{\"name\": \"x\", \"region\": \"r\", \"engine\": \"Oracle\", "
                          "\"size\": \"db-f1-micro\"}",
                          FWK_ERROR));
    assert_non_null(strstr(fake_host_failure(ctx), "Cloud SQL takes engine MySQL or PostgreSQL"));
    assert_int_equal(json_array_size(fake_host_requests(ctx)), 0);
}

/* An instance whose billing_export is a file with `text`. */
static gcp_instance *with_export(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    char extra[512];

    fputs(text, f);
    fclose(f);
    snprintf(extra, sizeof extra, "{\"billing_export\": \"%s\"}", path);
    return make_instance(ctx, extra);
}

static json_t *cost_of(gcp_instance *with, fwk_status expect)
{
    json_t *request =
        json_pack("{s:s, s:s}", "from", "2026-01-01T00:00:00Z", "to", "2026-02-01T00:00:00Z");
    json_t *report = NULL;

    assert_int_equal(gcp_cost(with, ctx, request, &report), expect);
    json_decref(request);
    return report;
}

static void test_cost_from_export(void **state)
{
    char path[] = "/tmp/gcp-billing-XXXXXX";
    int fd = mkstemp(path);
    gcp_instance *with;
    json_t *report;

    (void)state;
    close(fd);
    with = with_export(
        path, "{\"service\": {\"id\": \"6F81-5844-456A\", \"description\": \"Compute Engine\"}, "
              "\"sku\": {\"description\": \"E2 Instance Core\"}, \"project\": {\"id\": \"p1\"}, "
              "\"location\": {\"region\": \"europe-west2\"}, \"cost\": 10.5, \"currency\": "
              "\"USD\", \"usage_start_time\": \"2026-01-03 00:00:00 UTC\", \"credits\": "
              "[{\"name\": \"Sustained use\", \"amount\": -0.5}]}\n"
              "{\"service\": {\"description\": \"Compute Engine\"}, \"sku\": {\"description\": "
              "\"E2 Instance Core\"}, \"project\": {\"id\": \"p1\"}, \"location\": {\"region\": "
              "\"europe-west2\"}, \"cost\": 2, \"currency\": \"USD\", \"usage_start_time\": "
              "\"2026-01-04T00:00:00Z\", \"credits\": []}\n\n"
              "{\"service\": {\"description\": \"Cloud Storage\"}, \"project\": {\"id\": "
              "\"p1\"}, \"location\": {\"region\": null}, \"cost\": 1.25, \"currency\": \"USD\", "
              "\"usage_start_time\": \"2026-02-01 00:00:00 UTC\"}\n");
    report = cost_of(with, FWK_OK);
    assert_json_equal(json_object_get(report, "items"),
                      "[{\"project\": \"p1\", \"service\": \"Compute Engine\", \"name\": \"E2 "
                      "Instance Core\", \"region\": \"europe-west2\", \"cost\": 12.0, "
                      "\"credits\": -0.5, \"rows\": 2}]");
    assert_true(json_number_value(json_object_get(report, "total")) == 12.0);
    assert_string_equal(s(report, "currency"), "USD");
    json_decref(report);
    fawkes_plugin_describe()->fini(with);

    /* the same as CSV, a quoted field with a comma, and a bad row named by its line */
    with =
        with_export(path, "project.id,service.description,sku.description,location.region,"
                          "cost,currency,usage_start_time,credits\n"
                          "p1,Compute Engine,\"E2 Instance Core, Americas\",us-central1,3.5,"
                          "USD,2026-01-05 10:00:00 UTC,-1\r\n"
                          "p1,Cloud SQL,\"DB \"\"custom\"\"\",,1,USD,2026-01-06 00:00:00 UTC,\n");
    report = cost_of(with, FWK_OK);
    assert_json_equal(
        json_object_get(report, "items"),
        "[{\"project\": \"p1\", \"service\": \"Compute Engine\", \"name\": \"E2 "
        "Instance Core, Americas\", \"region\": \"us-central1\", \"cost\": 2.5, "
        "\"credits\": -1.0, \"rows\": 1}, {\"project\": \"p1\", \"service\": "
        "\"Cloud SQL\", \"name\": \"DB \\\"custom\\\"\", \"region\": null, \"cost\": 1.0, "
        "\"credits\": 0.0, \"rows\": 1}]");
    json_decref(report);
    fawkes_plugin_describe()->fini(with);
    with = with_export(path, "cost,usage_start_time\n1,2026-01-05 10:00:00 UTC\nabc,yesterday\n");
    assert_null(cost_of(with, FWK_ERROR));
    assert_string_equal(fake_host_failure(ctx) + strlen("billing_export ") + strlen(path),
                        ":3: expected a number \"cost\" and a \"usage_start_time\" (\"2026-01-01 "
                        "00:00:00 UTC\" or RFC 3339), got cost none and usage_start_time "
                        "\"yesterday\"");
    fawkes_plugin_describe()->fini(with);
    /* no export configured */
    assert_null(cost_of(inst, FWK_ERROR));
    assert_non_null(strstr(fake_host_failure(ctx), "set billing_export: PATH"));
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_list_actions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dry_runs_send_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_apply_sends_and_tolerates_gone, setup, teardown),
        cmocka_unit_test_setup_teardown(test_provision_dry_runs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cost_from_export, setup, teardown),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);

    free_test_key();
    return failed;
}
