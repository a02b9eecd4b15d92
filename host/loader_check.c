/* loader_check.c: the loader's checks of a plugin descriptor, its option table and jansson. */
#include "loader.h"
#include "loader_internal.h"

#include <dlfcn.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "fawkes/fawkes.h"
#include "schema.h"

/* The sizes of the structs as ABI 1.0 defined them: up to the end of their last 1.0 field.
   A plugin's struct_size must be at least this; later minors only append. */
#define END_OF(type, member) (offsetof(type, member) + sizeof(((type *)0)->member))
#define DESCRIPTOR_SIZE_1_0 END_OF(fwk_plugin_descriptor, vtable)
#define OPTION_SIZE_1_0 END_OF(fwk_option, description)
#define PROVIDER_VTABLE_SIZE_1_0 END_OF(fwk_provider_vtable, cost)
#define SCANNER_VTABLE_SIZE_1_0 END_OF(fwk_scanner_vtable, finish)
#define POLICY_VTABLE_SIZE_1_0 END_OF(fwk_policy_vtable, test)
#define NOTIFIER_VTABLE_SIZE_1_0 END_OF(fwk_notifier_vtable, notify)

#define NAME_MAX_LEN 64
#define OPTION_TABLE_MAX 256
#define OPTION_FLAGS_KNOWN (FWK_OPT_REQUIRED | FWK_OPT_SECRET | FWK_OPT_HAS_RANGE)

const char *loader_option_type_name(fwk_option_type type)
{
    switch (type) {
    case FWK_OPT_STRING:
        return "string";
    case FWK_OPT_INT:
        return "int";
    case FWK_OPT_FLOAT:
        return "float";
    case FWK_OPT_BOOL:
        return "bool";
    case FWK_OPT_DURATION:
        return "duration";
    case FWK_OPT_SIZE:
        return "size";
    case FWK_OPT_STRING_LIST:
        return "string list";
    case FWK_OPT_OBJECT:
        return "object";
    case FWK_OPT_PATH:
        return "path";
    case FWK_OPT_PATH_LIST:
        return "path list";
    }
    return "unknown";
}

/* True when `text` is 1..max characters of [a-z0-9_-] (plus [A-Z] when `upper`). */
static bool name_ok(const char *text, size_t max, bool upper)
{
    size_t len = strlen(text);
    if (len == 0 || len > max)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
                  (upper && c >= 'A' && c <= 'Z');
        if (!ok)
            return false;
    }
    return true;
}

static int check_text_field(const char *field, const char *value, diag *why)
{
    if (!value) {
        diag_set(why, "descriptor field '%s' is missing", field);
        return -1;
    }
    if (!value[0]) {
        diag_set(why, "descriptor field '%s' is empty", field);
        return -1;
    }
    return 0;
}

static int check_header(const fwk_plugin_descriptor *desc, diag *why)
{
    if (desc->magic != FWK_PLUGIN_MAGIC) {
        diag_set(why, "bad magic 0x%08X (expected 0x%08X): not a Fawkes descriptor",
                 (unsigned)desc->magic, (unsigned)FWK_PLUGIN_MAGIC);
        return -1;
    }
    unsigned major = desc->abi_major, minor = desc->abi_minor;
    if (major > FWK_ABI_MAJOR) {
        diag_set(why,
                 "built for SDK ABI %u.%u, this fawkes provides %d.%d: upgrade fawkes, or "
                 "rebuild the plugin against the fawkes %d.%d SDK",
                 major, minor, FWK_ABI_MAJOR, FWK_ABI_MINOR, FWK_ABI_MAJOR, FWK_ABI_MINOR);
        return -1;
    }
    if (major < FWK_ABI_MAJOR) {
        diag_set(why,
                 "built for SDK ABI %u.%u, this fawkes provides %d.%d: rebuild the plugin "
                 "against the fawkes %d.%d SDK",
                 major, minor, FWK_ABI_MAJOR, FWK_ABI_MINOR, FWK_ABI_MAJOR, FWK_ABI_MINOR);
        return -1;
    }
    if (minor > FWK_ABI_MINOR) {
        diag_set(why,
                 "built for SDK ABI %u.%u, this fawkes provides %d.%d: upgrade fawkes, or "
                 "rebuild the plugin with -DFWK_TARGET_ABI_MINOR=%d",
                 major, minor, FWK_ABI_MAJOR, FWK_ABI_MINOR, FWK_ABI_MINOR);
        return -1;
    }
    if (desc->struct_size < DESCRIPTOR_SIZE_1_0) {
        diag_set(why,
                 "descriptor struct_size is %zu, smaller than the %zu bytes of ABI %u.0: "
                 "fill the header with FWK_DESCRIPTOR_HEADER",
                 desc->struct_size, (size_t)DESCRIPTOR_SIZE_1_0, major);
        return -1;
    }
    return 0;
}

