/* pol.h: the policy plugin's internals: compiled policies, conditions, paths, exceptions. */
#ifndef POL_H
#define POL_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "fawkes/fawkes.h"
#include "fawkes/fwkx.h"
#include "pol_types.h"
#include "pol_yaml.h"

/* Three-valued truth: a condition holds, does not hold, or cannot be decided. */
typedef enum pol_truth { POL_FALSE = 0, POL_TRUE = 1, POL_ERROR = 2 } pol_truth;

/* ---- paths (pol_path.c) ---- */

typedef enum pol_seg_kind { POL_SEG_KEY, POL_SEG_INDEX, POL_SEG_EACH } pol_seg_kind;

typedef struct pol_seg {
    pol_seg_kind kind;
    char *key;     /* POL_SEG_KEY (owned) */
    size_t key_len;
    long index;    /* POL_SEG_INDEX; negative counts from the end */
} pol_seg;

typedef struct pol_path {
    char *text;        /* as written (owned), for messages */
    pol_seg *segs;     /* owned */
    size_t count;
    bool absolute;     /* "$." prefix: from the document root */
    bool now;          /* "$now" */
    bool fans_out;     /* has a [*] */
    int root_slot;     /* walked from the document root: the evaluation's cache slot of the
                          first key (pol_path_intern); -1: not cached */
} pol_path;

typedef struct pol_eval pol_eval;

/*
 * pol_path_parse: compile `text` into *path. Returns 0, or -1 with the problem (no position)
 * in `problem` (size `size`). Free with pol_path_free. Not thread-safe on one path.
 */
int pol_path_parse(const char *text, pol_path *path, char *problem, size_t size);
void pol_path_free(pol_path *path);

/* Called for each value a path reaches (NULL: nothing was reached). */
typedef pol_truth (*pol_visit_fn)(const json_t *value, void *arg);

/*
 * pol_path_eval: walk `path` from `here` (or the document, ev->root, when absolute) and
 * combine `visit` over the values reached: any (default) or all (`for_all`); nothing
 * reached -> visit(NULL). "$now" yields pol_eval_now(ev). Allocation-free but for "$now".
 * Thread-safe (reads the path; ev is the caller's).
 */
pol_truth pol_path_eval(const pol_path *path, pol_eval *ev, const json_t *here, bool for_all,
                        pol_visit_fn visit, void *arg);

/* pol_path_render: append the values a path reaches from the document to buf (", "-joined;
   "(missing)"). */
void pol_path_render(const pol_path *path, pol_eval *ev, char *buf, size_t size, size_t *used);

/* ---- conditions (pol_cond.c compiles, pol_ops.c evaluates) ---- */

typedef enum pol_cond_kind {
    POL_C_ALL, POL_C_ANY, POL_C_NOT, POL_C_TEST, POL_C_SOME, POL_C_EVERY, POL_C_NONE
} pol_cond_kind;

typedef enum pol_op {
    POL_OP_EQ, POL_OP_NE, POL_OP_IN, POL_OP_NOT_IN, POL_OP_CONTAINS, POL_OP_STARTS_WITH,
    POL_OP_ENDS_WITH, POL_OP_REGEX, POL_OP_GLOB, POL_OP_PRESENT, POL_OP_ABSENT, POL_OP_EMPTY,
    POL_OP_GT, POL_OP_GE, POL_OP_LT, POL_OP_LE,
    POL_OP_OLDER_THAN, POL_OP_NEWER_THAN, POL_OP_EXPIRES_WITHIN, POL_OP_EXPIRED, POL_OP_BEFORE,
    POL_OP_AFTER, POL_OP_TIME_BETWEEN, POL_OP_WEEKDAY_IN,
    POL_OP_CIDR_PUBLIC, POL_OP_CIDR_WITHIN, POL_OP_CIDR_CONTAINS, POL_OP_CIDR_OVERLAPS,
    POL_OP_VERSION_LT, POL_OP_VERSION_LE, POL_OP_VERSION_GT, POL_OP_VERSION_GE, POL_OP_VERSION_EQ,
    POL_OP_SIZE_GT, POL_OP_SIZE_GE, POL_OP_SIZE_LT, POL_OP_SIZE_LE, POL_OP_PORTS_INCLUDE,
    POL_OP_TYPE,
    POL_OP_COUNT
} pol_op;

