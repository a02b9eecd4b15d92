/* test_gcp_jwt.c: unit tests of the gcp plugin's credentials: base64url, the RS256 JWT
   assertion (verified with the key's public half), the token exchange and its cache, the
   refresh on a 401, Application Default Credentials order, and that no secret reaches a
   message or a log. */
#include "gcp_fixture.h"

#include <sys/stat.h>
#include <unistd.h>

#define NETWORKS_URL FAKE_ENDPOINT "/compute/v1/projects/p1/global/networks?maxResults=2"

/* base64url text to bytes (malloc'd, *len set); NULL when invalid. */
static unsigned char *b64url_decode(const char *text, size_t *len)
{
    size_t n = strlen(text), padded = (n + 3) / 4 * 4;
    char *std = calloc(1, padded + 1);
    unsigned char *out = calloc(1, padded + 1);
    int written;

    for (size_t i = 0; i < padded; i++)
        std[i] = i < n ? (text[i] == '-' ? '+' : text[i] == '_' ? '/' : text[i]) : '=';
    written = EVP_DecodeBlock(out, (unsigned char *)std, (int)padded);
    free(std);
    if (written < 0) {
        free(out);
        return NULL;
    }
    *len = (size_t)written - (padded - n); /* EVP_DecodeBlock counts the padding's zeros */
    return out;
}

static json_t *decode_part(const char *text, size_t len)
{
    char *part = strndup(text, len);
    size_t size;
    unsigned char *bytes = b64url_decode(part, &size);
    json_t *value = bytes ? json_loadb((const char *)bytes, size, 0, NULL) : NULL;

    free(part);
    free(bytes);
    return value;
}

/* Whether `jwt`'s signature verifies with the test key's public half. */
static int signature_ok(const char *jwt)
{
    const char *last = strrchr(jwt, '.');
    size_t sig_len;
    unsigned char *sig = b64url_decode(last + 1, &sig_len);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int ok =
        EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, test_key) == 1 &&
        EVP_DigestVerify(md, sig, sig_len, (const unsigned char *)jwt, (size_t)(last - jwt)) == 1;

    EVP_MD_CTX_free(md);
    free(sig);
    return ok;
}

static void test_base64url(void **state)
{
    const unsigned char bytes[] = {0xfb, 0xff, 0xbf};
    char *text;

    (void)state;
    text = gcp_base64url((const unsigned char *)"f", 1);
    assert_string_equal(text, "Zg");
    free(text);
    text = gcp_base64url((const unsigned char *)"foob", 4);
    assert_string_equal(text, "Zm9vYg");
    free(text);
    text = gcp_base64url((const unsigned char *)"foobar", 6);
    assert_string_equal(text, "Zm9vYmFy");
    free(text);
    text = gcp_base64url(bytes, 3); /* '+' and '/' in base64 */
    assert_string_equal(text, "-_-_");
    free(text);
    text = gcp_base64url(bytes, 0);
    assert_string_equal(text, "");
    free(text);
}

static void test_assertion_verifies(void **state)
{
    void *key = gcp_key_parse(test_key_pem);
    char *jwt = gcp_jwt_assertion(key, "kid-1", TEST_EMAIL, GCP_SCOPE, TOKEN_URI, 1700000000);
    const char *dot1 = strchr(jwt, '.');
    const char *dot2 = strchr(dot1 + 1, '.');
    json_t *header = decode_part(jwt, (size_t)(dot1 - jwt));
    json_t *claims = decode_part(dot1 + 1, (size_t)(dot2 - dot1 - 1));
    char *tampered;

    (void)state;
    assert_non_null(key);
    assert_json_equal(header, "{\"alg\": \"RS256\", \"typ\": \"JWT\", \"kid\": \"kid-1\"}");
    assert_json_equal(claims, "{\"iss\": \"" TEST_EMAIL "\", \"scope\": \"" GCP_SCOPE
                              "\", \"aud\": \"" TOKEN_URI "\", \"iat\": 1700000000, "
                              "\"exp\": 1700003600}");
    assert_true(signature_ok(jwt));
    /* one changed byte of the claims breaks the signature */
    tampered = strdup(jwt);
    tampered[dot1 - jwt + 3] = tampered[dot1 - jwt + 3] == 'A' ? 'B' : 'A';
    assert_false(signature_ok(tampered));
    free(tampered);
    json_decref(header);
    json_decref(claims);
    free(jwt);
    gcp_key_free(key);
}

