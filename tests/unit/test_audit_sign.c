/* test_audit_sign.c: the signed audit log. Someone who knows the format (audit.h) and
   recomputes every hash, prev and head still cannot get past `verify` with the public key:
   an edit, a dropped tail, reordered lines, another key's signature, an unsigned entry.
   Also: who acted, the approver, mutating requests, notification destinations, the forward,
   the config keys, and the private key never written anywhere. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <pthread.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit.h"
#include "audit_internal.h"
#include "config.h"
#include "log.h"

typedef struct fixture {
    char dir[64];
    char log[128], key_a[128], key_b[128], pub_a[160], pub_b[160];
    audit_key *public_a; /* what the auditor holds */
} fixture;

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    int c;
    while ((c = fgetc(f)) != EOF)
        fputc(c, mem);
    fclose(mem);
    fclose(f);
    return text;
}

/* Configure the process's audit trail with the private key at `key_path` (NULL: none). */
static void configure(const fixture *f, const char *key_path, const char *forward,
                      const char *approve)
{
    char yaml[1024];
    int n = snprintf(yaml, sizeof yaml, "version: 1\nsecurity:\n  audit_log: %s\n", f->log);
    if (key_path)
        n += snprintf(yaml + n, sizeof yaml - (size_t)n, "  audit_signing_key: \"${file:%s}\"\n",
                      key_path);
    if (forward)
        snprintf(yaml + n, sizeof yaml - (size_t)n, "  audit_forward: \"%s\"\n", forward);
    config *cfg = NULL;
    diag err = {{0}};
    assert_int_equal(config_from_string(yaml, "t.yaml", &cfg, &err), 0);
    int rc = audit_configure(cfg, approve, &err);
    if (rc != 0)
        fail_msg("audit_configure: %s", err.text);
    config_free(cfg);
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/fawkes-audit-sign-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->log, sizeof f->log, "%s/audit.jsonl", f->dir);
    snprintf(f->key_a, sizeof f->key_a, "%s/a.pem", f->dir);
    snprintf(f->key_b, sizeof f->key_b, "%s/b.pem", f->dir);
    snprintf(f->pub_a, sizeof f->pub_a, "%s.pub", f->key_a);
    snprintf(f->pub_b, sizeof f->pub_b, "%s.pub", f->key_b);
    char id[17];
    diag err = {{0}};
    if (audit_keygen(f->key_a, f->pub_a, id, &err) != 0 ||
        audit_keygen(f->key_b, f->pub_b, id, &err) != 0)
        return -1;
    f->public_a = audit_key_load_public(f->pub_a, &err);
    *state = f;
    return f->public_a ? 0 : -1;
}

static int teardown(void **state)
{
    fixture *f = *state;
    audit_shutdown();
    log_reset_secrets();
    audit_key_free(f->public_a);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    if (system(cmd) != 0)
        return -1;
    free(f);
    return 0;
}

static void append_n(const char *path, int n)
{
    diag err = {{0}};
    for (int i = 0; i < n; i++)
        assert_int_equal(
            audit_append(path, json_pack("{s:s, s:i}", "event", "action.planned", "n", i), &err),
            0);
}

/* The log's entries, parsed. */
static json_t *entries_of(const char *path)
{
    json_t *list = json_array();
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, f) > 0)
        json_array_append_new(list, json_loads(line, 0, NULL));
    free(line);
    fclose(f);
    return list;
}

/*
 * What an attacker who read audit.h does: write `entries` as the whole log with seq, prev,
 * hash and the head recomputed. With `key` (a private key) every entry and the head are
 * signed with it; without, "sig"/"key_id" stay as they were (strip them first to forge an
 * unsigned entry) and the head carries the last signature it had.
 */
