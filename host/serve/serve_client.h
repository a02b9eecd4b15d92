/* serve_client.h: talk to a running `fawkes serve` (fawkes approve). */
#ifndef HOST_SERVE_CLIENT_H
#define HOST_SERVE_CLIENT_H

#include <jansson.h>

#include "config.h"
#include "diag.h"

/*
 * serve_client_approve: POST {"token"} to /api/v1/approvals of the server `cfg` describes
 * (server.listen, over https when server.tls is set; 0.0.0.0 and :: mean this host; the
 * environment variable FAWKES_SERVER_URL, e.g. "https://fawkes.internal:9464", overrides),
 * with server.token as the bearer token, then follow the run it starts on /api/v1/runs until
 * it ends or `wait_ms` passes. *record (new reference) is the run's record, or the server's
 * answer when it refused ({"error"}). Returns the HTTP status of the approval (202 when the
 * run started), or -1 with why in err (no server, no token, cannot connect). Not
 * thread-safe (it uses the process's HTTP service like a command does).
 */
long serve_client_approve(const config *cfg, const char *token, long wait_ms, json_t **record,
                          diag *err);

#endif
