/* fawkes/plugin.h: the plugin descriptor, the ABI version and the config option table. */
#ifndef FAWKES_PLUGIN_H
#define FAWKES_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "fawkes/status.h"
#include "fawkes/host.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * ABI version of this SDK. The host loads a plugin when the plugin's major equals the
 * host's major and the plugin's minor is at most the host's minor. A minor version only
 * appends fields at the end of structs and values at the end of enums.
 *
 * To build a plugin that also loads into an older host of the same major, define
 * FWK_TARGET_ABI_MINOR to that host's minor before including any fawkes header (or pass
 * -DFWK_TARGET_ABI_MINOR=N); the descriptor then declares that minor, and you must not
 * use services or fields added after it.
 */
#define FWK_ABI_MAJOR 1
#define FWK_ABI_MINOR 3
#ifndef FWK_TARGET_ABI_MINOR
#define FWK_TARGET_ABI_MINOR FWK_ABI_MINOR
#endif

/* "FWKP" in ASCII: the first field of every descriptor. */
#define FWK_PLUGIN_MAGIC 0x464B5750u

/* The one symbol a plugin exports. See fawkes_plugin_describe() below. */
#define FWK_ENTRY_SYMBOL "fawkes_plugin_describe"

/* What a plugin is; decides which vtable `fwk_plugin_descriptor.vtable` points to. */
typedef enum fwk_plugin_kind {
    FWK_KIND_PROVIDER = 1, /* vtable: const fwk_provider_vtable * (fawkes/provider.h) */
    FWK_KIND_SCANNER = 2,  /* vtable: const fwk_scanner_vtable *  (fawkes/scanner.h)  */
    FWK_KIND_POLICY = 3,   /* vtable: const fwk_policy_vtable *   (fawkes/policy.h)   */
    FWK_KIND_NOTIFIER = 4  /* vtable: const fwk_notifier_vtable * (fawkes/notifier.h) */
} fwk_plugin_kind;

/* Types of config options. The host parses and checks values before the plugin sees them. */
typedef enum fwk_option_type {
    FWK_OPT_STRING = 1,      /* JSON string */
    FWK_OPT_INT = 2,         /* JSON integer */
    FWK_OPT_FLOAT = 3,       /* JSON real (integers are accepted and converted) */
    FWK_OPT_BOOL = 4,        /* JSON true/false */
    FWK_OPT_DURATION = 5,    /* written "250ms", "30s", "5m", "24h", "7d" or a number of ms;
                                handed to the plugin as a JSON integer of milliseconds */
    FWK_OPT_SIZE = 6,        /* written "512", "64KiB", "10MB", "1GiB";
                                handed to the plugin as a JSON integer of bytes */
    FWK_OPT_STRING_LIST = 7, /* JSON array of strings (a single string is accepted as [s]) */
    FWK_OPT_OBJECT = 8,      /* any JSON object, passed through unchecked */
#if FWK_TARGET_ABI_MINOR >= 2
    /* ABI 1.2 */
    FWK_OPT_PATH = 9,      /* a file or directory path (JSON string); a relative one is handed
                              to the plugin resolved against the config file's directory */
    FWK_OPT_PATH_LIST = 10 /* JSON array of paths (a single string is accepted as [s]), each
                              resolved as FWK_OPT_PATH */
#endif
} fwk_option_type;

/* Option flags. */
#define FWK_OPT_REQUIRED 0x1u /* the instance's config must set it */
#define FWK_OPT_SECRET 0x2u   /* never logged or shown; must come from ${env:} / ${file:} */
#define FWK_OPT_HAS_RANGE                                                                          \
    0x4u /* `min`/`max` apply (int, float, duration in ms, size in bytes,                          \
            string length, list length) */

/*
 * One entry of a plugin's config table. A plugin declares an array of these, ended by an
 * entry whose `name` is NULL. The host steps through the array by each entry's
 * `struct_size`, so entries may grow in later minors.
 */
typedef struct fwk_option {
    size_t struct_size; /* sizeof(fwk_option) as the plugin was compiled */
    const char *name;   /* the key under `config:`; NULL ends the table */
    fwk_option_type type;
    uint32_t flags;             /* FWK_OPT_* */
    const char *default_json;   /* default as JSON text ("8", "\"LON1\"", "[\"a\"]"), or NULL */
    const char *const *allowed; /* NULL-terminated list of allowed string values, or NULL */
    double min, max;            /* with FWK_OPT_HAS_RANGE */
    const char *description;    /* one sentence for `plugins inspect` and the docs */
} fwk_option;

/* Convenience initialisers for option tables. */
#define FWK_OPTION(name_, type_, flags_, default_json_, description_)                              \
    {                                                                                              \
        sizeof(fwk_option), (name_), (type_), (flags_), (default_json_), NULL, 0, 0,               \
            (description_)                                                                         \
    }
#define FWK_OPTION_RANGE(name_, type_, flags_, default_json_, min_, max_, description_)            \
    {                                                                                              \
        sizeof(fwk_option), (name_), (type_), (flags_) | FWK_OPT_HAS_RANGE, (default_json_), NULL, \
            (min_), (max_), (description_)                                                         \
    }
#define FWK_OPTION_ENUM(name_, flags_, default_json_, allowed_, description_)                      \
    {                                                                                              \
        sizeof(fwk_option), (name_), FWK_OPT_STRING, (flags_), (default_json_), (allowed_), 0, 0,  \
            (description_)                                                                         \
    }
