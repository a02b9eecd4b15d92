/* test_gcp.c: unit tests of the gcp provider's normalizers on payloads shaped as Google's API
   reference shows them (tests/data/, missing and empty fields included), its inventory tasks
   (pages, aggregated scopes, zones that did not answer), its errors (Google's envelope,
   SERVICE_DISABLED, PERMISSION_DENIED) and its plan (projects:search, filters). */
#include "gcp_fixture.h"

#define COMPUTE FAKE_ENDPOINT "/compute/v1/projects/p1"

static json_t *items_of(const char *file, const char *key)
{
    json_t *doc = data_json(file);
    json_t *items = json_is_array(doc) ? json_incref(doc) : json_incref(json_object_get(doc, key));

    json_decref(doc);
    return items;
}

static void test_instance(void **state)
{
    json_t *page = data_json("instances_aggregated.json");
    const json_t *list = fwkx_path(page, "items.zones/europe-west2-a");
    json_t *items = json_incref(json_object_get((json_t *)list, "instances"));
    json_t *web = gcp_norm_instance(inst, "p1", json_array_get(items, 0));
    json_t *batch = gcp_norm_instance(inst, "p1", json_array_get(items, 1));
    const json_t *attributes = json_object_get(web, "attributes");

    (void)state;
    assert_string_equal(s(web, "uid"),
                        "gcp:p1:europe-west2-a:compute.instance:9444120203215631533");
    assert_string_equal(s(web, "provider"), "gcp");
    assert_string_equal(s(web, "account"), "p1");
    assert_string_equal(s(web, "region"), "europe-west2-a");
    assert_string_equal(s(web, "native_type"), "compute:instance");
    assert_string_equal(s(web, "name"), "web-1");
    assert_string_equal(s(web, "state"), "running");
    assert_string_equal(s(web, "created_at"), "2024-07-17T02:39:42Z");
    assert_json_equal(json_object_get(web, "labels"), "{\"env\": \"prod\", \"owner\": \"web\"}");
    assert_true(json_is_true(json_object_get(web, "public")));
    assert_true(json_is_null(json_object_get(web, "encrypted")));
    assert_true(json_number_value(json_object_get(web, "monthly_cost")) == 24.46);
    assert_string_equal(s(attributes, "machine_type"), "e2-medium");
    /* metadata keys stay, their values (startup scripts, keys) go */
    assert_json_equal(fwkx_path(attributes, "metadata.items"), "[{\"key\": \"startup-script\"}]");
    /* stopped, no labels, no external address, a custom machine type, no creation time */
    assert_string_equal(s(batch, "state"), "stopped");
    assert_string_equal(s(batch, "stopped_at"), "2025-11-14T16:00:18Z");
    assert_true(json_is_false(json_object_get(batch, "public")));
    assert_true(json_number_value(json_object_get(batch, "monthly_cost")) == 0.0);
    assert_true(json_is_null(json_object_get(batch, "created_at")));
    assert_int_equal(json_object_size(json_object_get(batch, "labels")), 0);
    assert_null(gcp_norm_instance(inst, "p1", json_array_get(items, 2)));
    json_decref(web);
    json_decref(batch);
    json_decref(items);
    json_decref(page);
}

static void test_disk(void **state)
{
    json_t *items = items_of("disks.json", NULL);
    json_t *zonal = gcp_norm_disk(inst, "p1", json_array_get(items, 0));
    json_t *regional = gcp_norm_disk(inst, "p1", json_array_get(items, 1));
    json_t *odd = gcp_norm_disk(inst, "p1", json_array_get(items, 2));

    (void)state;
    assert_string_equal(s(zonal, "uid"),
                        "gcp:p1:europe-west2-a:compute.volume:6377005995504196689");
    assert_string_equal(s(zonal, "state"), "READY");
    assert_true(json_is_true(json_object_get(zonal, "encrypted")));
    assert_true(json_number_value(json_object_get(zonal, "monthly_cost")) == 20.0);
    assert_true(json_is_true(fwkx_path(zonal, "attributes.attached")));
    assert_string_equal(s(json_object_get(zonal, "attributes"), "encryption_type"),
                        "google-managed");
    /* regional: the region, twice the price, a customer-managed key, not attached */
    assert_string_equal(s(regional, "region"), "europe-west2");
    assert_true(json_number_value(json_object_get(regional, "monthly_cost")) == 3.4);
    assert_string_equal(s(json_object_get(regional, "attributes"), "encryption_type"),
                        "customer-managed");
    assert_true(json_is_false(fwkx_path(regional, "attributes.attached")));
    assert_true(json_is_null(json_object_get(regional, "created_at")));
    /* no size, no type: no cost */
    assert_true(json_is_null(json_object_get(odd, "monthly_cost")));
    assert_string_equal(s(odd, "state"), "CREATING");
    json_decref(zonal);
    json_decref(regional);
    json_decref(odd);
    json_decref(items);
}

