/* cmd_select.c: `fawkes select` (being built; see the open issue). */
#include "app.h"
#include "commands.h"
#include "exitcode.h"

int cmd_select(const cli_args *args)
{
    (void)args;
    app_error("'select' is not in this build yet");
    return EXIT_CODE_USAGE;
}
