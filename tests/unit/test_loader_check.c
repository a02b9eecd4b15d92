/* test_loader_check.c: the loader's descriptor and option table checks, each refusal's exact
   text, on descriptors built in memory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "fawkes/fawkes.h"
#include "loader.h"
#include "loader_internal.h"

static fwk_status fake_init(const fwk_host *host, fwk_ctx *ctx, const json_t *config,
                            void **instance)
{
    (void)host, (void)ctx, (void)config;
    *instance = NULL;
    return FWK_OK;
}

static fwk_status fake_plan(fwk_ctx *ctx, void *instance, const json_t *request, json_t **tasks)
{
    (void)ctx, (void)instance, (void)request;
    *tasks = NULL;
    return FWK_ERROR;
}

static fwk_status fake_run(fwk_ctx *ctx, void *instance, const json_t *task)
{
    (void)ctx, (void)instance, (void)task;
    return FWK_ERROR;
}

static fwk_status fake_evaluate(fwk_ctx *ctx, void *instance, const json_t *document,
                                json_t **decisions)
{
    (void)ctx, (void)instance, (void)document;
    *decisions = NULL;
    return FWK_ERROR;
}

static fwk_status fake_notify(fwk_ctx *ctx, void *instance, const json_t *message)
{
    (void)ctx, (void)instance, (void)message;
    return FWK_ERROR;
}

static const fwk_provider_vtable provider_vt = {
    sizeof provider_vt, fake_plan, fake_run, NULL, NULL, NULL, NULL};
static const fwk_scanner_vtable scanner_vt = {sizeof scanner_vt, fake_run, NULL};
static const fwk_policy_vtable policy_vt = {sizeof policy_vt, fake_evaluate, NULL};
static const fwk_notifier_vtable notifier_vt = {sizeof notifier_vt, fake_notify};

static fwk_plugin_descriptor valid_descriptor(void)
{
    fwk_plugin_descriptor d = {FWK_DESCRIPTOR_HEADER,
                               .name = "fake",
                               .version = "0.1.0",
                               .kind = FWK_KIND_PROVIDER,
                               .description = "A descriptor built by the test.",
                               .init = fake_init,
                               .vtable = &provider_vt};
    return d;
}

static void expect_descriptor(const fwk_plugin_descriptor *d, const char *reason)
{
    diag why = {{0}};
    if (!reason) {
        if (loader_check_descriptor(d, &why) != 0)
            fail_msg("expected the descriptor to pass, refused: %s", why.text);
        return;
    }
    assert_int_equal(loader_check_descriptor(d, &why), -1);
    assert_string_equal(why.text, reason);
}

static void test_descriptor_header_checks(void **state)
{
    (void)state;
    fwk_plugin_descriptor d = valid_descriptor();
    expect_descriptor(&d, NULL);
    char want[256];

    d.abi_minor = FWK_ABI_MINOR + 3;
    snprintf(want, sizeof want,
             "built for SDK ABI %d.%d, this fawkes provides %d.%d: upgrade fawkes, or rebuild "
             "the plugin with -DFWK_TARGET_ABI_MINOR=%d",
             FWK_ABI_MAJOR, FWK_ABI_MINOR + 3, FWK_ABI_MAJOR, FWK_ABI_MINOR, FWK_ABI_MINOR);
    expect_descriptor(&d, want);

    d = valid_descriptor();
    d.abi_major = FWK_ABI_MAJOR - 1;
    d.abi_minor = 9;
    snprintf(want, sizeof want,
             "built for SDK ABI %d.9, this fawkes provides %d.%d: rebuild the plugin against "
             "the fawkes %d.%d SDK",
             FWK_ABI_MAJOR - 1, FWK_ABI_MAJOR, FWK_ABI_MINOR, FWK_ABI_MAJOR, FWK_ABI_MINOR);
    expect_descriptor(&d, want);

    d = valid_descriptor();
    d.magic = 0x12345678u;
    expect_descriptor(&d, "bad magic 0x12345678 (expected 0x464B5750): not a Fawkes descriptor");

    d = valid_descriptor();
    d.struct_size = 16;
    expect_descriptor(&d, "descriptor struct_size is 16, smaller than the 96 bytes of ABI 1.0: "
                          "fill the header with FWK_DESCRIPTOR_HEADER");

    /* A plugin compiled by a later minor has a bigger descriptor: accepted. */
    d = valid_descriptor();
    d.struct_size = sizeof d + 8;
    expect_descriptor(&d, NULL);
}

