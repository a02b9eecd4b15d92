/* test_aws_sigv4.c: the 38 cases of AWS's SigV4 test suite (tests/data/sigv4), each signed in
   the Authorization header and in the query: canonical request, string to sign, signature
   and the Authorization header (or X-Amz-Signature) byte for byte. */
#include <dirent.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <fawkes/fwkx.h>

#include "aws_sigv4.h"

#define MAX_HEADERS 32

/* One case: its request parsed from request.txt, its context.json. */
typedef struct sig_case {
    char dir[600];
    char *request; /* request.txt, cut in place into the pointers below */
    char *method, *path, *query;
    fwk_http_header headers[MAX_HEADERS];
    char *header_text[MAX_HEADERS];
    size_t header_count;
    const char *body;
    json_t *context;
} sig_case;

static char *read_file(const char *dir, const char *name)
{
    char path[700];
    FILE *f;
    char *text;
    long size;

    snprintf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    fseek(f, 0, SEEK_END);
    size = ftell(f);
    fseek(f, 0, SEEK_SET);
    text = calloc(1, (size_t)size + 1);
    assert_non_null(text);
    assert_int_equal(fread(text, 1, (size_t)size, f), (size_t)size);
    fclose(f);
    return text;
}

/* "METHOD PATH HTTP/1.1" (the path may hold spaces), headers (folded lines joined with '\n'),
   a blank line, the body. */
static void parse_request(sig_case *c)
{
    char *line = c->request, *next, *version, *colon;

    next = strchr(line, '\n');
    assert_non_null(next);
    *next++ = '\0';
    c->method = line;
    c->path = strchr(line, ' ');
    assert_non_null(c->path);
    *c->path++ = '\0';
    version = strstr(c->path, " HTTP/");
    assert_non_null(version);
    *version = '\0';
    c->query = strchr(c->path, '?');
    if (c->query)
        *c->query++ = '\0';
    c->body = "";
    for (line = next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        if (!*line) { /* the blank line: the body follows */
            c->body = next ? next : "";
            break;
        }
        if (*line == ' ' || *line == '\t') { /* a folded line continues the last value */
            size_t n = c->header_count - 1;
            char *joined = malloc(strlen(c->header_text[n]) + strlen(line) + 2);
            sprintf(joined, "%s\n%s", c->header_text[n], line);
            free(c->header_text[n]);
            c->header_text[n] = joined;
            c->headers[n].value = joined;
            continue;
        }
        colon = strchr(line, ':');
        assert_non_null(colon);
        assert_true(c->header_count < MAX_HEADERS);
        *colon = '\0';
        c->header_text[c->header_count] = strdup(colon + 1);
        c->headers[c->header_count].name = line;
        c->headers[c->header_count].value = c->header_text[c->header_count];
        c->header_count++;
    }
}

static void load_case(sig_case *c, const char *dir)
{
    json_error_t err;
    char *context;

    memset(c, 0, sizeof *c);
    snprintf(c->dir, sizeof c->dir, "%s", dir);
    c->request = read_file(dir, "request.txt");
    parse_request(c);
    context = read_file(dir, "context.json");
    c->context = json_loads(context, 0, &err);
    free(context);
    if (!c->context)
        fail_msg("%s/context.json: %s", dir, err.text);
}

static void free_case(sig_case *c)
{
    for (size_t i = 0; i < c->header_count; i++)
        free(c->header_text[i]);
    free(c->request);
    json_decref(c->context);
}

/* Compare `got` with the file's text (a trailing newline in the file ignored). */
static void expect_file(const sig_case *c, const char *name, const char *got)
{
    char *want = read_file(c->dir, name);
    size_t len = strlen(want);

    while (len > 0 && want[len - 1] == '\n')
        want[--len] = '\0';
    if (!got || strcmp(want, got) != 0)
        fail_msg("%s/%s:\nwant: [%s]\ngot:  [%s]", c->dir, name, want, got ? got : "(null)");
    free(want);
}

/* The line of header-signed-request.txt that starts with "Authorization:", without it. */
static char *expected_authorization(const sig_case *c)
{
    char *signed_request = read_file(c->dir, "header-signed-request.txt");
    char *line = strstr(signed_request, "\nAuthorization:");
    char *end, *value;

    assert_non_null(line);
    line += strlen("\nAuthorization:");
    end = strchr(line, '\n');
    value = end ? strndup(line, (size_t)(end - line)) : strdup(line);
    free(signed_request);
    return value;
}

