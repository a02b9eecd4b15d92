/* playbook.c: one playbook run: the session, its plugin instances and data, the meta table. */
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <lauxlib.h>

#include "exitcode.h"
#include "http.h"
#include "log.h"
#include "pb_json.h"
#include "playbook_internal.h"
#include "schema.h"

const char *pb_run_id(const pb_session *s)
{
    return s->chain_run ? s->chain_run->id : s->own.id;
}

void pb_failure(pb_session *s, const char *operation, const char *fmt, ...)
{
    char message[DIAG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    char *clean = log_redact(message);
    log_msg(FWK_LOG_ERROR, s->name, "%s: %s", operation, clean ? clean : message);
    json_array_append_new(s->failures, json_pack("{s:s, s:s}", "operation", operation, "message",
                                                 clean ? clean : message));
    free(clean);
}

static instance *find_in(instance **list, size_t count, const char *name)
{
    for (size_t i = 0; i < count; i++)
        if (strcmp(list[i]->conf->name, name) == 0)
            return list[i];
    return NULL;
}

/* The provider instance `name` among the chain's and the session's inventories. */
static instance *find_provider(pb_session *s, const char *name)
{
    instance *found = NULL;
    if (s->chain)
        found = find_in(s->chain->stage[CONFIG_PROVIDERS], s->chain->stage_count[CONFIG_PROVIDERS],
                        name);
    for (size_t i = 0; !found && i < s->exec_count; i++)
        found = find_in(s->execs[i]->exec.stage[CONFIG_PROVIDERS],
                        s->execs[i]->exec.stage_count[CONFIG_PROVIDERS], name);
    return found;
}

instance *pb_provider(pb_session *s, const char *name, diag *err)
{
    instance *found = find_provider(s, name);
    if (found)
        return found;
    return pb_instance(s, CONFIG_PROVIDERS, name, err);
}

static int run_exec(pb_session *s, pb_exec *pe, run *r, diag *err)
{
    if (chain_prepare(s->a, &pe->plan, &pe->exec, err) != 0) {
        chain_close(&pe->exec);
        chain_plan_clear(&pe->plan);
        free(pe);
        return -1;
    }
    pb_exec **grown = realloc(s->execs, (s->exec_count + 1) * sizeof *grown);
    if (!grown) {
        chain_close(&pe->exec);
        chain_plan_clear(&pe->plan);
        free(pe);
        diag_set(err, "out of memory");
        return -1;
    }
    s->execs = grown;
    s->execs[s->exec_count++] = pe;
    chain_execute(&pe->exec, r, s->opts->jobs > 0 ? s->opts->jobs : 8);
    return 0;
}

static void defined_providers(const config *cfg, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < cfg->instance_count[CONFIG_PROVIDERS] && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, "%s%s", i ? ", " : "",
                                 cfg->instances[CONFIG_PROVIDERS][i].name);
    if (!used)
        snprintf(buf, size, "none; add a providers: entry to the config");
}

