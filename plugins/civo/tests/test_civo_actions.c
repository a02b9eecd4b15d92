/* test_civo_actions.c: unit tests of the civo provider's actions, provisioning and cost: the
   exact requests built, dry runs that send nothing, Civo's errors surfaced. */
#include "civo_fixture.h"

static json_t *resource(const char *kind, const char *id, json_t *attributes)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:o}", "provider", "civo", "kind", kind, "id", id,
                     "region", "LON1", "attributes", attributes ? attributes : json_object());
}

static fwk_status act(const json_t *res, const char *action, const char *params_text, int dry,
                      json_t **result)
{
    json_t *params = params_text ? json_loads(params_text, 0, NULL) : NULL;
    fwk_status rc = civo_run_action(inst, ctx, res, action, params, dry, result);

    json_decref(params);
    return rc;
}

static void test_list_actions(void **state)
{
    json_t *actions = NULL, *action;
    size_t i;
    int high = 0;

    (void)state;
    assert_int_equal(civo_list_actions(inst, ctx, &actions), FWK_OK);
    assert_int_equal(json_array_size(actions), 5);
    json_array_foreach (actions, i, action) {
        const char *name = json_string_value(json_object_get(action, "name"));
        const char *risk = json_string_value(json_object_get(action, "risk"));
        if (strncmp(name, "delete_", 7) == 0) {
            assert_string_equal(risk, "high");
            high++;
        }
        assert_true(json_is_object(json_object_get(action, "params")));
    }
    assert_int_equal(high, 2);
    json_decref(actions);
}

static void test_stop_dry_run_sends_nothing(void **state)
{
    json_t *res = resource("compute.instance", "i-1", NULL), *result = NULL;

    (void)state;
    assert_int_equal(act(res, "stop", NULL, 1, &result), FWK_OK);
    assert_json_equal(result, "{\"changed\": false, \"dry_run\": true, \"action\": \"stop\", "
                              "\"risk\": \"medium\", \"requests\": [{\"method\": \"PUT\", "
                              "\"url\": \"" FAKE_ENDPOINT "/v2/instances/i-1/stop\", \"body\": "
                              "{\"region\": \"LON1\"}}]}");
    assert_int_equal(sent_count(), 0);
    json_decref(result);
    /* for real: the same request, mutating, JSON body, bearer key */
    answer(ctx, "PUT", FAKE_ENDPOINT "/v2/instances/i-1/stop", 200, "{\"result\": \"success\"}");
    assert_int_equal(act(res, "stop", NULL, 0, &result), FWK_OK);
    assert_json_equal(sent_at(0),
                      "{\"method\": \"PUT\", \"url\": \"" FAKE_ENDPOINT "/v2/instances/i-1/stop\","
                      " \"body\": \"{\\\"region\\\":\\\"LON1\\\"}\", \"mutating\": true, "
                      "\"auth\": \"bearer tok-123456\", \"content_type\": \"application/json\"}");
    assert_true(json_is_true(json_object_get(result, "changed")));
    assert_json_equal(json_object_get(result, "responses"),
                      "[{\"status\": 200, \"body\": {\"result\": \"success\"}}]");
    json_decref(result);
    json_decref(res);
}

static void test_add_tag_keeps_other_tags(void **state)
{
    json_t *res =
        resource("compute.instance", "i-2", json_pack("{s:[s, s]}", "tags", "web", "env=prod"));
    json_t *result = NULL;

    (void)state;
    assert_int_equal(act(res, "add_tag", "{\"tag\": \"owner=platform\"}", 1, &result), FWK_OK);
    assert_json_equal(json_object_get(result, "requests"),
                      "[{\"method\": \"PUT\", \"url\": \"" FAKE_ENDPOINT "/v2/instances/i-2/tags\","
                      " \"body\": {\"tags\": \"web env=prod owner=platform\", \"region\": "
                      "\"LON1\"}}]");
    json_decref(result);
    /* already there: nothing to send, even for real */
    assert_int_equal(act(res, "add_tag", "{\"tag\": \"env=prod\"}", 0, &result), FWK_OK);
    assert_json_equal(json_object_get(result, "requests"), "[]");
    assert_true(json_is_false(json_object_get(result, "changed")));
    assert_int_equal(sent_count(), 0);
    json_decref(result);
    /* bad params */
    assert_int_equal(act(res, "add_tag", "{}", 1, &result), FWK_ERROR);
    assert_string_equal(failure(), "add_tag: parameter 'tag' is required: the tag to add, e.g. "
                                   "owner=platform");
    assert_int_equal(act(res, "add_tag", "{\"tag\": \"a b\"}", 1, &result), FWK_ERROR);
    assert_non_null(strstr(failure(), "has a space"));
    assert_int_equal(act(res, "add_tag", "{\"tag\": \"x\", \"colour\": 1}", 1, &result), FWK_ERROR);
    assert_string_equal(failure(), "add_tag: unknown parameter 'colour' (allowed: tag)");
    assert_null(result);
    json_decref(res);
}

