/* chain.c: one chain, top to bottom: init, plan tasks, run them, finish scanners, notify. */
#include "chain.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "finding.h"
#include "history.h"
#include "log.h"
#include "notify.h"
#include "playbook.h"
#include "scheduler.h"

static const strlist *plan_stage(const chain_plan *plan, config_section section)
{
    switch (section) {
    case CONFIG_PROVIDERS:
        return &plan->providers;
    case CONFIG_SCANNERS:
        return &plan->scanners;
    case CONFIG_POLICIES:
        return &plan->policies;
    default:
        return &plan->notifiers;
    }
}

int chain_prepare(const engine_env *eng, const chain_plan *plan, chain_exec *exec, diag *err)
{
    memset(exec, 0, sizeof *exec);
    exec->plan = plan;
    exec->engine = eng;
    exec->tasks_total = calloc(plan->providers.count + 1, sizeof *exec->tasks_total);
    exec->tasks_done = calloc(plan->providers.count + 1, sizeof *exec->tasks_done);
    if (!exec->tasks_total || !exec->tasks_done) {
        diag_set(err, "out of memory");
        return -1;
    }
    for (int s = 0; s < CONFIG_SECTION_COUNT; s++) {
        const strlist *names = plan_stage(plan, (config_section)s);
        exec->stage[s] = calloc(names->count + 1, sizeof *exec->stage[s]);
        exec->refusal[s] = calloc(names->count + 1, sizeof *exec->refusal[s]);
        if (!exec->stage[s] || !exec->refusal[s]) {
            diag_set(err, "out of memory");
            return -1;
        }
        for (size_t i = 0; i < names->count; i++) {
            config_section found;
            const config_instance *conf = config_find_instance(eng->cfg, names->items[i], &found);
            if (!conf || found != (config_section)s) {
                diag_set(err, "%s: no %s named '%s' in %s", plan->name,
                         config_section_name((config_section)s), names->items[i], eng->cfg->path);
                return -1;
            }
            instance *inst = NULL;
            if (instance_prepare(eng, conf, &inst, &exec->refusal[s][i], err) != 0)
                return -1;
            exec->stage[s][exec->stage_count[s]++] = inst;
            if (s == CONFIG_NOTIFIERS && notify_check(inst, eng->cfg, err) != 0)
                return -1;
        }
    }
    return 0;
}

int chain_init_policies(chain_exec *exec, const strlist *allow, diag *err)
{
    run early;
    if (run_init(&early, "init", NULL, OUTPUT_FINDINGS, NULL, allow) != 0) {
        diag_set(err, "out of memory");
        return -1;
    }
    int rc = 0;
    for (size_t i = 0; i < exec->stage_count[CONFIG_POLICIES] && rc == 0; i++) {
        instance *inst = exec->stage[CONFIG_POLICIES][i];
        diag why = {{0}};
        if (inst->plug && !inst->ready && instance_init(inst, &early, &why) != 0) {
            diag_set(err, "policies: %s (plugin %s): %s", inst->conf->name, inst->conf->plugin,
                     why.text);
            rc = -1;
        }
    }
    run_free(&early);
    return rc;
}

static void init_all(chain_exec *exec, run *r)
{
    for (int s = 0; s < CONFIG_SECTION_COUNT; s++)
        for (size_t i = 0; i < exec->stage_count[s]; i++) {
            instance *inst = exec->stage[s][i];
            if (!inst->plug) {
                char message[DIAG_MAX];
                snprintf(message, sizeof message, "plugin '%s' was refused by the loader: %s",
                         inst->conf->plugin, exec->refusal[s][i]);
                run_fail(r, inst, "load", NULL, message);
                continue;
            }
            diag err = {{0}};
            if (inst->ready) /* policies are initialised early, see chain_init_policies */
                continue;
            if (instance_init(inst, r, &err) != 0)
                run_fail(r, inst, "init", NULL, err.text);
        }
}

