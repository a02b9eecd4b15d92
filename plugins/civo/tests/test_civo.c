/* test_civo.c: unit tests of the civo provider's normalizers, inventory tasks, errors and
   init, on payloads shaped as Civo's API documents them (tests/data/), missing and null fields
   included. */
#include "civo_fixture.h"

#include <strings.h>

static json_t *items_of(const char *file)
{
    json_t *doc = data_json(file);
    json_t *items =
        json_is_array(doc) ? json_incref(doc) : json_incref(json_object_get(doc, "items"));

    json_decref(doc);
    return items;
}

static const char *s(const json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

static void test_instance(void **state)
{
    json_t *items = items_of("instances.json");
    json_t *full = civo_norm_instance(inst, "LON1", json_array_get(items, 0));
    json_t *sparse = civo_norm_instance(inst, "LON1", json_array_get(items, 1));
    const json_t *attributes = json_object_get(full, "attributes");

    (void)state;
    assert_string_equal(s(full, "uid"),
                        "civo:acme:LON1:compute.instance:b177ae5a-1e1c-4f8c-8d1f-6c2f5e2ab8a1");
    assert_string_equal(s(full, "provider"), "civo");
    assert_string_equal(s(full, "account"), "acme");
    assert_string_equal(s(full, "region"), "LON1");
    assert_string_equal(s(full, "native_type"), "civo:instance");
    assert_string_equal(s(full, "name"), "test1.example.com");
    assert_string_equal(s(full, "state"), "running");
    assert_string_equal(s(full, "created_at"), "2015-09-20T19:31:36+00:00");
    assert_json_equal(json_object_get(full, "labels"),
                      "{\"web\": \"\", \"env\": \"prod\", \"owner\": \"platform\"}");
    assert_true(json_is_true(json_object_get(full, "public")));
    assert_true(json_is_null(json_object_get(full, "encrypted")));
    assert_true(json_number_value(json_object_get(full, "monthly_cost")) == 5.0);
    assert_string_equal(s(attributes, "hostname"), "test1.example.com");
    assert_null(json_object_get(attributes, "initial_password"));
    assert_null(json_object_get(attributes, "rescue_password"));
    /* null size, null public_ip, null tags, no created_at */
    assert_string_equal(s(sparse, "state"), "stopped");
    assert_true(json_is_false(json_object_get(sparse, "public")));
    assert_true(json_is_null(json_object_get(sparse, "created_at")));
    assert_true(json_is_null(json_object_get(sparse, "monthly_cost")));
    assert_int_equal(json_object_size(json_object_get(sparse, "labels")), 0);
    /* no id: nothing to emit */
    assert_null(civo_norm_instance(inst, "LON1", json_array_get(items, 2)));
    json_decref(full);
    json_decref(sparse);
    json_decref(items);
}

static void test_cluster(void **state)
{
    json_t *items = items_of("clusters.json");
    json_t *a = civo_norm_cluster(inst, "LON1", json_array_get(items, 0));
    json_t *b = civo_norm_cluster(inst, "LON1", json_array_get(items, 1));
    json_t *c = civo_norm_cluster(inst, "LON1", json_array_get(items, 2));

    (void)state;
    assert_string_equal(s(a, "kind"), "kubernetes.cluster");
    assert_string_equal(s(a, "name"), "your-cluster-name");
    assert_string_equal(s(a, "state"), "running");
    assert_true(json_is_true(json_object_get(a, "public")));
    assert_true(json_number_value(json_object_get(a, "monthly_cost")) == 10.0);
    assert_string_equal(s(json_object_get(a, "attributes"), "kubernetes_version"), "0.8.1");
    assert_json_equal(json_object_get(json_object_get(a, "attributes"), "node_pools"),
                      "[{\"id\": \"8064c7f6-1da7-4b47-a7be-8aecd2e4b3de\", \"count\": 1,"
                      " \"size\": \"g2.xsmall\"}]");
    assert_null(json_object_get(json_object_get(a, "attributes"), "kubeconfig"));
    /* a private API endpoint, no pools: one pool from num_target_nodes, size unknown */
    assert_true(json_is_false(json_object_get(b, "public")));
    assert_string_equal(s(b, "state"), "building");
    assert_json_equal(json_object_get(json_object_get(b, "attributes"), "node_pools"),
                      "[{\"id\": null, \"count\": 2, \"size\": null}]");
    assert_true(json_is_null(json_object_get(b, "monthly_cost")));
    assert_string_equal(s(json_object_get(b, "attributes"), "kubernetes_version"), "1.27.1-k3s1");
    /* not built yet: no endpoint (public unknown), no pools, no version */
    assert_true(json_is_null(json_object_get(c, "public")));
    assert_json_equal(json_object_get(json_object_get(c, "attributes"), "node_pools"), "[]");
    assert_true(
        json_is_null(json_object_get(json_object_get(c, "attributes"), "kubernetes_version")));
    json_decref(a);
    json_decref(b);
    json_decref(c);
    json_decref(items);
}

static void test_database_bucket_volume_network(void **state)
{
    json_t *dbs = items_of("databases.json"), *stores = items_of("objectstores.json");
    json_t *vols = items_of("volumes.json"), *nets = items_of("networks.json");
    json_t *db = civo_norm_database(inst, "NYC1", json_array_get(dbs, 0));
    json_t *db2 = civo_norm_database(inst, "NYC1", json_array_get(dbs, 1));
    json_t *b1 = civo_norm_bucket(inst, "NYC1", json_array_get(stores, 0));
    json_t *b2 = civo_norm_bucket(inst, "NYC1", json_array_get(stores, 1));
    json_t *v1 = civo_norm_volume(inst, "NYC1", json_array_get(vols, 0));
    json_t *v2 = civo_norm_volume(inst, "NYC1", json_array_get(vols, 1));
    json_t *n1 = civo_norm_network(inst, "NYC1", json_array_get(nets, 0));
    json_t *n2 = civo_norm_network(inst, "NYC1", json_array_get(nets, 1));

    (void)state;
    assert_string_equal(s(db, "kind"), "database.instance");
    assert_string_equal(s(db, "state"), "ready");
    assert_true(json_is_true(json_object_get(db, "public")));
    assert_true(json_number_value(json_object_get(db, "monthly_cost")) == 90.0);
    assert_null(json_object_get(json_object_get(db, "attributes"), "password"));
    assert_true(json_is_false(json_object_get(db2, "public")));
    assert_true(json_number_value(json_object_get(db2, "monthly_cost")) == 30.0);

    assert_string_equal(s(b1, "kind"), "storage.bucket");
    assert_string_equal(s(b1, "name"), "backups");
    assert_true(json_is_null(json_object_get(b1, "public")));
    assert_true(json_number_value(json_object_get(b1, "monthly_cost")) == 5.0);
    assert_string_equal(s(b2, "name"), "bucket-2f1e");
    assert_true(json_number_value(json_object_get(b2, "monthly_cost")) == 10.0);
    assert_null(json_object_get(json_object_get(b2, "attributes"), "secret_access_key"));

    assert_string_equal(s(v1, "state"), "available");
    assert_true(json_number_value(json_object_get(v1, "monthly_cost")) == 2.5);
    assert_true(json_is_null(json_object_get(v2, "name")));
    assert_true(json_is_null(json_object_get(v2, "state")));
    assert_true(json_is_null(json_object_get(v2, "monthly_cost")));

    assert_string_equal(s(n1, "name"), "Default");
    assert_string_equal(s(n1, "state"), "active");
    assert_string_equal(s(n2, "name"), "cust-private-2");
    assert_true(json_is_null(json_object_get(n2, "state")));
    json_t *all[] = {db, db2, b1, b2, v1, v2, n1, n2, dbs, stores, vols, nets};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        json_decref(all[i]);
}

static void test_firewall_rules(void **state)
{
    json_t *fws = items_of("firewalls.json"), *rules = data_json("firewall_rules.json");
    json_t *fw = civo_norm_firewall(inst, "LON1", json_array_get(fws, 0), rules);
    json_t *unlisted = civo_norm_firewall(inst, "LON1", json_array_get(fws, 0), NULL);
    const json_t *attributes = json_object_get(fw, "attributes");

    (void)state;
    assert_string_equal(s(fw, "kind"), "network.firewall");
    assert_string_equal(s(fw, "name"), "restrictive-firewall");
    assert_json_equal(json_object_get(attributes, "rules"),
                      "[{\"id\": \"02dc8ae0-2b84-4d2f-ae23-ea8b7d3d7a53\", \"direction\": "
                      "\"ingress\", \"protocol\": \"tcp\", \"ports\": \"443\", \"cidrs\": "
                      "[\"0.0.0.0/0\"], \"action\": \"allow\", \"label\": \"HTTPS\"},"
                      "{\"id\": \"3c2b1a09-8f7e-4d6c-9b5a-4e3d2c1b0a98\", \"direction\": "
                      "\"ingress\", \"protocol\": \"tcp\", \"ports\": \"8000-8100\", \"cidrs\": "
                      "[\"10.0.0.0/8\", \"192.168.0.0/16\"], \"action\": \"allow\", \"label\": "
                      "null},"
                      "{\"id\": \"5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b\", \"direction\": "
                      "\"ingress\", \"protocol\": \"icmp\", \"ports\": \"all\", \"cidrs\": "
                      "[\"0.0.0.0/0\"], \"action\": \"allow\", \"label\": null},"
                      "{\"id\": \"9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d\", \"direction\": "
                      "\"egress\", \"protocol\": \"udp\", \"ports\": \"53\", \"cidrs\": "
                      "[\"8.8.8.8/32\"], \"action\": \"allow\", \"label\": \"dns\"}]");
    assert_true(json_equal(json_object_get(attributes, "raw_rules"), rules));
    assert_true(json_is_true(json_object_get(fw, "public")));
    assert_true(json_is_null(json_object_get(json_object_get(unlisted, "attributes"), "rules")));
    assert_true(json_is_null(json_object_get(unlisted, "public")));
    json_decref(fw);
    json_decref(unlisted);
    json_decref(fws);
    json_decref(rules);
}

static const char page_1[] =
    "{\"page\": 1, \"per_page\": 2, \"pages\": 2, \"items\": [{\"id\": \"i-1\", \"hostname\": "
    "\"a\"}, {\"id\": \"i-2\", \"hostname\": \"b\"}]}";
static const char page_2[] =
    "{\"page\": 2, \"per_page\": 2, \"pages\": 2, \"items\": [{\"id\": \"i-3\", \"hostname\": "
    "\"c\"}, {\"hostname\": \"no-id\"}]}";

static void test_task_follows_pages(void **state)
{
    json_t *task = json_pack("{s:s, s:s, s:s}", "name", "LON1/compute.instance", "region", "LON1",
                             "kind", "compute.instance");

    (void)state;
    answer(ctx, "GET", FAKE_ENDPOINT "/v2/instances?region=LON1&page=1&per_page=2", 200, page_1);
    answer(ctx, "GET", FAKE_ENDPOINT "/v2/instances?region=LON1&page=2&per_page=2", 200, page_2);
    assert_int_equal(civo_run_task(inst, ctx, task), FWK_PARTIAL);
    assert_string_equal(failure(), "region LON1: 1 compute.instance item without an \"id\" "
                                   "skipped (a Civo API change?)");
    assert_int_equal(json_array_size(emitted()), 3);
    assert_string_equal(s(json_array_get(emitted(), 2), "id"), "i-3");
    assert_int_equal(sent_count(), 2);
    for (size_t i = 0; i < 2; i++) {
        const json_t *sent = sent_at(i);
        assert_string_equal(s(sent, "auth"), "bearer tok-123456");
        assert_true(json_is_false(json_object_get(sent, "mutating")));
        assert_true(json_is_null(json_object_get(sent, "body")));
    }
    json_decref(task);
}

static void test_firewall_task_lists_rules(void **state)
{
    json_t *task = json_pack("{s:s, s:s, s:s}", "name", "FRA1/network.firewall", "region", "FRA1",
                             "kind", "network.firewall");
    char *fws = data_text("firewalls.json"), *rules = data_text("firewall_rules.json");

    (void)state;
    answer(ctx, "GET", FAKE_ENDPOINT "/v2/firewalls?region=FRA1", 200, fws);
    answer(ctx, "GET",
           FAKE_ENDPOINT "/v2/firewalls/42118911-44b2-4bbc-98d5-b8b5c2b8e2a7/rules?region=FRA1",
           200, rules);
    assert_int_equal(civo_run_task(inst, ctx, task), FWK_OK);
    assert_int_equal(json_array_size(emitted()), 1);
    assert_int_equal(json_array_size(json_object_get(
                         json_object_get(json_array_get(emitted(), 0), "attributes"), "rules")),
                     4);
    free(fws);
    free(rules);
    json_decref(task);
}

/* A cluster's public endpoint is public only when its firewall lets the internet reach
   6443; its firewall's rules are asked once however many clusters share it. */
static void test_cluster_task_reads_its_firewall(void **state)
{
    json_t *task = json_pack("{s:s, s:s, s:s}", "name", "LON1/kubernetes.cluster", "region", "LON1",
                             "kind", "kubernetes.cluster");
    char *clusters = data_text("clusters.json"), *rules = data_text("firewall_rules.json");
    const char *rules_url =
        FAKE_ENDPOINT "/v2/firewalls/42118911-44b2-4bbc-98d5-b8b5c2b8e2a7/rules?region=LON1";
    const json_t *a, *b;

    (void)state;
    answer(ctx, "GET", FAKE_ENDPOINT "/v2/kubernetes/clusters?region=LON1&page=1&per_page=2", 200,
           clusters);
    answer(ctx, "GET", rules_url, 200, rules);
    assert_int_equal(civo_run_task(inst, ctx, task), FWK_OK);
    assert_int_equal(json_array_size(emitted()), 3);
    a = json_array_get(emitted(), 0);
    b = json_array_get(emitted(), 1);
    /* a public endpoint, but no rule admits 6443: not public */
    assert_true(json_is_false(json_object_get(a, "public")));
    assert_json_equal(json_object_get(json_object_get(a, "attributes"), "api_firewall"),
                      "{\"id\": \"42118911-44b2-4bbc-98d5-b8b5c2b8e2a7\", \"open_to_internet\": "
                      "false, \"rules\": []}");
    assert_true(json_is_null(json_object_get(json_object_get(b, "attributes"), "api_firewall")));
    assert_int_equal(sent_count(), 2);
    /* the firewall is gone: the endpoint alone decides */
    json_array_clear(emitted());
    answer(ctx, "GET", rules_url, 404,
           "{\"code\": \"database_firewall_not_found\", \"reason\": \"not found\"}");
    assert_int_equal(civo_run_task(inst, ctx, task), FWK_OK);
    assert_true(json_is_true(json_object_get(json_array_get(emitted(), 0), "public")));
    /* any other failure of the rules fails the task */
    answer(ctx, "GET", rules_url, 403, "{\"code\": \"denied\", \"reason\": \"no\"}");
    assert_int_equal(civo_run_task(inst, ctx, task), FWK_ERROR);
    assert_non_null(strstr(failure(), "/rules?region=LON1 -> HTTP 403: denied: no"));
    free(clusters);
    free(rules);
    json_decref(task);
}

static void test_cluster_access_rules(void **state)
{
    json_t *cluster = json_pack("{s:b, s:{s:s}}", "public", 1, "attributes", "firewall_id", "f1");
    json_t *rules = json_loads(
        "[{\"protocol\": \"tcp\", \"start_port\": \"6443\", \"end_port\": \"6443\", "
        "\"cidr\": [\"0.0.0.0/0\"], \"direction\": \"ingress\", \"action\": \"allow\"},"
        "{\"protocol\": \"udp\", \"start_port\": \"1\", \"end_port\": \"65535\", "
        "\"cidr\": [\"0.0.0.0/0\"], \"direction\": \"ingress\", \"action\": \"allow\"},"
        "{\"protocol\": \"tcp\", \"start_port\": \"6000\", \"end_port\": \"7000\", "
        "\"cidr\": [\"10.0.0.0/8\"], \"direction\": \"ingress\", \"action\": \"allow\"}]",
        0, NULL);
    const json_t *access;

    (void)state;
    civo_cluster_access(cluster, rules);
    access = json_object_get(json_object_get(cluster, "attributes"), "api_firewall");
    assert_true(json_is_true(json_object_get(cluster, "public")));
    assert_true(json_is_true(json_object_get(access, "open_to_internet")));
    assert_int_equal(json_array_size(json_object_get(access, "rules")), 2); /* not the udp one */
    /* only the private rule left: not open */
    json_array_remove(rules, 0);
    civo_cluster_access(cluster, rules);
    assert_true(json_is_false(json_object_get(cluster, "public")));
    json_decref(cluster);
    json_decref(rules);
}

/* Two shares of a region's firewalls: every firewall exactly once, its rules asked once. */
static void test_firewall_shares_partition(void **state)
{
    fwkx_buf list = FWKX_BUF_INIT;
    size_t total = 0;

    (void)state;
    fwkx_buf_addf(&list, "[");
    for (int i = 0; i < 20; i++) {
        char url[160];
        fwkx_buf_addf(&list, "%s{\"id\": \"fw-%d\", \"name\": \"f%d\"}", i ? "," : "", i, i);
        snprintf(url, sizeof url, FAKE_ENDPOINT "/v2/firewalls/fw-%d/rules?region=LON1", i);
        answer(ctx, "GET", url, 200, "[]");
    }
    fwkx_buf_addf(&list, ",{\"name\": \"no id\"}]");
    answer(ctx, "GET", FAKE_ENDPOINT "/v2/firewalls?region=LON1", 200, list.data);
    for (int share = 0; share < 2; share++) {
        json_t *task =
            json_pack("{s:s, s:s, s:s, s:i, s:i}", "name", "LON1/network.firewall[x/2]", "region",
                      "LON1", "kind", "network.firewall", "share", share, "shares", 2);
        size_t before = json_array_size(emitted());
        /* the item without an id is reported by the first share only */
        assert_int_equal(civo_run_task(inst, ctx, task), share == 0 ? FWK_PARTIAL : FWK_OK);
        assert_true(json_array_size(emitted()) > before);
        total = json_array_size(emitted());
        json_decref(task);
    }
    assert_int_equal(total, 20);
    /* 2 list calls + one rules call per firewall */
    assert_int_equal(sent_count(), 2 + 20);
    fwkx_buf_free(&list);
}

static void test_errors_are_civos_own_words(void **state)
{
    json_t *task = json_pack("{s:s, s:s, s:s}", "name", "LON1/compute.volume", "region", "LON1",
                             "kind", "compute.volume");

    (void)state;
    answer(ctx, "GET", FAKE_ENDPOINT "/v2/volumes?region=LON1", 403,
           "{\"code\": \"authentication_access_denied\", \"reason\": \"Access denied\"}");
    assert_int_equal(civo_run_task(inst, ctx, task), FWK_ERROR);
    assert_string_equal(failure(),
                        "GET " FAKE_ENDPOINT "/v2/volumes?region=LON1 -> HTTP 403: "
                        "authentication_access_denied: Access denied; could not evaluate: the "
                        "API key may not read or change this: give its team the permission (see "
                        "plugins/civo/README.md)");
    assert_int_equal(json_array_size(emitted()), 0);
    /* a body that is not Civo's error shape is quoted */
    answer(ctx, "GET", FAKE_ENDPOINT "/v2/volumes?region=LON1", 502, "<html>bad gateway</html>");
    assert_int_equal(civo_run_task(inst, ctx, task), FWK_ERROR);
    assert_non_null(strstr(failure(), "-> HTTP 502: <html>bad gateway</html>; Civo's API failed"));
    /* cut short */
    answer(ctx, "GET", FAKE_ENDPOINT "/v2/volumes?region=LON1", 200, "[{\"id\": \"v-1\", \"na");
    assert_int_equal(civo_run_task(inst, ctx, task), FWK_ERROR);
    assert_non_null(strstr(failure(), "the answer is not valid JSON"));
    /* JSON, but neither a list nor a page */
    answer(ctx, "GET", FAKE_ENDPOINT "/v2/volumes?region=LON1", 200, "{\"result\": \"ok\"}");
    assert_int_equal(civo_run_task(inst, ctx, task), FWK_ERROR);
    assert_non_null(strstr(failure(), "-> HTTP 200: expected a list, or a page with the member "
                                      "\"items\"; got an object without it"));
    /* a task this plugin did not plan */
    json_object_set_new(task, "kind", json_string("iam.policy"));
    assert_int_equal(civo_run_task(inst, ctx, task), FWK_ERROR);
    assert_non_null(strstr(failure(), "task LON1/compute.volume: expected"));
    json_decref(task);
}

static void test_plan_regions_and_filters(void **state)
{
    json_t *tasks = NULL;
    json_t *request =
        json_pack("{s:[s], s:[s, s]}", "regions", "NYC1", "kinds", "compute.volume", "iam.policy");

    (void)state;
    answer(ctx, "GET", FAKE_ENDPOINT "/v2/regions", 200,
           "[{\"code\": \"LON1\", \"name\": \"London 1\", \"type\": \"civostack\", "
           "\"out_of_capacity\": false, \"country\": \"GB\", \"default\": true},"
           "{\"code\": \"NYC1\", \"name\": \"New York 1\", \"default\": false},"
           "{\"name\": \"no code\"}]");
    assert_int_equal(civo_plan(inst, ctx, request, &tasks), FWK_OK);
    assert_json_equal(tasks, "[{\"name\": \"NYC1/compute.volume\", \"region\": \"NYC1\", "
                             "\"kind\": \"compute.volume\"}]");
    json_decref(tasks);
    json_decref(request);
    request = json_pack("{s:n, s:n}", "regions", "kinds");
    assert_int_equal(civo_plan(inst, ctx, request, &tasks), FWK_OK);
    assert_int_equal(json_array_size(tasks), 2 * (6 + 4)); /* firewalls in 4 shares */
    /* firewall shares first (the longest tasks), then clusters, then the other kinds */
    assert_string_equal(s(json_array_get(tasks, 0), "name"), "LON1/network.firewall[1/4]");
    assert_int_equal(json_integer_value(json_object_get(json_array_get(tasks, 3), "share")), 3);
    assert_string_equal(s(json_array_get(tasks, 4), "name"), "NYC1/network.firewall[1/4]");
    assert_string_equal(s(json_array_get(tasks, 8), "name"), "LON1/kubernetes.cluster");
    assert_string_equal(s(json_array_get(tasks, 9), "name"), "NYC1/kubernetes.cluster");
    assert_string_equal(s(json_array_get(tasks, 10), "name"), "LON1/compute.instance");
    json_decref(tasks);
    json_decref(request);
}

static void test_init_checks(void **state)
{
    const fwk_plugin_descriptor *desc = fawkes_plugin_describe();
    void *other = NULL;
    json_t *config;

    (void)state;
    assert_string_equal(inst->endpoint, FAKE_ENDPOINT); /* trailing '/' dropped */
    assert_string_equal(inst->auth_header, "bearer tok-123456");
    config = json_pack("{s:s, s:o}", "endpoint", "ftp://x", "prices", json_object());
    assert_int_equal(desc->init(fake_host(), ctx, config, &other), FWK_ERROR);
    assert_non_null(strstr(failure(), "endpoint: expected an http:// or https:// URL"));
    json_decref(config);
    config = json_pack("{s:s, s:{s:s}}", "endpoint", "https://api.civo.com", "prices", "g3.small",
                       "cheap");
    assert_int_equal(desc->init(fake_host(), ctx, config, &other), FWK_ERROR);
    assert_string_equal(failure(), "prices.g3.small: expected a number of USD per month (e.g. "
                                   "g3.small: 10.5)");
    json_decref(config);
    /* no token: CIVO_TOKEN from the environment, or a clear failure */
    config = json_pack("{s:s, s:{}}", "endpoint", "https://api.civo.com", "prices");
    assert_int_equal(desc->init(fake_host(), ctx, config, &other), FWK_ERROR);
    assert_string_equal(failure(), "no Civo API key: set token: ${env:NAME} in the instance's "
                                   "config, or export CIVO_TOKEN");
    fake_host_set_secret(ctx, "env:CIVO_TOKEN", "from-env-token");
    assert_int_equal(desc->init(fake_host(), ctx, config, &other), FWK_OK);
    assert_string_equal(((civo_instance *)other)->auth_header, "bearer from-env-token");
    desc->fini(other);
    json_decref(config);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_instance, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cluster, setup, teardown),
        cmocka_unit_test_setup_teardown(test_database_bucket_volume_network, setup, teardown),
        cmocka_unit_test_setup_teardown(test_firewall_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_task_follows_pages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_firewall_task_lists_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_firewall_shares_partition, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cluster_task_reads_its_firewall, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cluster_access_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors_are_civos_own_words, setup, teardown),
        cmocka_unit_test_setup_teardown(test_plan_regions_and_filters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_init_checks, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