/* The name of an operator ("eq", ...). Static. */
const char *pol_op_name(pol_op op);
/* The operator named `name`; -1 when unknown. */
int pol_op_find(const char *name);
/* "eq, ne, ..." (static). */
const char *pol_op_list(void);

typedef struct pol_cond pol_cond;
struct pol_cond {
    pol_cond_kind kind;
    pol_src src;              /* where it was written, for messages */
    pol_path path;            /* TEST, SOME, EVERY, NONE */
    pol_cond **children;      /* ALL, ANY: several; NOT, SOME, EVERY, NONE: one (owned) */
    size_t child_count;
    pol_op op;                /* TEST */
    bool for_all;             /* TEST: `for: all` */
    bool ignore_case;         /* TEST: string operators */
    /* the compiled operand of TEST, by operator */
    json_t *json;             /* eq/ne/in/not_in/contains (owned) */
    char *text;               /* starts_with/ends_with/glob (owned; lower-cased with icase) */
    size_t text_len;
    regex_t regex;            /* regex (compiled once) */
    bool has_regex;
    bool flag;                /* present/absent/empty/expired/cidr_public */
    double number;            /* gt..le; size_* (bytes); */
    double unit_bytes;        /* size_*: what a bare document number means (default 1) */
    double epoch_unit;        /* time tests: seconds in one unit of a document number
                                 (1 for `unit: s`, 0.001 for `unit: ms`); 0: numbers are
                                 not timestamps */
    pol_duration duration;    /* older_than/newer_than/expires_within */
    int64_t instant;          /* before/after: epoch seconds */
    int tod_start, tod_end;   /* time_between: minutes since midnight */
    unsigned weekdays;        /* weekday_in: bit 0 = Sunday */
    unsigned types;           /* type: bit (1 << json_type) per accepted JSON type */
    pol_cidr *cidrs;          /* cidr_within/contains/overlaps (owned) */
    size_t cidr_count;
    pol_version version;      /* version_* (pre-release owned by version.pre_owned) */
    int *ports;               /* ports_include (owned) */
    size_t port_count;
};

/* The state of one evaluation. Lives on the evaluator's stack. */
/* How many of the document's top-level keys an evaluation caches (pol_eval_root); the first
   slots are fixed: kind, provider, region, account, name (pol_eval_field's 0-4), labels. */
enum { POL_ROOT_SLOTS = 64, POL_SLOT_LABELS = 5, POL_SLOT_FIXED = 6 };
/* The longest undecided-test message a decision's reason keeps, in bytes. */
enum { POL_ERROR_MAX = 511 };

typedef struct pol_eval {
    const json_t *root;       /* the document */
    int64_t now;              /* evaluation time, epoch seconds */
    json_t *now_value;        /* "$now" as an RFC 3339 string: made on first use by
                                 pol_eval_now, released by pol_eval_done (or set by the
                                 caller, who then owns it) */
    bool owns_now;
    char error[POL_ERROR_MAX + 2]; /* the first undecided test: what and where; one byte
                                      more than a message keeps, so that pol_evaluate cuts
                                      it on a character boundary (fwkx_utf8_prefix) */
    bool has_error;
    /* values of the document's top-level keys, looked up once per evaluation: slot i
       (pol_path_intern; POL_SLOT_FIXED fixed ones first) is filled when bit i
       of root_fetched is set (pol_eval_root) */
    const json_t *root_values[POL_ROOT_SLOTS];
    uint64_t root_fetched;
} pol_eval;

/* pol_eval_now: "$now" for this evaluation (formatted from ev->now on first use). Borrowed;
   NULL when out of memory. */
