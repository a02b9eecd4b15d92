/* gcp_provision.c: the provider-neutral spec (docs/provision.md) as Google's calls: a Cloud
   Storage bucket, a Cloud SQL instance, a GKE cluster; dry-run unless applied. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gcp.h"

#define GCP_DEFAULT_NODE_TYPE "e2-standard-4"
#define GCP_DEFAULT_NODES 3

/* The project resources are made in: the first of `projects:`, else the key's project. */
static const char *target_project(const gcp_instance *inst)
{
    const char *first = json_string_value(json_array_get(inst->projects, 0));

    return first ? first : inst->creds->project_id;
}

/* Cloud SQL's databaseVersion for the spec's engine and version: POSTGRES_16, MYSQL_8_0. */
static int database_version(const char *engine, const char *version, char *out, size_t size)
{
    char digits[32];
    size_t n = 0;

    for (const char *p = version ? version : ""; *p && n + 1 < sizeof digits; p++)
        digits[n++] = *p == '.' ? '_' : (char)*p;
    digits[n] = '\0';
    if (strcasecmp(engine, "PostgreSQL") == 0 || strcasecmp(engine, "postgres") == 0)
        snprintf(out, size, "POSTGRES_%s", n ? digits : "16");
    else if (strcasecmp(engine, "MySQL") == 0)
        snprintf(out, size, "MYSQL_%s", n ? digits : "8_0");
    else
        return -1;
    for (char *p = out; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '_')
            return -1;
    return 0;
}

static int plan_bucket(const gcp_instance *inst, const char *project, const char *op,
                       const json_t *spec, json_t *requests)
{
    char name[256], escaped_project[256];
    char *url;
    int rc;

    gcp_esc(fwkx_str(spec, "name", fwkx_str(spec, "id", "")), name, sizeof name);
    gcp_esc(project, escaped_project, sizeof escaped_project);
    if (strcmp(op, "delete") == 0) {
        url = gcp_url(inst, "storage.googleapis.com", "/storage/v1/b/%s", name);
        rc = gcp_plan_request(requests, "DELETE", url, NULL);
        free(url);
        return rc;
    }
    url = gcp_url(inst, "storage.googleapis.com", "/storage/v1/b?project=%s", escaped_project);
    /* private by default: prevention enforced, uniform access */
    rc = gcp_plan_request(
        requests, "POST", url,
        json_pack("{s:s, s:s, s:{s:s, s:{s:b}}, s:{s:s}}", "name", fwkx_str(spec, "name", ""),
                  "location", fwkx_str(spec, "region", ""), "iamConfiguration",
                  "publicAccessPrevention", "enforced", "uniformBucketLevelAccess", "enabled", 1,
                  "labels", "managed-by", "fawkes"));
    free(url);
    return rc;
}

static int plan_database(const gcp_instance *inst, fwk_ctx *ctx, const char *project,
                         const char *op, const json_t *spec, json_t *requests)
{
    char escaped_project[256], name[256], version[64];
    const char *network = fwkx_str(spec, "network_id", NULL);
    json_t *ip;
    char *url;
    int rc;

    gcp_esc(project, escaped_project, sizeof escaped_project);
    gcp_esc(fwkx_str(spec, "name", fwkx_str(spec, "id", "")), name, sizeof name);
    if (strcmp(op, "delete") == 0) {
        url = gcp_url(inst, "sqladmin.googleapis.com", "/sql/v1beta4/projects/%s/instances/%s",
                      escaped_project, name);
        rc = gcp_plan_request(requests, "DELETE", url, NULL);
        free(url);
        return rc;
    }
    if (database_version(fwkx_str(spec, "engine", ""), fwkx_str(spec, "version", NULL), version,
                         sizeof version) != 0) {
        inst->host->fail(ctx,
                         "spec: engine \"%s\" version \"%s\": Cloud SQL takes engine MySQL or "
                         "PostgreSQL and a version such as 8.0 or 16",
                         fwkx_str(spec, "engine", ""), fwkx_str(spec, "version", ""));
        return -2;
    }
    /* no address on the internet: a private network when given, else a public IP that only
       accepts TLS and no authorized network (Cloud SQL connectors only) */
    ip = network ? json_pack("{s:b, s:s, s:s}", "ipv4Enabled", 0, "privateNetwork", network,
                             "sslMode", "ENCRYPTED_ONLY")
                 : json_pack("{s:b, s:s, s:[]}", "ipv4Enabled", 1, "sslMode", "ENCRYPTED_ONLY",
                             "authorizedNetworks");
    url = gcp_url(inst, "sqladmin.googleapis.com", "/sql/v1beta4/projects/%s/instances",
                  escaped_project);
    rc = gcp_plan_request(
        requests, "POST", url,
        json_pack("{s:s, s:s, s:s, s:{s:s, s:s, s:o, s:{s:b}, s:{s:s}}}", "name",
                  fwkx_str(spec, "name", ""), "region", fwkx_str(spec, "region", ""),
                  "databaseVersion", version, "settings", "tier", fwkx_str(spec, "size", ""),
                  "availabilityType", fwkx_int(spec, "nodes", 1) > 1 ? "REGIONAL" : "ZONAL",
                  "ipConfiguration", ip, "backupConfiguration", "enabled", 1, "userLabels",
                  "managed-by", "fawkes"));
    free(url);
    return rc;
}

