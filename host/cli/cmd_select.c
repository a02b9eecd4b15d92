/* cmd_select.c: `fawkes select --requirements FILE`: check the workload requirements, then
   rank the providers by running the shipped select-provider playbook (one implementation,
   in the Lua sandbox) and print its ranking with the score breakdown. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "commands.h"
#include "exitcode.h"
#include "playbook.h"
#include "select_req.h"

static const char select_help[] =
    "usage: fawkes [-c FILE] select --requirements FILE [-o table|json|jsonl]\n"
    "Ranks AWS, GCP and Civo for a workload described in FILE (YAML or JSON: cpu, memory_gb,\n"
    "storage_gb, regions, features, compliance, max_monthly_cost, priority) from the\n"
    "capability matrix in playbooks/lib/capabilities.lua, and prints each provider's score\n"
    "with its breakdown (cost, features, regions, compliance) and why each loser lost.\n"
    "It runs playbooks/select-provider.lua (FAWKES_PLAYBOOK_DIR overrides where it is).\n"
    "See docs/select.md.\n"
    "Exit: 0 ranked; 1 no provider meets the requirements; 2 bad requirements file or usage; 4 "
    "internal error.\n";

#define SELECT_PLAYBOOK "select-provider.lua"

/* The shipped playbook's path into `out`: $FAWKES_PLAYBOOK_DIR, <exe dir>/../playbooks (a
   build directory inside the source tree), the source tree this binary was built from, then
   the install's share/fawkes/playbooks. */
static int find_playbook(char *out, size_t size)
{
    char exe[PATH_MAX];
    const char *dirs[4] = {getenv("FAWKES_PLAYBOOK_DIR"), NULL, NULL, NULL};
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[len > 0 ? len : 0] = '\0';
    char *slash = strrchr(exe, '/');
    char beside[PATH_MAX + 16];
    if (slash) {
        *slash = '\0';
        snprintf(beside, sizeof beside, "%s/../playbooks", exe);
        dirs[1] = beside;
    }
#ifdef FAWKES_PLAYBOOK_DIR
    dirs[2] = FAWKES_PLAYBOOK_DIR;
#endif
#ifdef FAWKES_INSTALLED_PLAYBOOK_DIR
    dirs[3] = FAWKES_INSTALLED_PLAYBOOK_DIR;
#endif
    for (size_t i = 0; i < 4; i++) {
        if (!dirs[i] || !dirs[i][0])
            continue;
        char dir[PATH_MAX];
        if (realpath(dirs[i], dir) &&
            snprintf(out, size, "%s/%s", dir, SELECT_PLAYBOOK) < (int)size &&
            access(out, R_OK) == 0)
            return 0;
        if (i == 0) /* an explicit directory that lacks it is an error, not a fallback */
            break;
    }
    return -1;
}

/* A playbook error about the requirements ("requirements: /POINTER: message") located in
   the requirements file; other errors are copied. */
static void requirement_error(const json_t *result, const char *path, const json_t *marks,
                              diag *err)
{
    const char *text = json_string_value(json_object_get(result, "error"));
    const char *at = text ? strstr(text, "requirements: /") : NULL;
    if (!at)
        return;
    at += strlen("requirements: ");
    const char *end = strstr(at, ": ");
    if (!end)
        return;
    char pointer[256], message[DIAG_MAX];
    snprintf(pointer, sizeof pointer, "%.*s", (int)(end - at), at);
    const char *nl = strchr(end + 2, '\n');
    snprintf(message, sizeof message, "%.*s", nl ? (int)(nl - end - 2) : (int)strlen(end + 2),
             end + 2);
    select_req_locate(path, marks, pointer, message, err);
}

static void print_ranking(FILE *out, const json_t *report)
{
    const json_t *weights = json_object_get(report, "weights");
    const char *dims[] = {"cost", "features", "regions", "compliance"};
    const char *winner = json_string_value(json_object_get(report, "winner"));
    fprintf(out, "select: %s (priority %s; weights",
            winner ? winner : "no provider meets the requirements",
            json_string_value(json_object_get(report, "priority")));
    for (size_t d = 0; d < 4; d++)
        fprintf(out, "%s %s %.2f", d ? "," : "", dims[d],
                json_number_value(json_object_get(weights, dims[d])));
    fprintf(out, "; matrix as of %s)\n\n",
            json_string_value(json_object_get(report, "matrix_as_of")));
    fprintf(out, "%-4s %-9s %-6s %-8s %-8s %-8s %-10s %s\n", "RANK", "PROVIDER", "SCORE", "COST",
            "FEATURES", "REGIONS", "COMPLIANCE", "CHOICE");
    const json_t *c;
    size_t i;
    json_array_foreach (json_object_get(report, "ranking"), i, c) {
        const json_t *b = json_object_get(c, "breakdown");
        fprintf(out, "%-4zu %-9s %-6.3f", i + 1, json_string_value(json_object_get(c, "provider")),
                json_number_value(json_object_get(c, "score")));
        for (size_t d = 0; d < 4; d++)
            fprintf(out, " %-*.3f", d == 3 ? 10 : 8,
                    json_number_value(json_object_get(json_object_get(b, dims[d]), "points")));
        fprintf(out, " %s%s\n",
                json_string_value(json_object_get(json_object_get(b, "cost"), "detail")),
                json_is_true(json_object_get(c, "eligible")) ? "" : " [not eligible]");
    }
    json_array_foreach (json_object_get(report, "ranking"), i, c) {
        const json_t *why = json_object_get(c, "why_not"), *line;
        size_t j;
        if (!json_array_size(why))
            continue;
        fprintf(out, "\nwhy not %s:\n", json_string_value(json_object_get(c, "provider")));
        json_array_foreach (why, j, line)
            fprintf(out, "  - %s\n", json_string_value(line));
    }
}

