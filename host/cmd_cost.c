/* cmd_cost.c: `fawkes cost` (being built; see the open issue). */
#include "app.h"
#include "commands.h"
#include "exitcode.h"

int cmd_cost(const cli_args *args)
{
    (void)args;
    app_error("'cost' is not in this build yet");
    return EXIT_CODE_USAGE;
}
