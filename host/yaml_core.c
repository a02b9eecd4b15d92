/* yaml_core.c: the YAML 1.2 core schema for plain scalars (see yaml_core.h). */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yaml_core.h"

static bool all_digits(const char *s, const char *digits)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (!strchr(digits, *s))
            return false;
    return true;
}

static bool is_core_float(const char *s)
{
    if (*s == '-' || *s == '+')
        s++;
    size_t before = strspn(s, "0123456789");
    s += before;
    size_t after = 0;
    if (*s == '.') {
        s++;
        after = strspn(s, "0123456789");
        s += after;
    }
    if (before == 0 && after == 0)
        return false;
    if (*s == 'e' || *s == 'E') {
        s++;
        if (*s == '-' || *s == '+')
            s++;
        size_t exponent = strspn(s, "0123456789");
        if (exponent == 0)
            return false;
        s += exponent;
    }
    return *s == '\0';
}

json_t *yaml_core_resolve(const char *s, const char **problem)
{
    *problem = NULL;
    if (!*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") || !strcmp(s, "NULL"))
        return json_null();
    if (!strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "TRUE"))
        return json_true();
    if (!strcmp(s, "false") || !strcmp(s, "False") || !strcmp(s, "FALSE"))
        return json_false();
    const char *digits = (*s == '-' || *s == '+') ? s + 1 : s;
    int base = 0;
    if (all_digits(digits, "0123456789"))
        base = 10;
    else if (!strncmp(s, "0o", 2) && all_digits(s + 2, "01234567"))
        base = 8;
    else if (!strncmp(s, "0x", 2) && all_digits(s + 2, "0123456789abcdefABCDEF"))
        base = 16;
    if (base) {
        errno = 0;
        long long value = strtoll(base == 10 ? s : s + 2, NULL, base);
        if (errno == ERANGE) {
            *problem = "integer out of range (more than 64 bits)";
            return NULL;
        }
        return json_integer((json_int_t)value);
    }
    const char *sign = (*s == '-' || *s == '+') ? s + 1 : s;
    if (!strcmp(sign, ".inf") || !strcmp(sign, ".Inf") || !strcmp(sign, ".INF") ||
        !strcmp(s, ".nan") || !strcmp(s, ".NaN") || !strcmp(s, ".NAN")) {
        *problem = "infinity and NaN are not numbers JSON can hold";
        return NULL;
    }
    if (is_core_float(s)) {
        double value = strtod(s, NULL);
        if (!isfinite(value)) {
            *problem = "number out of range";
            return NULL;
        }
        return json_real(value);
    }
    return json_string(s);
}

void yaml_core_parser_error(const yaml_parser_t *p, const char *text, size_t length, int *line,
                            int *column, char *message, size_t size)
{
    const char *problem = p->problem ? p->problem : "malformed document";

    *line = (int)p->problem_mark.line + 1;
    *column = (int)p->problem_mark.column + 1;
    if (p->error == YAML_READER_ERROR) {
        /* A reader error carries a byte offset, not a mark: count lines up to it. */
        *line = *column = 1;
        for (size_t i = 0; i < p->problem_offset && i < length; i++) {
            if (text[i] == '\n') {
                (*line)++;
                *column = 1;
            } else if (((unsigned char)text[i] & 0xC0) != 0x80) {
                (*column)++;
            }
        }
        snprintf(message, size, "invalid YAML: %s (the file must be UTF-8 text)", problem);
    } else if (p->context) {
        snprintf(message, size, "invalid YAML: %s (%s at line %d, column %d)", problem, p->context,
                 (int)p->context_mark.line + 1, (int)p->context_mark.column + 1);
    } else {
        snprintf(message, size, "invalid YAML: %s", problem);
    }
}

int yaml_core_tag_problem(const yaml_char_t *tag, char *message, size_t size)
{
    static const char core[] = "tag:yaml.org,2002:";
    const char *text = (const char *)tag;

    if (!tag)
        return 0;
    bool short_form = strncmp(text, core, sizeof core - 1) == 0;
    snprintf(message, size,
             "invalid YAML: tags are not supported (found '%s%.200s'); remove it, and quote the "
             "value if it must be a string",
             short_form ? "!!" : "", short_form ? text + sizeof core - 1 : text);
    return -1;
}