static void run_case(const char *dir, int presign)
{
    sig_case c;
    const json_t *creds_json;
    aws_credentials creds;
    char amz_date[17], hash[65];
    int64_t unix_ms = 0;
    aws_sign_input in = {0};
    aws_sign_output out;
    const char *prefix = presign ? "query-" : "header-";
    char name[64];

    load_case(&c, dir);
    creds_json = json_object_get(c.context, "credentials");
    creds = (aws_credentials){(char *)fwkx_str(creds_json, "access_key_id", NULL),
                              (char *)fwkx_str(creds_json, "secret_access_key", NULL),
                              (char *)fwkx_str(creds_json, "token", NULL)};
    assert_int_equal(fwkx_time_parse(fwkx_str(c.context, "timestamp", ""), &unix_ms), 0);
    aws_amz_date(unix_ms, amz_date);
    aws_sha256_hex(c.body, strlen(c.body), hash);
    in.method = c.method;
    in.path = c.path;
    in.query = c.query;
    in.headers = c.headers;
    in.header_count = c.header_count;
    in.payload_hash = fwkx_bool(c.context, "sign_body", 0) ? hash : AWS_EMPTY_SHA256;
    in.region = fwkx_str(c.context, "region", NULL);
    in.service = fwkx_str(c.context, "service", NULL);
    in.amz_date = amz_date;
    in.path_keep_dots = !fwkx_bool(c.context, "normalize", 1);
    in.sign_content_sha256 = !presign && fwkx_bool(c.context, "sign_body", 0);
    in.omit_session_token = fwkx_bool(c.context, "omit_session_token", 0);
    in.presign_expires_s = presign ? (long)fwkx_int(c.context, "expiration_in_seconds", 0) : 0;
    assert_int_equal(aws_sigv4_sign(&in, &creds, &out), 0);

    snprintf(name, sizeof name, "%scanonical-request.txt", prefix);
    expect_file(&c, name, out.canonical_request);
    snprintf(name, sizeof name, "%sstring-to-sign.txt", prefix);
    expect_file(&c, name, out.string_to_sign);
    snprintf(name, sizeof name, "%ssignature.txt", prefix);
    expect_file(&c, name, out.signature);
    if (presign) {
        char want[100];
        snprintf(want, sizeof want, "&X-Amz-Signature=%s", out.signature);
        assert_non_null(out.query);
        assert_non_null(strstr(out.query, want));
    } else {
        char *authorization = expected_authorization(&c);
        assert_string_equal(out.authorization, authorization);
        free(authorization);
    }
    aws_sign_output_free(&out);
    free_case(&c);
}

static int case_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every case folder of the suite, sorted. */
static size_t list_cases(char ***names)
{
    DIR *dir = opendir(AWS_TEST_DATA "/sigv4");
    struct dirent *entry;
    size_t count = 0;

    assert_non_null(dir);
    *names = NULL;
    while ((entry = readdir(dir))) {
        char context[700];
        FILE *f;
        snprintf(context, sizeof context, "%s/sigv4/%s/context.json", AWS_TEST_DATA, entry->d_name);
        f = fopen(context, "r");
        if (!f)
            continue;
        fclose(f);
        *names = realloc(*names, (count + 1) * sizeof **names);
        (*names)[count++] = strdup(entry->d_name);
    }
    closedir(dir);
    qsort(*names, count, sizeof **names, case_cmp);
    return count;
}

static void test_suite(void **state, int presign)
{
    char **names;
    size_t count = list_cases(&names);

    (void)state;
    assert_int_equal(count, 38);
    for (size_t i = 0; i < count; i++) {
        char dir[600];
        snprintf(dir, sizeof dir, "%s/sigv4/%s", AWS_TEST_DATA, names[i]);
        run_case(dir, presign);
        free(names[i]);
    }
    free(names);
}

static void test_header_signing(void **state)
{
    test_suite(state, 0);
}

static void test_query_signing(void **state)
{
    test_suite(state, 1);
}

/* A wrong secret gives another signature (the suite cannot pass by accident). */
static void test_wrong_secret(void **state)
{
    const fwk_http_header host = {"Host", "example.amazonaws.com"};
    aws_credentials creds = {"AKIDEXAMPLE", "not-the-secret", NULL};
    aws_sign_input in = {.method = "GET",
                         .path = "/",
                         .headers = &host,
                         .header_count = 1,
                         .payload_hash = AWS_EMPTY_SHA256,
                         .region = "us-east-1",
                         .service = "service",
                         .amz_date = "20150830T123600Z"};
    aws_sign_output out;

    (void)state;
    assert_int_equal(aws_sigv4_sign(&in, &creds, &out), 0);
    assert_string_not_equal(out.signature,
                            "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
    aws_sign_output_free(&out);
    in.amz_date = "2015-08-30";
    assert_int_equal(aws_sigv4_sign(&in, &creds, &out), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header_signing),
        cmocka_unit_test(test_query_signing),
        cmocka_unit_test(test_wrong_secret),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
