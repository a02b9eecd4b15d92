/* policy.h: the policy plugin's internals: compiled policies, conditions, paths, exceptions. */
#ifndef POLICY_H
#define POLICY_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "fawkes/fawkes.h"
#include "fawkes/fwkx.h"
#include "policy_types.h"
#include "policy_yaml.h"

/* Three-valued truth: a condition holds, does not hold, or cannot be decided. */
typedef enum policy_truth {
    POLICY_FALSE = 0,
    POLICY_TRUE = 1,
    POLICY_ERROR = 2
} policy_truth;

/* ---- paths (policy_path.c) ---- */

typedef enum policy_seg_kind {
    POLICY_SEG_KEY,
    POLICY_SEG_INDEX,
    POLICY_SEG_EACH
} policy_seg_kind;

typedef struct policy_seg {
    policy_seg_kind kind;
    char *key; /* POLICY_SEG_KEY (owned) */
    size_t key_len;
    long index; /* POLICY_SEG_INDEX; negative counts from the end */
} policy_seg;

typedef struct policy_path {
    char *text;       /* as written (owned), for messages */
    policy_seg *segs; /* owned */
    size_t count;
    bool absolute; /* "$." prefix: from the document root */
    bool now;      /* "$now" */
    bool fans_out; /* has a [*] */
    int root_slot; /* walked from the document root: the evaluation's cache slot of the
                      first key (policy_path_intern); -1: not cached */
} policy_path;

typedef struct policy_eval policy_eval;

/*
 * policy_path_parse: compile `text` into *path. Returns 0, or -1 with the problem (no position)
 * in `problem` (size `size`). Free with policy_path_free. Not thread-safe on one path.
 */
int policy_path_parse(const char *text, policy_path *path, char *problem, size_t size);
void policy_path_free(policy_path *path);

/* Called for each value a path reaches (NULL: nothing was reached). */
typedef policy_truth (*policy_visit_fn)(const json_t *value, void *arg);

/*
 * policy_path_eval: walk `path` from `here` (or the document, ev->root, when absolute) and
 * combine `visit` over the values reached: any (default) or all (`for_all`); nothing
 * reached -> visit(NULL). "$now" yields policy_eval_now(ev). Allocation-free but for "$now".
 * Thread-safe (reads the path; ev is the caller's).
 */
policy_truth policy_path_eval(const policy_path *path, policy_eval *ev, const json_t *here,
                              bool for_all, policy_visit_fn visit, void *arg);

/* policy_path_render: append the values a path reaches from the document to buf (", "-joined;
   "(missing)"). */
void policy_path_render(const policy_path *path, policy_eval *ev, char *buf, size_t size,
                        size_t *used);

/* ---- conditions (policy_cond.c compiles, policy_ops.c evaluates) ---- */

typedef enum policy_cond_kind {
    POLICY_C_ALL,
    POLICY_C_ANY,
    POLICY_C_NOT,
    POLICY_C_TEST,
    POLICY_C_SOME,
    POLICY_C_EVERY,
    POLICY_C_NONE
} policy_cond_kind;

typedef enum policy_op {
    POLICY_OP_EQ,
    POLICY_OP_NE,
    POLICY_OP_IN,
    POLICY_OP_NOT_IN,
    POLICY_OP_CONTAINS,
    POLICY_OP_STARTS_WITH,
    POLICY_OP_ENDS_WITH,
    POLICY_OP_REGEX,
    POLICY_OP_GLOB,
    POLICY_OP_PRESENT,
    POLICY_OP_ABSENT,
    POLICY_OP_EMPTY,
    POLICY_OP_GT,
    POLICY_OP_GE,
    POLICY_OP_LT,
    POLICY_OP_LE,
    POLICY_OP_OLDER_THAN,
    POLICY_OP_NEWER_THAN,
    POLICY_OP_EXPIRES_WITHIN,
    POLICY_OP_EXPIRED,
    POLICY_OP_BEFORE,
    POLICY_OP_AFTER,
    POLICY_OP_TIME_BETWEEN,
    POLICY_OP_WEEKDAY_IN,
    POLICY_OP_CIDR_PUBLIC,
    POLICY_OP_CIDR_WITHIN,
    POLICY_OP_CIDR_CONTAINS,
    POLICY_OP_CIDR_OVERLAPS,
    POLICY_OP_VERSION_LT,
    POLICY_OP_VERSION_LE,
    POLICY_OP_VERSION_GT,
    POLICY_OP_VERSION_GE,
    POLICY_OP_VERSION_EQ,
    POLICY_OP_SIZE_GT,
    POLICY_OP_SIZE_GE,
    POLICY_OP_SIZE_LT,
    POLICY_OP_SIZE_LE,
    POLICY_OP_PORTS_INCLUDE,
    POLICY_OP_TYPE,
    POLICY_OP_COUNT
} policy_op;