static void forge(const char *path, json_t *entries, const audit_key *key)
{
    char head_path[160];
    snprintf(head_path, sizeof head_path, "%s.head", path);
    json_t *old_head = json_load_file(head_path, 0, NULL);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    char prev[65] = AUDIT_ZERO_HASH;
    json_int_t seq = 0;
    size_t i;
    json_t *entry;
    json_array_foreach (entries, i, entry) {
        seq = (json_int_t)i + 1;
        json_object_set_new(entry, "seq", json_integer(seq));
        json_object_set_new(entry, "prev", json_string(prev));
        if (key)
            json_object_set_new(entry, "key_id", json_string(key->id));
        char hash[65];
        assert_int_equal(audit_entry_hash(entry, hash), 0);
        json_object_set_new(entry, "hash", json_string(hash));
        if (key) {
            char message[128];
            snprintf(message, sizeof message, AUDIT_ENTRY_DOMAIN "%s", hash);
            char *sig = audit_sign(key, message);
            assert_non_null(sig);
            json_object_set_new(entry, "sig", json_string(sig));
            free(sig);
        }
        char *text = json_dumps(entry, AUDIT_DUMP_FLAGS);
        fprintf(f, "%s\n", text);
        audit_sha256_hex(text, strlen(text), prev);
        free(text);
    }
    fclose(f);
    json_t *head = json_pack("{s:I, s:s}", "seq", seq, "hash", prev);
    if (key) {
        char message[160];
        audit_head_message(seq, prev, message, sizeof message);
        char *sig = audit_sign(key, message);
        json_object_set_new(head, "key_id", json_string(key->id));
        json_object_set_new(head, "sig", json_string(sig));
        free(sig);
    } else if (old_head && json_object_get(old_head, "sig")) {
        json_object_set(head, "key_id", json_object_get(old_head, "key_id"));
        json_object_set(head, "sig", json_object_get(old_head, "sig"));
    }
    assert_int_equal(json_dump_file(head, head_path, JSON_COMPACT), 0);
    json_decref(head);
    json_decref(old_head);
}

/* Verify with the auditor's public key: returns the report (caller frees). */
static json_t *verify_with(const char *path, const audit_key *key, int want_rc)
{
    json_t *report = NULL;
    diag err = {{0}};
    int rc = audit_verify(path, key, &report, &err);
    if (rc != want_rc) {
        char *text = json_dumps(report, JSON_INDENT(2));
        fail_msg("audit_verify returned %d, expected %d: %s %s", rc, want_rc, text, err.text);
    }
    return report;
}

/* The report's first bad line is `line` and the first problem mentions `words`. */
static void expect_first(json_t *report, json_int_t line, const char *words)
{
    json_t *first = json_array_get(json_object_get(report, "problems"), 0);
    const char *text = json_string_value(json_object_get(first, "problem"));
    if (json_integer_value(json_object_get(report, "first_bad_line")) != line ||
        !strstr(text ? text : "", words)) {
        char *dump = json_dumps(report, JSON_INDENT(2));
        fail_msg("expected line %lld with '%s': %s", (long long)line, words, dump);
    }
    assert_false(json_is_true(json_object_get(report, "ok")));
}

static void signed_log_verifies_with_the_public_key(void **state)
{
    fixture *f = *state;
    configure(f, f->key_a, NULL, NULL);
    append_n(f->log, 4);
    json_t *report = verify_with(f->log, f->public_a, 0);
    assert_string_equal(json_string_value(json_object_get(report, "signatures")), "checked");
    assert_string_equal(json_string_value(json_object_get(report, "key_id")), f->public_a->id);
    assert_true(json_is_null(json_object_get(report, "first_bad_line")));
    json_decref(report);
    /* without a key the signatures cannot be checked, and the report says so */
    report = verify_with(f->log, NULL, 0);
    assert_string_equal(json_string_value(json_object_get(report, "signatures")), "unchecked");
    json_decref(report);
    json_t *list = entries_of(f->log);
    json_t *e = json_array_get(list, 3);
    assert_int_equal(strlen(json_string_value(json_object_get(e, "sig"))), 88);
    assert_string_equal(json_string_value(json_object_get(e, "key_id")), f->public_a->id);
    json_decref(list);
    char head_path[160];
    snprintf(head_path, sizeof head_path, "%s.head", f->log);
    json_t *head = json_load_file(head_path, 0, NULL);
    assert_non_null(json_object_get(head, "sig"));
    assert_int_equal(json_integer_value(json_object_get(head, "seq")), 4);
    json_decref(head);
}