static void test_firewall(void **state)
{
    json_t *items = items_of("firewalls.json", "items");
    json_t *ssh = gcp_norm_firewall(inst, "p1", json_array_get(items, 0));
    json_t *egress = gcp_norm_firewall(inst, "p1", json_array_get(items, 1));
    json_t *tags = gcp_norm_firewall(inst, "p1", json_array_get(items, 2));
    json_t *bare = gcp_norm_firewall(inst, "p1", json_array_get(items, 3));

    (void)state;
    assert_string_equal(s(ssh, "uid"), "gcp:p1:global:network.firewall:3615389214406095693");
    assert_true(json_is_null(json_object_get(ssh, "region")));
    assert_string_equal(s(ssh, "state"), "ENABLED");
    assert_true(json_is_true(json_object_get(ssh, "public")));
    assert_json_equal(fwkx_path(ssh, "attributes.rules"),
                      "[{\"id\": \"allow-ssh\", \"direction\": \"ingress\", \"protocol\": "
                      "\"tcp\", \"ports\": [\"22\", \"8000-8100\"], \"cidrs\": [\"0.0.0.0/0\"], "
                      "\"action\": \"allow\", \"priority\": 1000, \"disabled\": false, "
                      "\"target_tags\": [\"ssh\"], \"target_service_accounts\": [], "
                      "\"source_tags\": []},"
                      " {\"id\": \"allow-ssh\", \"direction\": \"ingress\", \"protocol\": "
                      "\"icmp\", \"ports\": \"all\", \"cidrs\": [\"0.0.0.0/0\"], \"action\": "
                      "\"allow\", \"priority\": 1000, \"disabled\": false, \"target_tags\": "
                      "[\"ssh\"], \"target_service_accounts\": [], \"source_tags\": []}]");
    assert_string_equal(s(egress, "state"), "DISABLED");
    assert_true(json_is_false(json_object_get(egress, "public")));
    assert_json_equal(fwkx_path(egress, "attributes.rules"),
                      "[{\"id\": \"deny-egress\", \"direction\": \"egress\", \"protocol\": "
                      "\"all\", \"ports\": \"all\", \"cidrs\": [\"10.0.0.0/8\"], \"action\": "
                      "\"deny\", \"priority\": 65534, \"disabled\": true, \"target_tags\": [], "
                      "\"target_service_accounts\": [], \"source_tags\": []}]");
    /* sources by tag only: no address range, not public */
    assert_json_equal(
        json_object_get(json_array_get(fwkx_path(tags, "attributes.rules"), 0), "cidrs"), "[]");
    assert_true(json_is_false(json_object_get(tags, "public")));
    /* no direction, no ranges, no tags: Google's defaults (ingress from everywhere) */
    assert_json_equal(json_array_get(fwkx_path(bare, "attributes.rules"), 0),
                      "{\"id\": \"bare\", \"direction\": \"ingress\", \"protocol\": \"udp\", "
                      "\"ports\": \"all\", \"cidrs\": [\"0.0.0.0/0\"], \"action\": \"allow\", "
                      "\"priority\": 1000, \"disabled\": false, \"target_tags\": [], "
                      "\"target_service_accounts\": [], \"source_tags\": []}");
    assert_null(gcp_norm_firewall(inst, "p1", json_array_get(items, 4)));
    json_decref(ssh);
    json_decref(egress);
    json_decref(tags);
    json_decref(bare);
    json_decref(items);
}