static int check_identity(const fwk_plugin_descriptor *desc, diag *why)
{
    if (check_text_field("name", desc->name, why) != 0)
        return -1;
    if (!name_ok(desc->name, NAME_MAX_LEN, false)) {
        diag_set(why, "descriptor field 'name' is \"%.80s\": use 1 to %d characters of [a-z0-9_-]",
                 desc->name, NAME_MAX_LEN);
        return -1;
    }
    if (check_text_field("version", desc->version, why) != 0)
        return -1;
    if (check_text_field("description", desc->description, why) != 0)
        return -1;
    return 0;
}

/* The minimum vtable size of `kind` and the name and value of each required entry. */
static int check_vtable(const fwk_plugin_descriptor *desc, diag *why)
{
    const char *kind = NULL;
    size_t min_size = 0;
    const char *required[2] = {NULL, NULL};
    bool present[2] = {false, false};
    const void *vt = desc->vtable;

    switch (desc->kind) {
    case FWK_KIND_PROVIDER:
        kind = "provider";
        min_size = PROVIDER_VTABLE_SIZE_1_0;
        break;
    case FWK_KIND_SCANNER:
        kind = "scanner";
        min_size = SCANNER_VTABLE_SIZE_1_0;
        break;
    case FWK_KIND_POLICY:
        kind = "policy";
        min_size = POLICY_VTABLE_SIZE_1_0;
        break;
    case FWK_KIND_NOTIFIER:
        kind = "notifier";
        min_size = NOTIFIER_VTABLE_SIZE_1_0;
        break;
    default:
        diag_set(why, "kind %d is unknown (expected provider, scanner, policy or notifier)",
                 (int)desc->kind);
        return -1;
    }
    if (!desc->init) {
        diag_set(why, "descriptor lacks required entry 'init'");
        return -1;
    }
    if (!vt) {
        diag_set(why, "%s descriptor has no vtable: point 'vtable' at a const fwk_%s_vtable", kind,
                 kind);
        return -1;
    }
    size_t size = *(const size_t *)vt;
    if (size < min_size) {
        diag_set(why,
                 "%s vtable struct_size is %zu, smaller than the %zu bytes of ABI 1.0: set it "
                 "to sizeof(fwk_%s_vtable)",
                 kind, size, min_size, kind);
        return -1;
    }
    if (desc->kind == FWK_KIND_PROVIDER) {
        const fwk_provider_vtable *p = vt;
        required[0] = "plan_tasks", present[0] = p->plan_tasks != NULL;
        required[1] = "run_task", present[1] = p->run_task != NULL;
    } else if (desc->kind == FWK_KIND_SCANNER) {
        const fwk_scanner_vtable *s = vt;
        required[0] = "scan_resource", present[0] = s->scan_resource != NULL;
    } else if (desc->kind == FWK_KIND_POLICY) {
        required[0] = "evaluate", present[0] = ((const fwk_policy_vtable *)vt)->evaluate != NULL;
    } else {
        required[0] = "notify", present[0] = ((const fwk_notifier_vtable *)vt)->notify != NULL;
    }
    for (size_t i = 0; i < 2 && required[i]; i++)
        if (!present[i]) {
            diag_set(why, "%s vtable lacks required entry '%s'", kind, required[i]);
            return -1;
        }
    return 0;
}

/* The capability flags, in the order `plugins inspect` lists them, with the kind they apply to
   and, for those the function table shows, how the refusals name the functions. */
