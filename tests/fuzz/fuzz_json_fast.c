/* fuzz_json_fast.c: sdk/helpers/fwkx_json_fast.c, the fast JSONL line parser and the fast
   writer, against jansson. Whenever fwkx_json_parse_fast returns a value,
   json_loadb(JSON_REJECT_DUPLICATES) must accept the same bytes and give the same value: same types
   (an integer is not a real), same strings, same keys in the same order, same numbers to the bit.
   When it gives up, it may (jansson then parses or rejects the line). Whatever jansson parses,
   fwkx_json_dump_fast must write byte for byte as json_dumps(JSON_COMPACT | JSON_ENCODE_ANY) does.
 */
#include <string.h>

#include "fuzz.h"
#include "fawkes/fwkx.h"

static char *fuzz_scratch;
static size_t fuzz_scratch_cap;

static void fuzz_free_scratch(void)
{
    free(fuzz_scratch);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    atexit(fuzz_free_scratch);
    return 0;
}

/* Both values dumped with their key order and full precision. */
static char *fuzz_dump(const json_t *value)
{
    return json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER |
                                 JSON_REAL_PRECISION(17));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* the input exactly as long as it is: a copy, so reading past `size` is caught */
    char *text = malloc(size ? size : 1);
    fuzz_check(text != NULL, "out of memory");
    if (size)
        memcpy(text, data, size);
    json_t *fast = fwkx_json_parse_fast(text, size, &fuzz_scratch, &fuzz_scratch_cap);
    json_error_t error;
    json_t *slow = json_loadb(text, size, JSON_REJECT_DUPLICATES, &error);
    if (fast) {
        fuzz_check(slow != NULL,
                   "fwkx_json_parse_fast accepted what jansson rejects: %s (line %d "
                   "column %d)",
                   error.text, error.line, error.column);
        fuzz_check(json_equal(fast, slow), "fwkx_json_parse_fast and jansson disagree");
        char *a = fuzz_dump(fast), *b = fuzz_dump(slow);
        fuzz_check(a && b && strcmp(a, b) == 0, "fwkx_json_parse_fast gave %s, jansson %s",
                   a ? a : "?", b ? b : "?");
        free(a);
        free(b);
        fuzz_check(fast->refcount == 1, "fwkx_json_parse_fast returned %zu references",
                   fast->refcount);
    }
    if (slow) {
        char *want = json_dumps(slow, JSON_COMPACT | JSON_ENCODE_ANY);
        fwkx_buf got = FWKX_BUF_INIT;
        int rc = fwkx_json_dump_fast(&got, slow);
        fuzz_check(want != NULL && rc == 0 && strcmp(fwkx_buf_str(&got), want) == 0 &&
                       got.len == strlen(want),
                   "fwkx_json_dump_fast wrote %s (rc %d), json_dumps %s", fwkx_buf_str(&got), rc,
                   want ? want : "(null)");
        fwkx_buf_free(&got);
        free(want);
    }
    json_decref(fast);
    json_decref(slow);
    free(text);
    return 0;
}