static void test_bucket(void **state)
{
    json_t *items = items_of("buckets.json", "items");
    json_t *iam = data_json("bucket_iam_public.json");
    json_t *empty_iam = json_object();
    json_t *media = gcp_norm_bucket(inst, "p1", json_array_get(items, 0), iam);
    json_t *locked = gcp_norm_bucket(inst, "p1", json_array_get(items, 1), iam);
    json_t *legacy = gcp_norm_bucket(inst, "p1", json_array_get(items, 2), empty_iam);
    json_t *unknown = gcp_norm_bucket(inst, "p1", json_array_get(items, 1), NULL);
    json_t *media_unknown = gcp_norm_bucket(inst, "p1", json_array_get(items, 0), NULL);
    const json_t *attributes = json_object_get(media, "attributes");

    (void)state;
    assert_string_equal(s(media, "uid"), "gcp:p1:europe-west2:storage.bucket:media");
    assert_string_equal(s(media, "created_at"), "2024-11-18T07:43:33.120Z");
    assert_true(json_is_true(json_object_get(media, "public")));
    assert_true(json_is_true(json_object_get(media, "encrypted")));
    assert_json_equal(json_object_get(attributes, "public_members"),
                      "[{\"member\": \"allUsers\", \"role\": \"roles/storage.objectViewer\"}, "
                      "{\"member\": \"allAuthenticatedUsers\", \"role\": "
                      "\"roles/storage.legacyBucketReader\"}]");
    assert_string_equal(s(attributes, "encryption_type"), "customer-managed");
    assert_true(json_is_true(json_object_get(attributes, "versioning_enabled")));
    assert_int_equal(json_integer_value(json_object_get(attributes, "retention_seconds")), 604800);
    assert_true(json_is_false(json_object_get(attributes, "retention_locked")));
    assert_true(json_is_true(json_object_get(attributes, "uniform_bucket_level_access")));
    /* public access prevention enforced: never public, whatever the grants */
    assert_string_equal(s(locked, "region"), "us");
    assert_true(json_is_false(json_object_get(locked, "public")));
    assert_string_equal(s(json_object_get(locked, "attributes"), "public_access_prevention"),
                        "enforced");
    assert_true(json_is_false(json_object_get(unknown, "public")));
    /* fine-grained ACLs: allUsers in the default object ACL is public */
    assert_true(json_is_true(json_object_get(legacy, "public")));
    assert_json_equal(fwkx_path(legacy, "attributes.public_members"),
                      "[{\"member\": \"allUsers\", \"role\": \"READER\", \"via\": "
                      "\"defaultObjectAcl\"}]");
    assert_true(json_is_null(fwkx_path(legacy, "attributes.retention_seconds")));
    /* IAM policy not read: unknown, not private */
    assert_true(json_is_null(json_object_get(media_unknown, "public")));
    assert_null(gcp_norm_bucket(inst, "p1", json_array_get(items, 3), iam));
    json_decref(media);
    json_decref(locked);
    json_decref(legacy);
    json_decref(unknown);
    json_decref(media_unknown);
    json_decref(empty_iam);
    json_decref(iam);
    json_decref(items);
}

