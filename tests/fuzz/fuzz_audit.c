/* fuzz_audit.c: the audit log reader (audit_verify) over any log and head file, checked
   without a key and with the public key the seed logs were signed with
   (data/audit-ed25519.pub). An input is the log's bytes, then optionally a NUL byte and the
   PATH.head file's bytes (no NUL: no head file). The report must be well formed: ok exactly
   when 0 is returned, and when not, the first bad line and at least one problem. */
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "fuzz.h"

static audit_key *fuzz_key;
static char fuzz_dir[] = "/tmp/fawkes-fuzz-audit-XXXXXX";
static char fuzz_log[sizeof fuzz_dir + 16], fuzz_head[sizeof fuzz_dir + 32];

static void fuzz_cleanup(void)
{
    audit_key_free(fuzz_key);
    unlink(fuzz_log);
    unlink(fuzz_head);
    rmdir(fuzz_dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    diag err;
    fuzz_key = audit_key_load_public(FAWKES_SOURCE_DIR "/tests/fuzz/data/audit-ed25519.pub", &err);
    fuzz_check(fuzz_key != NULL, "%s", err.text);
    fuzz_check(mkdtemp(fuzz_dir) != NULL, "mkdtemp");
    snprintf(fuzz_log, sizeof fuzz_log, "%s/audit.log", fuzz_dir);
    snprintf(fuzz_head, sizeof fuzz_head, "%s/audit.log.head", fuzz_dir);
    atexit(fuzz_cleanup);
    return 0;
}

static void fuzz_write(const char *path, const uint8_t *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    fuzz_check(f && (!size || fwrite(data, 1, size, f) == size) && fclose(f) == 0,
               "cannot write %s", path);
}

static void fuzz_verify(const audit_key *key)
{
    json_t *report = NULL;
    diag err;
    err.text[0] = '\0';
    int rc = audit_verify(fuzz_log, key, &report, &err);
    fuzz_check(rc == 0 || rc == 1 || rc == -1, "returned %d", rc);
    if (rc == -1) {
        fuzz_check(err.text[0] != '\0', "failed without a message");
        json_decref(report);
        return;
    }
    fuzz_check(json_is_object(report), "no report");
    json_t *ok = json_object_get(report, "ok");
    json_t *problems = json_object_get(report, "problems");
    json_t *first_bad = json_object_get(report, "first_bad_line");
    fuzz_check(json_is_boolean(ok) && json_is_true(ok) == (rc == 0), "ok does not match %d", rc);
    fuzz_check(json_is_array(problems), "no problems array");
    if (rc == 0) {
        fuzz_check(json_array_size(problems) == 0 && json_is_null(first_bad),
                   "intact but with problems");
    } else {
        fuzz_check(json_array_size(problems) > 0, "not intact, no problem named");
        fuzz_check(json_is_integer(first_bad), "not intact, no first bad line");
    }
    fuzz_check(json_is_integer(json_object_get(report, "entries")), "no entry count");
    char *text = json_dumps(report, JSON_COMPACT);
    fuzz_check(text != NULL, "the report cannot be written");
    free(text);
    json_decref(report);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, '\0', size);
    size_t log_size = nul ? (size_t)(nul - data) : size;
    fuzz_write(fuzz_log, data, log_size);
    if (nul)
        fuzz_write(fuzz_head, nul + 1, size - log_size - 1);
    else
        unlink(fuzz_head);
    fuzz_verify(NULL);
    fuzz_verify(fuzz_key);
    return 0;
}
