/* approval.c: plan tokens (SHA-256 of the canonical plan) and their records in the state file. */
#include "approval.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "clock.h"

static const char schema_sql[] = "CREATE TABLE IF NOT EXISTS approval_plans ("
                                 " token TEXT PRIMARY KEY,"
                                 " subject TEXT NOT NULL,"
                                 " plan TEXT NOT NULL,"
                                 " created_ms INTEGER NOT NULL);";

int approval_token(const char *subject, const json_t *plan, char token[65])
{
    static const char domain[] = "fawkes-approval-v1\n";
    char *text = json_dumps(plan, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int ok = md && text && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1 &&
             EVP_DigestUpdate(md, domain, sizeof domain - 1) == 1 &&
             EVP_DigestUpdate(md, subject, strlen(subject) + 1) == 1 &&
             EVP_DigestUpdate(md, text, strlen(text)) == 1 &&
             EVP_DigestFinal_ex(md, digest, &len) == 1 && len >= 32;
    EVP_MD_CTX_free(md);
    free(text);
    token[0] = '\0';
    if (!ok)
        return -1;
    static const char hex[] = "0123456789abcdef";
    for (unsigned int i = 0; i < 32; i++) {
        token[2 * i] = hex[digest[i] >> 4];
        token[2 * i + 1] = hex[digest[i] & 15];
    }
    token[64] = '\0';
    return 0;
}

static int fail_sql(state_store *st, diag *err, const char *what)
{
    diag_set(err, "%s: %s: %s", state_file(st), what, sqlite3_errmsg(state_db(st)));
    return -1;
}

int approval_record(state_store *st, const char *token, const char *subject, const json_t *plan,
                    diag *err)
{
    if (state_exec(st, schema_sql, err) != 0)
        return -1;
    char *text = json_dumps(plan, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    if (!text) {
        diag_set(err, "out of memory recording the plan");
        return -1;
    }
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(state_db(st),
                           "INSERT OR REPLACE INTO approval_plans (token, subject, plan, "
                           "created_ms) VALUES (?1, ?2, ?3, ?4)",
                           -1, &stmt, NULL) != SQLITE_OK) {
        free(text);
        return fail_sql(st, err, "recording the plan token");
    }
    sqlite3_bind_text(stmt, 1, token, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(stmt, 2, subject, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(stmt, 3, text, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(stmt, 4, clock_wall_ms());
    free(text);
    int rc = sqlite3_step(stmt);
    sqlite3_finalize(stmt);
    return rc == SQLITE_DONE ? 0 : fail_sql(st, err, "recording the plan token");
}

int approval_check(state_store *st, const char *given, const char *subject, const json_t *plan,
                   int64_t now_ms, diag *err)
{
    char token[65];
    if (approval_token(subject, plan, token) != 0) {
        diag_set(err, "out of memory computing the plan token");
        return -1;
    }
    if (state_exec(st, schema_sql, err) != 0)
        return -1;
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2(state_db(st),
                           "SELECT subject, created_ms FROM approval_plans WHERE token = ?1", -1,
                           &stmt, NULL) != SQLITE_OK)
        return fail_sql(st, err, "reading the plan tokens");
    sqlite3_bind_text(stmt, 1, given, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(stmt);
    char *recorded_for = rc == SQLITE_ROW && sqlite3_column_text(stmt, 0)
                             ? strdup((const char *)sqlite3_column_text(stmt, 0))
                             : NULL;
    int64_t created = rc == SQLITE_ROW ? sqlite3_column_int64(stmt, 1) : 0;
    sqlite3_finalize(stmt);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        free(recorded_for);
        return fail_sql(st, err, "reading the plan tokens");
    }
    int result = -1;
    if (rc == SQLITE_DONE)
        diag_set(err,
                 "approval refused: token %s was not printed by a dry run with this state file "
                 "(%s) or was already used; run without --apply and approve the token it "
                 "prints (now %s)",
                 given, state_file(st), token);
    else if (strcmp(recorded_for, subject) != 0)
        diag_set(err,
                 "approval refused: token %s approves '%s', not '%s'; run this one without "
                 "--apply and approve the token it prints (now %s)",
                 given, recorded_for, subject, token);
    else if (strcmp(given, token) != 0)
        diag_set(err,
                 "approval refused: the plan computed now (token %s) is not the plan that was "
                 "approved (%s): the spec or what the provider reports changed; review the new "
                 "plan (run without --apply) and approve its token",
                 token, given);
    else if (now_ms - created > APPROVAL_TTL_MS || now_ms < created)
        diag_set(err,
                 "approval refused: token %s expired (plan tokens are valid for %lld hours "
                 "after the dry run that printed them); run without --apply again and approve "
                 "the new token",
                 given, (long long)(APPROVAL_TTL_MS / 3600000));
    else
        result = 0;
    free(recorded_for);
    return result;
}

int approval_consume(state_store *st, const char *token, diag *err)
{
    sqlite3_stmt *stmt = NULL;
    if (state_exec(st, schema_sql, err) != 0)
        return -1;
    if (sqlite3_prepare_v2(state_db(st), "DELETE FROM approval_plans WHERE token = ?1", -1, &stmt,
                           NULL) != SQLITE_OK)
        return fail_sql(st, err, "forgetting the used plan token");
    sqlite3_bind_text(stmt, 1, token, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(stmt);
    sqlite3_finalize(stmt);
    return rc == SQLITE_DONE ? 0 : fail_sql(st, err, "forgetting the used plan token");
}