spill *pb_resources(pb_session *s, const char *name, instance **inst, diag *err)
{
    *inst = NULL;
    if (s->chain_run && s->chain) {
        /* the chain's listing, even when it found nothing */
        instance *in_chain = find_in(s->chain->stage[CONFIG_PROVIDERS],
                                     s->chain->stage_count[CONFIG_PROVIDERS], name);
        if (in_chain && s->chain_run->kept_resources) {
            if (atomic_load(&s->chain_run->kept_failed)) {
                diag_set(err,
                         "some of chain %s's resources or findings could not be kept for "
                         "playbooks (the run's failures say why), so this playbook would see "
                         "an incomplete inventory; free space in the temporary directory",
                         s->chain_run->chain);
                return NULL;
            }
            *inst = in_chain;
            return s->chain_run->kept_resources;
        }
    }
    if (!strlist_contains(&s->listed, name)) {
        config_section section;
        if (!config_find_instance(s->a->cfg, name, &section) || section != CONFIG_PROVIDERS) {
            char names[1024];
            defined_providers(s->a->cfg, names, sizeof names);
            diag_set(err, "no provider instance named '%s' in %s (defined: %s)", name,
                     s->a->cfg->path, names);
            return NULL;
        }
        if (run_keep(&s->own, true, false, err) != 0)
            return NULL;
        pb_exec *pe = calloc(1, sizeof *pe);
        if (!pe || !(pe->plan.name = strdup("playbook")) ||
            strlist_push(&pe->plan.providers, name) != 0) {
            if (pe)
                chain_plan_clear(&pe->plan);
            free(pe);
            diag_set(err, "out of memory");
            return NULL;
        }
        log_msg(FWK_LOG_INFO, s->name, "listing the resources of provider '%s'", name);
        if (run_exec(s, pe, &s->own, err) != 0)
            return NULL;
        if (strlist_push(&s->listed, name) != 0) {
            diag_set(err, "out of memory");
            return NULL;
        }
    }
    if (atomic_load(&s->own.kept_failed)) {
        diag_set(err,
                 "some resources of provider '%s' could not be kept for the playbook (the "
                 "failures say why), so it would see an incomplete inventory; free space in "
                 "the temporary directory",
                 name);
        return NULL;
    }
    *inst = find_provider(s, name);
    return s->own.kept_resources;
}

void pb_provider_names(pb_session *s, strlist *out)
{
    if (s->chain) {
        for (size_t i = 0; i < s->chain->stage_count[CONFIG_PROVIDERS]; i++)
            strlist_push(out, s->chain->stage[CONFIG_PROVIDERS][i]->conf->name);
        return;
    }
    const config *cfg = s->a->cfg;
    for (size_t i = 0; i < cfg->instance_count[CONFIG_PROVIDERS]; i++)
        strlist_push(out, cfg->instances[CONFIG_PROVIDERS][i].name);
}

spill *pb_findings(pb_session *s, diag *err)
{
    if (s->chain_run) {
        if (!s->chain_run->kept_findings || atomic_load(&s->chain_run->kept_failed)) {
            diag_set(err,
                     "chain %s's findings could not be kept for playbooks (the run's "
                     "failures say why), so this playbook would see an incomplete set; free "
                     "space in the temporary directory",
                     s->chain_run->chain);
            return NULL;
        }
        return s->chain_run->kept_findings;
    }
    if (!s->scanned) {
        s->scanned = true;
        if (run_keep(&s->own, false, true, err) != 0)
            return NULL;
        const config *cfg = s->a->cfg;
        pb_exec *pe = calloc(1, sizeof *pe);
        if (!pe || !(pe->plan.name = strdup("playbook-scan"))) {
            free(pe);
            diag_set(err, "out of memory");
            return NULL;
        }
        for (size_t i = 0; i < cfg->instance_count[CONFIG_PROVIDERS]; i++)
            strlist_push(&pe->plan.providers, cfg->instances[CONFIG_PROVIDERS][i].name);
        for (size_t i = 0; i < cfg->instance_count[CONFIG_SCANNERS]; i++)
            strlist_push(&pe->plan.scanners, cfg->instances[CONFIG_SCANNERS][i].name);
        for (size_t i = 0; i < cfg->instance_count[CONFIG_POLICIES]; i++)
            strlist_push(&pe->plan.policies, cfg->instances[CONFIG_POLICIES][i].name);
        /* Resources of the scan stay out of kept_resources: the inventories list their own,
           so no provider's resources are kept twice. */
        spill *kept = s->own.kept_resources;
        s->own.kept_resources = NULL;
        diag scan_err = {{0}};
        log_msg(FWK_LOG_INFO, s->name, "scanning for findings");
        if (run_exec(s, pe, &s->own, &scan_err) != 0)
            pb_failure(s, "findings", "%s", scan_err.text);
        s->own.kept_resources = kept;
    }
    if (!s->own.kept_findings || atomic_load(&s->own.kept_failed)) {
        diag_set(err, "the scan's findings could not be kept for the playbook (the failures say "
                      "why); free space in the temporary directory");
        return NULL;
    }
    return s->own.kept_findings;
}

