/* history_record.c: a finding as its page record keeps it, and back. The record leaves out
   what it repeats (the decision's members equal to the finding's, the members equal to its
   rule's template, the fingerprint its header holds) and is written straight into the page
   from the finding, with no copy of it. */
#include <stdbool.h>
#include <string.h>

#include "history_internal.h"

/* A policy decision's members that repeat the finding's (decision_finding copies them). */
static const char *const shared_pairs[][2] = {
    {"reason", "message"},          {"severity", "severity"},     {"title", "title"},
    {"remediation", "remediation"}, {"compliance", "compliance"}, {"exception", "exception"}};
#define SHARED_PAIRS (sizeof shared_pairs / sizeof shared_pairs[0])
#define SHARED_KEY "~shared"

void hslim_of(const json_t *finding, hslim *out)
{
    const json_t *decision = json_object_get(finding, "decision");
    out->decision = decision;
    out->shared = 0;
    if (!json_is_object(decision) || json_object_get(decision, SHARED_KEY))
        return;
    for (size_t i = 0; i < SHARED_PAIRS; i++) {
        const json_t *mine = json_object_get(decision, shared_pairs[i][0]);
        const json_t *theirs = json_object_get(finding, shared_pairs[i][1]);
        if (mine && theirs && json_equal((json_t *)mine, (json_t *)theirs))
            out->shared |= 1u << i;
    }
}

/* The pair index of a decision member left out by `shared`, or -1. */
static int shared_index(unsigned shared, const char *key)
{
    for (size_t i = 0; i < SHARED_PAIRS; i++)
        if ((shared & (1u << i)) && strcmp(key, shared_pairs[i][0]) == 0)
            return (int)i;
    return -1;
}

json_t *hslim_build(const hslim *slim)
{
    if (!slim || !slim->decision)
        return NULL;
    json_t *copy = json_deep_copy((json_t *)slim->decision);
    if (!copy || !slim->shared)
        return copy;
    json_t *names = json_array();
    if (!names || json_object_set_new(copy, SHARED_KEY, names) != 0) {
        json_decref(copy);
        return NULL;
    }
    for (size_t i = 0; i < SHARED_PAIRS; i++)
        if (slim->shared & (1u << i)) {
            json_object_del(copy, shared_pairs[i][0]);
            json_array_append_new(names, json_string(shared_pairs[i][0]));
        }
    return copy;
}

bool hslim_equal(const hslim *slim, const json_t *value)
{
    if (!slim || !slim->decision || !value)
        return (!slim || !slim->decision) && !value;
    if (!slim->shared)
        return json_equal((json_t *)slim->decision, (json_t *)value);
    size_t left_out = 0;
    for (size_t i = 0; i < SHARED_PAIRS; i++)
        left_out += (slim->shared >> i) & 1u;
    if (!json_is_object(value) ||
        json_object_size(value) != json_object_size(slim->decision) - left_out + 1)
        return false;
    const char *key;
    const json_t *member;
    json_object_foreach ((json_t *)slim->decision, key, member) {
        if (shared_index(slim->shared, key) >= 0)
            continue;
        const json_t *other = json_object_get(value, key);
        if (!other || !json_equal((json_t *)member, (json_t *)other))
            return false;
    }
    const json_t *names = json_object_get(value, SHARED_KEY);
    if (!json_is_array(names) || json_array_size(names) != left_out)
        return false;
    size_t at = 0;
    for (size_t i = 0; i < SHARED_PAIRS; i++) {
        if (!(slim->shared & (1u << i)))
            continue;
        const char *name = json_string_value(json_array_get(names, at++));
        if (!name || strcmp(name, shared_pairs[i][0]) != 0)
            return false;
    }
    return true;
}

/* `"key":` then the value, after a ',' unless first. */
static int put_member(fwkx_buf *page, bool *first, const char *key, size_t key_len)
{
    if ((!*first && fwkx_buf_add(page, ",", 1) != 0) ||
        fwkx_json_dump_string(page, key, key_len) != 0 || fwkx_buf_add(page, ":", 1) != 0)
        return -1;
    *first = false;
    return 0;
}

