/* fuzz_answers.h: a fuzz input as the HTTP answers a plugin's requests get on the fake host. */
#ifndef FUZZ_ANSWERS_H
#define FUZZ_ANSWERS_H

#include <stddef.h>
#include <stdint.h>

#include "fawkes_fake_host.h"

/*
 * fuzz_push_answers: queue `size` bytes of `data` on ctx as answers: NUL bytes separate them,
 * each answered once in order and the last one repeated for every later request. An answer
 * that starts with "HTTP NNN" and a newline (NNN from 100 to 599) gets that status, else 200.
 */
void fuzz_push_answers(fwk_ctx *ctx, const uint8_t *data, size_t size);

#endif