static void unsigned_log_says_so(void **state)
{
    fixture *f = *state;
    configure(f, NULL, NULL, NULL);
    append_n(f->log, 3);
    json_t *report = verify_with(f->log, NULL, 0);
    assert_string_equal(json_string_value(json_object_get(report, "signatures")), "none");
    json_decref(report);
    /* an auditor expecting a signed log: every entry and the head are wrong */
    report = verify_with(f->log, f->public_a, 1);
    expect_first(report, 1, "unsigned entry in a signed log");
    assert_int_equal(json_array_size(json_object_get(report, "problems")), 4);
    json_decref(report);
}

static void edit_with_recomputed_chain_is_detected(void **state)
{
    fixture *f = *state;
    configure(f, f->key_a, NULL, NULL);
    append_n(f->log, 5);
    json_t *list = entries_of(f->log);
    json_object_set_new(json_array_get(list, 2), "n", json_integer(99));
    forge(f->log, list, NULL);
    /* the chain itself is perfect: only the signatures tell */
    json_t *report = verify_with(f->log, NULL, 0);
    json_decref(report);
    report = verify_with(f->log, f->public_a, 1);
    expect_first(report, 3, "signature does not verify");
    json_decref(report);
    /* the same edit with the signature stripped */
    json_object_del(json_array_get(list, 2), "sig");
    json_object_del(json_array_get(list, 2), "key_id");
    forge(f->log, list, NULL);
    report = verify_with(f->log, f->public_a, 1);
    expect_first(report, 3, "unsigned entry in a signed log");
    json_decref(report);
    json_decref(list);
}

static void dropped_tail_is_detected(void **state)
{
    fixture *f = *state;
    configure(f, f->key_a, NULL, NULL);
    append_n(f->log, 4);
    json_t *list = entries_of(f->log);
    json_array_remove(list, 3);
    /* head recomputed for the shorter log; it keeps the last signature it had */
    forge(f->log, list, NULL);
    json_t *report = verify_with(f->log, f->public_a, 1);
    expect_first(report, 0, "signature does not verify with key");
    assert_int_equal(json_array_size(json_object_get(report, "problems")), 1);
    json_decref(report);
    /* head recomputed without a signature: refused even without the public key */
    char head_path[160];
    snprintf(head_path, sizeof head_path, "%s.head", f->log);
    json_t *head = json_load_file(head_path, 0, NULL);
    json_object_del(head, "sig");
    json_object_del(head, "key_id");
    json_dump_file(head, head_path, JSON_COMPACT);
    json_decref(head);
    report = verify_with(f->log, NULL, 1);
    expect_first(report, 0, "is not signed in a signed log");
    json_decref(report);
    report = verify_with(f->log, f->public_a, 1);
    expect_first(report, 0, "is not signed in a signed log");
    json_decref(report);
    json_decref(list);
}

static void reordered_lines_are_detected(void **state)
{
    fixture *f = *state;
    configure(f, f->key_a, NULL, NULL);
    append_n(f->log, 4);
    json_t *list = entries_of(f->log);
    json_t *second = json_incref(json_array_get(list, 1));
    json_array_remove(list, 1);
    json_array_insert_new(list, 2, second);
    forge(f->log, list, NULL);
    json_t *report = verify_with(f->log, f->public_a, 1);
    expect_first(report, 2, "signature does not verify");
    json_decref(report);
    json_decref(list);
}

