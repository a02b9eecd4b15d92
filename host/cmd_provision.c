/* cmd_provision.c: `fawkes provision` (being built; see the open issue). */
#include "app.h"
#include "commands.h"
#include "exitcode.h"

int cmd_provision(const cli_args *args)
{
    (void)args;
    app_error("'provision' is not in this build yet");
    return EXIT_CODE_USAGE;
}
