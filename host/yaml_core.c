/* yaml_core.c: the YAML 1.2 core schema for plain scalars (see yaml_core.h). */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
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