typedef struct task_run {
    run *r;
    instance *provider;
    const json_t *task;       /* borrowed from the plan's tasks array */
    atomic_llong *done_count; /* the provider's tasks done (chain_exec.tasks_done) */
} task_run;

static void run_one_task(void *arg)
{
    task_run *t = arg;
    const char *name = json_string_value(json_object_get(t->task, "name"));
    const fwk_provider_vtable *vt = t->provider->plug->desc->vtable;
    fwk_ctx ctx;
    ctx_init(&ctx, t->r, t->provider, "run_task", name);
    instance_count(t->provider, "tasks", 1);
    fwk_status status =
        run_cancel_requested() ? FWK_CANCELLED : vt->run_task(&ctx, t->provider->state, t->task);
    if (ctx.malformed > 0) {
        char message[DIAG_MAX];
        snprintf(message, sizeof message,
                 "%zu malformed resources were dropped (first: %s): plugin '%s' emitted "
                 "resources outside the model (docs/model.md); fix the data it read (a "
                 "snapshot file), or report it to the plugin's authors",
                 ctx.malformed, ctx.first_malformed ? ctx.first_malformed : "?",
                 t->provider->conf->plugin);
        run_fail(t->r, t->provider, "run_task", name, message);
    }
    if (status != FWK_OK) {
        instance_count(t->provider, "tasks_failed", 1);
        const char *why = ctx.message               ? ctx.message
                          : status == FWK_CANCELLED ? "cancelled before it finished"
                                                    : "the plugin gave no reason";
        char message[DIAG_MAX];
        snprintf(message, sizeof message, "%s (%s)", why, fwk_strerror(status));
        run_fail(t->r, t->provider, "run_task", name, message);
    }
    ctx_finish(&ctx);
    atomic_fetch_add(t->done_count, 1);
}

/* plan_tasks of one provider: the tasks array (new reference), or NULL after a failure. */
static json_t *plan_provider(instance *provider, run *r)
{
    const fwk_provider_vtable *vt = provider->plug->desc->vtable;
    json_t *request = json_object();
    json_object_set_new(request, "regions", json_null());
    if (r->kinds && r->kinds->count > 0) {
        json_t *kinds = json_array();
        for (size_t i = 0; i < r->kinds->count; i++)
            json_array_append_new(kinds, json_string(r->kinds->items[i]));
        json_object_set_new(request, "kinds", kinds);
    } else {
        json_object_set_new(request, "kinds", json_null());
    }
    fwk_ctx ctx;
    ctx_init(&ctx, r, provider, "plan_tasks", NULL);
    json_t *tasks = NULL;
    fwk_status status = vt->plan_tasks(&ctx, provider->state, request, &tasks);
    json_decref(request);
    if (status != FWK_OK || !json_is_array(tasks)) {
        run_fail(r, provider, "plan_tasks", NULL,
                 ctx.message        ? ctx.message
                 : status == FWK_OK ? "plan_tasks returned no task array (a plugin bug)"
                                    : fwk_strerror(status));
        json_decref(tasks);
        tasks = NULL;
    } else {
        size_t i;
        json_t *task;
        json_array_foreach (tasks, i, task) {
            if (!json_is_string(json_object_get(task, "name"))) {
                run_fail(r, provider, "plan_tasks", NULL,
                         "a task lacks a string \"name\" (a plugin bug); no task was run");
                json_decref(tasks);
                tasks = NULL;
                break;
            }
        }
    }
    ctx_finish(&ctx);
    return tasks;
}