#define FWK_OPTION_END                                                                             \
    {                                                                                              \
        sizeof(fwk_option), NULL, 0, 0, NULL, NULL, 0, 0, NULL                                     \
    }

/*
 * Capability flags (fwk_plugin_descriptor.capabilities). A capability follows from the
 * functions the plugin implements, and the flags it declares must say the same, or the loader
 * refuses the plugin with one line naming both sides:
 *   FWK_CAP_ACTIONS    provider: list_actions AND run_action are set (one without the
 *                      other is half a capability, refused too)
 *   FWK_CAP_PROVISION  provider: provision is set
 *   FWK_CAP_COST       provider: cost is set
 *   FWK_CAP_DIGEST     notifier: no function of its own (notify takes digests too), so this
 *                      one flag is declared, not derived
 * A flag on a kind it does not apply to, or a bit that is no FWK_CAP_*, is refused.
 * `fawkes plugins inspect` and `plugins list -o json` show the derived set.
 */
#define FWK_CAP_ACTIONS 0x1u   /* provider: offers remediation actions */
#define FWK_CAP_PROVISION 0x2u /* provider: offers provisioning */
#define FWK_CAP_COST 0x4u      /* provider: reports billed cost */
#define FWK_CAP_DIGEST 0x8u    /* notifier: can send one message for many findings */

/*
 * FWK_VTABLE_HAS(vtable, member): nonzero when `vtable` (a pointer to any kind's function
 * table, all of which begin with size_t struct_size) is long enough, as the plugin compiled
 * it, to hold `member`, and `member` is set. A plugin built against an older SDK has a shorter
 * table: the entries it does not know are never read. The host tests every optional entry
 * this way; a plugin may use it on its own tables. `vtable` is evaluated more than once.
 */
#define FWK_VTABLE_HAS(vtable, member)                                                             \
    ((size_t)((const char *)&(vtable)->member - (const char *)(vtable)) +                          \
             sizeof((vtable)->member) <=                                                           \
         (vtable)->struct_size &&                                                                  \
     (vtable)->member != NULL)

/*
 * The descriptor. The first four fields never change in any ABI version; the host reads
 * them before anything else. Every later field may be read only when `struct_size` says it
 * is there.
 */
typedef struct fwk_plugin_descriptor {
    uint32_t magic;     /* FWK_PLUGIN_MAGIC */
    uint16_t abi_major; /* FWK_ABI_MAJOR */
    uint16_t abi_minor; /* FWK_TARGET_ABI_MINOR */
    size_t struct_size; /* sizeof(fwk_plugin_descriptor) as the plugin was compiled */
    /* --- ABI 1.0 --- */
    const char *name;    /* [a-z0-9_-]+, unique among loaded plugins */
    const char *version; /* the plugin's own semantic version, e.g. "1.2.0" */
    fwk_plugin_kind kind;
    const char *description;   /* one line */
    const char *license;       /* SPDX id, e.g. "Apache-2.0" */
    const fwk_option *options; /* config table ended by FWK_OPTION_END; NULL = no options */
    uint64_t capabilities;     /* FWK_CAP_* */

    /*
     * init: make one instance from a validated config (defaults filled in, durations in ms,
     * sizes in bytes) and store it in *instance. `host` stays valid for the life of the
     * process: keep it. `config` is owned by the host; it stays valid and unchanged until the
     * instance's fini has returned, so the instance may keep pointers into it (a string from
     * json_string_value, a member object) without a reference of its own. It is the object
     * host->config() returns. On failure return FWK_ERROR after host->fail(ctx, "..."),
     * having freed what init made: fini is then not called, and `config` is valid only until
     * init returns. Serial.
     */
    fwk_status (*init)(const fwk_host *host, fwk_ctx *ctx, const json_t *config, void **instance);
    /* fini: free an instance made by init (NULL is allowed). The config init was given is
       still valid during fini. Serial. May be NULL. */
    void (*fini)(void *instance);

    /* The function table of the kind: const fwk_<kind>_vtable *. */
    const void *vtable;
} fwk_plugin_descriptor;

/* Fill the four fixed header fields of a descriptor. */
#define FWK_DESCRIPTOR_HEADER                                                                      \
    FWK_PLUGIN_MAGIC, FWK_ABI_MAJOR, FWK_TARGET_ABI_MINOR, sizeof(fwk_plugin_descriptor)

/*
 * The entry point every plugin exports (use FWK_PLUGIN_EXPORT). It returns a pointer to a
 * static, const descriptor and has no side effects: the host calls it to list and inspect
 * plugins without running them. Thread-safety: may be called from any thread, any number
 * of times.
 */
#if defined(__GNUC__)
#define FWK_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define FWK_PLUGIN_EXPORT
#endif
typedef const fwk_plugin_descriptor *(*fwk_describe_fn)(void);

/* The entry point's declaration: define it in your plugin as
   FWK_PLUGIN_EXPORT const fwk_plugin_descriptor *fawkes_plugin_describe(void) { ... } */
FWK_PLUGIN_EXPORT const fwk_plugin_descriptor *fawkes_plugin_describe(void);

#ifdef __cplusplus
}
#endif
#endif /* FAWKES_PLUGIN_H */