static const char *const singular[CONFIG_SECTION_COUNT] = {"provider", "scanner", "policy",
                                                           "notifier"};

instance *pb_instance(pb_session *s, config_section section, const char *name, diag *err)
{
    instance *found = NULL;
    if (s->chain)
        found = find_in(s->chain->stage[section], s->chain->stage_count[section], name);
    if (!found)
        found = find_in(s->singles, s->single_count, name);
    if (found) {
        if (!found->ready)
            diag_set(err, "%s '%s' is not ready (its init failed or its plugin was refused)",
                     singular[section], name);
        return found->ready ? found : NULL;
    }
    config_section in;
    const config_instance *conf = config_find_instance(s->a->cfg, name, &in);
    if (!conf || in != section) {
        diag_set(err, "no %s named '%s' in %s", singular[section], name, s->a->cfg->path);
        return NULL;
    }
    const char *refusal = NULL;
    instance *inst = NULL;
    if (instance_prepare(s->a, conf, &inst, &refusal, err) != 0)
        return NULL;
    instance **grown = realloc(s->singles, (s->single_count + 1) * sizeof *grown);
    if (!grown) {
        instance_close(inst);
        diag_set(err, "out of memory");
        return NULL;
    }
    s->singles = grown;
    s->singles[s->single_count++] = inst;
    if (refusal) {
        diag_set(err, "plugin '%s' was refused by the loader: %s", conf->plugin, refusal);
        return NULL;
    }
    if (instance_init(inst, &s->own, err) != 0)
        return NULL;
    return inst;
}

const json_t *pb_actions_of(pb_session *s, instance *inst)
{
    json_t *known = json_object_get(s->actions_of, inst->conf->name);
    if (known)
        return known;
    const fwk_provider_vtable *vt = inst->plug->desc->vtable;
    json_t *actions = NULL;
    if (FWK_VTABLE_HAS(vt, list_actions)) {
        fwk_ctx ctx;
        ctx_init(&ctx, s->chain_run ? s->chain_run : &s->own, inst, "list_actions", NULL);
        fwk_status status = vt->list_actions(&ctx, inst->state, &actions);
        if (status != FWK_OK || !json_is_array(actions)) {
            pb_failure(s, "list_actions", "%s: %s", inst->conf->name,
                       ctx.message ? ctx.message : "list_actions returned no array");
            json_decref(actions);
            actions = NULL;
        }
        ctx_finish(&ctx);
    }
    if (!actions)
        actions = json_array();
    json_object_set_new(s->actions_of, inst->conf->name, actions);
    return actions;
}

state_store *pb_store(pb_session *s, diag *err)
{
    if (s->store)
        return s->store;
    if (state_open(state_path_for(s->a->cfg), &s->store, err) != 0)
        return NULL;
    if (pb_store_init(s->store, err) != 0) {
        state_close(s->store);
        s->store = NULL;
    }
    return s->store;
}

/* The file's base name without ".lua": the key of its state and cooldowns. */
static char *playbook_name(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    char *name = strdup(base);
    size_t len = name ? strlen(name) : 0;
    if (len > 4 && strcmp(name + len - 4, ".lua") == 0)
        name[len - 4] = '\0';
    return name;
}

/* Lib dirs: the configured ones, then lib/ beside the playbook when it exists. */
static void lib_dirs(const pb_session *s, strlist *out)
{
    const strlist *configured = &s->a->cfg->playbooks.lib_dirs;
    for (size_t i = 0; i < configured->count; i++)
        strlist_push(out, configured->items[i]);
    char *copy = strdup(s->opts->path);
    if (!copy)
        return;
    char beside[4096];
    snprintf(beside, sizeof beside, "%s/lib", dirname(copy));
    free(copy);
    struct stat st;
    if (stat(beside, &st) == 0 && S_ISDIR(st.st_mode))
        strlist_push(out, beside);
}

