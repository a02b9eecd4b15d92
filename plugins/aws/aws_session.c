/* aws_session.c: the accounts an instance reads, set up once: base credentials, roles, ids. */
#include <stdlib.h>
#include <string.h>

#include "aws.h"

/* Add one account: `role_arn` assumed from the base credentials (NULL: the base itself). */
static int add_account(aws_instance *inst, fwk_ctx *ctx, const char *role_arn)
{
    aws_account *account = &inst->account[inst->account_count];
    int rc;

    memset(account, 0, sizeof *account);
    inst->account_count++; /* counted now, so aws_session_clear frees what follows */
    if (role_arn)
        rc = aws_sts_assume(inst, ctx, &inst->base, role_arn, inst->external_id, &account->creds);
    else
        rc = aws_creds_copy(&account->creds, &inst->base);
    if (rc != 0)
        return -1;
    account->role_arn = role_arn ? strdup(role_arn) : NULL;
    account->id = aws_sts_account(inst, ctx, &account->creds);
    return account->id ? 0 : -1;
}

static int setup(aws_instance *inst, fwk_ctx *ctx)
{
    size_t count = inst->accounts ? json_array_size(inst->accounts) : 1;
    size_t i;
    const json_t *arn;

    if (aws_creds_resolve(inst, ctx) != 0)
        return -1;
    if (!inst->default_region)
        inst->default_region = strdup("us-east-1");
    inst->account = calloc(count + 1, sizeof *inst->account);
    if (!inst->account || !inst->default_region) {
        inst->host->fail(ctx, "out of memory");
        return -1;
    }
    if (!inst->accounts)
        return add_account(inst, ctx, inst->role_arn);
    json_array_foreach (inst->accounts, i, arn) {
        if (add_account(inst, ctx, json_string_value(arn)) != 0)
            return -1;
    }
    return 0;
}

void aws_session_clear(aws_instance *inst)
{
    for (size_t i = 0; i < inst->account_count; i++) {
        aws_creds_clear(&inst->account[i].creds);
        free(inst->account[i].role_arn);
        free(inst->account[i].id);
    }
    free(inst->account);
    inst->account = NULL;
    inst->account_count = 0;
    aws_creds_clear(&inst->base);
    inst->ready = false;
}

int aws_session_ready(aws_instance *inst, fwk_ctx *ctx)
{
    int rc = 0;

    pthread_mutex_lock(&inst->lock);
    if (!inst->ready) {
        rc = setup(inst, ctx);
        if (rc != 0)
            aws_session_clear(inst);
        if (rc == 0) {
            inst->ready = true;
            inst->host->log(ctx, FWK_LOG_DEBUG, "AWS credentials from %s; %zu account(s)",
                            inst->base_source, inst->account_count);
        }
    }
    pthread_mutex_unlock(&inst->lock);
    return rc;
}