static void test_cluster_and_sql(void **state)
{
    json_t *clusters = items_of("clusters.json", "clusters");
    json_t *sql = items_of("sql.json", "items");
    json_t *priv = gcp_norm_cluster(inst, "p1", json_array_get(clusters, 0));
    json_t *office = gcp_norm_cluster(inst, "p1", json_array_get(clusters, 1));
    json_t *open = gcp_norm_cluster(inst, "p1", json_array_get(clusters, 2));
    json_t *orders = gcp_norm_sql(inst, "p1", json_array_get(sql, 0));
    json_t *hidden = gcp_norm_sql(inst, "p1", json_array_get(sql, 1));
    json_t *bare = gcp_norm_sql(inst, "p1", json_array_get(sql, 2));

    (void)state;
    assert_string_equal(s(priv, "uid"), "gcp:p1:europe-west2:kubernetes.cluster:prod-gke");
    assert_string_equal(s(priv, "created_at"), "2025-09-19T22:09:30Z");
    assert_true(json_is_false(json_object_get(priv, "public")));
    assert_true(json_is_true(json_object_get(priv, "encrypted")));
    assert_string_equal(s(json_object_get(priv, "attributes"), "kubernetes_version"),
                        "1.29.1-gke.1589");
    assert_json_equal(fwkx_path(priv, "attributes.masterAuth"),
                      "{\"clusterCaCertificate\": \"LS0t\"}");
    assert_true(json_is_false(json_object_get(office, "public")));
    assert_true(json_is_false(json_object_get(office, "encrypted")));
    assert_json_equal(fwkx_path(office, "attributes.master_authorized_networks"),
                      "[\"203.0.113.0/24\"]");
    assert_true(json_is_true(json_object_get(open, "public")));
    assert_true(json_is_null(json_object_get(open, "encrypted")));
    assert_true(json_is_null(fwkx_path(open, "attributes.master_authorized_networks")));
    assert_null(gcp_norm_cluster(inst, "p1", json_array_get(clusters, 3)));

    assert_string_equal(s(orders, "uid"), "gcp:p1:europe-west2:database.instance:orders");
    assert_true(json_is_true(json_object_get(orders, "public")));
    assert_true(json_number_value(json_object_get(orders, "monthly_cost")) == 7.67);
    assert_null(json_object_get(json_object_get(orders, "attributes"), "rootPassword"));
    assert_json_equal(fwkx_path(orders, "attributes.authorized_networks"), "[\"0.0.0.0/0\"]");
    assert_true(json_is_true(fwkx_path(orders, "attributes.backups_enabled")));
    assert_true(json_is_true(fwkx_path(orders, "attributes.high_availability")));
    assert_true(json_is_true(fwkx_path(orders, "attributes.ssl_required")));
    assert_true(json_is_true(fwkx_path(orders, "attributes.deletion_protection")));
    assert_json_equal(json_object_get(orders, "labels"), "{\"env\": \"prod\"}");
    assert_true(json_is_false(json_object_get(hidden, "public")));
    assert_true(json_is_true(fwkx_path(hidden, "attributes.ssl_required")));
    assert_true(json_is_null(json_object_get(hidden, "monthly_cost")));
    assert_string_equal(s(json_object_get(hidden, "attributes"), "encryption_type"),
                        "customer-managed");
    assert_true(json_is_null(json_object_get(bare, "region")));
    assert_string_equal(s(bare, "uid"), "gcp:p1:global:database.instance:bare");
    assert_true(json_is_false(fwkx_path(bare, "attributes.backups_enabled")));
    assert_null(gcp_norm_sql(inst, "p1", json_array_get(sql, 3)));
    json_decref(priv);
    json_decref(office);
    json_decref(open);
    json_decref(orders);
    json_decref(hidden);
    json_decref(bare);
    json_decref(clusters);
    json_decref(sql);
}

static void test_network_and_empty_fields(void **state)
{
    json_t *items = items_of("networks.json", "items");
    json_t *full = gcp_norm_network(inst, "p1", json_array_get(items, 0));
    json_t *bare = gcp_norm_network(inst, "p1", json_array_get(items, 1));
    json_t *empty_vm = json_pack("{s:s, s:s, s:{}, s:[], s:s}", "id", "7", "name", "e", "labels",
                                 "networkInterfaces", "status", "STAGING");
    json_t *vm;

    (void)state;
    assert_string_equal(s(full, "uid"), "gcp:p1:global:network.network:3955086338462669620");
    assert_true(json_is_null(json_object_get(full, "region")));
    assert_string_equal(s(full, "created_at"), "2023-06-14T06:03:46.123Z");
    assert_true(json_is_null(json_object_get(full, "state")));
    assert_true(json_is_null(json_object_get(full, "public")));
    assert_true(json_number_value(json_object_get(full, "monthly_cost")) == 0.0);
    assert_string_equal(s(json_object_get(full, "attributes"), "name"), "default");
    /* an empty name is no name; an empty id is no resource */
    assert_true(json_is_null(json_object_get(bare, "name")));
    assert_null(gcp_norm_network(inst, "p1", json_array_get(items, 2)));
    /* empty labels and interfaces, no zone: global, not public, a transitional state */
    vm = gcp_norm_instance(inst, "p1", empty_vm);
    assert_string_equal(s(vm, "uid"), "gcp:p1:global:compute.instance:7");
    assert_string_equal(s(vm, "state"), "staging");
    assert_true(json_is_false(json_object_get(vm, "public")));
    assert_true(json_is_null(json_object_get(vm, "monthly_cost")));
    assert_int_equal(json_object_size(json_object_get(vm, "labels")), 0);
    json_decref(vm);
    json_decref(empty_vm);
    json_decref(full);
    json_decref(bare);
    json_decref(items);
}

