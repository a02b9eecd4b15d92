/* fuzz_policy.c: the policy plugin's loader (Policy and PolicyException documents in YAML:
   paths, conditions, operators, regexes, globs, exceptions) over any file, and every policy
   that loads evaluated on the demo inventory's resources. A file that does not load must
   say where ("FILE:LINE:COLUMN: ...") and free everything. */
#include <string.h>

#include "fuzz.h"
#include "policy.h"

/* 2026-11-23T12:00:00Z, as the policy unit tests. */
#define FUZZ_NOW 1795435200LL
#define FUZZ_MAX_DOCS 24

static json_t *fuzz_docs; /* resources of the demo inventory (examples/demo) */

static void fuzz_add_docs(const char *path, size_t want)
{
    FILE *f = fopen(path, "r");
    char *line = NULL;
    size_t cap = 0;
    if (!f) {
        perror(path);
        abort();
    }
    while (want > 0 && getline(&line, &cap, f) != -1) {
        json_t *doc = json_loads(line, 0, NULL);
        if (doc && json_array_append_new(fuzz_docs, doc) == 0)
            want--;
    }
    free(line);
    fclose(f);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_docs = json_array();
    fuzz_add_docs(FAWKES_SOURCE_DIR "/examples/demo/aws.jsonl", FUZZ_MAX_DOCS / 3);
    fuzz_add_docs(FAWKES_SOURCE_DIR "/examples/demo/gcp.jsonl", FUZZ_MAX_DOCS / 3);
    fuzz_add_docs(FAWKES_SOURCE_DIR "/examples/demo/civo.jsonl", FUZZ_MAX_DOCS / 3);
    fuzz_check(json_array_size(fuzz_docs) > 0, "no demo resources under %s", FAWKES_SOURCE_DIR);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_tmpfile(".yaml", data, size);
    const char *paths[] = {path};
    policy_engine engine;
    char err[2048];
    memset(&engine, 0, sizeof engine);
    engine.max_exception_days = 365;
    err[0] = '\0';
    int rc = policy_engine_load(&engine, paths, 1, FUZZ_NOW, err, sizeof err);
    if (rc == 0) {
        size_t i;
        json_t *doc;
        json_array_foreach (fuzz_docs, i, doc) {
            json_t *decisions = json_array();
            fuzz_check(decisions != NULL, "out of memory");
            fuzz_check(policy_evaluate(&engine, doc, FUZZ_NOW, decisions) == 0,
                       "evaluation failed on resource %zu", i);
            json_decref(decisions);
        }
    } else {
        fuzz_check(rc == -1, "returned %d", rc);
        fuzz_check(err[0] != '\0', "failed without a message");
        fuzz_check(strncmp(err, path, strlen(path)) == 0, "message does not name the file: %s",
                   err);
    }
    policy_engine_free(&engine);
    return 0;
}
