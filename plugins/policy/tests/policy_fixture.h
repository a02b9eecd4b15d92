/* policy_fixture.h: helpers for the policy plugin's unit tests: load YAML text as policies,
   evaluate one condition on one document. */
#ifndef POLICY_FIXTURE_H
#define POLICY_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "policy.h"

/* 2026-11-23T12:00:00Z, a Monday. */
#define FIX_NOW 1795435200LL

/* Write `text` to a fresh temporary .yaml file; returns its path (static buffer per call). */
static inline const char *fix_write(const char *text)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/pol-unit-XXXXXX.yaml");
    int fd = mkstemps(path, 5);
    assert_true(fd >= 0);
    size_t n = strlen(text);
    assert_int_equal(write(fd, text, n), (ssize_t)n);
    close(fd);
    return path;
}

/* Load `text` into `engine` at FIX_NOW; returns 0 or -1 with the message in err. */
static inline int fix_load(policy_engine *engine, const char *text, char *err, size_t size)
{
    memset(engine, 0, sizeof *engine);
    engine->max_exception_days = 365;
    const char *path = fix_write(text);
    const char *paths[] = {path};
    int rc = policy_engine_load(engine, paths, 1, FIX_NOW, err, size);
    unlink(path);
    return rc;
}

/* The effect of the single rule of a policy whose `when` is `cond` (YAML flow text) on the
   JSON document `doc` at time `now`: "deny", "allow", "error", or "skip" (no decision). */
static inline const char *fix_effect_at(const char *cond, const char *doc, long long now)
{
    static char effect[16];
    char text[4096], err[2048];
    snprintf(text, sizeof text, "kind: Policy\nname: t\nrules:\n  - name: r\n    when: %s\n", cond);
    policy_engine engine;
    if (fix_load(&engine, text, err, sizeof err) != 0)
        fail_msg("policy did not load: %s\n%s", err, text);
    json_error_t jerr;
    json_t *document = json_loads(doc, 0, &jerr);
    if (!document)
        fail_msg("bad test JSON: %s: %s", jerr.text, doc);
    json_t *decisions = json_array();
    assert_int_equal(policy_evaluate(&engine, document, now, decisions), 0);
    const char *got = json_string_value(json_object_get(json_array_get(decisions, 0), "effect"));
    snprintf(effect, sizeof effect, "%s", got ? got : "skip");
    json_decref(decisions);
    json_decref(document);
    policy_engine_free(&engine);
    return effect;
}

static inline const char *fix_effect(const char *cond, const char *doc)
{
    return fix_effect_at(cond, doc, FIX_NOW);
}

#define DENY(cond, doc) assert_string_equal(fix_effect(cond, doc), "deny")
#define ALLOW(cond, doc) assert_string_equal(fix_effect(cond, doc), "allow")
#define UNDECIDED(cond, doc) assert_string_equal(fix_effect(cond, doc), "error")

/* The load error of `text` (asserts that it fails); the temporary file name is replaced by
   "F" so messages compare exactly. */
static inline const char *fix_load_error(const char *text)
{
    static char shown[2048];
    char err[2048];
    policy_engine engine;
    memset(&engine, 0, sizeof engine);
    engine.max_exception_days = 365;
    const char *path = fix_write(text);
    const char *paths[] = {path};
    int rc = policy_engine_load(&engine, paths, 1, FIX_NOW, err, sizeof err);
    unlink(path);
    policy_engine_free(&engine);
    if (rc == 0)
        fail_msg("expected a load error for:\n%s", text);
    size_t n = strlen(path), used = 0;
    for (const char *p = err; *p && used + 1 < sizeof shown;) {
        if (strncmp(p, path, n) == 0) {
            shown[used++] = 'F';
            p += n;
        } else {
            shown[used++] = *p++;
        }
    }
    shown[used] = '\0';
    return shown;
}

#endif