static const struct {
    uint64_t flag;
    fwk_plugin_kind kind;
    const char *name, *macro;
    const char *missing;   /* "has no cost function": what the vtable lacks; NULL: declared only */
    const char *present;   /* "sets cost": what the vtable has */
    const char *functions; /* ".cost": what to set or remove */
} capability_names[] = {
    {FWK_CAP_ACTIONS, FWK_KIND_PROVIDER, "actions", "FWK_CAP_ACTIONS",
     "has neither list_actions nor run_action", "sets list_actions and run_action",
     ".list_actions and .run_action"},
    {FWK_CAP_PROVISION, FWK_KIND_PROVIDER, "provision", "FWK_CAP_PROVISION",
     "has no provision function", "sets provision", ".provision"},
    {FWK_CAP_COST, FWK_KIND_PROVIDER, "cost", "FWK_CAP_COST", "has no cost function", "sets cost",
     ".cost"},
    {FWK_CAP_DIGEST, FWK_KIND_NOTIFIER, "digest", "FWK_CAP_DIGEST", NULL, NULL, NULL},
};
#define CAPABILITY_COUNT (sizeof capability_names / sizeof capability_names[0])

uint64_t loader_capabilities(const fwk_plugin_descriptor *desc)
{
    uint64_t caps = 0;
    if (desc->kind == FWK_KIND_NOTIFIER)
        caps |= desc->capabilities & FWK_CAP_DIGEST; /* no function of its own: declared */
    if (desc->kind == FWK_KIND_PROVIDER && desc->vtable) {
        const fwk_provider_vtable *p = desc->vtable;
        if (FWK_VTABLE_HAS(p, list_actions) && FWK_VTABLE_HAS(p, run_action))
            caps |= FWK_CAP_ACTIONS;
        if (FWK_VTABLE_HAS(p, provision))
            caps |= FWK_CAP_PROVISION;
        if (FWK_VTABLE_HAS(p, cost))
            caps |= FWK_CAP_COST;
    }
    return caps;
}

const char *loader_capability_name(size_t index, uint64_t *flag)
{
    if (index >= CAPABILITY_COUNT)
        return NULL;
    *flag = capability_names[index].flag;
    return capability_names[index].name;
}

/* Capabilities follow from the function table (Falco's rule): half of a pair, a flag on a kind
   it does not apply to, a declared flag without its functions, or functions without their
   flag is refused with one line naming both sides. Runs after check_vtable, so the kind is
   known and the vtable is long enough for ABI 1.0. */
static int check_capabilities(const fwk_plugin_descriptor *desc, diag *why)
{
    uint64_t declared = desc->capabilities, derived = loader_capabilities(desc);
    uint64_t known = 0;
    const char *kind = loader_kind_name(desc->kind);

    if (desc->kind == FWK_KIND_PROVIDER) {
        const fwk_provider_vtable *p = desc->vtable;
        bool lists = FWK_VTABLE_HAS(p, list_actions), runs = FWK_VTABLE_HAS(p, run_action);
        const char *have = lists ? "list_actions" : "run_action";
        const char *lack = lists ? "run_action" : "list_actions";
        if (lists != runs) {
            diag_set(why,
                     "provider vtable has %s without %s (half of capability 'actions'): "
                     "implement %s, or remove %s",
                     have, lack, lack, have);
            return -1;
        }
    }
    for (size_t i = 0; i < CAPABILITY_COUNT; i++) {
        uint64_t flag = capability_names[i].flag;
        const char *name = capability_names[i].name, *macro = capability_names[i].macro;
        known |= flag;
        if (desc->kind != capability_names[i].kind) {
            if (declared & flag) {
                diag_set(why, "%s declares capability '%s', which only %ss have: drop %s", kind,
                         name, loader_kind_name(capability_names[i].kind), macro);
                return -1;
            }
            continue;
        }
        if (!capability_names[i].missing)
            continue; /* declared only */
        if ((declared & flag) && !(derived & flag)) {
            diag_set(why, "declares capability '%s' but its %s vtable %s: set %s, or drop %s", name,
                     kind, capability_names[i].missing, capability_names[i].functions, macro);
            return -1;
        }
        if (!(declared & flag) && (derived & flag)) {
            diag_set(why,
                     "its %s vtable %s but the descriptor does not declare capability '%s': "
                     "add %s to .capabilities, or remove %s",
                     kind, capability_names[i].present, name, macro, capability_names[i].functions);
            return -1;
        }
    }
    if (declared & ~known) {
        diag_set(why,
                 "declares unknown capability bits 0x%llx: use only the FWK_CAP_* flags of "
                 "this SDK",
                 (unsigned long long)(declared & ~known));
        return -1;
    }
    return 0;
}