static void test_descriptor_identity_checks(void **state)
{
    (void)state;
    fwk_plugin_descriptor d = valid_descriptor();
    d.name = NULL;
    expect_descriptor(&d, "descriptor field 'name' is missing");
    d.name = "";
    expect_descriptor(&d, "descriptor field 'name' is empty");
    d.name = "Bad Name";
    expect_descriptor(&d, "descriptor field 'name' is \"Bad Name\": use 1 to 64 characters of "
                          "[a-z0-9_-]");
    char long_name[66];
    memset(long_name, 'a', 65);
    long_name[65] = '\0';
    d.name = long_name;
    assert_int_equal(loader_check_descriptor(&d, &(diag){{0}}), -1);
    long_name[64] = '\0';
    expect_descriptor(&d, NULL);
    d.name = "ok-name_2";
    expect_descriptor(&d, NULL);

    d = valid_descriptor();
    d.version = NULL;
    expect_descriptor(&d, "descriptor field 'version' is missing");
    d = valid_descriptor();
    d.description = "";
    expect_descriptor(&d, "descriptor field 'description' is empty");
    d = valid_descriptor();
    d.license = NULL; /* optional */
    expect_descriptor(&d, NULL);
}

static void test_descriptor_kind_and_vtable_checks(void **state)
{
    (void)state;
    fwk_plugin_descriptor d = valid_descriptor();
    d.kind = (fwk_plugin_kind)9;
    expect_descriptor(&d, "kind 9 is unknown (expected provider, scanner, policy or notifier)");

    d = valid_descriptor();
    d.init = NULL;
    expect_descriptor(&d, "descriptor lacks required entry 'init'");

    d = valid_descriptor();
    d.kind = FWK_KIND_SCANNER;
    d.vtable = NULL;
    expect_descriptor(&d, "scanner descriptor has no vtable: point 'vtable' at a const "
                          "fwk_scanner_vtable");

    fwk_scanner_vtable short_vt = {8, fake_run, NULL};
    d.vtable = &short_vt;
    expect_descriptor(&d, "scanner vtable struct_size is 8, smaller than the 24 bytes of ABI "
                          "1.0: set it to sizeof(fwk_scanner_vtable)");
    fwk_scanner_vtable empty_scanner = {sizeof empty_scanner, NULL, NULL};
    d.vtable = &empty_scanner;
    expect_descriptor(&d, "scanner vtable lacks required entry 'scan_resource'");
    d.vtable = &scanner_vt;
    expect_descriptor(&d, NULL);

    fwk_provider_vtable no_plan = provider_vt;
    no_plan.plan_tasks = NULL;
    d.kind = FWK_KIND_PROVIDER;
    d.vtable = &no_plan;
    expect_descriptor(&d, "provider vtable lacks required entry 'plan_tasks'");

    fwk_policy_vtable no_eval = {sizeof no_eval, NULL, NULL};
    d.kind = FWK_KIND_POLICY;
    d.vtable = &no_eval;
    expect_descriptor(&d, "policy vtable lacks required entry 'evaluate'");
    d.vtable = &policy_vt;
    expect_descriptor(&d, NULL);

    fwk_notifier_vtable no_notify = {sizeof no_notify, NULL};
    d.kind = FWK_KIND_NOTIFIER;
    d.vtable = &no_notify;
    expect_descriptor(&d, "notifier vtable lacks required entry 'notify'");
    d.vtable = &notifier_vt;
    expect_descriptor(&d, NULL);
}

static fwk_status fake_list_actions(fwk_ctx *ctx, void *instance, json_t **actions)
{
    (void)ctx, (void)instance;
    *actions = NULL;
    return FWK_ERROR;
}

static fwk_status fake_run_action(fwk_ctx *ctx, void *instance, const json_t *resource,
                                  const char *action, const json_t *params, int dry_run,
                                  json_t **result)
{
    (void)ctx, (void)instance, (void)resource, (void)action, (void)params, (void)dry_run;
    *result = NULL;
    return FWK_ERROR;
}

static fwk_status fake_cost(fwk_ctx *ctx, void *instance, const json_t *request, json_t **report)
{
    (void)ctx, (void)instance, (void)request;
    *report = NULL;
    return FWK_ERROR;
}

static fwk_status fake_provision(fwk_ctx *ctx, void *instance, const char *what, const char *op,
                                 const json_t *spec, int dry_run, json_t **result)
{
    (void)ctx, (void)instance, (void)what, (void)op, (void)spec, (void)dry_run;
    *result = NULL;
    return FWK_ERROR;
}