static void test_delete_firewall_rule(void **state)
{
    json_t *res =
        resource("network.firewall", "fw-1", json_pack("{s:[{s:s}]}", "rules", "id", "rule-9"));
    json_t *result = NULL;

    (void)state;
    assert_int_equal(act(res, "delete_firewall_rule", "{\"rule_id\": \"rule-9\"}", 1, &result),
                     FWK_OK);
    assert_json_equal(json_object_get(result, "requests"),
                      "[{\"method\": \"DELETE\", \"url\": \"" FAKE_ENDPOINT
                      "/v2/firewalls/fw-1/rules/rule-9?region=LON1\", \"body\": null}]");
    assert_string_equal(json_string_value(json_object_get(result, "risk")), "high");
    json_decref(result);
    assert_int_equal(act(res, "delete_firewall_rule", "{\"rule_id\": \"rule-1\"}", 1, &result),
                     FWK_ERROR);
    assert_string_equal(failure(), "delete_firewall_rule: firewall fw-1 has no rule \"rule-1\" "
                                   "(see attributes.rules[].id)");
    /* Civo refuses: its code and reason, with the request */
    answer(ctx, "DELETE", FAKE_ENDPOINT "/v2/firewalls/fw-1/rules/rule-9?region=LON1", 404,
           "{\"code\": \"database_firewall_rule_not_found\", \"reason\": \"rule gone\"}");
    assert_int_equal(act(res, "delete_firewall_rule", "{\"rule_id\": \"rule-9\"}", 0, &result),
                     FWK_ERROR);
    assert_string_equal(failure(), "DELETE " FAKE_ENDPOINT "/v2/firewalls/fw-1/rules/rule-9?region="
                                   "LON1 -> HTTP 404: database_firewall_rule_not_found: rule gone; "
                                   "it does not exist (any more) in that region");
    json_decref(res);
}

static void test_delete_volume_and_wrong_targets(void **state)
{
    json_t *vol = resource("compute.volume", "vol/1", NULL);
    json_t *inst_res = resource("compute.instance", "i-3", NULL);
    json_t *result = NULL;

    (void)state;
    assert_int_equal(act(vol, "delete_volume", NULL, 1, &result), FWK_OK);
    assert_json_equal(json_object_get(result, "requests"),
                      "[{\"method\": \"DELETE\", \"url\": \"" FAKE_ENDPOINT
                      "/v2/volumes/vol%2F1?region=LON1\", \"body\": null}]");
    json_decref(result);
    assert_int_equal(act(inst_res, "delete_volume", NULL, 1, &result), FWK_ERROR);
    assert_non_null(strstr(failure(), "delete_volume applies to civo compute.volume resources"));
    assert_int_equal(act(inst_res, "reboot", NULL, 1, &result), FWK_UNSUPPORTED);
    assert_int_equal(sent_count(), 0);
    json_decref(vol);
    json_decref(inst_res);
}

static fwk_status provision(const char *what, const char *op, const char *spec_text, int dry,
                            json_t **result)
{
    json_t *spec = json_loads(spec_text, 0, NULL);
    fwk_status rc;

    assert_non_null(spec);
    rc = civo_provision(inst, ctx, what, op, spec, dry, result);
    json_decref(spec);
    return rc;
}

