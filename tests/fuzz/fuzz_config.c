/* fuzz_config.c: the config loader (config_from_string: YAML, interpolation, the host's own
   checks) over any text. It must load or say where and why it did not, never crash. */
#include <string.h>

#include "config.h"
#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_text(data, size);
    config *cfg = NULL;
    diag err;
    err.text[0] = '\0';
    int rc = config_from_string(text, "fuzz.yaml", &cfg, &err);
    if (rc == 0) {
        fuzz_check(cfg != NULL, "loaded without a config");
        int line = 0, column = 0;
        config_mark(cfg, "/providers/0/config", &line, &column);
        fuzz_check(line >= 0 && column >= 0, "negative position %d:%d", line, column);
    } else {
        fuzz_check(rc == -1, "returned %d", rc);
        fuzz_check(cfg == NULL, "failed but left a config");
        fuzz_check(err.text[0] != '\0', "failed without a message");
        fuzz_check(memchr(err.text, '\0', sizeof err.text) != NULL, "message not terminated");
    }
    config_free(cfg);
    free(text);
    return 0;
}
