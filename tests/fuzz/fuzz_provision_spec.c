/* fuzz_provision_spec.c: the provisioning spec reader (provision_spec_load, YAML or JSON)
   over any file, for each of cluster, database and bucket, create and delete. It loads a
   mapping or says where and why not ("FILE:LINE:COL: ..."). */
#include <string.h>

#include "fuzz.h"
#include "provision_spec.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const whats[] = {"cluster", "database", "bucket"};
    static const char *const ops[] = {"create", "delete"};
    const char *path = fuzz_tmpfile(".yaml", data, size);
    for (size_t w = 0; w < 3; w++) {
        for (size_t o = 0; o < 2; o++) {
            json_t *spec = NULL;
            diag err;
            err.text[0] = '\0';
            int rc = provision_spec_load(path, whats[w], ops[o], &spec, &err);
            if (rc == 0) {
                fuzz_check(json_is_object(spec), "%s %s: loaded something else", whats[w], ops[o]);
                fuzz_check(json_is_string(json_object_get(spec, "region")), "%s %s: no region",
                           whats[w], ops[o]);
            } else {
                fuzz_check(rc == -1 && spec == NULL, "%s %s: returned %d", whats[w], ops[o], rc);
                fuzz_check(strncmp(err.text, path, strlen(path)) == 0,
                           "%s %s: the message does not name the file: %s", whats[w], ops[o],
                           err.text);
            }
            json_decref(spec);
        }
    }
    return 0;
}