static fwk_status run(const char *kind, const char *regions_json)
{
    json_t *task = json_pack("{s:s, s:s, s:s}", "name", kind, "project", "p1", "kind", kind);
    fwk_status rc;

    if (regions_json)
        json_object_set_new(task, "regions", json_loads(regions_json, 0, NULL));
    rc = gcp_run_task(inst, ctx, task);
    json_decref(task);
    return rc;
}

static void test_task_follows_pages(void **state)
{
    const json_t *req;

    (void)state;
    fake_host_route(ctx, "GET", COMPUTE "/global/firewalls?maxResults=2", 200,
                    "{\"items\": [{\"id\": \"1\", \"name\": \"a\"}, {\"id\": \"2\", \"name\": "
                    "\"b\"}], \"nextPageToken\": \"t/2+\"}");
    fake_host_route(ctx, "GET", COMPUTE "/global/firewalls?maxResults=2&pageToken=t%2F2%2B", 200,
                    "{\"items\": [{\"id\": \"3\", \"name\": \"c\"}], \"nextPageToken\": \"\"}");
    assert_int_equal(run("network.firewall", NULL), FWK_OK);
    assert_int_equal(json_array_size(fake_host_resources(ctx)), 3);
    req = fake_host_request(ctx, 2);
    assert_string_equal(s(req, "url"), COMPUTE "/global/firewalls?maxResults=2&pageToken=t%2F2%2B");
    assert_int_equal(fake_host_counter(ctx, "gcp.resources"), 3);

    /* a token that repeats would never end */
    fake_host_ctx_clear(ctx);
    fake_host_route(ctx, "GET", COMPUTE "/global/firewalls?maxResults=2&pageToken=t%2F2%2B", 200,
                    "{\"items\": [], \"nextPageToken\": \"t/2+\"}");
    assert_int_equal(run("network.firewall", NULL), FWK_ERROR);
    assert_non_null(strstr(fake_host_failure(ctx), "nextPageToken repeats"));
}

static void test_aggregated_zone_unreachable(void **state)
{
    char *page = data_text("instances_aggregated.json");
    const char *url = COMPUTE "/aggregated/instances?returnPartialSuccess=true&maxResults=2";

    (void)state;
    fake_host_route(ctx, "GET", url, 200, page);
    assert_int_equal(run("compute.instance", NULL), FWK_PARTIAL);
    /* the two instances with ids are there; the zone that did not answer and the item
       without an id are named */
    assert_int_equal(json_array_size(fake_host_resources(ctx)), 2);
    assert_string_equal(fake_host_failure(ctx),
                        "project p1: compute.instance: 1 location did not answer, their "
                        "resources are missing: [\"zones/europe-west2-c (The resource "
                        "'projects/p1/zones/europe-west2-c' is not ready)\"]; try again later");
    /* the run's region filter: europe-west2-b only */
    fake_host_ctx_clear(ctx);
    assert_int_equal(run("compute.instance", "[\"europe-west2-b\"]"), FWK_PARTIAL);
    assert_int_equal(json_array_size(fake_host_resources(ctx)), 0);
    free(page);
}