/* The name of an operator ("eq", ...). Static. */
const char *policy_op_name(policy_op op);
/* The operator named `name`; -1 when unknown. */
int policy_op_find(const char *name);
/* "eq, ne, ..." (static). */
const char *policy_op_list(void);

typedef struct policy_cond policy_cond;
struct policy_cond {
    policy_cond_kind kind;
    policy_src src;         /* where it was written, for messages */
    policy_path path;       /* TEST, SOME, EVERY, NONE */
    policy_cond **children; /* ALL, ANY: several; NOT, SOME, EVERY, NONE: one (owned) */
    size_t child_count;
    policy_op op;     /* TEST */
    bool for_all;     /* TEST: `for: all` */
    bool ignore_case; /* TEST: string operators */
    /* the compiled operand of TEST, by operator */
    json_t *json; /* eq/ne/in/not_in/contains (owned) */
    char *text;   /* starts_with/ends_with/glob (owned; lower-cased with icase) */
    size_t text_len;
    regex_t regex; /* regex (compiled once) */
    bool has_regex;
    bool flag;                /* present/absent/empty/expired/cidr_public */
    double number;            /* gt..le; size_* (bytes); */
    double unit_bytes;        /* size_*: what a bare document number means (default 1) */
    double epoch_unit;        /* time tests: seconds in one unit of a document number
                                 (1 for `unit: s`, 0.001 for `unit: ms`); 0: numbers are
                                 not timestamps */
    policy_duration duration; /* older_than/newer_than/expires_within */
    int64_t instant;          /* before/after: epoch seconds */
    int tod_start, tod_end;   /* time_between: minutes since midnight */
    unsigned weekdays;        /* weekday_in: bit 0 = Sunday */
    unsigned types;           /* type: bit (1 << json_type) per accepted JSON type */
    policy_cidr *cidrs;       /* cidr_within/contains/overlaps (owned) */
    size_t cidr_count;
    policy_version version; /* version_* (pre-release owned by version.pre_owned) */
    int *ports;             /* ports_include (owned) */
    size_t port_count;
};

/* The state of one evaluation. Lives on the evaluator's stack. */
/* How many of the document's top-level keys an evaluation caches (policy_eval_root); the first
   slots are fixed: kind, provider, region, account, name (policy_eval_field's 0-4), labels. */
enum {
    POLICY_ROOT_SLOTS = 64,
    POLICY_SLOT_LABELS = 5,
    POLICY_SLOT_FIXED = 6
};
/* The longest undecided-test message a decision's reason keeps, in bytes. */
enum {
    POLICY_ERROR_MAX = 511
};

typedef struct policy_eval {
    const json_t *root; /* the document */
    int64_t now;        /* evaluation time, epoch seconds */
    json_t *now_value;  /* "$now" as an RFC 3339 string: made on first use by
                           policy_eval_now, released by policy_eval_done (or set by the
                           caller, who then owns it) */
    bool owns_now;
    char error[POLICY_ERROR_MAX + 2]; /* the first undecided test: what and where; one byte
                                      more than a message keeps, so that policy_evaluate cuts
                                      it on a character boundary (fwkx_utf8_prefix) */
    bool has_error;
    /* values of the document's top-level keys, looked up once per evaluation: slot i
       (policy_path_intern; POLICY_SLOT_FIXED fixed ones first) is filled when bit i
       of root_fetched is set (policy_eval_root) */
    const json_t *root_values[POLICY_ROOT_SLOTS];
    uint64_t root_fetched;
} policy_eval;

