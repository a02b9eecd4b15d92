/* provision_spec.h: the provider-neutral provisioning spec (YAML or JSON), read and checked. */
#ifndef HOST_PROVISION_SPEC_H
#define HOST_PROVISION_SPEC_H

#include <jansson.h>

#include "diag.h"

/* True when `what` is cluster, database or bucket; `op` create or delete. */
int provision_what_known(const char *what);
int provision_op_known(const char *op);

/*
 * provision_spec_load: read the spec file at `path` (YAML or JSON, one mapping, at most
 * 1 MiB) and check it for `what` (cluster|database|bucket) and `op` (create|delete):
 *   name        string          create: required; delete: id or name required
 *   region      string          required
 *   id          string          delete only
 *   size        string (a size name; for a bucket an integer of GB >= 1)
 *   nodes       integer >= 1    cluster, database
 *   version     string          cluster, database
 *   engine      string          database (create: required, with size)
 *   network_id  string          cluster, database
 * Returns 0 with *spec (a new reference to the mapping), or -1 with the first problem in
 * `err` as "FILE:LINE:COL: KEY: expected X, got Y" (or "unknown key 'k'; allowed: ...",
 * "KEY: required for ..."). Thread-safe (reentrant).
 */
int provision_spec_load(const char *path, const char *what, const char *op, json_t **spec,
                        diag *err);

#endif