static void test_errors_name_the_api(void **state)
{
    (void)state;
    fake_host_route(
        ctx, "GET", FAKE_ENDPOINT "/sql/v1beta4/projects/p1/instances?maxResults=2", 403,
        "{\"error\": {\"code\": 403, \"message\": \"Cloud SQL Admin API has not been used in "
        "project p1 before or it is disabled.\", \"status\": \"PERMISSION_DENIED\", "
        "\"details\": [{\"@type\": \"type.googleapis.com/google.rpc.ErrorInfo\", \"reason\": "
        "\"SERVICE_DISABLED\", \"domain\": \"googleapis.com\", \"metadata\": {\"service\": "
        "\"sqladmin.googleapis.com\"}}]}}");
    assert_int_equal(run("database.instance", NULL), FWK_ERROR);
    assert_string_equal(
        fake_host_failure(ctx),
        "GET " FAKE_ENDPOINT "/sql/v1beta4/projects/p1/instances?maxResults=2 -> HTTP 403: "
        "PERMISSION_DENIED: Cloud SQL Admin API has not been used in project p1 before or it is "
        "disabled.; could not evaluate: the API sqladmin.googleapis.com is disabled in this "
        "project (SERVICE_DISABLED): enable it (gcloud services enable sqladmin.googleapis.com) "
        "or leave it out of services:");
    fake_host_route(ctx, "GET", FAKE_ENDPOINT "/v1/projects/p1/locations/-/clusters", 403,
                    "{\"error\": {\"code\": 403, \"message\": \"Required "
                    "'container.clusters.list' permission for 'projects/p1'.\", \"status\": "
                    "\"PERMISSION_DENIED\"}}");
    assert_int_equal(run("kubernetes.cluster", NULL), FWK_ERROR);
    assert_non_null(strstr(fake_host_failure(ctx),
                           "HTTP 403: PERMISSION_DENIED: Required 'container.clusters.list' "
                           "permission for 'projects/p1'.; could not evaluate: the credentials "
                           "may not call container.googleapis.com here"));
    /* 429 after the host's retries */
    fake_host_route(ctx, "GET", COMPUTE "/global/networks?maxResults=2", 429,
                    "{\"error\": {\"code\": 429, \"message\": \"Quota exceeded\", \"status\": "
                    "\"RESOURCE_EXHAUSTED\"}}");
    assert_int_equal(run("network.network", NULL), FWK_ERROR);
    assert_non_null(strstr(fake_host_failure(ctx), "HTTP 429: RESOURCE_EXHAUSTED: Quota "
                                                   "exceeded; still throttled by "
                                                   "compute.googleapis.com"));
    /* a cut-short answer */
    fake_host_route(ctx, "GET", COMPUTE "/global/networks?maxResults=2", 200, "{\"items\": [");
    assert_int_equal(run("network.network", NULL), FWK_ERROR);
    assert_non_null(strstr(fake_host_failure(ctx), "global/networks?maxResults=2"));
}

static void test_buckets_and_clusters_tasks(void **state)
{
    char *buckets = data_text("buckets.json");
    char *iam = data_text("bucket_iam_public.json");
    char *clusters = data_text("clusters.json");

    (void)state;
    fake_host_route(ctx, "GET",
                    FAKE_ENDPOINT "/storage/v1/b?project=p1&projection=full&maxResults=2", 200,
                    buckets);
    fake_host_route(ctx, "GET", FAKE_ENDPOINT "/storage/v1/b/media/iam", 200, iam);
    fake_host_route(ctx, "GET", FAKE_ENDPOINT "/storage/v1/b/locked/iam", 200, "{}");
    fake_host_route(ctx, "GET", FAKE_ENDPOINT "/storage/v1/b/legacy/iam", 200, "{}");
    assert_int_equal(run("storage.bucket", NULL), FWK_PARTIAL); /* one item has no name */
    assert_int_equal(json_array_size(fake_host_resources(ctx)), 3);
    assert_non_null(strstr(fake_host_failure(ctx), "1 storage.bucket item without an id"));
    /* the region filter spares the IAM requests of buckets it leaves out */
    fake_host_ctx_clear(ctx);
    assert_int_equal(run("storage.bucket", "[\"europe-west2\"]"), FWK_PARTIAL);
    assert_int_equal(json_array_size(fake_host_resources(ctx)), 1);
    assert_int_equal(json_array_size(fake_host_requests(ctx)), 2);

    fake_host_ctx_clear(ctx);
    fake_host_route(ctx, "GET", FAKE_ENDPOINT "/v1/projects/p1/locations/-/clusters", 200,
                    clusters);
    assert_int_equal(run("kubernetes.cluster", NULL), FWK_PARTIAL);
    assert_int_equal(json_array_size(fake_host_resources(ctx)), 3);
    assert_non_null(strstr(fake_host_failure(ctx), "asia-east1-a (in missingZones)"));
    free(buckets);
    free(iam);
    free(clusters);
}

