/* cmd_policy.c: `fawkes policy` (being built; see the open issue). */
#include "app.h"
#include "commands.h"
#include "exitcode.h"

int cmd_policy(const cli_args *args)
{
    (void)args;
    app_error("'policy' is not in this build yet");
    return EXIT_CODE_USAGE;
}
