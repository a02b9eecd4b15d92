/* cmd_audit.c: `fawkes audit verify` (chain and signatures) and `fawkes audit keygen`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "audit.h"
#include "commands.h"
#include "exitcode.h"
#include "state.h"

static void usage(FILE *stream)
{
    fputs("usage: fawkes [-c fawkes.yaml] audit verify [--public-key FILE] [LOG] [-o table|json]\n"
          "       fawkes audit keygen FILE\n"
          "\n"
          "verify: check the audit log (LOG, or security.audit_log, or the playbooks' default\n"
          "~/.local/state/fawkes/audit.jsonl when it exists): every line must carry the\n"
          "SHA-256 of the line before it and of its own content, with no gap in `seq`, and\n"
          "the log must end where LOG.head says. In a signed log (security.audit_signing_key)\n"
          "every entry and the head also carry an Ed25519 signature: with --public-key FILE\n"
          "(or the config's signing key) each is checked, and an unsigned entry, a signature\n"
          "by another key or one that does not verify is reported. Without a key an unsigned\n"
          "log is only protected against edits by someone unaware of its format, and a\n"
          "signed log's signatures cannot be checked (the report says so). Reports each bad\n"
          "line, the first one first. Exit 0: intact; 1: tampered; 2: no audit log\n"
          "configured or given, or a bad key; 4: the file cannot be read.\n"
          "\n"
          "keygen: write a new Ed25519 key pair: FILE (the private key, mode 0600: point\n"
          "security.audit_signing_key at it with \"${file:FILE}\") and FILE.pub (the public\n"
          "key, for the auditor's `verify --public-key`). Existing files are not overwritten.\n",
          stream);
}

static int keygen(const cli_args *args)
{
    if (args->words.count != 2) {
        usage(stderr);
        return EXIT_CODE_USAGE;
    }
    const char *private_path = args->words.items[1];
    size_t len = strlen(private_path) + 5;
    char *public_path = malloc(len);
    if (!public_path) {
        log_user_error("out of memory");
        return EXIT_CODE_INTERNAL;
    }
    snprintf(public_path, len, "%s.pub", private_path);
    char key_id[17];
    diag err = {{0}};
    int rc = audit_keygen(private_path, public_path, key_id, &err);
    if (rc != 0)
        log_user_error("%s", err.text);
    else if (args->format == OUTPUT_JSON || args->format == OUTPUT_JSONL) {
        json_t *out = json_pack("{s:s, s:s, s:s}", "private_key", private_path, "public_key",
                                public_path, "key_id", key_id);
        json_dumpf(out, stdout, args->format == OUTPUT_JSON ? JSON_INDENT(2) : JSON_COMPACT);
        fputc('\n', stdout);
        json_decref(out);
    } else
        printf("private key: %s (keep it secret; security.audit_signing_key: "
               "\"${file:%s}\")\npublic key:  %s (for `fawkes audit verify --public-key`)\n"
               "key id:      %s\n",
               private_path, private_path, public_path, key_id);
    free(public_path);
    return rc == 0 ? EXIT_CODE_OK : EXIT_CODE_USAGE;
}

static void print_table(const json_t *report, const char *path, int rc)
{
    size_t i;
    json_t *p;
    json_array_foreach (json_object_get(report, "problems"), i, p) {
        json_int_t line = json_integer_value(json_object_get(p, "line"));
        if (line > 0)
            printf("%s:%" JSON_INTEGER_FORMAT ": %s\n", path, line,
                   json_string_value(json_object_get(p, "problem")));
        else
            printf("%s: %s\n", path, json_string_value(json_object_get(p, "problem")));
    }
    const char *signatures = json_string_value(json_object_get(report, "signatures"));
    const char *key_id = json_string_value(json_object_get(report, "key_id"));
    char how[160];
    if (strcmp(signatures, "checked") == 0)
        snprintf(how, sizeof how, "signatures checked with key %s", key_id ? key_id : "?");
    else if (strcmp(signatures, "unchecked") == 0)
        snprintf(how, sizeof how,
                 "signed, but the signatures were NOT checked: pass --public-key FILE");
    else
        snprintf(how, sizeof how,
                 "unsigned: only edits by someone unaware of the format are detected");
    printf("%s: %" JSON_INTEGER_FORMAT " entries, %s; %s\n", path,
           json_integer_value(json_object_get(report, "entries")),
           rc == 0 ? "chain intact" : "TAMPERED", how);
    json_t *first = json_object_get(report, "first_bad_line");
    if (json_integer_value(first) > 0)
        printf("%s: first bad line: %" JSON_INTEGER_FORMAT "\n", path, json_integer_value(first));
}

static int verify(const cli_args *args)
{
    if (args->words.count > 2) {
        usage(stderr);
        return EXIT_CODE_USAGE;
    }
    app a;
    int code = app_open(&a, args, 0);
    if (code != EXIT_CODE_OK)
        return code;
    const char *path = args->words.count == 2 ? args->words.items[1] : a.cfg->audit_log;
    if (!path && access(state_default_audit_log(), F_OK) == 0)
        path = state_default_audit_log(); /* where playbook runs write when nothing is set */
    if (!path) {
        log_user_error("no audit log: set security.audit_log in the config, or pass the file: "
                       "`fawkes audit verify LOG`");
        app_close(&a);
        return EXIT_CODE_USAGE;
    }
    diag err = {{0}};
    audit_key *owned = NULL;
    const audit_key *key = NULL;
    if (args->public_key) {
        owned = audit_key_load_public(args->public_key, &err);
        if (!owned) {
            log_user_error("--public-key %s", err.text);
            app_close(&a);
            return EXIT_CODE_USAGE;
        }
        key = owned;
    } else {
        key = audit_key_configured(); /* the config's signing key, when it has one */
    }
    json_t *report = NULL;
    int rc = audit_verify(path, key, &report, &err);
    audit_key_free(owned);
    if (rc < 0) {
        log_user_error("%s", err.text);
        app_close(&a);
        return EXIT_CODE_INTERNAL;
    }
    if (args->format == OUTPUT_JSON || args->format == OUTPUT_JSONL) {
        json_dumpf(report, stdout,
                   JSON_INDENT(args->format == OUTPUT_JSON ? 2 : 0) |
                       (args->format == OUTPUT_JSONL ? JSON_COMPACT : 0));
        fputc('\n', stdout);
    } else {
        print_table(report, path, rc);
    }
    json_decref(report);
    app_close(&a);
    return rc == 0 ? EXIT_CODE_OK : EXIT_CODE_FINDINGS;
}

int cmd_audit(const cli_args *args)
{
    if (args->help) {
        usage(stdout);
        return EXIT_CODE_OK;
    }
    const char *sub = args->words.count >= 1 ? args->words.items[0] : "";
    if (strcmp(sub, "verify") == 0)
        return verify(args);
    if (strcmp(sub, "keygen") == 0)
        return keygen(args);
    usage(stderr);
    return EXIT_CODE_USAGE;
}