/* policy_eval_now: "$now" for this evaluation (formatted from ev->now on first use). Borrowed;
   NULL when out of memory. */
const json_t *policy_eval_now(policy_eval *ev);
/* policy_eval_root: the document's value at top-level `key` (length `len`), cached in `slot`
   for the rest of the evaluation. Borrowed; NULL when absent or the document is not an
   object. */
const json_t *policy_eval_root(policy_eval *ev, int slot, const char *key, size_t len);
/* policy_eval_done: release what the evaluation made (the "$now" string). */
void policy_eval_done(policy_eval *ev);

/* policy_cond_eval: evaluate a compiled condition on `here`. Thread-safe. */
policy_truth policy_cond_eval(const policy_cond *cond, policy_eval *ev, const json_t *here);
void policy_cond_free(policy_cond *cond);

/* ---- policies, exceptions, the engine ---- */

/* A list of shell globs ("compute.*"). */
typedef struct policy_globs {
    char **items;
    bool *literal; /* per item: no glob characters, compared with strcmp */
    size_t count;
} policy_globs;

typedef struct policy_label_sel {
    char *key;
    policy_globs values;
} policy_label_sel;

/* match:/exclude: of a policy; resources: of an exception. */
typedef struct policy_match {
    bool given;
    policy_globs kinds, providers, regions, accounts, names;
    policy_label_sel *labels;
    size_t label_count;
    policy_cond *when;
} policy_match;

/* A template piece: literal text, or a path to render. */
typedef struct policy_tpl_part {
    char *literal; /* owned, or NULL */
    size_t literal_len;
    policy_path path; /* when literal is NULL */
} policy_tpl_part;

typedef struct policy_template {
    policy_tpl_part *parts;
    size_t count;
} policy_template;

typedef struct policy_def policy_def;

typedef struct policy_rule {
    char *name;
    bool warn; /* effect: warn */
    fwkx_severity severity;
    char *remediation;       /* owned or NULL (policy's) */
    policy_template message; /* count 0: the policy's title */
    policy_cond *when;
    char *allow_reason; /* "ok: TITLE (rule NAME does not apply)", made at load */
    /* The decision's constant members, built once at load and shared (json_incref) by every
       decision: jansson's reference counts are atomic and nobody writes into them. */
    json_t *j_policy, *j_rule, *j_severity, *j_title, *j_remediation, *j_allow_reason;
    json_t *j_compliance, *j_fired, *j_allow, *j_error; /* j_fired: "deny" or "warn" */
    /* The whole "allow" decision when the rule's `when` does not hold: it does not depend on
       the document, so every such decision is this object (json_incref). Never mutated:
       callers that add members (cmd_policy) copy first; run.c deep-copies into findings. */
    json_t *j_allow_decision;
    policy_src src;
} policy_rule;

typedef struct policy_exception {
    char *id, *owner, *reason, *ticket;
    char expires_text[40]; /* RFC 3339, UTC */
    int64_t expires;
    policy_def *policy; /* borrowed */
    bool *rules;        /* per rule of the policy: covered (owned); NULL: all */
    char **uids;
    size_t uid_count;
    regex_t name_regex;
    bool has_name_regex;
    policy_globs kinds;
    policy_label_sel *labels;
    size_t label_count;
    policy_src src;
} policy_exception;

struct policy_def {
    char *name, *title, *description, *remediation;
    fwkx_severity severity;
    json_t *compliance; /* array of strings (owned) */
    bool audit;
    policy_match match, exclude;
    policy_rule *rules;
    size_t rule_count;
    policy_exception **exceptions; /* those naming this policy (borrowed) */
    size_t exception_count;
    policy_src src;
};