static int select_run(const cli_args *args, const char *playbook, const char *req_json,
                      const json_t *marks, diag *err, json_t **result)
{
    app a;
    int code = app_open(&a, args, 0);
    if (code != EXIT_CODE_OK)
        return code;
    strlist vars = {0};
    size_t need = strlen(req_json) + sizeof "requirements=";
    char *var = malloc(need);
    if (!var || (snprintf(var, need, "requirements=%s", req_json), strlist_push(&vars, var)) != 0) {
        free(var);
        app_close(&a);
        diag_set(err, "out of memory");
        return EXIT_CODE_INTERNAL;
    }
    free(var);
    playbook_options opts = {.path = playbook, .vars = &vars, .jobs = args->jobs};
    code = playbook_run(&a.engine, NULL, NULL, &opts, result, err);
    if (code == EXIT_CODE_USAGE)
        requirement_error(*result, args->requirements, marks, err);
    strlist_clear(&vars);
    app_close(&a);
    return code;
}

int cmd_select(const cli_args *args)
{
    if (args->help) {
        fputs(select_help, stdout);
        return EXIT_CODE_OK;
    }
    if (!args->requirements || args->words.count != 0) {
        fprintf(stderr, "fawkes: error: expected `select --requirements FILE`\n%s", select_help);
        return EXIT_CODE_USAGE;
    }
    if (args->format == OUTPUT_SARIF || args->format == OUTPUT_JUNIT) {
        log_user_error("-o %s: select writes table, json or jsonl",
                       output_format_name(args->format));
        return EXIT_CODE_USAGE;
    }
    diag err = {{0}};
    json_t *req = NULL, *marks = NULL;
    if (select_req_load(args->requirements, &req, &marks, &err) != 0) {
        log_user_error("%s", err.text);
        return EXIT_CODE_USAGE;
    }
    char playbook[PATH_MAX + 32];
    if (find_playbook(playbook, sizeof playbook) != 0) {
        log_user_error(
            "cannot find %s (looked in $FAWKES_PLAYBOOK_DIR, beside the binary and in the "
            "source tree); set FAWKES_PLAYBOOK_DIR to the playbooks/ directory",
            SELECT_PLAYBOOK);
        json_decref(req);
        json_decref(marks);
        return EXIT_CODE_USAGE;
    }
    char *req_json = json_dumps(req, JSON_COMPACT | JSON_SORT_KEYS);
    json_t *result = NULL;
    int code =
        req_json ? select_run(args, playbook, req_json, marks, &err, &result) : EXIT_CODE_INTERNAL;
    free(req_json);
    const json_t *report = json_array_get(json_object_get(result, "report"), 0);
    if (code == EXIT_CODE_OK && !json_is_object(report)) {
        diag_set(&err, "%s produced no ranking", playbook);
        code = EXIT_CODE_INTERNAL;
    }
    if (code == EXIT_CODE_OK) {
        if (args->format == OUTPUT_JSON || args->format == OUTPUT_JSONL)
            json_dumpf(report, stdout,
                       JSON_SORT_KEYS | JSON_REAL_PRECISION(10) |
                           (args->format == OUTPUT_JSON ? JSON_INDENT(2) : JSON_COMPACT));
        else
            print_ranking(stdout, report);
        if (args->format == OUTPUT_JSON || args->format == OUTPUT_JSONL)
            fputc('\n', stdout);
        if (fflush(stdout) != 0) {
            diag_set(&err, "cannot write the ranking to stdout");
            code = EXIT_CODE_INTERNAL;
        } else if (!json_is_string(json_object_get(report, "winner")))
            code = EXIT_CODE_FINDINGS;
    }
    if (code == EXIT_CODE_FINDINGS)
        log_user_error("no provider meets the requirements (see why above)");
    else if (code != EXIT_CODE_OK)
        log_user_error("%s", err.text[0] ? err.text : "select failed");
    json_decref(result);
    json_decref(req);
    json_decref(marks);
    return code;
}