static void limits_from_config(pb_session *s)
{
    const config_playbooks *cp = &s->a->cfg->playbooks;
    s->limits.max_actions = cp->max_actions_set ? cp->max_actions : PLAYBOOK_DEFAULT_MAX_ACTIONS;
    s->limits.max_percent = cp->max_percent > 0 ? cp->max_percent : PLAYBOOK_DEFAULT_MAX_PERCENT;
    s->limits.cooldown_ms = cp->cooldown_set ? cp->cooldown_ms : PLAYBOOK_DEFAULT_COOLDOWN_MS;
}

/* What read_meta_fn found. */
typedef struct meta_read {
    int type;     /* of the global `meta` */
    json_t *meta; /* its JSON (new reference), or NULL */
    char why[512];
} meta_read;

/* lua_CFunction (run protected): the global `meta`, read raw (a metatable on _G, such as a
   strict-mode one, is not consulted) and converted to JSON (raw reads too). */
static int read_meta_fn(lua_State *L)
{
    meta_read *out = lua_touserdata(L, 1);
    lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
    lua_pushliteral(L, "meta");
    out->type = lua_rawget(L, -2);
    if (out->type == LUA_TTABLE)
        out->meta = pb_json_to(L, -1, out->why, sizeof out->why);
    return 0;
}

/* The playbook's `meta` table may only tighten the config's limits. */
static int read_meta(pb_session *s, json_t *result, diag *err)
{
    meta_read read = {LUA_TNIL, NULL, ""};
    if (pb_sandbox_cpcall(s->sb, read_meta_fn, &read, err) != 0) {
        json_decref(read.meta);
        return -1;
    }
    if (read.type == LUA_TNIL)
        return 0;
    json_t *meta = read.meta;
    const char *why = read.why;
    if (!meta || !json_is_object(meta)) {
        diag_set(err,
                 "%s: the global `meta` must be a table like {description = \"...\", "
                 "max_actions = 5}%s%s",
                 s->opts->path, meta ? "" : ": ", meta ? "" : why);
        json_decref(meta);
        return -1;
    }
    json_object_set(result, "meta", meta);
    json_t *v = json_object_get(meta, "max_actions");
    if (v && (!json_is_integer(v) || json_integer_value(v) < 0))
        goto bad;
    if (v && json_integer_value(v) < s->limits.max_actions)
        s->limits.max_actions = (int)json_integer_value(v);
    v = json_object_get(meta, "max_percent");
    if (v && (!json_is_number(v) || json_number_value(v) <= 0 || json_number_value(v) > 100))
        goto bad;
    if (v && json_number_value(v) < s->limits.max_percent)
        s->limits.max_percent = json_number_value(v);
    v = json_object_get(meta, "cooldown");
    int64_t ms = -1;
    if (v && json_is_string(v) && schema_parse_duration_ms(json_string_value(v), &ms) != 0)
        goto bad;
    if (v && json_is_integer(v))
        ms = json_integer_value(v) * 1000;
    if (v && ms < 0)
        goto bad;
    if (v && ms > s->limits.cooldown_ms)
        s->limits.cooldown_ms = (long)ms;
    json_decref(meta);
    return 0;
bad:
    diag_set(err,
             "%s: meta: max_actions must be an integer >= 0, max_percent a number in "
             "(0, 100], cooldown a duration such as \"6h\" or seconds",
             s->opts->path);
    json_decref(meta);
    return -1;
}

