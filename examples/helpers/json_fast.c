/* examples/helpers/json_fast.c: read JSON Lines fast, write compact JSON into one buffer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fawkes/fwkx.h>

int main(void)
{
    const char *lines[] = {"{\"uid\": \"vm-1\", \"labels\": {\"env\": \"prod\"}}",
                           "{\"uid\": \"vm-2\", \"note\": \"caf\\u00e9 \\\"a\\\\b\\\"\"}",
                           "{\"uid\": \"vm-3\", \"uid\": \"twice\"}"};
    char *scratch = NULL;
    size_t scratch_cap = 0;
    fwkx_buf out = FWKX_BUF_INIT;

    for (int i = 0; i < 3; i++) {
        size_t len = strlen(lines[i]);
        json_error_t error;
        json_t *doc = fwkx_json_parse_fast(lines[i], len, &scratch, &scratch_cap);
        if (!doc) /* left to jansson: it parses the line or says what is wrong */
            doc = json_loadb(lines[i], len, JSON_REJECT_DUPLICATES, &error);
        if (!doc) {
            printf("line %d: %s\n", i + 1, error.text);
            continue;
        }
        json_object_set_new(doc, "seen", json_true());
        out.len = 0; /* one buffer for every line: no allocation once it is large enough */
        if (fwkx_json_dump_fast(&out, doc) == 0)
            printf("%s\n", fwkx_buf_str(&out));
        json_decref(doc);
    }
    fwkx_buf_free(&out);
    free(scratch);
    return 0;
}