const json_t *pol_eval_now(pol_eval *ev);
/* pol_eval_root: the document's value at top-level `key` (length `len`), cached in `slot`
   for the rest of the evaluation. Borrowed; NULL when absent or the document is not an
   object. */
const json_t *pol_eval_root(pol_eval *ev, int slot, const char *key, size_t len);
/* pol_eval_done: release what the evaluation made (the "$now" string). */
void pol_eval_done(pol_eval *ev);

/* pol_cond_eval: evaluate a compiled condition on `here`. Thread-safe. */
pol_truth pol_cond_eval(const pol_cond *cond, pol_eval *ev, const json_t *here);
void pol_cond_free(pol_cond *cond);

/* ---- policies, exceptions, the engine ---- */

/* A list of shell globs ("compute.*"). */
typedef struct pol_globs {
    char **items;
    bool *literal;            /* per item: no glob characters, compared with strcmp */
    size_t count;
} pol_globs;

typedef struct pol_label_sel {
    char *key;
    pol_globs values;
} pol_label_sel;

/* match:/exclude: of a policy; resources: of an exception. */
typedef struct pol_match {
    bool given;
    pol_globs kinds, providers, regions, accounts, names;
    pol_label_sel *labels;
    size_t label_count;
    pol_cond *when;
} pol_match;

/* A template piece: literal text, or a path to render. */
typedef struct pol_tpl_part {
    char *literal;            /* owned, or NULL */
    size_t literal_len;
    pol_path path;            /* when literal is NULL */
} pol_tpl_part;

typedef struct pol_template {
    pol_tpl_part *parts;
    size_t count;
} pol_template;

typedef struct pol_policy pol_policy;

typedef struct pol_rule {
    char *name;
    bool warn;                /* effect: warn */
    fwkx_severity severity;
    char *remediation;        /* owned or NULL (policy's) */
    pol_template message;     /* count 0: the policy's title */
    pol_cond *when;
    char *allow_reason;       /* "ok: TITLE (rule NAME does not apply)", made at load */
    /* The decision's constant members, built once at load and shared (json_incref) by every
       decision: jansson's reference counts are atomic and nobody writes into them. */
    json_t *j_policy, *j_rule, *j_severity, *j_title, *j_remediation, *j_allow_reason;
    json_t *j_compliance, *j_fired, *j_allow, *j_error; /* j_fired: "deny" or "warn" */
    /* The whole "allow" decision when the rule's `when` does not hold: it does not depend on
       the document, so every such decision is this object (json_incref). Never mutated:
       callers that add members (cmd_policy) copy first; run.c deep-copies into findings. */
    json_t *j_allow_decision;
    pol_src src;
} pol_rule;

typedef struct pol_exception {
    char *id, *owner, *reason, *ticket;
    char expires_text[40];    /* RFC 3339, UTC */
    int64_t expires;
    pol_policy *policy;       /* borrowed */
    bool *rules;              /* per rule of the policy: covered (owned); NULL: all */
    char **uids;
    size_t uid_count;
    regex_t name_regex;
    bool has_name_regex;
    pol_globs kinds;
    pol_label_sel *labels;
    size_t label_count;
    pol_src src;
} pol_exception;

struct pol_policy {
    char *name, *title, *description, *remediation;
    fwkx_severity severity;
    json_t *compliance;       /* array of strings (owned) */
    bool audit;
    pol_match match, exclude;
    pol_rule *rules;
    size_t rule_count;
    pol_exception **exceptions; /* those naming this policy (borrowed) */
    size_t exception_count;
    pol_src src;
};

/* Everything loaded from the configured paths. Read-only after loading: thread-safe. */
/* The policies (in load order) that may match documents of one kind; see pol_index.c. */
typedef struct pol_kind_list {
    const char *kind;                /* borrowed from a policy's match; NULL: the rest */
    const pol_policy **policies;     /* owned array, borrowed policies */
    size_t count;
} pol_kind_list;