static void test_key_parse_refuses(void **state)
{
    EVP_PKEY *ec = EVP_EC_gen("P-256");
    BIO *bio = BIO_new(BIO_s_mem());
    BUF_MEM *mem;
    char *pem;

    (void)state;
    assert_null(gcp_key_parse("not a key"));
    assert_null(gcp_key_parse("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"));
    PEM_write_bio_PrivateKey(bio, ec, NULL, NULL, 0, NULL, NULL);
    BIO_get_mem_ptr(bio, &mem);
    pem = strndup(mem->data, mem->length);
    assert_null(gcp_key_parse(pem)); /* an EC key cannot sign RS256 */
    free(pem);
    BIO_free(bio);
    EVP_PKEY_free(ec);
}

/* The form field `name` of a token request's body (malloc'd, still URL-escaped). */
static char *form_field(const char *body, const char *name)
{
    size_t len = strlen(name);

    for (const char *p = body; p && *p; p = strchr(p, '&') ? strchr(p, '&') + 1 : NULL) {
        if (strncmp(p, name, len) == 0 && p[len] == '=') {
            const char *end = strchr(p, '&');
            return strndup(p + len + 1, end ? (size_t)(end - p - len - 1) : strlen(p + len + 1));
        }
    }
    return NULL;
}

static fwk_status run_networks(void)
{
    json_t *task = json_pack("{s:s, s:s, s:s}", "name", "p1/network.network", "project", "p1",
                             "kind", "network.network");
    fwk_status rc = gcp_run_task(inst, ctx, task);

    json_decref(task);
    return rc;
}

static void test_token_exchange_and_cache(void **state)
{
    const json_t *req;
    char *grant, *assertion;

    (void)state;
    fake_host_route(ctx, "GET", NETWORKS_URL, 200, "{\"kind\": \"compute#networkList\"}");
    assert_int_equal(run_networks(), FWK_OK);
    assert_int_equal(run_networks(), FWK_OK);
    /* one token for both tasks, then the API calls with it */
    assert_int_equal(json_array_size(fake_host_requests(ctx)), 3);
    req = fake_host_request(ctx, 0);
    assert_string_equal(s(req, "method"), "POST");
    assert_string_equal(s(req, "url"), TOKEN_URI);
    assert_string_equal(fake_host_request_header(req, "Content-Type"),
                        "application/x-www-form-urlencoded");
    grant = form_field(s(req, "body"), "grant_type");
    assert_string_equal(grant, "urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer");
    assertion = form_field(s(req, "body"), "assertion");
    assert_non_null(assertion);
    assert_true(signature_ok(assertion));
    for (size_t i = 1; i < 3; i++)
        assert_string_equal(fake_host_request_header(fake_host_request(ctx, i), "Authorization"),
                            "Bearer " TEST_TOKEN);
    assert_int_equal(fake_host_counter(ctx, "gcp.tokens"), 1);
    free(grant);
    free(assertion);
}

static void test_refresh_once_on_401(void **state)
{
    const fake_host_response expired = {.method = "GET",
                                        .url = NETWORKS_URL,
                                        .status = 401,
                                        .body = "{\"error\": {\"code\": 401, \"message\": "
                                                "\"Request had invalid authentication "
                                                "credentials.\", \"status\": "
                                                "\"UNAUTHENTICATED\"}}"};

    (void)state;
    fake_host_push(ctx, &expired);
    fake_host_route(ctx, "GET", NETWORKS_URL, 200, "{\"items\": [{\"id\": \"1\"}]}");
    assert_int_equal(run_networks(), FWK_OK);
    assert_int_equal(fake_host_counter(ctx, "gcp.tokens"), 2);
    assert_int_equal(fake_host_counter(ctx, "gcp.token_refreshed_on_401"), 1);
    assert_int_equal(json_array_size(fake_host_resources(ctx)), 1);

    /* refused again with the new token: one retry only, then the failure says so */
    fake_host_ctx_clear(ctx);
    fake_host_push(ctx, &expired);
    fake_host_push(ctx, &expired);
    assert_int_equal(run_networks(), FWK_ERROR);
    assert_int_equal(json_array_size(fake_host_requests(ctx)), 3); /* GET, POST, GET */
    assert_non_null(strstr(fake_host_failure(ctx), "HTTP 401: UNAUTHENTICATED: Request had"));
    assert_non_null(strstr(fake_host_failure(ctx), "a fresh access token was refused too"));
}