static void test_capabilities_follow_the_vtable(void **state)
{
    (void)state;
    fwk_plugin_descriptor d = valid_descriptor();
    fwk_provider_vtable vt = provider_vt;

    d.vtable = &vt;
    d.capabilities = FWK_CAP_COST;
    expect_descriptor(&d, "declares capability 'cost' but its provider vtable has no cost "
                          "function: set .cost, or drop FWK_CAP_COST");
    vt.cost = fake_cost;
    expect_descriptor(&d, NULL);
    assert_int_equal(loader_capabilities(&d), FWK_CAP_COST);
    d.capabilities = 0;
    expect_descriptor(&d, "its provider vtable sets cost but the descriptor does not declare "
                          "capability 'cost': add FWK_CAP_COST to .capabilities, or remove "
                          ".cost");

    vt = provider_vt;
    vt.list_actions = fake_list_actions;
    expect_descriptor(&d, "provider vtable has list_actions without run_action (half of "
                          "capability 'actions'): implement run_action, or remove list_actions");
    vt.list_actions = NULL;
    vt.run_action = fake_run_action;
    d.capabilities = FWK_CAP_ACTIONS;
    expect_descriptor(&d, "provider vtable has run_action without list_actions (half of "
                          "capability 'actions'): implement list_actions, or remove run_action");
    vt.list_actions = fake_list_actions;
    expect_descriptor(&d, NULL);
    assert_int_equal(loader_capabilities(&d), FWK_CAP_ACTIONS);
    d.capabilities = FWK_CAP_ACTIONS | FWK_CAP_PROVISION;
    expect_descriptor(&d, "declares capability 'provision' but its provider vtable has no "
                          "provision function: set .provision, or drop FWK_CAP_PROVISION");
    d.capabilities = FWK_CAP_ACTIONS | FWK_CAP_PROVISION | FWK_CAP_COST;
    vt.provision = fake_provision;
    vt.cost = fake_cost;
    expect_descriptor(&d, NULL);
    assert_int_equal(loader_capabilities(&d), FWK_CAP_ACTIONS | FWK_CAP_PROVISION | FWK_CAP_COST);
    d.capabilities = FWK_CAP_PROVISION | FWK_CAP_COST;
    expect_descriptor(&d, "its provider vtable sets list_actions and run_action but the "
                          "descriptor does not declare capability 'actions': add FWK_CAP_ACTIONS "
                          "to .capabilities, or remove .list_actions and .run_action");
    vt.list_actions = NULL;
    vt.run_action = NULL;
    d.capabilities = FWK_CAP_ACTIONS | FWK_CAP_PROVISION | FWK_CAP_COST;
    expect_descriptor(&d, "declares capability 'actions' but its provider vtable has neither "
                          "list_actions nor run_action: set .list_actions and .run_action, or "
                          "drop FWK_CAP_ACTIONS");
    d.capabilities = FWK_CAP_PROVISION | FWK_CAP_COST | FWK_CAP_DIGEST;
    expect_descriptor(&d, "provider declares capability 'digest', which only notifiers have: "
                          "drop FWK_CAP_DIGEST");

    /* FWK_VTABLE_HAS never reads past the end a (shorter, older) vtable declares. */
    vt = provider_vt;
    vt.provision = fake_provision;
    vt.cost = fake_cost;
    vt.struct_size = offsetof(fwk_provider_vtable, cost);
    assert_true(FWK_VTABLE_HAS(&vt, provision));
    assert_false(FWK_VTABLE_HAS(&vt, cost));
    vt.struct_size = sizeof vt;
    assert_true(FWK_VTABLE_HAS(&vt, cost));
    vt.cost = NULL;
    assert_false(FWK_VTABLE_HAS(&vt, cost));

    d = valid_descriptor();
    d.kind = FWK_KIND_NOTIFIER;
    d.vtable = &notifier_vt;
    d.capabilities = FWK_CAP_DIGEST;
    expect_descriptor(&d, NULL);
    assert_int_equal(loader_capabilities(&d), FWK_CAP_DIGEST);
    d.capabilities = FWK_CAP_COST;
    expect_descriptor(&d, "notifier declares capability 'cost', which only providers have: "
                          "drop FWK_CAP_COST");
    d.kind = FWK_KIND_SCANNER;
    d.vtable = &scanner_vt;
    d.capabilities = FWK_CAP_DIGEST;
    expect_descriptor(&d, "scanner declares capability 'digest', which only notifiers have: "
                          "drop FWK_CAP_DIGEST");
    assert_int_equal(loader_capabilities(&d), 0); /* digest is derived for notifiers only */
    d.kind = FWK_KIND_POLICY;
    d.vtable = &policy_vt;
    d.capabilities = FWK_CAP_ACTIONS;
    expect_descriptor(&d, "policy declares capability 'actions', which only providers have: "
                          "drop FWK_CAP_ACTIONS");
    d.capabilities = 0x40;
    expect_descriptor(&d, "declares unknown capability bits 0x40: use only the FWK_CAP_* flags "
                          "of this SDK");
}

