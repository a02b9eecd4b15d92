/* audit_actor.c: who acts (OS user, API token) and where a notification went. */
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include <curl/curl.h>

#include "audit_internal.h"

static _Thread_local char *token_actor;
static _Thread_local json_t *dest_hosts; /* collecting when non-NULL */

void audit_set_token_actor(const char *token_name)
{
    free(token_actor);
    token_actor = token_name ? strdup(token_name) : NULL;
}

const char *audit_token_actor(void)
{
    return token_actor;
}

json_t *audit_actor(void)
{
    uid_t uid = getuid();
    char buf[4096];
    struct passwd pw, *found = NULL;
    const char *user = NULL;
    if (getpwuid_r(uid, &pw, buf, sizeof buf, &found) == 0 && found && found->pw_name)
        user = found->pw_name;
    json_t *actor = json_pack("{s:s?, s:I, s:s}", "user", user, "uid", (json_int_t)uid, "via",
                              token_actor ? "api" : "cli");
    if (actor && !user)
        json_object_set_new(actor, "user", json_null()); /* no passwd entry for the uid */
    if (actor && token_actor)
        json_object_set_new(actor, "token", json_string(token_actor));
    return actor;
}

void audit_dest_begin(void)
{
    json_decref(dest_hosts);
    dest_hosts = json_array();
}

void audit_dest_note(const char *url)
{
    if (!dest_hosts || !url)
        return;
    CURLU *u = curl_url();
    char *host = NULL, *port = NULL;
    if (u && curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
        curl_url_get(u, CURLUPART_PORT, &port, 0); /* only when written in the URL */
        size_t len = strlen(host) + (port ? strlen(port) + 1 : 0) + 1;
        char *shown = malloc(len);
        if (shown) {
            snprintf(shown, len, "%s%s%s", host, port ? ":" : "", port ? port : "");
            size_t i;
            json_t *seen;
            bool known = false;
            json_array_foreach (dest_hosts, i, seen)
                known = known || strcmp(json_string_value(seen), shown) == 0;
            if (!known)
                json_array_append_new(dest_hosts, json_string(shown));
            free(shown);
        }
    }
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(u);
}

json_t *audit_dest_end(void)
{
    json_t *hosts = dest_hosts ? dest_hosts : json_array();
    dest_hosts = NULL;
    return hosts;
}