static void test_plan(void **state)
{
    json_t *tasks = NULL, *request = json_pack("{s:n, s:n}", "kinds", "regions");
    gcp_instance *searched;

    (void)state;
    assert_int_equal(gcp_plan(inst, ctx, request, &tasks), FWK_OK);
    assert_int_equal(json_array_size(tasks), 7);
    assert_string_equal(s(json_array_get(tasks, 0), "name"), "p1/storage.bucket");
    json_decref(tasks);
    /* no projects: projects:search, every page, active ones only */
    searched = make_instance(ctx, "{\"projects\": null, \"services\": [\"sqladmin\"], "
                                  "\"bucket_tasks\": 3}");
    fake_host_route(ctx, "GET", FAKE_ENDPOINT "/v3/projects:search?pageSize=2", 200,
                    "{\"projects\": [{\"projectId\": \"a\", \"state\": \"ACTIVE\"}, "
                    "{\"projectId\": \"gone\", \"state\": \"DELETE_REQUESTED\"}], "
                    "\"nextPageToken\": \"n\"}");
    fake_host_route(ctx, "GET", FAKE_ENDPOINT "/v3/projects:search?pageSize=2&pageToken=n", 200,
                    "{\"projects\": [{\"projectId\": \"b\", \"state\": \"ACTIVE\"}]}");
    assert_int_equal(gcp_plan(searched, ctx, request, &tasks), FWK_OK);
    assert_json_equal(tasks, "[{\"name\": \"a/database.instance\", \"project\": \"a\", \"kind\": "
                             "\"database.instance\", \"share\": 0, \"shares\": 1, \"regions\": "
                             "null}, {\"name\": \"b/database.instance\", \"project\": \"b\", "
                             "\"kind\": \"database.instance\", \"share\": 0, \"shares\": 1, "
                             "\"regions\": null}]");
    json_decref(tasks);
    fawkes_plugin_describe()->fini(searched);
    json_decref(request);
}

static void test_region_filter(void **state)
{
    gcp_instance *filtered =
        make_instance(ctx, "{\"regions\": [\"europe-west2\", \"us-east1-b\"]}");
    char out[64];

    (void)state;
    assert_true(gcp_region_wanted(filtered, "europe-west2"));
    assert_true(gcp_region_wanted(filtered, "europe-west2-c"));
    assert_true(gcp_region_wanted(filtered, "us-east1-b"));
    assert_false(gcp_region_wanted(filtered, "us-east1-c"));
    assert_false(gcp_region_wanted(filtered, "europe-west22"));
    assert_false(gcp_region_wanted(filtered, "us"));
    assert_string_equal(gcp_zone_region("europe-west2-a", out, sizeof out), "europe-west2");
    assert_string_equal(gcp_zone_region("europe-west2", out, sizeof out), "europe-west2");
    assert_string_equal(gcp_zone_region("us", out, sizeof out), "us");
    fawkes_plugin_describe()->fini(filtered);
}

static void test_init_checks(void **state)
{
    json_t *config = base_config("{\"endpoint\": \"ftp://x\"}");
    void *made = NULL;

    (void)state;
    assert_int_equal(fawkes_plugin_describe()->init(fake_host(), ctx, config, &made), FWK_ERROR);
    assert_string_equal(fake_host_failure(ctx), "endpoint: expected an http:// or https:// URL "
                                                "such as http://127.0.0.1:8085, got \"ftp://x\"");
    json_decref(config);
    config = base_config("{\"prices\": {\"e2-medium\": \"cheap\"}}");
    assert_int_equal(fawkes_plugin_describe()->init(fake_host(), ctx, config, &made), FWK_ERROR);
    assert_string_equal(fake_host_failure(ctx),
                        "prices.e2-medium: expected a number of USD (e.g. e2-medium: 25.5)");
    json_decref(config);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_instance, setup, teardown),
        cmocka_unit_test_setup_teardown(test_disk, setup, teardown),
        cmocka_unit_test_setup_teardown(test_firewall, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bucket, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cluster_and_sql, setup, teardown),
        cmocka_unit_test_setup_teardown(test_network_and_empty_fields, setup, teardown),
        cmocka_unit_test_setup_teardown(test_task_follows_pages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_aggregated_zone_unreachable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors_name_the_api, setup, teardown),
        cmocka_unit_test_setup_teardown(test_buckets_and_clusters_tasks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_plan, setup, teardown),
        cmocka_unit_test_setup_teardown(test_region_filter, setup, teardown),
        cmocka_unit_test_setup_teardown(test_init_checks, setup, teardown),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);

    free_test_key();
    return failed;
}