/* Walk the raw table once: every entry's struct_size is sane and the table ends. */
static int check_table_shape(const fwk_option *options, diag *why)
{
    const unsigned char *at = (const unsigned char *)options;
    for (size_t i = 0; i < OPTION_TABLE_MAX; i++) {
        const fwk_option *opt = (const fwk_option *)at;
        if (opt->struct_size < OPTION_SIZE_1_0) {
            diag_set(why,
                     "option #%zu has struct_size %zu, smaller than the %zu bytes of ABI 1.0: "
                     "build entries with FWK_OPTION* and end the table with FWK_OPTION_END",
                     i + 1, opt->struct_size, (size_t)OPTION_SIZE_1_0);
            return -1;
        }
        if (!opt->name)
            return 0;
        at += opt->struct_size;
    }
    diag_set(why, "option table has more than %d entries: is FWK_OPTION_END missing?",
             OPTION_TABLE_MAX);
    return -1;
}

static bool in_allowed(const char *const *allowed, const char *value)
{
    for (size_t i = 0; allowed[i]; i++)
        if (strcmp(allowed[i], value) == 0)
            return true;
    return false;
}

/* True when `value` is a valid default of `opt`'s type (and allowed values). */
static bool default_fits(const fwk_option *opt, const json_t *value)
{
    int64_t scratch;
    switch (opt->type) {
    case FWK_OPT_STRING:
        return json_is_string(value) &&
               (!opt->allowed || in_allowed(opt->allowed, json_string_value(value)));
    case FWK_OPT_INT:
        return json_is_integer(value);
    case FWK_OPT_FLOAT:
        return json_is_number(value);
    case FWK_OPT_BOOL:
        return json_is_boolean(value);
    case FWK_OPT_DURATION:
        return (json_is_integer(value) && json_integer_value(value) >= 0) ||
               (json_is_string(value) &&
                schema_parse_duration_ms(json_string_value(value), &scratch) == 0);
    case FWK_OPT_SIZE:
        return (json_is_integer(value) && json_integer_value(value) >= 0) ||
               (json_is_string(value) &&
                schema_parse_size(json_string_value(value), &scratch) == 0);
    case FWK_OPT_PATH:
        return json_is_string(value) && json_string_length(value) > 0;
    case FWK_OPT_PATH_LIST:
        if (json_is_string(value))
            return json_string_length(value) > 0;
        for (size_t i = 0; i < json_array_size(value); i++)
            if (!json_is_string(json_array_get(value, i)))
                return false;
        return json_is_array(value);
    case FWK_OPT_STRING_LIST:
        if (json_is_string(value))
            return !opt->allowed || in_allowed(opt->allowed, json_string_value(value));
        if (!json_is_array(value))
            return false;
        for (size_t i = 0; i < json_array_size(value); i++) {
            const json_t *item = json_array_get(value, i);
            if (!json_is_string(item) ||
                (opt->allowed && !in_allowed(opt->allowed, json_string_value(item))))
                return false;
        }
        return true;
    case FWK_OPT_OBJECT:
        return json_is_object(value);
    }
    return false;
}

static int check_default(const fwk_option *opt, diag *why)
{
    json_error_t jerr;
    json_t *value = json_loads(opt->default_json, JSON_DECODE_ANY, &jerr);
    int rc = -1;
    if (!value) {
        diag_set(why, "option '%s': default_json %.80s is not valid JSON: %s (column %d)",
                 opt->name, opt->default_json, jerr.text, jerr.column);
        goto out;
    }
    if (!default_fits(opt, value)) {
        diag_set(why, "option '%s': default_json is not a valid %s%s: %.80s", opt->name,
                 loader_option_type_name(opt->type),
                 opt->allowed ? " among the allowed values" : "", opt->default_json);
        goto out;
    }
    rc = 0;
out:
    json_decref(value);
    return rc;
}