static void test_provision_create_plans(void **state)
{
    json_t *result = NULL;

    (void)state;
    assert_int_equal(provision("cluster", "create",
                               "{\"name\": \"k1\", \"region\": \"LON1\", \"nodes\": 2, \"size\": "
                               "\"g4s.kube.small\", \"version\": \"1.28.7-k3s1\", "
                               "\"network_id\": \"net-1\"}",
                               1, &result),
                     FWK_OK);
    assert_json_equal(result, "{\"what\": \"cluster\", \"op\": \"create\", \"dry_run\": true, "
                              "\"requests\": [{\"method\": \"POST\", \"url\": \"" FAKE_ENDPOINT
                              "/v2/kubernetes/clusters\", \"body\": {\"name\": \"k1\", "
                              "\"region\": \"LON1\", \"network_id\": \"net-1\", "
                              "\"kubernetes_version\": \"1.28.7-k3s1\", \"pools\": [{\"id\": "
                              "\"k1-pool\", \"count\": 2, \"size\": \"g4s.kube.small\"}]}}]}");
    json_decref(result);
    assert_int_equal(
        provision("bucket", "create", "{\"name\": \"b1\", \"region\": \"NYC1\"}", 1, &result),
        FWK_OK);
    assert_json_equal(
        json_object_get(json_array_get(json_object_get(result, "requests"), 0), "body"),
        "{\"name\": \"b1\", \"region\": \"NYC1\", \"max_size_gb\": 500}");
    json_decref(result);
    assert_int_equal(provision("database", "create",
                               "{\"name\": \"d1\", \"region\": \"LON1\", \"size\": "
                               "\"g3.db.small\", \"engine\": \"PostgreSQL\", \"version\": \"14\"}",
                               1, &result),
                     FWK_OK);
    assert_json_equal(
        json_object_get(json_array_get(json_object_get(result, "requests"), 0), "body"),
        "{\"name\": \"d1\", \"region\": \"LON1\", \"size\": \"g3.db.small\", "
        "\"software\": \"PostgreSQL\", \"software_version\": \"14\", \"nodes\": 1}");
    json_decref(result);
    assert_int_equal(sent_count(), 0);
    /* spec errors */
    assert_int_equal(
        provision("database", "create", "{\"name\": \"d1\", \"region\": \"LON1\"}", 1, &result),
        FWK_ERROR);
    assert_string_equal(failure(), "spec.engine: required for a database (MySQL or PostgreSQL): "
                                   "give a non-empty string");
    assert_int_equal(provision("cluster", "create",
                               "{\"name\": \"k\", \"region\": \"LON1\", "
                               "\"nodes\": 0}",
                               1, &result),
                     FWK_ERROR);
    assert_string_equal(failure(), "spec.nodes: expected a whole number of at least 1");
    assert_int_equal(provision("cluster", "create", "{\"name\": \"k\"}", 1, &result), FWK_ERROR);
    assert_string_equal(failure(), "spec.region: required for cluster: give a non-empty string");
    assert_int_equal(provision("vm", "create", "{}", 1, &result), FWK_UNSUPPORTED);
    assert_int_equal(sent_count(), 0);
}

static void test_provision_apply_and_delete(void **state)
{
    json_t *result = NULL;

    (void)state;
    answer(ctx, "POST", FAKE_ENDPOINT "/v2/databases", 200,
           "{\"id\": \"db-9\", \"name\": \"d1\", \"username\": \"root\", \"password\": "
           "\"new-db-secret\", \"status\": \"Pending\"}");
    assert_int_equal(provision("database", "create",
                               "{\"name\": \"d1\", \"region\": \"LON1\", \"size\": \"s\", "
                               "\"engine\": \"MySQL\"}",
                               0, &result),
                     FWK_OK);
    assert_int_equal(sent_count(), 1);
    assert_true(json_is_true(json_object_get(sent_at(0), "mutating")));
    assert_json_equal(json_object_get(result, "responses"),
                      "[{\"status\": 200, \"body\": {\"id\": \"db-9\", \"name\": \"d1\", "
                      "\"username\": \"root\", \"status\": \"Pending\"}}]");
    json_decref(result);
    /* delete by name: one read to find the id, then (dry) the DELETE it would send */
    answer(ctx, "GET", FAKE_ENDPOINT "/v2/objectstores?region=LON1&page=1&per_page=2", 200,
           "{\"page\": 1, \"pages\": 1, \"items\": [{\"id\": \"os-1\", \"name\": \"logs\"}, "
           "{\"id\": \"os-2\", \"name\": \"other\"}]}");
    assert_int_equal(
        provision("bucket", "delete", "{\"name\": \"logs\", \"region\": \"LON1\"}", 1, &result),
        FWK_OK);
    assert_json_equal(json_object_get(result, "requests"),
                      "[{\"method\": \"DELETE\", \"url\": \"" FAKE_ENDPOINT
                      "/v2/objectstores/os-1?region=LON1\", \"body\": null}]");
    assert_int_equal(sent_count(), 2);
    assert_true(json_is_false(json_object_get(sent_at(1), "mutating")));
    /* what the delete would remove, normalized, for the host's protection check */
    const json_t *target = json_array_get(json_object_get(result, "targets"), 0);
    assert_string_equal(json_string_value(json_object_get(target, "id")), "os-1");
    assert_string_equal(json_string_value(json_object_get(target, "kind")), "storage.bucket");
    json_decref(result);
    assert_int_equal(
        provision("bucket", "delete", "{\"name\": \"nope\", \"region\": \"LON1\"}", 1, &result),
        FWK_ERROR);
    assert_string_equal(failure(), "no single bucket named \"nope\" in LON1 (found 0): give "
                                   "spec.id instead");
    /* by id: read too (the target must exist, and its labels say whether it is protected) */
    answer(ctx, "GET", FAKE_ENDPOINT "/v2/kubernetes/clusters?region=FRA1&page=1&per_page=2", 200,
           "{\"page\": 1, \"pages\": 1, \"items\": [{\"id\": \"k-1\", \"name\": \"k\", "
           "\"tags\": [\"fawkes.io/protected\"]}]}");
    assert_int_equal(
        provision("cluster", "delete", "{\"id\": \"k-1\", \"region\": \"FRA1\"}", 1, &result),
        FWK_OK);
    assert_json_equal(
        json_object_get(
            json_object_get(json_array_get(json_object_get(result, "targets"), 0), "labels"),
            "fawkes.io/protected"),
        "\"\"");
    assert_json_equal(json_object_get(result, "requests"),
                      "[{\"method\": \"DELETE\", \"url\": \"" FAKE_ENDPOINT
                      "/v2/kubernetes/clusters/k-1?region=FRA1\", \"body\": null}]");
    json_decref(result);
}