static int plan_cluster(const gcp_instance *inst, const char *project, const char *op,
                        const json_t *spec, json_t *requests)
{
    char escaped_project[256], region[128], name[256];
    const char *version = fwkx_str(spec, "version", NULL);
    const char *network = fwkx_str(spec, "network_id", NULL);
    json_t *cluster;
    char *url;
    int rc;

    gcp_esc(project, escaped_project, sizeof escaped_project);
    gcp_esc(fwkx_str(spec, "region", ""), region, sizeof region);
    gcp_esc(fwkx_str(spec, "name", fwkx_str(spec, "id", "")), name, sizeof name);
    if (strcmp(op, "delete") == 0) {
        url = gcp_url(inst, "container.googleapis.com", "/v1/projects/%s/locations/%s/clusters/%s",
                      escaped_project, region, name);
        rc = gcp_plan_request(requests, "DELETE", url, NULL);
        free(url);
        return rc;
    }
    cluster = json_pack("{s:s, s:[{s:s, s:I, s:{s:s}}], s:{s:s}}", "name",
                        fwkx_str(spec, "name", ""), "nodePools", "name", "default-pool",
                        "initialNodeCount", fwkx_int(spec, "nodes", GCP_DEFAULT_NODES), "config",
                        "machineType", fwkx_str(spec, "size", GCP_DEFAULT_NODE_TYPE),
                        "resourceLabels", "managed-by", "fawkes");
    if (cluster && version)
        json_object_set_new(cluster, "initialClusterVersion", json_string(version));
    if (cluster && network)
        json_object_set_new(cluster, "network", json_string(network));
    url = gcp_url(inst, "container.googleapis.com", "/v1/projects/%s/locations/%s/clusters",
                  escaped_project, region);
    rc = cluster ? gcp_plan_request(requests, "POST", url, json_pack("{s:o}", "cluster", cluster))
                 : -1;
    free(url);
    return rc;
}

fwk_status gcp_provision(const gcp_instance *inst, fwk_ctx *ctx, const char *what, const char *op,
                         const json_t *spec, int dry_run, json_t **result)
{
    const char *project = target_project(inst);
    json_t *requests = json_array(), *responses = NULL;
    int rc;

    *result = NULL;
    if (!project) {
        inst->host->fail(ctx, "provision: no project to create in: set projects: in the "
                              "instance's config (the first is used)");
        json_decref(requests);
        return FWK_ERROR;
    }
    if (strcmp(what, "bucket") == 0)
        rc = plan_bucket(inst, project, op, spec, requests);
    else if (strcmp(what, "database") == 0)
        rc = plan_database(inst, ctx, project, op, spec, requests);
    else if (strcmp(what, "cluster") == 0)
        rc = plan_cluster(inst, project, op, spec, requests);
    else {
        inst->host->fail(ctx, "provision: gcp makes clusters, databases and buckets, not %s", what);
        json_decref(requests);
        return FWK_UNSUPPORTED;
    }
    if (rc != 0) {
        if (rc == -1)
            inst->host->fail(ctx, "out of memory planning %s %s", what, op);
        json_decref(requests);
        return FWK_ERROR;
    }
    if (!dry_run && gcp_send_planned(inst, ctx, requests, &responses) != FWK_OK) {
        json_decref(requests);
        return FWK_ERROR;
    }
    *result = json_pack("{s:s, s:s, s:s, s:b, s:o}", "what", what, "op", op, "project", project,
                        "dry_run", dry_run != 0, "requests", requests);
    if (*result && responses)
        json_object_set_new(*result, "responses", responses);
    return FWK_OK;
}
