/* fwkx_json.c: JSON getters with fallbacks, and JSON type names for messages. */
#include <stdio.h>
#include <string.h>

#include "fawkes/fwkx.h"

const char *fwkx_str(const json_t *object, const char *key, const char *fallback)
{
    const char *text = json_string_value(json_object_get(object, key));
    return text ? text : fallback;
}

const char *fwkx_text(const json_t *object, const char *key, const char *fallback)
{
    const char *text = json_string_value(json_object_get(object, key));
    return text && text[0] ? text : fallback;
}

json_int_t fwkx_int(const json_t *object, const char *key, json_int_t fallback)
{
    const json_t *value = json_object_get(object, key);
    return json_is_integer(value) ? json_integer_value(value) : fallback;
}

double fwkx_num(const json_t *object, const char *key, double fallback)
{
    const json_t *value = json_object_get(object, key);
    return json_is_number(value) ? json_number_value(value) : fallback;
}

int fwkx_bool(const json_t *object, const char *key, int fallback)
{
    const json_t *value = json_object_get(object, key);
    return json_is_boolean(value) ? json_is_true(value) : fallback;
}

const json_t *fwkx_path(const json_t *object, const char *dotted_path)
{
    const json_t *at = object;
    const char *segment = dotted_path;

    if (!dotted_path)
        return NULL;
    while (at) {
        const char *dot = strchr(segment, '.');
        size_t len = dot ? (size_t)(dot - segment) : strlen(segment);
        at = json_object_getn(at, segment, len);
        if (!dot)
            return at;
        segment = dot + 1;
    }
    return NULL;
}

const char *fwkx_type_name(const json_t *value)
{
    switch (value ? json_typeof(value) : JSON_NULL) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
    case JSON_REAL:
        return "a number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";
    case JSON_NULL:
        return "null";
    }
    return "an unknown JSON type";
}

const char *fwkx_resource_label(const json_t *resource, char *buf, size_t size)
{
    const char *uid = fwkx_text(resource, "uid", "-");
    const char *name = fwkx_text(resource, "name", NULL);

    if (name && strcmp(name, uid) != 0)
        snprintf(buf, size, "%s (%s)", name, uid);
    else
        snprintf(buf, size, "%s", uid);
    return buf;
}
