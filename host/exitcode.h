/* exitcode.h: the process exit codes (the table in README.md, "Using it"). */
#ifndef HOST_EXITCODE_H
#define HOST_EXITCODE_H

enum {
    EXIT_CODE_OK = 0,       /* ok */
    EXIT_CODE_FINDINGS = 1, /* findings or deny decisions at or above --fail-on */
    EXIT_CODE_USAGE = 2,    /* usage, config, policy or playbook error: nothing was run */
    EXIT_CODE_PARTIAL = 3,  /* some plugin, provider, region or page failed */
    EXIT_CODE_INTERNAL = 4  /* internal error */
};

#endif
