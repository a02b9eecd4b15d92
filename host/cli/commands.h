/* commands.h: one function per CLI command; each returns the process exit code. */
#ifndef HOST_COMMANDS_H
#define HOST_COMMANDS_H

#include "cli.h"

int cmd_version(const cli_args *args);
int cmd_plugins(const cli_args *args);   /* plugins list | inspect NAME | check FILE */
int cmd_config(const cli_args *args);    /* config validate */
int cmd_inventory(const cli_args *args); /* inventory [--provider NAME] [--kind K] */
int cmd_run(const cli_args *args);       /* run [CHAIN]... ; scan */
int cmd_policy(const cli_args *args);    /* policy eval --input FILE | policy test DIR */
int cmd_playbook(const cli_args *args);  /* playbook run FILE [--apply] [--approve TOKEN] */
int cmd_provision(const cli_args *args); /* provision WHAT OP --provider NAME --spec FILE */
int cmd_select(const cli_args *args);    /* select --requirements FILE */
int cmd_cost(const cli_args *args);      /* cost [--provider NAME] [--from T] [--to T] */
int cmd_audit(const cli_args *args);     /* audit verify */
int cmd_serve(const cli_args *args);     /* serve: the daemon (docs/serve.md) */
int cmd_approve(const cli_args *args);   /* approve TOKEN: a plan waiting in fawkes serve */

#endif