typedef struct pol_engine {
    pol_policy **policies;
    size_t policy_count;
    pol_exception **exceptions;
    size_t exception_count;
    char **files;             /* every file name pol_src points into (owned) */
    size_t file_count;
    int64_t max_exception_days;
    bool fixed_now;           /* `now` option or FAWKES_NOW */
    int64_t now;
    /* built by pol_index_build once the policies are loaded */
    pol_kind_list *by_kind;   /* one list per literal kind some policy names, sorted */
    size_t kind_count;
    pol_kind_list unlisted;   /* documents of any other kind, or of none */
    /* the top-level keys paths start with, by cache slot (pol_path_intern) */
    char *root_keys[POL_ROOT_SLOTS];
    size_t root_key_count;
} pol_engine;

/*
 * pol_path_intern: give `path` the cache slot of its first key when it starts at the
 * document root with a key (the same key, the same slot, for every path of the engine);
 * root_slot stays -1 when it does not, or every slot is taken. Returns 0, or -1 when out of
 * memory. Not thread-safe (load time).
 */
int pol_path_intern(pol_engine *engine, pol_path *path);

/*
 * pol_index_build: (re)build the engine's kind index: for each kind a policy names literally,
 * the policies, in load order, whose `match` may hold for that kind (those naming it, by
 * name or glob, and those naming no kind); for every other kind, the policies naming no kind
 * or a glob. Evaluation still checks each listed policy's whole `match`. Returns 0, or -1
 * when out of memory. Called by pol_engine_load; call again after changing the policies.
 * Not thread-safe; the index is read-only afterwards.
 */
int pol_index_build(pol_engine *engine);
void pol_index_free(pol_engine *engine);
/* pol_index_lookup: the list for `kind` (NULL: no kind). Never NULL. On a list with a
   kind, every policy's `match.kinds` holds for that kind. Thread-safe. */
const pol_kind_list *pol_index_lookup(const pol_engine *engine, const char *kind);

/* Growable string list that owns its strings. */
char *pol_strdup(const char *s);

/*
 * pol_engine_load: load every Policy and PolicyException under `paths` (files or
 * directories); PolicyTest documents are skipped (pol_test_run reads them). `now` is the
 * load time (the exception horizon counts from it). Returns 0, or -1 with
 * "FILE:LINE:COLUMN: message" in err. Free with pol_engine_free. Serial.
 */
int pol_engine_load(pol_engine *engine, const char *const *paths, size_t path_count,
                    int64_t now, char *err, size_t err_size);
void pol_engine_free(pol_engine *engine);
pol_policy *pol_engine_find(const pol_engine *engine, const char *name);
int pol_rule_find(const pol_policy *policy, const char *name);

/* Record a file name in the engine; the returned pointer lives as long as the engine. */
const char *pol_engine_file(pol_engine *engine, const char *path);

/* ---- loading helpers shared by the compilers (pol_load.c) ---- */

typedef struct pol_loader {
    pol_engine *engine;
    const char *file;         /* the engine's copy */
    int64_t now;
    char *err;
    size_t err_size;
} pol_loader;

