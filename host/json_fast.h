/* json_fast.h: a fast path for parsing one JSON document (a JSONL line) into jansson values,
   and the word test JSON writers use to copy strings that need no escaping. */
#ifndef HOST_JSON_FAST_H
#define HOST_JSON_FAST_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* Nonzero when one of the 8 bytes of `v` is below 0x20, '"' or '\\': the bytes a JSON
   string must escape (a byte of 0x80 or more can make it nonzero too: check those apart). */
static inline uint64_t json_fast_word_special(uint64_t v)
{
    const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
    uint64_t quote = v ^ (ones * '"'), backslash = v ^ (ones * '\\');
    return ((v - ones * 0x20) | (quote - ones) | (backslash - ones)) & ~v & high;
}

/*
 * json_fast_parse: parse `len` bytes holding one JSON object or array, as
 * json_loadb(text, len, JSON_REJECT_DUPLICATES) would, only faster. NULL when it gives up
 * (invalid input, or anything it leaves to jansson): then call json_loadb, which parses it
 * or says what is wrong. `*scratch` (size `*scratch_cap`) is a buffer it may grow; the
 * caller frees it. Thread-safe (on distinct scratch buffers).
 */
json_t *json_fast_parse(const char *text, size_t len, char **scratch, size_t *scratch_cap);

#endif