/* The slim decision: its members but the shared ones, then their names under SHARED_KEY. */
static int put_slim(fwkx_buf *page, const hslim *slim)
{
    if (!slim->shared)
        return fwkx_json_dump_fast(page, slim->decision);
    bool first = true;
    if (fwkx_buf_add(page, "{", 1) != 0)
        return -1;
    for (void *it = json_object_iter((json_t *)slim->decision); it;
         it = json_object_iter_next((json_t *)slim->decision, it)) {
        const char *key = json_object_iter_key(it);
        if (shared_index(slim->shared, key) >= 0)
            continue;
        if (put_member(page, &first, key, json_object_iter_key_len(it)) != 0 ||
            fwkx_json_dump_fast(page, json_object_iter_value(it)) != 0)
            return -1;
    }
    if (put_member(page, &first, SHARED_KEY, strlen(SHARED_KEY)) != 0 ||
        fwkx_buf_add(page, "[", 1) != 0)
        return -1;
    bool first_name = true;
    for (size_t i = 0; i < SHARED_PAIRS; i++) {
        if (!(slim->shared & (1u << i)))
            continue;
        if ((!first_name && fwkx_buf_add(page, ",", 1) != 0) ||
            fwkx_json_dump_string(page, shared_pairs[i][0], strlen(shared_pairs[i][0])) != 0)
            return -1;
        first_name = false;
    }
    return fwkx_buf_add(page, "]}", 2);
}

int hrecord_write(fwkx_buf *page, const json_t *finding, bool packed, const hslim *slim, int id,
                  unsigned omit)
{
    size_t before = page->len;
    if (id < 0)
        omit = 0;
    bool first = true;
    int rc = fwkx_buf_add(page, "{", 1);
    for (void *it = json_object_iter((json_t *)finding); rc == 0 && it;
         it = json_object_iter_next((json_t *)finding, it)) {
        const char *key = json_object_iter_key(it);
        int bit = omit ? hrules_member_bit(key) : -1;
        if ((packed && strcmp(key, "fingerprint") == 0) || (bit >= 0 && (omit & (1u << bit))))
            continue;
        rc = put_member(page, &first, key, json_object_iter_key_len(it));
        if (rc == 0)
            rc = slim && slim->decision && strcmp(key, "decision") == 0
                     ? put_slim(page, slim)
                     : fwkx_json_dump_fast(page, json_object_iter_value(it));
    }
    if (rc == 0 && omit) {
        char ref[48];
        int n = snprintf(ref, sizeof ref, "[%d,%u]", id, omit);
        rc = put_member(page, &first, HRULES_KEY, strlen(HRULES_KEY));
        if (rc == 0)
            rc = fwkx_buf_add(page, ref, (size_t)n);
    }
    if (rc == 0)
        rc = fwkx_buf_add(page, "}", 1);
    if (rc != 0) {
        page->len = before;
        if (page->data)
            page->data[before] = '\0';
    }
    return rc;
}

/* Put back what the slim decision left out. */
static void restore_decision(json_t *finding)
{
    json_t *decision = json_object_get(finding, "decision");
    const json_t *names = json_object_get(decision, SHARED_KEY);
    size_t i;
    const json_t *name;
    json_array_foreach (names, i, name) {
        for (size_t p = 0; p < SHARED_PAIRS; p++)
            if (strcmp(json_string_value(name) ? json_string_value(name) : "",
                       shared_pairs[p][0]) == 0) {
                json_t *value = json_object_get(finding, shared_pairs[p][1]);
                if (value)
                    json_object_set(decision, shared_pairs[p][0], value);
            }
    }
    if (names)
        json_object_del(decision, SHARED_KEY);
}

json_t *hrecord_read(const hpage_record *rec, const json_t *templates, json_error_t *jerr)
{
    json_t *finding = json_loadb(rec->json, rec->len, 0, jerr);
    if (finding && hrules_restore(finding, templates) != 0) {
        json_decref(finding);
        finding = NULL;
        if (jerr)
            snprintf(jerr->text, sizeof jerr->text,
                     "it names a rule template the run did not store");
    }
    if (finding && rec->fingerprint[0])
        json_object_set_new(finding, "fingerprint", json_string(rec->fingerprint));
    if (finding)
        restore_decision(finding);
    return finding;
}