/* Set "FILE:LINE:COL: fmt..." for `node` (or the key mark when at_key) and return -1. */
int pol_fail(pol_loader *ld, const pol_ynode *node, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int pol_fail_at(pol_loader *ld, pol_src src, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Compile one condition node (a mapping or a list meaning all). `where` names it for
   messages ("rules[0].when"). Returns NULL after pol_fail. */
pol_cond *pol_cond_compile(pol_loader *ld, const pol_ynode *node, const char *where);
int pol_match_compile(pol_loader *ld, const pol_ynode *node, const char *where, pol_match *m);
void pol_match_free(pol_match *m);
/* pol_eval_field: the document's kind (0), provider (1), region (2), account (3) or name
   (4) as a string (borrowed; NULL when absent or not a string), looked up once per
   evaluation. */
const char *pol_eval_field(pol_eval *ev, int field);
/* Does the document match? (given == false: yes). ERROR from a `when` counts as no. When
   `doc` is ev->root, its kind, provider, region, account and name come from
   pol_eval_field. `kind_known`: the caller knows the kinds match (pol_index_lookup's list
   for a kind). Thread-safe. */
bool pol_match_eval(const pol_match *m, pol_eval *ev, const json_t *doc, bool kind_known);
int pol_globs_compile(pol_loader *ld, const pol_ynode *node, const char *where, pol_globs *g);
void pol_globs_free(pol_globs *g);
bool pol_globs_match(const pol_globs *g, const char *value);
int pol_labels_compile(pol_loader *ld, const pol_ynode *node, const char *where,
                       pol_label_sel **labels, size_t *count);
/* Do the document's labels (`have`, its "labels" object; NULL: none) match every selector? */
bool pol_labels_match(const pol_label_sel *labels, size_t count, const json_t *have);
void pol_labels_free(pol_label_sel *labels, size_t count);

int pol_policy_compile(pol_loader *ld, const pol_ynode *doc, pol_policy **out);
void pol_policy_free(pol_policy *policy);
int pol_exception_compile(pol_loader *ld, const pol_ynode *doc, pol_exception **out);
void pol_exception_free(pol_exception *exception);

int pol_template_compile(pol_loader *ld, const pol_ynode *node, const char *where,
                         pol_template *tpl);
void pol_template_free(pol_template *tpl);
/* Render into buf (always NUL-terminated): paths read ev->root, "$now" the evaluation time.
   Returns the length written; size - 1 means the text may have been cut. */
size_t pol_template_render(const pol_template *tpl, pol_eval *ev, char *buf, size_t size);

/* Check a mapping's keys against `allowed` (NULL-terminated); -1 after pol_fail. */
int pol_check_keys(pol_loader *ld, const pol_ynode *map, const char *where,
                   const char *const *allowed);
/* A required/optional string value of a mapping. */
int pol_get_string(pol_loader *ld, const pol_ynode *map, const char *key, const char *where,
                   bool required, const char **out);
int pol_check_name(pol_loader *ld, const pol_ynode *node, const char *where, const char *what);
int pol_severity_parse(pol_loader *ld, const pol_ynode *node, const char *where,
                       fwkx_severity *out);

/* ---- evaluation (pol_eval.c) ---- */

/*
 * pol_evaluate: the decisions for one document at time `now` (epoch seconds), appended to
 * `decisions` (a JSON array). Thread-safe: the engine is only read.
 */
int pol_evaluate(const pol_engine *engine, const json_t *doc, int64_t now, json_t *decisions);
/*
 * pol_decision_new: a new decision object for `rule` with `effect` (shared: json_incref'd)
 * and `reason` (stolen, also on failure), plus the rule's shared constant members. Returns a
 * new reference, or NULL when out of memory.
 */
json_t *pol_decision_new(const pol_rule *rule, json_t *effect, json_t *reason);
/* The evaluation time: the engine's fixed clock, or time(NULL). */
int64_t pol_engine_now(const pol_engine *engine);

/* ---- tests (pol_test.c) ---- */

/*
 * pol_test_run: run every PolicyTest under `path` against `engine`. *report (new reference)
 * as fawkes/policy.h describes. Returns 0; 1 when a test file does not load (err set,
 * *report NULL). Serial.
 */
int pol_test_run(pol_engine *engine, const char *path, json_t **report, char *err,
                 size_t err_size);

/* ---- files (pol_files.c) ---- */

/* Every .yaml and .yml file under `path` (a file is taken as is), sorted, appended to *files
   (each malloc'd). Returns 0, or -1 with the reason in err. */
int pol_files_collect(const char *path, char ***files, size_t *count, char *err,
                      size_t err_size);
void pol_files_free(char **files, size_t count);
/* Read a whole file (NUL-terminated, malloc'd). NULL with errno on failure. */
char *pol_file_read(const char *path, size_t *length);

#endif
