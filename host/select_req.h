/* select_req.h: the workload requirements file of `fawkes select`, read and checked. */
#ifndef HOST_SELECT_REQ_H
#define HOST_SELECT_REQ_H

#include <jansson.h>

#include "diag.h"

/*
 * select_req_load: read the requirements file at `path` (YAML or JSON, one mapping, at most
 * 1 MiB) and check its keys:
 *   cpu               integer >= 1      required
 *   memory_gb         number > 0        required
 *   storage_gb        number >= 0
 *   regions           list of non-empty strings (region ids, country codes or areas)
 *   features          list of non-empty strings
 *   compliance        list of non-empty strings
 *   max_monthly_cost  number > 0
 *   priority          cost | performance | compliance | latency | balanced
 * Returns 0 with *req (a new reference to the mapping) and *marks (a new reference: JSON
 * pointer -> [line, column] of every node, for select_req_locate), or -1 with the first
 * problem in `err` as "FILE:LINE:COL: KEY: expected X, got Y". Thread-safe (reentrant).
 */
int select_req_load(const char *path, json_t **req, json_t **marks, diag *err);

/* Set "FILE:LINE:COL: MESSAGE" in `err`, the position being that of JSON pointer `pointer`
   (or its nearest ancestor) in `marks` from select_req_load. */
void select_req_locate(const char *path, const json_t *marks, const char *pointer,
                       const char *message, diag *err);

#endif