/* Everything loaded from the configured paths. Read-only after loading: thread-safe. */
/* The policies (in load order) that may match documents of one kind; see policy_index.c. */
typedef struct policy_kind_list {
    const char *kind;            /* borrowed from a policy's match; NULL: the rest */
    const policy_def **policies; /* owned array, borrowed policies */
    size_t count;
} policy_kind_list;

typedef struct policy_engine {
    policy_def **policies;
    size_t policy_count;
    policy_exception **exceptions;
    size_t exception_count;
    char **files; /* every file name policy_src points into (owned) */
    size_t file_count;
    int64_t max_exception_days;
    bool fixed_now; /* `now` option or FAWKES_NOW */
    int64_t now;
    /* built by policy_index_build once the policies are loaded */
    policy_kind_list *by_kind; /* one list per literal kind some policy names, sorted */
    size_t kind_count;
    policy_kind_list unlisted; /* documents of any other kind, or of none */
    /* the top-level keys paths start with, by cache slot (policy_path_intern) */
    char *root_keys[POLICY_ROOT_SLOTS];
    size_t root_key_count;
} policy_engine;

/*
 * policy_path_intern: give `path` the cache slot of its first key when it starts at the
 * document root with a key (the same key, the same slot, for every path of the engine);
 * root_slot stays -1 when it does not, or every slot is taken. Returns 0, or -1 when out of
 * memory. Not thread-safe (load time).
 */
int policy_path_intern(policy_engine *engine, policy_path *path);

/*
 * policy_index_build: (re)build the engine's kind index: for each kind a policy names literally,
 * the policies, in load order, whose `match` may hold for that kind (those naming it, by
 * name or glob, and those naming no kind); for every other kind, the policies naming no kind
 * or a glob. Evaluation still checks each listed policy's whole `match`. Returns 0, or -1
 * when out of memory. Called by policy_engine_load; call again after changing the policies.
 * Not thread-safe; the index is read-only afterwards.
 */
int policy_index_build(policy_engine *engine);
void policy_index_free(policy_engine *engine);
/* policy_index_lookup: the list for `kind` (NULL: no kind). Never NULL. On a list with a
   kind, every policy's `match.kinds` holds for that kind. Thread-safe. */
const policy_kind_list *policy_index_lookup(const policy_engine *engine, const char *kind);

/* Growable string list that owns its strings. */
char *policy_strdup(const char *s);

/*
 * policy_engine_load: load every Policy and PolicyException under `paths` (files or
 * directories); PolicyTest documents are skipped (policy_test_run reads them). `now` is the
 * load time (the exception horizon counts from it). Returns 0, or -1 with
 * "FILE:LINE:COLUMN: message" in err. Free with policy_engine_free. Serial.
 */
int policy_engine_load(policy_engine *engine, const char *const *paths, size_t path_count,
                       int64_t now, char *err, size_t err_size);
void policy_engine_free(policy_engine *engine);
policy_def *policy_engine_find(const policy_engine *engine, const char *name);
int policy_rule_find(const policy_def *policy, const char *name);

/* Record a file name in the engine; the returned pointer lives as long as the engine. */
const char *policy_engine_file(policy_engine *engine, const char *path);

/* ---- loading helpers shared by the compilers (policy_load.c) ---- */

typedef struct policy_loader {
    policy_engine *engine;
    const char *file; /* the engine's copy */
    int64_t now;
    char *err;
    size_t err_size;
} policy_loader;