static void entry_resigned_with_another_key_is_detected(void **state)
{
    fixture *f = *state;
    configure(f, f->key_a, NULL, NULL);
    append_n(f->log, 4);
    diag err = {{0}};
    char *pem_b = slurp(f->key_b);
    audit_key *key_b = audit_key_from_private_pem(pem_b, &err);
    free(pem_b);
    assert_non_null(key_b);
    json_t *list = entries_of(f->log);
    json_object_set_new(json_array_get(list, 1), "n", json_integer(42));
    forge(f->log, list, key_b); /* every entry and the head now signed by B */
    json_t *report = verify_with(f->log, f->public_a, 1);
    expect_first(report, 1, "signed with another key");
    json_decref(report);
    /* B's signatures claiming to be A's */
    size_t i;
    json_t *e;
    forge(f->log, list, key_b);
    json_decref(list);
    list = entries_of(f->log);
    json_array_foreach (list, i, e)
        json_object_set_new(e, "key_id", json_string(f->public_a->id));
    /* the key_id is inside the hash: re-sign the recomputed hashes with B, label them A */
    FILE *out = fopen(f->log, "w");
    char prev[65] = AUDIT_ZERO_HASH;
    json_array_foreach (list, i, e) {
        json_object_set_new(e, "prev", json_string(prev));
        char hash[65], message[128];
        audit_entry_hash(e, hash);
        json_object_set_new(e, "hash", json_string(hash));
        snprintf(message, sizeof message, AUDIT_ENTRY_DOMAIN "%s", hash);
        char *sig = audit_sign(key_b, message);
        json_object_set_new(e, "sig", json_string(sig));
        free(sig);
        char *text = json_dumps(e, AUDIT_DUMP_FLAGS);
        fprintf(out, "%s\n", text);
        audit_sha256_hex(text, strlen(text), prev);
        free(text);
    }
    fclose(out);
    report = verify_with(f->log, f->public_a, 1);
    expect_first(report, 1, "signature does not verify with key");
    json_decref(report);
    json_decref(list);
    audit_key_free(key_b);
}

static void inserted_unsigned_entry_is_detected(void **state)
{
    fixture *f = *state;
    configure(f, f->key_a, NULL, NULL);
    append_n(f->log, 3);
    /* through the real writer, by a process without the key: at the end */
    configure(f, NULL, NULL, NULL);
    append_n(f->log, 1);
    json_t *report = verify_with(f->log, f->public_a, 1);
    expect_first(report, 4, "unsigned entry in a signed log");
    json_decref(report);
    report = verify_with(f->log, NULL, 1); /* mixed: wrong even without the key */
    expect_first(report, 4, "unsigned entry in a signed log");
    json_decref(report);
    /* forged in the middle, the chain recomputed around it */
    json_t *list = entries_of(f->log);
    json_array_remove(list, 3);
    json_array_insert_new(
        list, 1,
        json_pack("{s:s, s:s}", "event", "action.approved", "time", "2026-01-01T00:00:00Z"));
    forge(f->log, list, NULL);
    report = verify_with(f->log, f->public_a, 1);
    expect_first(report, 2, "unsigned entry in a signed log");
    json_decref(report);
    json_decref(list);
}