static void test_cost_windows_and_prices(void **state)
{
    char *charges = data_text("charges.json");
    json_t *request =
        json_pack("{s:s, s:s}", "from", "2021-09-01T00:00:00Z", "to", "2021-10-11T00:00:00Z");
    json_t *report = NULL;

    (void)state;
    answer(ctx, "GET",
           FAKE_ENDPOINT "/v2/charges?from=2021-09-01T00:00:00Z&to=2021-10-02T00:00:00Z", 200,
           charges);
    answer(ctx, "GET",
           FAKE_ENDPOINT "/v2/charges?from=2021-10-02T00:00:00Z&to=2021-10-11T00:00:00Z", 200,
           "[]");
    assert_int_equal(civo_cost(inst, ctx, request, &report), FWK_OK);
    assert_int_equal(sent_count(), 2);
    assert_string_equal(json_string_value(json_object_get(report, "currency")), "USD");
    assert_int_equal(json_array_size(json_object_get(report, "items")), 3);
    /* g3.small 73/month -> 0.1/hour x 1 h; volume 0.1/GB-month x 10 GB x 18 h; ip unpriced */
    assert_float_equal(json_real_value(json_object_get(
                           json_array_get(json_object_get(report, "items"), 0), "cost")),
                       0.1, 1e-9);
    assert_float_equal(json_real_value(json_object_get(
                           json_array_get(json_object_get(report, "items"), 1), "cost")),
                       0.1 * 10 * 18 / 730.0, 1e-9);
    assert_true(
        json_is_null(json_object_get(json_array_get(json_object_get(report, "items"), 2), "cost")));
    assert_float_equal(json_real_value(json_object_get(report, "total")),
                       0.1 + 0.1 * 10 * 18 / 730.0, 1e-9);
    assert_int_equal(json_integer_value(json_object_get(report, "unpriced")), 1);
    json_decref(report);
    json_decref(request);
    request = json_pack("{s:s, s:s}", "from", "2021-09-02T00:00:00Z", "to", "2021-09-01T00:00:00Z");
    assert_int_equal(civo_cost(inst, ctx, request, &report), FWK_ERROR);
    assert_non_null(strstr(failure(), "from before to"));
    json_decref(request);
    free(charges);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_list_actions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stop_dry_run_sends_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_add_tag_keeps_other_tags, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delete_firewall_rule, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delete_volume_and_wrong_targets, setup, teardown),
        cmocka_unit_test_setup_teardown(test_provision_create_plans, setup, teardown),
        cmocka_unit_test_setup_teardown(test_provision_apply_and_delete, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cost_windows_and_prices, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