static int session_open(pb_session *s, const engine_env *a, run *chain_run, chain_exec *chain,
                        const playbook_options *opts, diag *err)
{
    memset(s, 0, sizeof *s);
    s->a = a;
    s->opts = opts;
    s->chain_run = chain_run;
    s->chain = chain;
    s->name = playbook_name(opts->path);
    s->actions_of = json_object();
    s->steps = json_array();
    s->report = json_array();
    s->state_writes = json_object();
    s->failures = json_array();
    if (!s->name ||
        run_init(&s->own, "playbook", NULL, OUTPUT_FINDINGS, NULL, &a->cfg->egress_allow) != 0) {
        diag_set(err, "out of memory");
        return -1;
    }
    s->own_ready = true;
    config_limits http_limits;
    config_limits_default(&http_limits);
    char owner[300];
    snprintf(owner, sizeof owner, "playbook %s", s->name);
    s->http = http_client_new(owner, &http_limits, &a->cfg->egress_allow);
    limits_from_config(s);
    lib_dirs(s, &s->lib_dirs);
    pb_sandbox_limits sl = {(size_t)a->cfg->playbooks.memory_bytes, a->cfg->playbooks.instructions,
                            &s->lib_dirs};
    if (!s->http) {
        diag_set(err, "out of memory");
        return -1;
    }
    if (pb_sandbox_new(&sl, &s->sb, err) != 0)
        return -1;
    pb_sandbox_set_timeout(s->sb, a->cfg->playbooks.timeout_ms);
    return pb_api_open(s, err);
}

/* The error into the report, with known secrets redacted. */
static void set_error(json_t *result, const diag *err)
{
    char *clean = log_redact(err->text);
    json_object_set_new(result, "error", json_string(clean ? clean : err->text));
    free(clean);
}

static void session_close(pb_session *s)
{
    pb_sandbox_free(s->sb); /* first: its iterators read the runs' spills */
    for (size_t i = 0; i < s->exec_count; i++) {
        chain_close(&s->execs[i]->exec);
        chain_plan_clear(&s->execs[i]->plan);
        free(s->execs[i]);
    }
    free(s->execs);
    for (size_t i = 0; i < s->single_count; i++)
        instance_close(s->singles[i]);
    free(s->singles);
    if (s->own_ready)
        run_free(&s->own);
    http_client_free(s->http);
    state_close(s->store);
    strlist_clear(&s->lib_dirs);
    json_decref(s->actions_of);
    pb_uidset_clear(&s->matched);
    strlist_clear(&s->listed);
    json_decref(s->steps);
    json_decref(s->report);
    json_decref(s->state_writes);
    json_decref(s->failures);
    free(s->name);
}

/* Failures of the session and of the plugin calls it made, in one list. */
static json_t *all_failures(const pb_session *s)
{
    json_t *all = json_array();
    json_array_extend(all, s->failures);
    if (s->own_ready)
        json_array_extend(all, s->own.failures);
    return all;
}

int playbook_run(const engine_env *a, run *chain_run, chain_exec *chain,
                 const playbook_options *opts, json_t **result, diag *err)
{
    pb_session s;
    *result =
        json_pack("{s:s, s:b, s:s}", "path", opts->path, "apply", opts->apply, "status", "error");
    int code = EXIT_CODE_USAGE;
    if (session_open(&s, a, chain_run, chain, opts, err) != 0)
        goto out;
    json_object_set_new(*result, "playbook", json_string(s.name));
    if (pb_sandbox_run_file(s.sb, opts->path, err) != 0) {
        set_error(*result, err);
        goto out;
    }
    if (read_meta(&s, *result, err) != 0) {
        set_error(*result, err);
        goto out;
    }
    json_object_set_new(*result, "matched", json_integer((json_int_t)s.matched.count));
    json_object_set(*result, "report", s.report);
    json_object_set_new(*result, "limits",
                        json_pack("{s:i, s:f, s:I}", "max_actions", s.limits.max_actions,
                                  "max_percent", s.limits.max_percent, "cooldown_ms",
                                  (json_int_t)s.limits.cooldown_ms));
    code = pb_guard_and_apply(&s, *result, err);
out:;
    json_t *failures = s.name ? all_failures(&s) : json_array();
    if (code == EXIT_CODE_OK && json_array_size(failures) > 0) {
        code = EXIT_CODE_PARTIAL;
        diag_set(err, "%zu failure%s while running the playbook; results are incomplete",
                 json_array_size(failures), json_array_size(failures) == 1 ? "" : "s");
    }
    json_object_set_new(*result, "failures", failures);
    if (s.name)
        session_close(&s);
    return code;
}

