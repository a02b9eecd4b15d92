/* cmd_playbook.c: `fawkes playbook` (being built; see the open issue). */
#include "app.h"
#include "commands.h"
#include "exitcode.h"

int cmd_playbook(const cli_args *args)
{
    (void)args;
    app_error("'playbook' is not in this build yet");
    return EXIT_CODE_USAGE;
}
