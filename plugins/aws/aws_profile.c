/* aws_profile.c: profiles of the AWS shared credentials and config files (INI-style). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws.h"

/* A shared file's path: the environment variable's, else ~/.aws/NAME. malloc'd or NULL. */
static char *file_path(const char *env, const char *name)
{
    const char *value = getenv(env);
    const char *home = getenv("HOME");
    char *path = NULL;

    if (value && *value)
        return strdup(value);
    if (!home || !*home)
        return NULL;
    if (asprintf(&path, "%s/.aws/%s", home, name) < 0)
        return NULL;
    return path;
}

static char *trim(char *text)
{
    char *end;

    while (isspace((unsigned char)*text))
        text++;
    end = text + strlen(text);
    while (end > text && isspace((unsigned char)end[-1]))
        *--end = '\0';
    return text;
}

/* Nonzero when the section header `[...]` (without brackets, trimmed) names `profile`: in the
   credentials file "[name]", in the config file "[profile name]" or "[default]". */
static int section_is(const char *section, const char *profile, int config_file)
{
    if (!config_file || strcmp(profile, "default") == 0)
        if (strcmp(section, profile) == 0)
            return 1;
    if (config_file && strncmp(section, "profile", 7) == 0 && isspace((unsigned char)section[7]))
        return strcmp(trim((char *)section + 8), profile) == 0;
    return 0;
}

/* Add the keys of `profile` in `path` to `keys` (keys already there win). 0 found, 1 not
   found or no file, -1 unreadable (host->fail). */
static int read_file(const aws_instance *inst, fwk_ctx *ctx, const char *path, const char *profile,
                     int config_file, json_t *keys)
{
    FILE *f = fopen(path, "r");
    char line[4096];
    int in_section = 0, found = 0, lineno = 0;

    if (!f) {
        if (errno == ENOENT)
            return 1;
        inst->host->fail(ctx, "cannot read the AWS %s file %s: %s",
                         config_file ? "config" : "credentials", path, strerror(errno));
        return -1;
    }
    while (fgets(line, sizeof line, f)) {
        char *text, *eq;
        lineno++;
        if (isspace((unsigned char)line[0]) && in_section)
            continue; /* a nested value (s3 =\n  key = ...): not a credential */
        text = trim(line);
        if (!*text || *text == '#' || *text == ';')
            continue;
        if (*text == '[') {
            char *close = strchr(text, ']');
            if (close)
                *close = '\0';
            in_section = section_is(trim(text + 1), profile, config_file);
            found |= in_section;
            continue;
        }
        eq = strchr(text, '=');
        if (!in_section || !eq)
            continue;
        *eq = '\0';
        char *key = trim(text), *value = trim(eq + 1);
        for (char *p = key; *p; p++)
            *p = (char)tolower((unsigned char)*p);
        /* an empty value opens a nested section (s3 =, then indented keys): not a setting */
        if (*key && *value && !json_object_get(keys, key))
            json_object_set_new(keys, key, json_string(value));
    }
    fclose(f);
    (void)lineno;
    return found ? 0 : 1;
}

int aws_profile_load(const aws_instance *inst, fwk_ctx *ctx, const char *name, json_t **keys)
{
    char *credentials = file_path("AWS_SHARED_CREDENTIALS_FILE", "credentials");
    char *config = file_path("AWS_CONFIG_FILE", "config");
    int in_credentials = 1, in_config = 1;

    *keys = json_object();
    if (credentials)
        in_credentials = read_file(inst, ctx, credentials, name, 0, *keys);
    if (config && in_credentials >= 0)
        in_config = read_file(inst, ctx, config, name, 1, *keys);
    free(credentials);
    free(config);
    if (in_credentials < 0 || in_config < 0) {
        json_decref(*keys);
        *keys = NULL;
        return -1;
    }
    return in_credentials == 0 || in_config == 0 ? 0 : 1;
}