static void run_providers(chain_exec *exec, run *r, int jobs)
{
    size_t provider_count = exec->stage_count[CONFIG_PROVIDERS];
    json_t **plans = calloc(provider_count + 1, sizeof *plans);
    size_t task_total = 0;
    for (size_t p = 0; plans && p < provider_count; p++) {
        instance *provider = exec->stage[CONFIG_PROVIDERS][p];
        if (provider->ready)
            plans[p] = plan_provider(provider, r);
        task_total += json_array_size(plans[p]);
        atomic_store(&exec->tasks_total[p], (long long)json_array_size(plans[p]));
    }
    sched_job *queue = calloc(task_total + 1, sizeof *queue);
    task_run *task_args = calloc(task_total + 1, sizeof *task_args);
    size_t n = 0;
    for (size_t p = 0; queue && task_args && p < provider_count; p++) {
        instance *provider = exec->stage[CONFIG_PROVIDERS][p];
        size_t i;
        json_t *task;
        json_array_foreach (plans[p], i, task) {
            task_args[n] = (task_run){r, provider, task, &exec->tasks_done[p]};
            queue[n] = (sched_job){provider, provider->conf->limits.concurrency, run_one_task,
                                   &task_args[n]};
            n++;
        }
    }
    if (!plans || !queue || !task_args)
        run_fail(r, NULL, "schedule", NULL, "out of memory");
    else
        sched_run(queue, n, jobs);
    for (size_t p = 0; plans && p < provider_count; p++)
        json_decref(plans[p]);
    free(plans);
    free(queue);
    free(task_args);
}

static void finish_scanners(chain_exec *exec, run *r)
{
    for (size_t i = 0; i < exec->stage_count[CONFIG_SCANNERS]; i++) {
        instance *scanner = exec->stage[CONFIG_SCANNERS][i];
        const fwk_scanner_vtable *vt = scanner->ready ? scanner->plug->desc->vtable : NULL;
        if (!vt || !FWK_VTABLE_HAS(vt, finish))
            continue;
        fwk_ctx ctx;
        ctx_init(&ctx, r, scanner, "finish", NULL);
        fwk_status status = vt->finish(&ctx, scanner->state);
        if (status != FWK_OK)
            run_fail(r, scanner, "finish", NULL, ctx.message ? ctx.message : fwk_strerror(status));
        ctx_finish(&ctx);
    }
}

/* What run output says of a playbook (chain_playbooks), from its report `result`. */
static void keep_playbook(chain_exec *exec, const char *path, const json_t *result)
{
    if (!exec->playbooks && !(exec->playbooks = json_array()))
        return;
    const json_t *plan = json_object_get(result, "plan");
    const json_t *status = json_object_get(result, "status");
    json_t *entry = json_pack("{s:s, s:O?, s:s, s:O?, s:O?, s:o}", "chain", exec->plan->name,
                              "playbook", json_object_get(result, "playbook"), "path", path,
                              "status", status, "token", json_object_get(result, "token"), "plan",
                              plan ? json_deep_copy(plan) : json_array());
    static const char *const optional[] = {"refusal", "error"};
    for (size_t i = 0; entry && i < sizeof optional / sizeof optional[0]; i++) {
        json_t *value = json_object_get(result, optional[i]);
        if (value)
            json_object_set(entry, optional[i], value);
    }
    if (entry && !json_object_get(entry, "token"))
        json_object_set_new(entry, "token", json_null());
    if (entry)
        json_array_append_new(exec->playbooks, entry);
}

static void run_playbooks(chain_exec *exec, run *r, int jobs)
{
    const strlist *paths = &exec->plan->playbooks;
    for (size_t i = 0; i < paths->count && !run_cancel_requested(); i++) {
        playbook_options opts = {
            .path = paths->items[i], .apply = exec->engine->apply, .jobs = jobs};
        json_t *result = NULL;
        diag err = {{0}};
        int code = playbook_run(exec->engine, r, exec, &opts, &result, &err);
        const char *token = json_string_value(json_object_get(result, "token"));
        log_msg(code == 0 ? FWK_LOG_INFO : FWK_LOG_ERROR, "playbook",
                "%s: %s, %zu step(s), plan token %s", paths->items[i],
                json_string_value(json_object_get(result, "status")),
                json_array_size(json_object_get(result, "steps")), token ? token : "-");
        if (code != 0)
            run_fail(r, NULL, "playbook", paths->items[i], err.text);
        keep_playbook(exec, paths->items[i], result);
        json_decref(result);
    }
}