static void print_step(FILE *stream, const json_t *step)
{
    const char *type = json_string_value(json_object_get(step, "type"));
    const char *status = json_string_value(json_object_get(step, "status"));
    json_int_t n = json_integer_value(json_object_get(step, "step"));
    fprintf(stream, "  %2" JSON_INTEGER_FORMAT ". [%s] ", n, status ? status : "?");
    if (type && strcmp(type, "action") == 0) {
        char *params = json_dumps(json_object_get(step, "params"), JSON_COMPACT | JSON_SORT_KEYS);
        fprintf(stream, "%s %s on %s via %s (risk %s)", type,
                json_string_value(json_object_get(step, "action")),
                json_string_value(json_object_get(step, "resource")),
                json_string_value(json_object_get(step, "instance")),
                json_string_value(json_object_get(step, "risk")));
        if (params && strcmp(params, "{}") != 0)
            fprintf(stream, " params %s", params);
        free(params);
    } else if (type && strcmp(type, "provision") == 0) {
        fprintf(stream, "provision %s %s via %s (risk %s)",
                json_string_value(json_object_get(step, "what")),
                json_string_value(json_object_get(step, "op")),
                json_string_value(json_object_get(step, "instance")),
                json_string_value(json_object_get(step, "risk")));
    } else if (type && strcmp(type, "notify") == 0) {
        fprintf(stream, "notify %s: %s", json_string_value(json_object_get(step, "instance")),
                json_string_value(json_object_get(json_object_get(step, "message"), "text")));
    } else {
        fprintf(stream, "http %s %s", json_string_value(json_object_get(step, "method")),
                json_string_value(json_object_get(step, "url")));
    }
    const char *reason = json_string_value(json_object_get(step, "reason"));
    if (reason)
        fprintf(stream, "\n      %s", reason);
    fputc('\n', stream);
}

void playbook_print(FILE *stream, const json_t *result)
{
    const char *status = json_string_value(json_object_get(result, "status"));
    const char *name = json_string_value(json_object_get(result, "playbook"));
    fprintf(stream, "playbook %s: %s%s\n", name ? name : "?", status ? status : "?",
            json_is_true(json_object_get(result, "apply")) ? "" : " (dry run)");
    if (json_object_get(result, "error"))
        return; /* the command prints it once, on stderr */
    const json_t *steps = json_object_get(result, "steps");
    fprintf(stream, "steps: %zu\n", json_array_size(steps));
    size_t i;
    json_t *step;
    json_array_foreach (steps, i, step)
        print_step(stream, step);
    const json_t *diff = json_object_get(result, "difference");
    if (diff) {
        fprintf(stream, "difference from the approved plan:\n");
        json_array_foreach (json_object_get(diff, "added"), i, step)
            fprintf(stream, "  + %s\n", json_string_value(step));
        json_array_foreach (json_object_get(diff, "removed"), i, step)
            fprintf(stream, "  - %s\n", json_string_value(step));
    }
    const json_t *report = json_object_get(result, "report");
    if (json_array_size(report) > 0) {
        fprintf(stream, "report:\n");
        json_array_foreach (report, i, step) {
            /* numbers as `-o json` writes them: 15 significant digits */
            char *text = json_dumps(step, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY |
                                              JSON_REAL_PRECISION(15));
            fprintf(stream, "  %s\n", text ? text : "?");
            free(text);
        }
    }
    const char *refusal = json_string_value(json_object_get(result, "refusal"));
    if (refusal)
        fprintf(stream, "REFUSED: %s\n", refusal);
    const char *token = json_string_value(json_object_get(result, "token"));
    if (token && json_array_size(json_object_get(result, "plan")) > 0) {
        fprintf(stream, "plan token: %s\n", token);
        if (status && strcmp(status, "planned") == 0)
            fprintf(stream, "%s\n",
                    json_is_true(json_object_get(result, "needs_approval"))
                        ? "high-risk steps: apply with --apply --approve TOKEN"
                        : "apply with --apply (or --apply --approve TOKEN to pin this plan)");
    }
}