/* No failure or log line holds the key, the assertion or a token. */
static void assert_no_secrets(void)
{
    json_t *all = json_pack("[O, O]", fake_host_failures(ctx), fake_host_logs(ctx));
    char *text = json_dumps(all, 0);

    assert_null(strstr(text, "PRIVATE KEY"));
    assert_null(strstr(text, "assertion"));
    assert_null(strstr(text, TEST_TOKEN));
    assert_null(strstr(text, "eyJ")); /* a JWT's base64url header */
    assert_null(strstr(text, "refresh-tok"));
    free(text);
    json_decref(all);
}

static void test_token_refused_names_source_not_secrets(void **state)
{
    (void)state;
    fake_host_route(ctx, "POST", TOKEN_URI, 400,
                    "{\"error\": \"invalid_grant\", \"error_description\": \"Invalid JWT "
                    "Signature.\"}");
    assert_int_equal(run_networks(), FWK_ERROR);
    assert_string_equal(fake_host_failure(ctx),
                        "POST " TOKEN_URI " -> HTTP 400: invalid_grant: Invalid JWT Signature.; "
                        "the key was refused: check that the service account and its key still "
                        "exist and are enabled, and that this machine's clock is right "
                        "(credentials from credentials_file)");
    assert_no_secrets();
}

static void test_adc_order(void **state)
{
    char dir[] = "/tmp/gcp-adc-XXXXXX";
    char path[256], ref[300];
    const char *user = "{\"type\": \"authorized_user\", \"client_id\": \"cid\", "
                       "\"client_secret\": \"csecret\", \"refresh_token\": \"refresh-tok\"}";
    json_t *config = base_config(NULL);
    gcp_instance *made = NULL;
    const json_t *req;
    FILE *f;

    (void)state;
    assert_non_null(mkdtemp(dir));
    /* 1. GOOGLE_APPLICATION_CREDENTIALS wins over credentials_file */
    snprintf(path, sizeof path, "%s/user.json", dir);
    snprintf(ref, sizeof ref, "file:%s", path);
    fake_host_set_secret(ctx, ref, user);
    setenv("GOOGLE_APPLICATION_CREDENTIALS", path, 1);
    assert_int_equal(fawkes_plugin_describe()->init(fake_host(), ctx, config, (void **)&made),
                     FWK_OK);
    assert_int_equal(made->creds->type, GCP_CRED_AUTHORIZED_USER);
    assert_string_equal(made->creds->token_uri, FAKE_ENDPOINT "/token");
    fawkes_plugin_describe()->fini(made);
    unsetenv("GOOGLE_APPLICATION_CREDENTIALS");
    /* 2. then credentials_file */
    assert_int_equal(fawkes_plugin_describe()->init(fake_host(), ctx, config, (void **)&made),
                     FWK_OK);
    assert_int_equal(made->creds->type, GCP_CRED_SERVICE_ACCOUNT);
    fawkes_plugin_describe()->fini(made);
    /* 3. then gcloud's ADC file */
    json_object_del(config, "credentials_file");
    setenv("CLOUDSDK_CONFIG", dir, 1);
    snprintf(path, sizeof path, "%s/application_default_credentials.json", dir);
    snprintf(ref, sizeof ref, "file:%s", path);
    f = fopen(path, "w");
    fputs(user, f);
    fclose(f);
    fake_host_set_secret(ctx, ref, user);
    assert_int_equal(fawkes_plugin_describe()->init(fake_host(), ctx, config, (void **)&made),
                     FWK_OK);
    assert_int_equal(made->creds->type, GCP_CRED_AUTHORIZED_USER);
    assert_non_null(strstr(made->creds->source, "gcloud ADC file"));
    fawkes_plugin_describe()->fini(made);
    unlink(path);
    /* 4. then the metadata server, at GCE_METADATA_HOST */
    setenv("GCE_METADATA_HOST", "meta.test:8080", 1);
    assert_int_equal(fawkes_plugin_describe()->init(fake_host(), ctx, config, (void **)&made),
                     FWK_OK);
    assert_int_equal(made->creds->type, GCP_CRED_METADATA);
    fawkes_plugin_describe()->fini(inst);
    inst = made;
    fake_host_route(ctx, "GET",
                    "http://meta.test:8080/computeMetadata/v1/instance/service-accounts/default/"
                    "token",
                    200, "{\"access_token\": \"" TEST_TOKEN "\", \"expires_in\": 3599}");
    fake_host_route(ctx, "GET", NETWORKS_URL, 200, "{}");
    assert_int_equal(run_networks(), FWK_OK);
    req = fake_host_request(ctx, 0);
    assert_string_equal(fake_host_request_header(req, "Metadata-Flavor"), "Google");
    unsetenv("GCE_METADATA_HOST");
    unsetenv("CLOUDSDK_CONFIG");
    rmdir(dir);
    json_decref(config);
}