/* Check a descriptor whose option table is `options`. */
static void expect_options(const fwk_option *options, const char *reason)
{
    fwk_plugin_descriptor d = valid_descriptor();
    d.options = options;
    expect_descriptor(&d, reason);
}

static void test_option_table_checks(void **state)
{
    (void)state;
    static const char *const modes[] = {"fast", "slow", NULL};
    static const char *const none[] = {NULL};
    const fwk_option valid[] = {
        FWK_OPTION("name", FWK_OPT_STRING, 0, "\"x\"", "d"),
        FWK_OPTION_RANGE("count", FWK_OPT_INT, 0, "8", 1, 64, "d"),
        FWK_OPTION("ratio", FWK_OPT_FLOAT, 0, "1", "integers are fine for floats"),
        FWK_OPTION("on", FWK_OPT_BOOL, 0, "false", "d"),
        FWK_OPTION("wait", FWK_OPT_DURATION, 0, "\"30s\"", "d"),
        FWK_OPTION("wait_ms", FWK_OPT_DURATION, 0, "250", "d"),
        FWK_OPTION("max_body", FWK_OPT_SIZE, 0, "\"64KiB\"", "d"),
        FWK_OPTION("regions", FWK_OPT_STRING_LIST, 0, "[\"LON1\", \"NYC1\"]", "d"),
        FWK_OPTION("region", FWK_OPT_STRING_LIST, 0, "\"LON1\"", "one string is a list"),
        FWK_OPTION("extra", FWK_OPT_OBJECT, 0, "{\"a\": 1}", "d"),
        FWK_OPTION_ENUM("mode", 0, "\"fast\"", modes, "d"),
        FWK_OPTION("token", FWK_OPT_STRING, FWK_OPT_SECRET | FWK_OPT_REQUIRED, NULL, NULL),
        FWK_OPTION_END,
    };
    expect_options(valid, NULL);
    expect_options(NULL, NULL);

    const fwk_option dup[] = {FWK_OPTION("a", FWK_OPT_INT, 0, NULL, "d"),
                              FWK_OPTION("a", FWK_OPT_BOOL, 0, NULL, "d"), FWK_OPTION_END};
    expect_options(dup, "option 'a' is declared twice: option names must be unique");

    const fwk_option bad_type[] = {FWK_OPTION("a", (fwk_option_type)12, 0, NULL, "d"),
                                   FWK_OPTION_END};
    expect_options(bad_type, "option 'a': type 12 is unknown (expected 1..10, "
                             "FWK_OPT_STRING..FWK_OPT_PATH_LIST)");

    const fwk_option bad_name[] = {FWK_OPTION("has space", FWK_OPT_INT, 0, NULL, "d"),
                                   FWK_OPTION_END};
    expect_options(bad_name,
                   "option name \"has space\" is invalid: use 1 to 64 characters of [A-Za-z0-9_-]");

    const fwk_option bad_flags[] = {FWK_OPTION("a", FWK_OPT_INT, 0x10, NULL, "d"), FWK_OPTION_END};
    expect_options(bad_flags, "option 'a': unknown flags 0x10 (known: FWK_OPT_REQUIRED, "
                              "FWK_OPT_SECRET, FWK_OPT_HAS_RANGE)");

    const fwk_option req_default[] = {FWK_OPTION("a", FWK_OPT_INT, FWK_OPT_REQUIRED, "1", "d"),
                                      FWK_OPTION_END};
    expect_options(req_default, "option 'a' is required and has a default: drop one of them");

    const fwk_option secret_default[] = {
        FWK_OPTION("a", FWK_OPT_STRING, FWK_OPT_SECRET, "\"hunter2\"", "d"), FWK_OPTION_END};
    expect_options(secret_default,
                   "option 'a' is secret and has a default: secrets cannot have defaults");

    fwk_option allowed_int[] = {FWK_OPTION("a", FWK_OPT_INT, 0, NULL, "d"), FWK_OPTION_END};
    allowed_int[0].allowed = modes;
    expect_options(allowed_int, "option 'a': allowed values are only for string and string list "
                                "options, not int");

    const fwk_option empty_allowed[] = {FWK_OPTION_ENUM("a", 0, NULL, none, "d"), FWK_OPTION_END};
    expect_options(empty_allowed,
                   "option 'a': the allowed list is empty: list values or pass NULL");

    const fwk_option range_bool[] = {FWK_OPTION_RANGE("a", FWK_OPT_BOOL, 0, NULL, 0, 1, "d"),
                                     FWK_OPTION_END};
    expect_options(range_bool, "option 'a': a range does not apply to bool options");

    const fwk_option range_inverted[] = {FWK_OPTION_RANGE("a", FWK_OPT_INT, 0, NULL, 10, 5, "d"),
                                         FWK_OPTION_END};
    expect_options(range_inverted, "option 'a': range min 10 is above max 5");
}

