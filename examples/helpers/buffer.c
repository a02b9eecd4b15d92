/* examples/helpers/buffer.c: build a URL with printf-append and URL escaping. */
#include <stdio.h>
#include <stdlib.h>

#include <fawkes/fwkx.h>

int main(void)
{
    fwkx_buf url = FWKX_BUF_INIT;
    char *text;

    fwkx_buf_addf(&url, "%s/v2/%s?name=", "https://api.example.com", "instances");
    fwkx_buf_add_escaped(&url, "web 1/ü");
    fwkx_buf_adds(&url, "&per_page=100");
    text = fwkx_buf_take(&url); /* NULL if any append ran out of memory */
    if (!text)
        return 1;
    printf("%s\n", text);
    free(text);
    return 0;
}
