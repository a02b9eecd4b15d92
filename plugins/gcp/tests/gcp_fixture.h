/* gcp_fixture.h: the gcp plugin's unit test fixture on the shared fake host
   (tests/support/fawkes_fake_host.h): an RSA key made per test program, a service-account key
   file for it whose token_uri is on the fake endpoint, an instance per test, the test data
   files, and the token endpoint scripted. */
#ifndef GCP_FIXTURE_H
#define GCP_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "gcp.h"
#include "fawkes_fake_host.h"

#define FAKE_ENDPOINT "http://gcp.test"
#define TOKEN_URI FAKE_ENDPOINT "/token"
#define TEST_EMAIL "reader@p1.iam.gserviceaccount.com"
#define TEST_TOKEN "ya29.test-token-1"

/* The plugin's descriptor (gcp.c). */
FWK_PLUGIN_EXPORT const fwk_plugin_descriptor *fawkes_plugin_describe(void);

static EVP_PKEY *test_key; /* made once per test program */
static char *test_key_pem; /* its PKCS#8 PEM */
static char *test_sa_json; /* a service-account key file's text for it */
static fwk_ctx *ctx;
static gcp_instance *inst;

static void make_test_key(void)
{
    BIO *bio;
    BUF_MEM *mem;
    json_t *sa;

    if (test_key)
        return;
    test_key = EVP_RSA_gen(2048);
    assert_non_null(test_key);
    bio = BIO_new(BIO_s_mem());
    assert_int_equal(PEM_write_bio_PrivateKey(bio, test_key, NULL, NULL, 0, NULL, NULL), 1);
    BIO_get_mem_ptr(bio, &mem);
    test_key_pem = strndup(mem->data, mem->length);
    BIO_free(bio);
    sa = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "type", "service_account", "project_id", "p1",
                   "private_key_id", "kid-1", "private_key", test_key_pem, "client_email",
                   TEST_EMAIL, "token_uri", TOKEN_URI);
    test_sa_json = json_dumps(sa, JSON_COMPACT);
    json_decref(sa);
}

__attribute__((unused)) static void free_test_key(void)
{
    EVP_PKEY_free(test_key);
    free(test_key_pem);
    free(test_sa_json);
    test_key = NULL;
}

/* A test data file's JSON, or a failed test. */
__attribute__((unused)) static json_t *data_json(const char *name)
{
    char path[512];
    json_error_t err;
    json_t *value;

    snprintf(path, sizeof path, "%s/%s", GCP_TEST_DATA, name);
    value = json_load_file(path, 0, &err);
    if (!value)
        fail_msg("%s: %s at line %d", name, err.text, err.line);
    return value;
}

/* A test data file's text (malloc'd). */
__attribute__((unused)) static char *data_text(const char *name)
{
    json_t *value = data_json(name);
    char *text = json_dumps(value, JSON_COMPACT);

    json_decref(value);
    return text;
}

/* The config every test starts from, with `extra` members (JSON object text) merged in. */
static json_t *base_config(const char *extra)
{
    json_t *config = json_pack("{s:s, s:s, s:[s], s:[s,s,s,s], s:i, s:i, s:{}}", "credentials_file",
                               test_sa_json, "endpoint", FAKE_ENDPOINT "/", "projects", "p1",
                               "services", "compute", "storage", "container", "sqladmin",
                               "page_size", 2, "bucket_tasks", 1, "prices");

    if (extra) {
        json_t *more = json_loads(extra, 0, NULL);
        assert_non_null(more);
        json_object_update(config, more);
        json_decref(more);
    }
    return config;
}

/* An instance made by the plugin's init; asserts it worked. */
static gcp_instance *make_instance(fwk_ctx *c, const char *extra)
{
    json_t *config = base_config(extra);
    void *made = NULL;

    if (fawkes_plugin_describe()->init(fake_host(), c, config, &made) != FWK_OK)
        fail_msg("init failed: %s", fake_host_failure(c));
    json_decref(config);
    return made;
}

/* The token endpoint answers every request with TEST_TOKEN. */
static void route_token(fwk_ctx *c)
{
    fake_host_route(c, "POST", TOKEN_URI, 200,
                    "{\"access_token\": \"" TEST_TOKEN "\", \"expires_in\": 3599, "
                    "\"token_type\": \"Bearer\"}");
}

static int setup(void **state)
{
    (void)state;
    make_test_key();
    unsetenv("GOOGLE_APPLICATION_CREDENTIALS");
    ctx = fake_host_ctx_new();
    inst = make_instance(ctx, NULL);
    route_token(ctx);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    fawkes_plugin_describe()->fini(inst);
    fake_host_ctx_free(ctx);
    return 0;
}

static const char *s(const json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

#endif