static void test_option_default_checks(void **state)
{
    (void)state;
    static const char *const modes[] = {"fast", "slow", NULL};
    static const struct {
        fwk_option_type type;
        const char *default_json;
        const char *reason;
    } cases[] = {
        {FWK_OPT_STRING_LIST, "[1, 2]",
         "option 'opt': default_json is not a valid string list: [1, 2]"},
        {FWK_OPT_STRING, "5", "option 'opt': default_json is not a valid string: 5"},
        {FWK_OPT_INT, "1.5", "option 'opt': default_json is not a valid int: 1.5"},
        {FWK_OPT_FLOAT, "\"1.5\"", "option 'opt': default_json is not a valid float: \"1.5\""},
        {FWK_OPT_BOOL, "\"yes\"", "option 'opt': default_json is not a valid bool: \"yes\""},
        {FWK_OPT_DURATION, "\"5 parsecs\"",
         "option 'opt': default_json is not a valid duration: \"5 parsecs\""},
        {FWK_OPT_DURATION, "-5", "option 'opt': default_json is not a valid duration: -5"},
        {FWK_OPT_SIZE, "\"lots\"", "option 'opt': default_json is not a valid size: \"lots\""},
        {FWK_OPT_OBJECT, "[]", "option 'opt': default_json is not a valid object: []"},
        {FWK_OPT_INT, "{oops",
         "option 'opt': default_json {oops is not valid JSON: string or '}' expected near 'oops' "
         "(column 5)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const fwk_option table[] = {FWK_OPTION("opt", cases[i].type, 0, cases[i].default_json, "d"),
                                    FWK_OPTION_END};
        expect_options(table, cases[i].reason);
    }
    const fwk_option not_allowed[] = {FWK_OPTION_ENUM("mode", 0, "\"medium\"", modes, "d"),
                                      FWK_OPTION_END};
    expect_options(not_allowed, "option 'mode': default_json is not a valid string among the "
                                "allowed values: \"medium\"");
}

static void test_option_table_shape(void **state)
{
    (void)state;
    fwk_option zero_size[] = {FWK_OPTION("a", FWK_OPT_INT, 0, NULL, "d"),
                              FWK_OPTION("b", FWK_OPT_INT, 0, NULL, "d"), FWK_OPTION_END};
    zero_size[1].struct_size = 0;
    expect_options(zero_size, "option #2 has struct_size 0, smaller than the 64 bytes of ABI 1.0: "
                              "build entries with FWK_OPTION* and end the table with "
                              "FWK_OPTION_END");

    /* No end marker within a sane length. */
    static fwk_option endless[260];
    for (size_t i = 0; i < 260; i++)
        endless[i] = (fwk_option)FWK_OPTION("x", FWK_OPT_INT, 0, NULL, "d");
    expect_options(endless, "option table has more than 256 entries: is FWK_OPTION_END missing?");

    /* Entries compiled by a later minor are bigger; the host steps over the tail. */
    struct bigger {
        fwk_option opt;
        uint64_t later_field;
    } grown[] = {{FWK_OPTION("a", FWK_OPT_INT, 0, "1", "d"), 7},
                 {FWK_OPTION("b", FWK_OPT_BOOL, 0, "true", "d"), 7},
                 {FWK_OPTION_END, 0}};
    for (size_t i = 0; i < 3; i++)
        grown[i].opt.struct_size = sizeof(struct bigger);
    expect_options(&grown[0].opt, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_descriptor_header_checks),
        cmocka_unit_test(test_descriptor_identity_checks),
        cmocka_unit_test(test_descriptor_kind_and_vtable_checks),
        cmocka_unit_test(test_capabilities_follow_the_vtable),
        cmocka_unit_test(test_option_table_checks),
        cmocka_unit_test(test_option_default_checks),
        cmocka_unit_test(test_option_table_shape),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
