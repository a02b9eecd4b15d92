/* config.h: load fawkes.yaml (libyaml) into a checked, interpolated config with source marks. */
#ifndef HOST_CONFIG_H
#define HOST_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "diag.h"
#include "strlist.h"

/* The four sections of plugin instances. */
typedef enum config_section {
    CONFIG_PROVIDERS = 0,
    CONFIG_SCANNERS = 1,
    CONFIG_POLICIES = 2,
    CONFIG_NOTIFIERS = 3,
    CONFIG_SECTION_COUNT = 4
} config_section;

/* "providers", "scanners", "policies", "notifiers". */
const char *config_section_name(config_section section);

/* An instance's `limits:` (all instances may set them; they govern its HTTP traffic). */
typedef struct config_limits {
    int concurrency;        /* max requests/tasks in flight; default 4 */
    double rate_per_s;      /* token-bucket refill, requests per second; 0 = unlimited (default).
                               Written "10/s", "600/m", "36000/h" or a bare number (per second) */
    double burst;           /* bucket size; default max(1, rate_per_s) */
    int retries;            /* max retries after the first attempt; default 4 */
    long timeout_ms;        /* per-attempt timeout; default 30000; written as a duration */
    long backoff_base_ms;   /* first backoff step; default 200 */
    long backoff_max_ms;    /* largest backoff step and largest Retry-After honoured;
                               default 60000 */
    long long memory_bytes; /* limits.memory: address-space cap of the instance's isolated
                               processes (isolation: process); 0 = none (default) */
} config_limits;

/* An instance's `isolation:` (providers and scanners): where its plugin calls run. */
typedef enum config_isolation {
    CONFIG_ISOLATION_DEFAULT = 0, /* not written: process for plugins from outside the
                                     install's own plugin directories, none for its own */
    CONFIG_ISOLATION_NONE,        /* in the fawkes process */
    CONFIG_ISOLATION_PROCESS      /* in child processes (host/isolate.h) */
} config_isolation;

/* Fill `limits` with the defaults above. */
void config_limits_default(config_limits *limits);

/* One plugin instance. */
typedef struct config_instance {
    char *name;   /* unique across all sections */
    char *plugin; /* plugin name (descriptor name) */
    config_section section;
    json_t *config;     /* the `config:` mapping after interpolation; an object, never NULL.
                           Owned by the config. Missing ${env:}/${file:} values are "" here
                           and listed in `unresolved`. */
    json_t *unresolved; /* array of {"pointer", "reference", "message"} for interpolations
                           that could not be resolved; empty when all resolved */
    json_t *settings;   /* the whole instance mapping as written (for routing keys such
                           as min_severity); borrowed view into config->root */
    char *pointer;      /* JSON pointer of the instance, e.g. "/providers/0" */
    int line, column;   /* where the instance starts */
    config_limits limits;
    config_isolation isolation; /* `isolation:` as written (providers and scanners) */
} config_instance;

typedef struct config_chain {
    char *name;
    strlist providers, scanners, policies, notify, playbooks;
    char *schedule; /* NULL when absent */
    int line, column;
} config_chain;

/* The `playbooks:` section: guard-rail ceilings and sandbox limits (docs/lua.md). Values are
   0 when not set (the playbook module applies its defaults). */
typedef struct config_playbooks {
    strlist lib_dirs; /* where `require` finds pure-Lua modules, resolved */
    int max_actions;  /* actions per run; 0: not set */
    bool max_actions_set;
    double max_percent; /* percent of matched resources acted on; 0: not set */
    long cooldown_ms;   /* per-resource cooldown; 0: not set */
    bool cooldown_set;
    long long memory_bytes; /* Lua heap cap; 0: not set */
    long long instructions; /* VM instruction budget; 0: not set */
    long timeout_ms;        /* wall-clock limit per playbook; 0: not set */
} config_playbooks;

typedef struct config {
    char *path;          /* the file as given ("<string>" for config_from_string) */
    char *dir;           /* its directory; relative paths in the file resolve against it */
    int version;         /* 1 */
    strlist plugin_dirs; /* resolved against `dir` */
    config_instance *instances[CONFIG_SECTION_COUNT];
    size_t instance_count[CONFIG_SECTION_COUNT];
    config_chain *chains;
    size_t chain_count;
    strlist egress_allow;       /* security.egress_allow as written */
    char *audit_log;            /* security.audit_log resolved, or NULL */
    char *audit_signing_key;    /* security.audit_signing_key: PEM text (a secret), or NULL */
    char *audit_forward;        /* security.audit_forward: "syslog" or "udp://HOST:PORT" */
    char *state_path;           /* state resolved, or NULL */
    int history_keep_runs;      /* history.keep_runs; 0: not set (the default applies) */
    int history_keep_days;      /* history.keep_days; 0: keep runs whatever their age;
                                   -1: not set (the default applies) */
    config_playbooks playbooks; /* the `playbooks:` section */
    struct serve_config *serve; /* `server:` and `alerts:` (host/serve/serve_config.h); NULL
                                   when neither is written */
    json_t *root;               /* the whole document after interpolation */
    json_t *marks;              /* object: JSON pointer -> [line, column] of every node */
    json_t *interpolated;       /* object: JSON pointer -> true for values that came entirely
                                   from ${env:..} or ${file:..} (secret options must) */
} config;

/*
 * config_load: read, parse and check `path`.
 * - YAML via libyaml; anchors/aliases allowed; duplicate keys, merge keys (<<), tags and
 *   multiple documents are errors. Plain scalars follow YAML 1.2's core schema (null, ~,
 *   true, false, integers, floats); quoted scalars are strings.
 * - `${env:NAME}` and `${file:PATH}` are replaced inside any string (PATH relative to the
 *   config's directory; one trailing newline dropped); `$${` writes a literal `${`.
 *   Inside an instance's `config:` an unresolvable reference is recorded in `unresolved`
 *   (so `config validate` needs no credentials); anywhere else it is an error.
 * - The host's own keys are checked (types, unknown keys listing the allowed ones, unique
 *   instance names, chains naming defined instances). Plugin `config:` mappings are not
 *   checked here: see schema.h.
 * On success returns 0 and stores a new config in *out (free with config_free). On error
 * returns -1, *out is NULL, and `err` says "FILE:LINE:COLUMN: KEY: expected X, got Y".
 * Thread-safety: reentrant.
 */
int config_load(const char *path, config **out, diag *err);

/* As config_load, for text in memory; `name` stands in for the file name in messages and
   relative paths resolve against the current directory. */
int config_from_string(const char *text, const char *name, config **out, diag *err);

/* An empty config (no file): version 1, nothing defined. Never fails except out of memory
   (then NULL). */
config *config_empty(void);

/* Free a config. NULL is allowed. */
void config_free(config *cfg);

/* The source position of the node at `pointer` ("/providers/0/config/token"), or of its
   nearest ancestor that has one. Sets 0, 0 when none. */
void config_mark(const config *cfg, const char *pointer, int *line, int *column);

/* Render a JSON pointer as users read it: "/providers/0/config/token" ->
   "providers[0].config.token". Writes into buf (always NUL-terminated). */
void config_pointer_display(const char *pointer, char *buf, size_t size);

/* Find an instance by name in any section (section may be NULL). NULL when absent. */
const config_instance *config_find_instance(const config *cfg, const char *name,
                                            config_section *section);

/* Find a chain by name. NULL when absent. */
const config_chain *config_find_chain(const config *cfg, const char *name);

#endif