/* Load the chain's baseline from the run history, when the run keeps one. */
static void begin_history(run *r)
{
    diag err = {{0}};
    if (r->history && r->history_key &&
        history_chain_begin(r->history, r->id, r->history_key, r->started_at, &err) != 0)
        run_fail(r, NULL, "history", NULL, err.text);
}

static void report_resolved(void *ud, const json_t *finding)
{
    run_resolved(ud, finding);
}

/* Record the chain in the run history and report its resolved findings. */
static void end_history(run *r)
{
    diag err = {{0}};
    if (r->history &&
        history_chain_end(r->history, run_chain_partial(r), report_resolved, r, &err) != 0)
        run_fail(r, NULL, "history", NULL, err.text);
}

void chain_execute(chain_exec *exec, run *r, int jobs)
{
    diag kept_err = {{0}};
    if (exec->plan->playbooks.count > 0 && run_keep(r, true, true, &kept_err) != 0)
        run_fail(r, NULL, "playbooks", NULL, kept_err.text);
    begin_history(r);
    init_all(exec, r);
    atomic_store(&exec->started, true); /* chain_progress may read the HTTP clients now */
    run_chain_stages(r, exec->stage[CONFIG_SCANNERS], exec->stage_count[CONFIG_SCANNERS],
                     exec->stage[CONFIG_POLICIES], exec->stage_count[CONFIG_POLICIES]);
    run_providers(exec, r, jobs);
    if (!run_cancel_requested())
        finish_scanners(exec, r);
    end_history(r);
    notify_chain(r, exec->stage[CONFIG_NOTIFIERS], exec->stage_count[CONFIG_NOTIFIERS]);
    if (!run_cancel_requested() && exec->engine)
        run_playbooks(exec, r, jobs);
    run_chain_stages(r, NULL, 0, NULL, 0);
}

void chain_progress(const chain_exec *exec, chain_counts *sum)
{
    if (!atomic_load(&exec->started))
        return;
    for (int s = 0; s < CONFIG_SECTION_COUNT; s++)
        for (size_t i = 0; i < exec->stage_count[s]; i++) {
            instance *inst = exec->stage[s][i];
            if (s == CONFIG_PROVIDERS)
                sum->resources += atomic_load(&inst->hot[0]);
            else if (s == CONFIG_SCANNERS || s == CONFIG_POLICIES)
                sum->findings += atomic_load(&inst->hot[1]);
            json_t *http = inst->http ? http_client_counters(inst->http) : NULL;
            sum->requests += json_integer_value(json_object_get(http, "requests"));
            sum->throttles += json_integer_value(json_object_get(http, "throttles"));
            json_decref(http);
        }
}

void chain_playbooks(const chain_exec *exec, json_t *out)
{
    size_t i;
    json_t *entry;
    json_array_foreach (exec->playbooks, i, entry)
        json_array_append(out, entry);
}

void chain_stats(const chain_exec *exec, json_t *stats)
{
    for (int s = 0; s < CONFIG_SECTION_COUNT; s++)
        for (size_t i = 0; i < exec->stage_count[s]; i++) {
            const instance *inst = exec->stage[s][i];
            json_t *existing = json_object_get(stats, inst->conf->name);
            if (!existing)
                json_object_set_new(stats, inst->conf->name, instance_stats(inst));
        }
}

void chain_close(chain_exec *exec)
{
    for (int s = 0; s < CONFIG_SECTION_COUNT; s++) {
        for (size_t i = 0; i < exec->stage_count[s]; i++)
            instance_close(exec->stage[s][i]);
        free(exec->stage[s]);
        free(exec->refusal[s]);
    }
    free(exec->tasks_total);
    free(exec->tasks_done);
    json_decref(exec->playbooks);
    memset(exec, 0, sizeof *exec);
}

void chain_plan_clear(chain_plan *plan)
{
    free(plan->name);
    strlist_clear(&plan->providers);
    strlist_clear(&plan->scanners);
    strlist_clear(&plan->policies);
    strlist_clear(&plan->notifiers);
    strlist_clear(&plan->playbooks);
}