static void private_key_never_written(void **state)
{
    fixture *f = *state;
    configure(f, f->key_a, NULL, NULL);
    char *pem = slurp(f->key_a);
    assert_non_null(pem);
    /* an entry that quotes the key, whole and one line of it */
    char *body = strchr(pem, '\n') + 1;
    char line[128];
    snprintf(line, sizeof line, "%.*s", (int)strcspn(body, "\n"), body);
    assert_true(strlen(line) > 16);
    diag err = {{0}};
    assert_int_equal(
        audit_append(f->log, json_pack("{s:s, s:s, s:s}", "event", "x", "whole", pem, "line", line),
                     &err),
        0);
    char *text = slurp(f->log);
    char head_path[160];
    snprintf(head_path, sizeof head_path, "%s.head", f->log);
    char *head = slurp(head_path);
    assert_null(strstr(text, line));
    assert_null(strstr(head, line));
    assert_non_null(strstr(text, "[REDACTED]"));
    struct stat sb;
    assert_int_equal(stat(f->key_a, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    assert_int_equal(stat(f->pub_a, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0644);
    /* keygen never overwrites */
    char id[17];
    assert_int_equal(audit_keygen(f->key_a, "/tmp/never-written.pub", id, &err), -1);
    assert_non_null(strstr(err.text, "refusing to overwrite"));
    free(text);
    free(head);
    free(pem);
}

static void config_keys_are_checked(void **state)
{
    fixture *f = *state;
    config *cfg = NULL;
    diag err = {{0}};
    /* a key written in the file is refused, and not echoed */
    assert_int_equal(config_from_string("version: 1\nsecurity:\n  audit_signing_key: "
                                        "\"-----BEGIN PRIVATE KEY----- MC4CAQAwBQYDK2VwBCIEIA\"\n",
                                        "t.yaml", &cfg, &err),
                     -1);
    assert_non_null(strstr(err.text, "security.audit_signing_key: expected \"${file:PATH}\""));
    assert_null(strstr(err.text, "MC4CAQ"));
    assert_int_equal(
        config_from_string("version: 1\nsecurity:\n  audit_forward: email\n", "t.yaml", &cfg, &err),
        -1);
    assert_non_null(strstr(err.text, "expected syslog or udp://HOST:PORT"));
    /* a file that is not an Ed25519 key: the config loads, audit_configure refuses it */
    char yaml[512];
    snprintf(yaml, sizeof yaml, "version: 1\nsecurity:\n  audit_signing_key: \"${file:%s}\"\n",
             f->pub_a);
    assert_int_equal(config_from_string(yaml, "t.yaml", &cfg, &err), 0);
    assert_int_equal(audit_configure(cfg, NULL, &err), -1);
    assert_non_null(strstr(err.text, "security.audit_signing_key: not a PEM private key"));
    assert_null(strstr(err.text, "BEGIN PUBLIC"));
    config_free(cfg);
}

static void entries_name_the_actor_and_approver(void **state)
{
    fixture *f = *state;
    configure(f, f->key_a, NULL, "tok-123");
    diag err = {{0}};
    assert_int_equal(
        audit_record(json_pack("{s:s, s:s}", "event", "action.planned", "token", "tok-123"), &err),
        0);
    assert_int_equal(audit_record(json_pack("{s:s}", "event", "action.approved"), &err), 0);
    assert_int_equal(
        audit_record(json_pack("{s:s, s:s}", "event", "provision.executed", "token", "tok-123"),
                     &err),
        0);
    audit_set_token_actor("ops-bot");
    assert_int_equal(audit_record(json_pack("{s:s}", "event", "action.executed"), &err), 0);
    audit_set_token_actor(NULL);
    json_t *list = entries_of(f->log);
    assert_int_equal(json_array_size(list), 4);
    json_t *actor = json_object_get(json_array_get(list, 0), "actor");
    assert_int_equal(json_integer_value(json_object_get(actor, "uid")), (json_int_t)getuid());
    assert_string_equal(json_string_value(json_object_get(actor, "via")), "cli");
    assert_true(json_is_string(json_object_get(actor, "user")) ||
                json_is_null(json_object_get(actor, "user")));
    assert_null(json_object_get(json_array_get(list, 0), "approver"));
    assert_true(json_equal(json_object_get(json_array_get(list, 1), "approver"), actor));
    assert_true(json_equal(json_object_get(json_array_get(list, 2), "approver"), actor));
    json_t *bot = json_object_get(json_array_get(list, 3), "actor");
    assert_string_equal(json_string_value(json_object_get(bot, "token")), "ops-bot");
    assert_string_equal(json_string_value(json_object_get(bot, "via")), "api");
    json_decref(list);
    json_t *report = verify_with(f->log, f->public_a, 0);
    json_decref(report);
}

static void mutating_requests_and_destinations(void **state)
{
    fixture *f = *state;
    configure(f, NULL, NULL, NULL);
    audit_http("civo-prod", "DELETE",
               "https://admin:hun_ter-22@api.example.com:8443/v2/databases/db1?api_key=k_3-y#frag",
               204, 1, NULL);
    audit_http("civo-prod", "POST", "http://127.0.0.1:9/v2/x?token=a_b-c", 0, 0,
               "POST http://127.0.0.1:9/v2/x: no response after 1 attempt: refused");
    /* a webhook URL registered as a secret stays hidden, with its query cut off */
    log_add_secret("https://hooks.example.com/services/T0/B0/XX_XX-secret?x=1");
    audit_http("hook", "POST", "https://hooks.example.com/services/T0/B0/XX_XX-secret?x=1", 200, 1,
               NULL);
    log_reset_secrets();
    json_t *list = entries_of(f->log);
    assert_string_equal(json_string_value(json_object_get(json_array_get(list, 2), "url")),
                        "[REDACTED]");
    json_array_remove(list, 2);
    json_t *e = json_array_get(list, 0);
    assert_string_equal(json_string_value(json_object_get(e, "event")), "http.request");
    assert_string_equal(json_string_value(json_object_get(e, "instance")), "civo-prod");
    assert_string_equal(json_string_value(json_object_get(e, "method")), "DELETE");
    assert_string_equal(json_string_value(json_object_get(e, "url")),
                        "https://api.example.com:8443/v2/databases/db1");
    assert_int_equal(json_integer_value(json_object_get(e, "status")), 204);
    e = json_array_get(list, 1);
    assert_string_equal(json_string_value(json_object_get(e, "url")), "http://127.0.0.1:9/v2/x");
    assert_non_null(strstr(json_string_value(json_object_get(e, "error")), "refused"));
    json_decref(list);
    char *text = slurp(f->log);
    assert_null(strstr(text, "hun_ter-22"));
    assert_null(strstr(text, "k_3-y"));
    assert_null(strstr(text, "a_b-c"));
    assert_null(strstr(text, "XX_XX-secret"));
    free(text);

    audit_dest_note("https://ignored.example.com/"); /* not collecting: nothing */
    audit_dest_begin();
    audit_dest_note("https://hooks.slack.com/services/T0/B0/XXXX");
    audit_dest_note("https://hooks.slack.com/services/other");
    audit_dest_note("smtps://mail.example.com:465");
    audit_dest_note("not a url");
    json_t *hosts = audit_dest_end();
    json_t *want = json_pack("[s, s]", "hooks.slack.com", "mail.example.com:465");
    assert_true(json_equal(hosts, want));
    json_decref(want);
    json_t *message = json_pack("{s:b, s:[{s:s}, {s:s}]}", "digest", 0, "findings", "fingerprint",
                                "fp-1", "fingerprint", "fp-2");
    audit_notification("run-1", "nightly", "slack", "slack", message, hosts, true, NULL);
    json_decref(message);
    list = entries_of(f->log);
    e = json_array_get(list, 3);
    assert_string_equal(json_string_value(json_object_get(e, "event")), "notify.sent");
    want = json_pack("[s, s]", "fp-1", "fp-2");
    assert_true(json_equal(json_object_get(e, "fingerprints"), want));
    json_decref(want);
    assert_string_equal(json_string_value(json_array_get(json_object_get(e, "destinations"), 0)),
                        "hooks.slack.com");
    json_decref(list);
    json_t *hosts2 = audit_dest_end(); /* ended: empty */
    assert_int_equal(json_array_size(hosts2), 0);
    json_decref(hosts2);
}

static void entries_are_forwarded_over_udp(void **state)
{
    fixture *f = *state;
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(fd, (struct sockaddr *)&addr, sizeof addr), 0);
    socklen_t len = sizeof addr;
    getsockname(fd, (struct sockaddr *)&addr, &len);
    char forward[64];
    snprintf(forward, sizeof forward, "udp://127.0.0.1:%d", ntohs(addr.sin_port));
    configure(f, f->key_a, forward, NULL);
    append_n(f->log, 2);
    char *text = slurp(f->log);
    char *second = strchr(text, '\n') + 1;
    second[strcspn(second, "\n")] = '\0';
    char buf[65536];
    for (int i = 0; i < 2; i++) {
        ssize_t n = recv(fd, buf, sizeof buf - 1, 0);
        assert_true(n > 0);
        buf[n] = '\0';
        assert_true(strncmp(buf, "<86>1 ", 6) == 0);
        assert_non_null(strstr(buf, " fawkes-audit "));
    }
    /* the copy of the last entry is the line itself, signature included */
    assert_non_null(strstr(buf, second));
    assert_non_null(strstr(buf, "\"sig\":"));
    free(text);
    close(fd);
    /* a forward that cannot be opened is a config error */
    config *cfg = NULL;
    diag err = {{0}};
    assert_int_equal(config_from_string("version: 1\nsecurity:\n  audit_forward: "
                                        "\"udp://no-such-host.invalid:514\"\n",
                                        "t.yaml", &cfg, &err),
                     0);
    assert_int_equal(audit_configure(cfg, NULL, &err), -1);
    assert_non_null(strstr(err.text, "security.audit_forward"));
    config_free(cfg);
}

static void *send_many(void *arg)
{
    const char *name = arg;
    audit_set_token_actor(name);
    for (int i = 0; i < 40; i++)
        audit_http(name, "POST", "https://api.example.com/v2/x?i=1", 200, 1, NULL);
    audit_set_token_actor(NULL);
    return NULL;
}

/* Threads of one process appending at once (as HTTP workers do) while the settings are
   reloaded: one intact signed chain, each entry naming its own thread's actor. */
static void concurrent_appends_keep_one_signed_chain(void **state)
{
    fixture *f = *state;
    configure(f, f->key_a, NULL, NULL);
    static char *names[] = {"t0", "t1", "t2", "t3"};
    pthread_t threads[4];
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&threads[i], NULL, send_many, names[i]), 0);
    /* meanwhile, reloads: the same settings again, and one that fails and changes nothing */
    char yaml[512];
    snprintf(yaml, sizeof yaml,
             "version: 1\nsecurity:\n  audit_log: %s/other.jsonl\n"
             "  audit_signing_key: \"${file:%s}\"\n",
             f->dir, f->pub_a);
    config *bad = NULL;
    diag err = {{0}};
    assert_int_equal(config_from_string(yaml, "t.yaml", &bad, &err), 0);
    for (int i = 0; i < 20; i++) {
        configure(f, f->key_a, NULL, NULL);
        assert_int_equal(audit_configure(bad, NULL, &err), -1);
    }
    config_free(bad);
    for (int i = 0; i < 4; i++)
        pthread_join(threads[i], NULL);
    char other[160];
    snprintf(other, sizeof other, "%s/other.jsonl", f->dir);
    assert_int_equal(access(other, F_OK), -1);
    json_t *report = verify_with(f->log, f->public_a, 0);
    assert_int_equal(json_integer_value(json_object_get(report, "entries")), 160);
    json_decref(report);
    json_t *list = entries_of(f->log);
    size_t i;
    json_t *e;
    json_array_foreach (list, i, e)
        assert_string_equal(
            json_string_value(json_object_get(e, "instance")),
            json_string_value(json_object_get(json_object_get(e, "actor"), "token")));
    json_decref(list);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(signed_log_verifies_with_the_public_key, setup, teardown),
        cmocka_unit_test_setup_teardown(unsigned_log_says_so, setup, teardown),
        cmocka_unit_test_setup_teardown(edit_with_recomputed_chain_is_detected, setup, teardown),
        cmocka_unit_test_setup_teardown(dropped_tail_is_detected, setup, teardown),
        cmocka_unit_test_setup_teardown(reordered_lines_are_detected, setup, teardown),
        cmocka_unit_test_setup_teardown(entry_resigned_with_another_key_is_detected, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(inserted_unsigned_entry_is_detected, setup, teardown),
        cmocka_unit_test_setup_teardown(private_key_never_written, setup, teardown),
        cmocka_unit_test_setup_teardown(config_keys_are_checked, setup, teardown),
        cmocka_unit_test_setup_teardown(entries_name_the_actor_and_approver, setup, teardown),
        cmocka_unit_test_setup_teardown(mutating_requests_and_destinations, setup, teardown),
        cmocka_unit_test_setup_teardown(entries_are_forwarded_over_udp, setup, teardown),
        cmocka_unit_test_setup_teardown(concurrent_appends_keep_one_signed_chain, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
