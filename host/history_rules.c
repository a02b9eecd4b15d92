/* history_rules.c: what every fail finding of a rule repeats (title, remediation, ...), kept
   once per run instead of in each record of its pages. */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "history_internal.h"

/* The members a template may hold, by bit. "decision" is the page's slim decision. */
static const char *const members[] = {"source",      "severity",   "title",
                                      "remediation", "compliance", "decision"};
#define MEMBERS (sizeof members / sizeof members[0])

struct hrules {
    pthread_mutex_t lock; /* guards ids and list */
    json_t *ids;          /* "source\x1frule" -> id */
    json_t *list;         /* templates by id; each never changes once made */
};

hrules *hrules_new(void)
{
    hrules *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->ids = json_object();
    r->list = json_array();
    if (!r->ids || !r->list) {
        hrules_free(r);
        return NULL;
    }
    pthread_mutex_init(&r->lock, NULL);
    return r;
}

void hrules_free(hrules *r)
{
    if (!r)
        return;
    if (r->ids && r->list)
        pthread_mutex_destroy(&r->lock);
    json_decref(r->ids);
    json_decref(r->list);
    free(r);
}

#define DECISION_BIT 5 /* members[DECISION_BIT] is "decision" */

int hrules_member_bit(const char *name)
{
    for (size_t i = 0; i < MEMBERS; i++)
        if (name[0] == members[i][0] && strcmp(name, members[i]) == 0)
            return (int)i;
    return -1;
}

void hrules_cache_free(hrules_cache *c)
{
    for (size_t i = 0; i < HRULES_CACHE; i++)
        free(c->slots[i].name);
    memset(c, 0, sizeof *c);
}

/* "source\x1frule" into name[512]: its length, or 0 when it does not fit. */
static size_t rule_name(const char *source, const char *rule, char name[512])
{
    size_t a = strlen(source), b = strlen(rule);
    if (a + b + 2 > 512)
        return 0;
    memcpy(name, source, a);
    name[a] = '\x1f';
    memcpy(name + a + 1, rule, b + 1);
    return a + 1 + b;
}

unsigned hrules_match(hrules *r, hrules_cache *cache, const json_t *finding, const hslim *decision,
                      int *id)
{
    *id = -1;
    if (!r)
        return 0;
    const char *source = json_string_value(json_object_get(finding, "source"));
    const char *rule = json_string_value(json_object_get(finding, "rule"));
    char name[512];
    size_t name_len = rule ? rule_name(source ? source : "", rule, name) : 0;
    if (name_len == 0)
        return 0;
    /* the calling thread's cache first: no lock, no lookup in the shared set */
    uint64_t hash = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < name_len; i++)
        hash = (hash ^ (unsigned char)name[i]) * 0x100000001b3ull;
    struct hrules_cached *slot = cache ? &cache->slots[hash % HRULES_CACHE] : NULL;
    json_t *tmpl = NULL;
    if (slot && slot->name && slot->hash == hash && strcmp(slot->name, name) == 0) {
        *id = slot->id;
        tmpl = (json_t *)slot->tmpl;
        goto compare;
    }
    pthread_mutex_lock(&r->lock);
    const json_t *known = json_object_get(r->ids, name);
    if (known) {
        *id = (int)json_integer_value(known);
        tmpl = json_array_get(r->list, (size_t)*id);
    } else {
        /* the rule's first finding makes its template (copies: the finding is not ours) */
        tmpl = json_object();
        for (size_t i = 0; tmpl && i < MEMBERS; i++) {
            json_t *value = i == DECISION_BIT
                                ? hslim_build(decision)
                                : json_deep_copy(json_object_get(finding, members[i]));
            if (value && json_object_set_new(tmpl, members[i], value) != 0) {
                json_decref(tmpl);
                tmpl = NULL;
            }
        }
        size_t next = json_array_size(r->list);
        bool made = false;
        if (tmpl && next < HRULES_MAX) {
            /* the list owns the template from here (append_new frees it when it fails) */
            if (json_array_append_new(r->list, tmpl) == 0) {
                if (json_object_set_new(r->ids, name, json_integer((json_int_t)next)) == 0)
                    made = true;
                else
                    json_array_remove(r->list, next);
            }
        } else {
            json_decref(tmpl);
        }
        tmpl = made ? json_array_get(r->list, next) : NULL;
        if (made)
            *id = (int)next;
    }
    pthread_mutex_unlock(&r->lock);
    if (slot) {
        char *copy = strdup(name);
        if (copy) {
            free(slot->name);
            *slot = (struct hrules_cached){hash, copy, *id, tmpl};
        }
    }
