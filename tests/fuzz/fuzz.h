/* fuzz.h: what every fuzz target (tests/fuzz/fuzz_*.c) defines and the helpers they share.
   libFuzzer calls the two entry points; with a compiler other than clang fuzz_replay.c does,
   once per file it is given (the seed corpus and the regression inputs under CTest). */
#ifndef FAWKES_FUZZ_H
#define FAWKES_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* Called once before the first input; may change argc/argv (libFuzzer's signature). */
int LLVMFuzzerInitialize(int *argc, char ***argv);
/* Run one input (`size` bytes at `data`, not NUL-terminated). Returns 0. A crash, a
   sanitizer report or fuzz_check failing is a finding. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A property every input must keep: abort (a finding) naming it when it does not hold. */
#define fuzz_check(cond, ...)                                                                      \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz: %s:%d: check failed: %s: ", __FILE__, __LINE__, #cond);         \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/*
 * fuzz_tmpfile: a private temporary file that holds one input at a time. The first call
 * creates it under $TMPDIR (default /tmp) with `suffix` (".yaml", ".jsonl"...; the name
 * chooses the reader in some loaders) and registers its removal at exit; every call
 * replaces its contents with `size` bytes at `data` and returns its path (static, one per
 * target process). Aborts when the file cannot be written (not a finding of the target).
 * Not thread-safe (libFuzzer runs inputs one at a time).
 */
const char *fuzz_tmpfile(const char *suffix, const uint8_t *data, size_t size);

/* fuzz_text: `data` as a new NUL-terminated string (malloc'd; abort when out of memory). */
char *fuzz_text(const uint8_t *data, size_t size);

#endif
