/* commands.h: one function per CLI command; each returns the process exit code. */
#ifndef HOST_COMMANDS_H
#define HOST_COMMANDS_H

#include "cli.h"

int cmd_version(const cli_args *args);
int cmd_plugins(const cli_args *args);   /* plugins list | inspect NAME | check FILE */
int cmd_config(const cli_args *args);    /* config validate */
int cmd_inventory(const cli_args *args); /* inventory [--provider NAME] [--kind K] */
int cmd_run(const cli_args *args);       /* run [CHAIN]... ; scan */

#endif