static void test_refresh_token_grant(void **state)
{
    json_t *config = base_config(NULL);
    const char *user = "{\"type\": \"authorized_user\", \"client_id\": \"cid\", "
                       "\"client_secret\": \"csecret\", \"refresh_token\": \"refresh-tok\"}";

    (void)state;
    json_object_set_new(config, "credentials_file", json_string(user));
    fawkes_plugin_describe()->fini(inst);
    inst = NULL;
    assert_int_equal(fawkes_plugin_describe()->init(fake_host(), ctx, config, (void **)&inst),
                     FWK_OK);
    fake_host_route(ctx, "GET", NETWORKS_URL, 200, "{}");
    assert_int_equal(run_networks(), FWK_OK);
    assert_string_equal(s(fake_host_request(ctx, 0), "body"),
                        "grant_type=refresh_token&client_id=cid&client_secret=csecret&"
                        "refresh_token=refresh-tok");
    json_decref(config);
}

static void test_bad_credentials(void **state)
{
    const char *cases[][2] = {
        {"{\"type\": \"external_account\"}", "credentials_file: \"type\" is \"external_account\""},
        {"{\"type\": \"service_account\", \"client_email\": \"a@b\"}",
         "credentials_file: a service_account key needs"},
        {"{\"type\": \"service_account\", \"client_email\": \"a@b\", \"private_key\": "
         "\"-----BEGIN PRIVATE KEY-----\\nc2VjcmV0\\n-----END PRIVATE KEY-----\\n\"}",
         "credentials_file: \"private_key\" is not a PEM RSA private key"},
        {"{\"type\": \"authorized_user\", \"client_id\": \"x\"}",
         "credentials_file: an authorized_user file needs"},
        {"secret-ish garbage", "credentials_file: not a JSON credentials file (line 1, column"},
    };
    void *made;

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *config = base_config(NULL);
        json_object_set_new(config, "credentials_file", json_string(cases[i][0]));
        made = NULL;
        assert_int_equal(fawkes_plugin_describe()->init(fake_host(), ctx, config, &made),
                         FWK_ERROR);
        assert_null(made);
        if (!strstr(fake_host_failure(ctx), cases[i][1]))
            fail_msg("case %zu: %s", i, fake_host_failure(ctx));
        assert_null(strstr(fake_host_failure(ctx), "c2VjcmV0"));
        assert_null(strstr(fake_host_failure(ctx), "garbage"));
        json_decref(config);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_base64url),
        cmocka_unit_test_setup_teardown(test_assertion_verifies, setup, teardown),
        cmocka_unit_test(test_key_parse_refuses),
        cmocka_unit_test_setup_teardown(test_token_exchange_and_cache, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refresh_once_on_401, setup, teardown),
        cmocka_unit_test_setup_teardown(test_token_refused_names_source_not_secrets, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_adc_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refresh_token_grant, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_credentials, setup, teardown),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);

    free_test_key();
    return failed;
}
