/* fuzz_answers.c: a fuzz input as the HTTP answers of a plugin's requests on the fake host
   (fuzz_aws, fuzz_gcp). */
#include <string.h>

#include "fuzz_answers.h"

void fuzz_push_answers(fwk_ctx *ctx, const uint8_t *data, size_t size)
{
    size_t start = 0;

    for (;;) {
        const uint8_t *nul = memchr(data + start, 0, size - start);
        size_t end = nul ? (size_t)(nul - data) : size;
        const char *body = (const char *)data + start;
        size_t len = end - start;
        long status = 200;
        if (len >= 9 && memcmp(body, "HTTP ", 5) == 0 && body[8] == '\n' && body[5] >= '1' &&
            body[5] <= '5' && body[6] >= '0' && body[6] <= '9' && body[7] >= '0' &&
            body[7] <= '9') {
            status = (body[5] - '0') * 100 + (body[6] - '0') * 10 + (body[7] - '0');
            body += 9;
            len -= 9;
        }
        /* an empty body is "" (body_len 0 means strlen) */
        fake_host_response answer = {
            .status = status, .body = len ? body : "", .body_len = len, .repeat = nul == NULL};
        fake_host_push(ctx, &answer);
        if (!nul)
            break;
        start = end + 1;
    }
}