/* Set "FILE:LINE:COL: fmt..." for `node` (or the key mark when at_key) and return -1. */
int policy_fail(policy_loader *ld, const policy_ynode *node, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int policy_fail_at(policy_loader *ld, policy_src src, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Compile one condition node (a mapping or a list meaning all). `where` names it for
   messages ("rules[0].when"). Returns NULL after policy_fail. */
policy_cond *policy_cond_compile(policy_loader *ld, const policy_ynode *node, const char *where);
int policy_match_compile(policy_loader *ld, const policy_ynode *node, const char *where,
                         policy_match *m);
void policy_match_free(policy_match *m);
/* policy_eval_field: the document's kind (0), provider (1), region (2), account (3) or name
   (4) as a string (borrowed; NULL when absent or not a string), looked up once per
   evaluation. */
const char *policy_eval_field(policy_eval *ev, int field);
/* Does the document match? (given == false: yes). ERROR from a `when` counts as no. When
   `doc` is ev->root, its kind, provider, region, account and name come from
   policy_eval_field. `kind_known`: the caller knows the kinds match (policy_index_lookup's list
   for a kind). Thread-safe. */
bool policy_match_eval(const policy_match *m, policy_eval *ev, const json_t *doc, bool kind_known);
int policy_globs_compile(policy_loader *ld, const policy_ynode *node, const char *where,
                         policy_globs *g);
void policy_globs_free(policy_globs *g);
bool policy_globs_match(const policy_globs *g, const char *value);
int policy_labels_compile(policy_loader *ld, const policy_ynode *node, const char *where,
                          policy_label_sel **labels, size_t *count);
/* Do the document's labels (`have`, its "labels" object; NULL: none) match every selector? */
bool policy_labels_match(const policy_label_sel *labels, size_t count, const json_t *have);
void policy_labels_free(policy_label_sel *labels, size_t count);

int policy_compile(policy_loader *ld, const policy_ynode *doc, policy_def **out);
void policy_def_free(policy_def *policy);
int policy_exception_compile(policy_loader *ld, const policy_ynode *doc, policy_exception **out);
void policy_exception_free(policy_exception *exception);

int policy_template_compile(policy_loader *ld, const policy_ynode *node, const char *where,
                            policy_template *tpl);
void policy_template_free(policy_template *tpl);
/* Render into buf (always NUL-terminated): paths read ev->root, "$now" the evaluation time.
   Returns the length written; size - 1 means the text may have been cut. */
size_t policy_template_render(const policy_template *tpl, policy_eval *ev, char *buf, size_t size);

/* Check a mapping's keys against `allowed` (NULL-terminated); -1 after policy_fail. */
int policy_check_keys(policy_loader *ld, const policy_ynode *map, const char *where,
                      const char *const *allowed);
/* A required/optional string value of a mapping. */
int policy_get_string(policy_loader *ld, const policy_ynode *map, const char *key,
                      const char *where, bool required, const char **out);
int policy_check_name(policy_loader *ld, const policy_ynode *node, const char *where,
                      const char *what);
int policy_severity_parse(policy_loader *ld, const policy_ynode *node, const char *where,
                          fwkx_severity *out);

/* ---- evaluation (policy_eval.c) ---- */

/*
 * policy_evaluate: the decisions for one document at time `now` (epoch seconds), appended to
 * `decisions` (a JSON array). Thread-safe: the engine is only read.
 */
int policy_evaluate(const policy_engine *engine, const json_t *doc, int64_t now, json_t *decisions);
/*
 * policy_decision_new: a new decision object for `rule` with `effect` (shared: json_incref'd)
 * and `reason` (stolen, also on failure), plus the rule's shared constant members. Returns a
 * new reference, or NULL when out of memory.
 */
json_t *policy_decision_new(const policy_rule *rule, json_t *effect, json_t *reason);
/* The evaluation time: the engine's fixed clock, or time(NULL). */
int64_t policy_engine_now(const policy_engine *engine);

/* ---- tests (policy_test.c) ---- */

/*
 * policy_test_run: run every PolicyTest under `path` against `engine`. *report (new reference)
 * as fawkes/policy.h describes. Returns 0; 1 when a test file does not load (err set,
 * *report NULL). Serial.
 */
int policy_test_run(policy_engine *engine, const char *path, json_t **report, char *err,
                    size_t err_size);

/* ---- files (policy_files.c) ---- */

/* Every .yaml and .yml file under `path` (a file is taken as is), sorted, appended to *files
   (each malloc'd). Returns 0, or -1 with the reason in err. */
int policy_files_collect(const char *path, char ***files, size_t *count, char *err,
                         size_t err_size);
void policy_files_free(char **files, size_t count);
/* Read a whole file (NUL-terminated, malloc'd). NULL with errno on failure. */
char *policy_file_read(const char *path, size_t *length);

#endif