static int check_option(const fwk_option *opt, diag *why)
{
    const char *name = opt->name;
    if (!name_ok(name, NAME_MAX_LEN, true)) {
        diag_set(why,
                 "option name \"%.80s\" is invalid: use 1 to %d characters of "
                 "[A-Za-z0-9_-]",
                 name, NAME_MAX_LEN);
        return -1;
    }
    if (strcmp(loader_option_type_name(opt->type), "unknown") == 0) {
        diag_set(why,
                 "option '%s': type %d is unknown (expected %d..%d, FWK_OPT_STRING.."
                 "FWK_OPT_PATH_LIST)",
                 name, (int)opt->type, FWK_OPT_STRING, FWK_OPT_PATH_LIST);
        return -1;
    }
    if (opt->flags & ~OPTION_FLAGS_KNOWN) {
        diag_set(why,
                 "option '%s': unknown flags 0x%X (known: FWK_OPT_REQUIRED, FWK_OPT_SECRET, "
                 "FWK_OPT_HAS_RANGE)",
                 name, (unsigned)(opt->flags & ~OPTION_FLAGS_KNOWN));
        return -1;
    }
    if ((opt->flags & FWK_OPT_REQUIRED) && opt->default_json) {
        diag_set(why, "option '%s' is required and has a default: drop one of them", name);
        return -1;
    }
    if ((opt->flags & FWK_OPT_SECRET) && opt->default_json) {
        diag_set(why, "option '%s' is secret and has a default: secrets cannot have defaults",
                 name);
        return -1;
    }
    if (opt->allowed) {
        if (opt->type != FWK_OPT_STRING && opt->type != FWK_OPT_STRING_LIST) {
            diag_set(why,
                     "option '%s': allowed values are only for string and string list "
                     "options, not %s",
                     name, loader_option_type_name(opt->type));
            return -1;
        }
        if (!opt->allowed[0]) {
            diag_set(why, "option '%s': the allowed list is empty: list values or pass NULL", name);
            return -1;
        }
    }
    if (opt->flags & FWK_OPT_HAS_RANGE) {
        if (opt->type == FWK_OPT_BOOL || opt->type == FWK_OPT_OBJECT) {
            diag_set(why, "option '%s': a range does not apply to %s options", name,
                     loader_option_type_name(opt->type));
            return -1;
        }
        if (!(opt->min <= opt->max)) {
            diag_set(why, "option '%s': range min %g is above max %g", name, opt->min, opt->max);
            return -1;
        }
    }
    if (opt->default_json && check_default(opt, why) != 0)
        return -1;
    return 0;
}

static int check_options(const fwk_option *options, diag *why)
{
    if (!options)
        return 0;
    if (check_table_shape(options, why) != 0)
        return -1;
    size_t count = schema_option_count(options);
    for (size_t i = 0; i < count; i++) {
        const fwk_option *opt = schema_option_at(options, i);
        if (check_option(opt, why) != 0)
            return -1;
        for (size_t j = 0; j < i; j++)
            if (strcmp(schema_option_at(options, j)->name, opt->name) == 0) {
                diag_set(why, "option '%s' is declared twice: option names must be unique",
                         opt->name);
                return -1;
            }
    }
    return 0;
}

int loader_check_descriptor(const fwk_plugin_descriptor *desc, diag *why)
{
    if (check_header(desc, why) != 0 || check_identity(desc, why) != 0 ||
        check_vtable(desc, why) != 0 || check_capabilities(desc, why) != 0 ||
        check_options(desc->options, why) != 0)
        return -1;
    return 0;
}

int loader_check_jansson(void *handle, diag *why)
{
    /* The plugin's own lookup scope: itself first, then its dependencies. A plugin that
       resolves json_object elsewhere than the host does carries a second jansson, whose
       objects must never meet the host's (different allocators and type tags). */
    void *theirs = dlsym(handle, "json_object");
    void *ours = (void *)&json_object;
    if (theirs && theirs != ours) {
        diag_set(why, "carries its own copy of jansson (linked statically?): link it against "
                      "the system libjansson");
        return -1;
    }
    return 0;
}
