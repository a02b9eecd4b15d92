/* serve_config.h: the config's `server:` and `alerts:` sections (fawkes serve). */
#ifndef HOST_SERVE_CONFIG_H
#define HOST_SERVE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "config.h"
#include "diag.h"
#include "strlist.h"

#define SERVE_DEFAULT_LISTEN "127.0.0.1:9464"
#define SERVE_DEFAULT_GRACE_MS 30000L
#define SERVE_DEFAULT_ALERT_COOLDOWN_MS (5L * 60 * 1000)

/* One `alerts:` rule: an Alertmanager alert whose labels match starts a playbook. */
typedef struct serve_alert_rule {
    json_t *match;    /* {label: value} all of which must equal the alert's (new ref) */
    char *playbook;   /* the playbook's path, resolved against the config's directory */
    json_t *vars;     /* {name: template} (new ref; empty object when none) */
    strlist notify;   /* notifier instances told of plans waiting for approval */
    bool apply;       /* low-risk steps are applied (else only planned) */
    long cooldown_ms; /* the same alert (fingerprint) starts no new run for this long */
    int line, column; /* where the rule starts */
} serve_alert_rule;

typedef struct serve_config {
    char *listen;   /* "host:port" or "[v6]:port" */
    char *token;    /* bearer token for /api/ and /alertmanager; NULL: none set */
    char *tls_cert; /* PEM text of the certificate (read from the path), or NULL */
    char *tls_key;  /* PEM text of the key, or NULL */
    long grace_ms;  /* SIGTERM: how long running chains may go on */
    serve_alert_rule *alerts;
    size_t alert_count;
} serve_config;

/*
 * serve_config_read: read `server:` and `alerts:` of cfg->root into a new serve_config
 * (*out; NULL when neither section is written). `key_marks` locates unknown keys. The
 * token must come from ${env:} or ${file:} (a secret is never written in the file) and is
 * registered for redaction. Returns 0; or -1 with "FILE:LINE:COL: where: expected ..." in
 * err. Reentrant.
 */
int serve_config_read(config *cfg, const json_t *key_marks, struct serve_config **out, diag *err);

/* Free; NULL allowed. */
void serve_config_free(struct serve_config *sc);

/*
 * serve_template_check: is `text` a template serve can render: literal text with
 * `{{ labels.NAME }}`, `{{ annotations.NAME }}`, `{{ status }}` or `{{ fingerprint }}`
 * placeholders, and nothing else (no expressions, no code)? Returns 0, or -1 with why.
 */
int serve_template_check(const char *text, char *why, size_t why_size);

/*
 * serve_template_render: `text` with each placeholder replaced by the alert's value (an
 * absent label renders as ""). `alert` is one alert of an Alertmanager webhook payload
 * (borrowed). New string (free()), or NULL when out of memory or the template is invalid.
 */
char *serve_template_render(const char *text, const json_t *alert);

#endif