compare:
    if (!tmpl)
        return 0;
    /* the template never changes once made: compared without the lock */
    unsigned omit = 0;
    for (size_t i = 0; i < MEMBERS; i++) {
        const json_t *same = json_object_get(tmpl, members[i]);
        if (!same)
            continue;
        if (i == DECISION_BIT) {
            if (decision && decision->decision && hslim_equal(decision, same))
                omit |= 1u << i;
            continue;
        }
        const json_t *value = json_object_get(finding, members[i]);
        if (value && json_equal((json_t *)value, (json_t *)same))
            omit |= 1u << i;
    }
    if (!omit)
        *id = -1;
    return omit;
}

int hrules_restore(json_t *record, const json_t *templates)
{
    const json_t *ref = json_object_get(record, HRULES_KEY);
    if (!ref)
        return 0;
    const json_t *tmpl =
        json_array_get(templates, (size_t)json_integer_value(json_array_get(ref, 0)));
    json_int_t omit = json_integer_value(json_array_get(ref, 1));
    if (!json_is_array(ref) || !json_is_object(tmpl))
        return -1;
    for (size_t i = 0; i < MEMBERS; i++) {
        if (!(omit & (1 << i)))
            continue;
        const json_t *value = json_object_get(tmpl, members[i]);
        if (!value)
            return -1;
        /* a shallow copy: restoring the decision changes it, the template must not change */
        json_object_set_new(record, members[i], json_copy((json_t *)value));
    }
    json_object_del(record, HRULES_KEY);
    return 0;
}

int hrules_store(hrules *r, state_store *st, int64_t seq)
{
    if (!r || json_array_size(r->list) == 0)
        return 0;
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(state_db(st),
                           "INSERT INTO history_rules (seq, id, body) VALUES (?, ?, ?)", -1, &stmt,
                           NULL) != SQLITE_OK)
        return -1;
    int rc = 0;
    size_t id;
    json_t *tmpl;
    json_array_foreach (r->list, id, tmpl) {
        char *text = json_dumps(tmpl, JSON_COMPACT);
        if (!text) {
            rc = -1;
            break;
        }
        sqlite3_reset(stmt);
        sqlite3_bind_int64(stmt, 1, seq);
        sqlite3_bind_int64(stmt, 2, (sqlite3_int64)id);
        sqlite3_bind_text(stmt, 3, text, -1, SQLITE_TRANSIENT);
        rc = sqlite3_step(stmt) == SQLITE_DONE ? 0 : -1;
        free(text);
        if (rc != 0)
            break;
    }
    sqlite3_finalize(stmt);
    return rc;
}

json_t *hrules_load(state_store *st, int64_t seq)
{
    json_t *list = json_array();
    sqlite3_stmt *stmt = NULL;
    if (!list || sqlite3_prepare_v2(state_db(st),
                                    "SELECT id, body FROM history_rules WHERE seq = ? ORDER BY id",
                                    -1, &stmt, NULL) != SQLITE_OK) {
        json_decref(list);
        return NULL;
    }
    sqlite3_bind_int64(stmt, 1, seq);
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        /* ids are dense from 0; a gap (a damaged file) leaves null for its records to fail */
        size_t id = (size_t)sqlite3_column_int64(stmt, 0);
        while (json_array_size(list) < id && id < HRULES_MAX)
            json_array_append_new(list, json_null());
        json_t *tmpl = json_loads((const char *)sqlite3_column_text(stmt, 1), 0, NULL);
        if (json_array_size(list) == id)
            json_array_append_new(list, tmpl ? tmpl : json_null());
        else
            json_decref(tmpl);
    }
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE) {
        json_decref(list);
        return NULL;
    }
    return list;
}
