/* cmd_version.c: `fawkes version`. */
#include <stdio.h>

#include "commands.h"
#include "exitcode.h"
#include "fawkes/plugin.h"

int cmd_version(const cli_args *args)
{
    if (args->help) {
        puts("usage: fawkes version\nPrints the fawkes version and the plugin SDK ABI it "
             "provides.");
        return EXIT_CODE_OK;
    }
    if (args->format == OUTPUT_JSON || args->format == OUTPUT_JSONL)
        printf("{\"version\": \"%s\", \"abi\": \"%d.%d\"}\n", FAWKES_VERSION, FWK_ABI_MAJOR,
               FWK_ABI_MINOR);
    else
        printf("fawkes %s (plugin SDK ABI %d.%d)\n", FAWKES_VERSION, FWK_ABI_MAJOR, FWK_ABI_MINOR);
    return EXIT_CODE_OK;
}
