/* fuzz_snapshot.c: the snapshot provider's readers over any file: as JSON Lines read whole,
   as JSON Lines read in two byte-range chunks (as a large file is planned), and as one JSON
   document. Chunks must together read exactly the records the whole file does; strict mode
   must stop at a bad record the lenient mode skips. */
#include <string.h>

#include "fawkes_fake_host.h"
#include "fuzz.h"
#include "snapshot.h"

typedef struct fuzz_read {
    fwk_status status;
    size_t records, emitted, skipped;
    json_t *resources; /* what was emitted (new reference) */
} fuzz_read;

static fuzz_read fuzz_run(const char *path, bool json, bool strict, long long start, long long end)
{
    snapshot_instance inst = {
        .host = fake_host(), .strict = strict, .chunk_size = SNAPSHOT_CHUNK_MIN};
    snapshot_reader rd;
    fuzz_read out;
    fwk_ctx *ctx = fake_host_ctx_new();
    memset(&rd, 0, sizeof rd);
    rd.inst = &inst;
    rd.ctx = ctx;
    rd.path = path;
    rd.start = start;
    rd.end = end;
    out.status = json ? snapshot_read_json(&rd) : snapshot_read_jsonl(&rd);
    out.records = rd.records;
    out.emitted = rd.emitted;
    out.skipped = rd.skipped;
    out.resources = json_incref(fake_host_resources(ctx));
    fuzz_check(out.status == FWK_OK || fake_host_failure(ctx)[0] != '\0',
               "status %d without a failure message", (int)out.status);
    fuzz_check(json_array_size(out.resources) == out.emitted, "emitted %zu, host got %zu",
               out.emitted, json_array_size(out.resources));
    fake_host_ctx_free(ctx);
    return out;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *jsonl = fuzz_tmpfile(".jsonl", data, size);
    long long len = (long long)size;
    fuzz_read whole = fuzz_run(jsonl, false, false, 0, len);
    fuzz_check(whole.status == FWK_OK || whole.status == FWK_PARTIAL, "status %d",
               (int)whole.status);
    fuzz_check(whole.records == whole.emitted + whole.skipped, "%zu records, %zu + %zu",
               whole.records, whole.emitted, whole.skipped);

    /* two chunks cut at a point the input chooses (its first byte), as snapshot_plan cuts */
    long long cut = size ? (long long)(data[0] % 64) * len / 64 : 0;
    fuzz_read first = fuzz_run(jsonl, false, false, 0, cut);
    fuzz_read second = fuzz_run(jsonl, false, false, cut, len);
    fuzz_check(first.records + second.records == whole.records,
               "chunks [0,%lld) + [%lld,%lld) read %zu + %zu records, the whole file %zu", cut, cut,
               len, first.records, second.records, whole.records);
    fuzz_check(first.skipped + second.skipped == whole.skipped, "skipped %zu + %zu != %zu",
               first.skipped, second.skipped, whole.skipped);
    json_t *joined = json_array();
    json_array_extend(joined, first.resources);
    json_array_extend(joined, second.resources);
    fuzz_check(json_equal(joined, whole.resources), "chunks cut at %lld emit other resources", cut);
    json_decref(joined);

    fuzz_read strict = fuzz_run(jsonl, false, true, 0, len);
    if (whole.skipped == 0)
        fuzz_check(strict.status == FWK_OK && json_equal(strict.resources, whole.resources),
                   "strict mode differs on a file without bad records (status %d)",
                   (int)strict.status);
    else
        fuzz_check(strict.status == FWK_ERROR, "strict mode read past a bad record (status %d)",
                   (int)strict.status);

    const char *json = fuzz_tmpfile(".json", data, size);
    fuzz_read doc = fuzz_run(json, true, false, 0, len);
    fuzz_check(doc.status != FWK_CANCELLED, "cancelled");

    fuzz_read *reads[] = {&whole, &first, &second, &strict, &doc};
    for (size_t i = 0; i < sizeof reads / sizeof reads[0]; i++)
        json_decref(reads[i]->resources);
    return 0;
}
