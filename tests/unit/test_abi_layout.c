/* test_abi_layout.c: freezes the SDK ABI: struct layouts, enum values and constants. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "fawkes/fawkes.h"

/*
 * THESE NUMBERS ARE THE ABI (x86_64, LP64) AND MUST NEVER CHANGE WITHIN MAJOR 1.
 * Plugins built against any 1.x SDK read and write these offsets. The only allowed change
 * in a minor version is appending fields at the end of a struct (or values at the end of an
 * enum): that grows a sizeof and requires NEW assertions for the new fields; no existing
 * line here may be edited. A failure here means a public header broke compatibility.
 */

#define OFFSET(type, member, expected) assert_int_equal(offsetof(type, member), (expected))
#define SIZE(type, expected) assert_int_equal(sizeof(type), (expected))

static void test_platform(void **state)
{
    (void)state;
    SIZE(void *, 8);
    SIZE(size_t, 8);
    SIZE(long, 8);
    SIZE(int, 4);
    SIZE(double, 8);
    SIZE(fwk_status, 4);
    SIZE(fwk_log_level, 4);
    SIZE(fwk_plugin_kind, 4);
    SIZE(fwk_option_type, 4);
}

static void test_abi_version(void **state)
{
    (void)state;
    assert_int_equal(FWK_ABI_MAJOR, 1);
    assert_true(FWK_ABI_MINOR >= 0);
    assert_int_equal(FWK_PLUGIN_MAGIC, 0x464B5750u);
    assert_string_equal(FWK_ENTRY_SYMBOL, "fawkes_plugin_describe");
}

static void test_status_values(void **state)
{
    (void)state;
    assert_int_equal(FWK_OK, 0);
    assert_int_equal(FWK_ERROR, 1);
    assert_int_equal(FWK_RETRY, 2);
    assert_int_equal(FWK_PARTIAL, 3);
    assert_int_equal(FWK_UNSUPPORTED, 4);
    assert_int_equal(FWK_CANCELLED, 5);
    assert_string_equal(fwk_strerror(FWK_OK), "ok");
    assert_string_equal(fwk_strerror((fwk_status)99), "unknown status");
}

static void test_enum_values(void **state)
{
    (void)state;
    assert_int_equal(FWK_LOG_DEBUG, 0);
    assert_int_equal(FWK_LOG_INFO, 1);
    assert_int_equal(FWK_LOG_WARN, 2);
    assert_int_equal(FWK_LOG_ERROR, 3);

    assert_int_equal(FWK_KIND_PROVIDER, 1);
    assert_int_equal(FWK_KIND_SCANNER, 2);
    assert_int_equal(FWK_KIND_POLICY, 3);
    assert_int_equal(FWK_KIND_NOTIFIER, 4);

    assert_int_equal(FWK_OPT_STRING, 1);
    assert_int_equal(FWK_OPT_INT, 2);
    assert_int_equal(FWK_OPT_FLOAT, 3);
    assert_int_equal(FWK_OPT_BOOL, 4);
    assert_int_equal(FWK_OPT_DURATION, 5);
    assert_int_equal(FWK_OPT_SIZE, 6);
    assert_int_equal(FWK_OPT_STRING_LIST, 7);
    assert_int_equal(FWK_OPT_OBJECT, 8);
    /* ABI 1.2 */
    assert_int_equal(FWK_OPT_PATH, 9);
    assert_int_equal(FWK_OPT_PATH_LIST, 10);
}

static void test_flag_values(void **state)
{
    (void)state;
    assert_int_equal(FWK_OPT_REQUIRED, 0x1u);
    assert_int_equal(FWK_OPT_SECRET, 0x2u);
    assert_int_equal(FWK_OPT_HAS_RANGE, 0x4u);
    assert_int_equal(FWK_CAP_ACTIONS, 0x1u);
    assert_int_equal(FWK_CAP_PROVISION, 0x2u);
    assert_int_equal(FWK_CAP_COST, 0x4u);
    assert_int_equal(FWK_CAP_DIGEST, 0x8u);
    assert_int_equal(FWK_HTTP_MUTATING, 0x1u);
    assert_int_equal(FWK_HTTP_NO_RETRY, 0x2u);
}

static void test_descriptor_layout(void **state)
{
    (void)state;
    OFFSET(fwk_plugin_descriptor, magic, 0);
    OFFSET(fwk_plugin_descriptor, abi_major, 4);
    OFFSET(fwk_plugin_descriptor, abi_minor, 6);
    OFFSET(fwk_plugin_descriptor, struct_size, 8);
    OFFSET(fwk_plugin_descriptor, name, 16);
    OFFSET(fwk_plugin_descriptor, version, 24);
    OFFSET(fwk_plugin_descriptor, kind, 32);
    OFFSET(fwk_plugin_descriptor, description, 40);
    OFFSET(fwk_plugin_descriptor, license, 48);
    OFFSET(fwk_plugin_descriptor, options, 56);
    OFFSET(fwk_plugin_descriptor, capabilities, 64);
    OFFSET(fwk_plugin_descriptor, init, 72);
    OFFSET(fwk_plugin_descriptor, fini, 80);
    OFFSET(fwk_plugin_descriptor, vtable, 88);
    SIZE(fwk_plugin_descriptor, 96);
}

static void test_option_layout(void **state)
{
    (void)state;
    OFFSET(fwk_option, struct_size, 0);
    OFFSET(fwk_option, name, 8);
    OFFSET(fwk_option, type, 16);
    OFFSET(fwk_option, flags, 20);
    OFFSET(fwk_option, default_json, 24);
    OFFSET(fwk_option, allowed, 32);
    OFFSET(fwk_option, min, 40);
    OFFSET(fwk_option, max, 48);
    OFFSET(fwk_option, description, 56);
    SIZE(fwk_option, 64);
}

static void test_host_layout(void **state)
{
    (void)state;
    OFFSET(fwk_host, struct_size, 0);
    OFFSET(fwk_host, abi_major, 8);
    OFFSET(fwk_host, abi_minor, 10);
    OFFSET(fwk_host, log, 16);
    OFFSET(fwk_host, fail, 24);
    OFFSET(fwk_host, config, 32);
    OFFSET(fwk_host, secret_get, 40);
    OFFSET(fwk_host, http_request, 48);
    OFFSET(fwk_host, http_response_free, 56);
    OFFSET(fwk_host, http_header, 64);
    OFFSET(fwk_host, emit_resource, 72);
    OFFSET(fwk_host, emit_finding, 80);
    OFFSET(fwk_host, cancelled, 88);
    OFFSET(fwk_host, counter_add, 96);
    OFFSET(fwk_host, alloc, 104);
    OFFSET(fwk_host, free, 112);
    /* ABI 1.1 */
    OFFSET(fwk_host, mail_send, 120);
    SIZE(fwk_host, 128);
    OFFSET(fwk_mail, struct_size, 0);
    OFFSET(fwk_mail, url, 8);
    OFFSET(fwk_mail, from, 16);
    OFFSET(fwk_mail, to, 24);
    OFFSET(fwk_mail, subject, 32);
    OFFSET(fwk_mail, text, 40);
    OFFSET(fwk_mail, html, 48);
    OFFSET(fwk_mail, username, 56);
    OFFSET(fwk_mail, password, 64);
    OFFSET(fwk_mail, timeout_ms, 72);
    SIZE(fwk_mail, 80);
}

static void test_http_layout(void **state)
{
    (void)state;
    OFFSET(fwk_http_header, name, 0);
    OFFSET(fwk_http_header, value, 8);
    SIZE(fwk_http_header, 16);

    OFFSET(fwk_http_request, struct_size, 0);
    OFFSET(fwk_http_request, method, 8);
    OFFSET(fwk_http_request, url, 16);
    OFFSET(fwk_http_request, headers, 24);
    OFFSET(fwk_http_request, header_count, 32);
    OFFSET(fwk_http_request, body, 40);
    OFFSET(fwk_http_request, body_len, 48);
    OFFSET(fwk_http_request, timeout_ms, 56);
    OFFSET(fwk_http_request, flags, 64);
    OFFSET(fwk_http_request, secret_headers, 72);
    /* ABI 1.3 */
    OFFSET(fwk_http_request, retry_check, 80);
    OFFSET(fwk_http_request, retry_arg, 88);
    SIZE(fwk_http_request, 96);

    OFFSET(fwk_http_response, struct_size, 0);
    OFFSET(fwk_http_response, status, 8);
    OFFSET(fwk_http_response, body, 16);
    OFFSET(fwk_http_response, body_len, 24);
    OFFSET(fwk_http_response, headers, 32);
    OFFSET(fwk_http_response, header_count, 40);
    OFFSET(fwk_http_response, attempts, 48);
    SIZE(fwk_http_response, 56);
}

static void test_vtable_layouts(void **state)
{
    (void)state;
    OFFSET(fwk_provider_vtable, struct_size, 0);
    OFFSET(fwk_provider_vtable, plan_tasks, 8);
    OFFSET(fwk_provider_vtable, run_task, 16);
    OFFSET(fwk_provider_vtable, list_actions, 24);
    OFFSET(fwk_provider_vtable, run_action, 32);
    OFFSET(fwk_provider_vtable, provision, 40);
    OFFSET(fwk_provider_vtable, cost, 48);
    SIZE(fwk_provider_vtable, 56);

    OFFSET(fwk_scanner_vtable, struct_size, 0);
    OFFSET(fwk_scanner_vtable, scan_resource, 8);
    OFFSET(fwk_scanner_vtable, finish, 16);
    SIZE(fwk_scanner_vtable, 24);

    OFFSET(fwk_policy_vtable, struct_size, 0);
    OFFSET(fwk_policy_vtable, evaluate, 8);
    OFFSET(fwk_policy_vtable, test, 16);
    SIZE(fwk_policy_vtable, 24);

    OFFSET(fwk_notifier_vtable, struct_size, 0);
    OFFSET(fwk_notifier_vtable, notify, 8);
    SIZE(fwk_notifier_vtable, 16);
}

/* The convenience initialisers fill fields in the frozen order. */
static void test_initialisers(void **state)
{
    (void)state;
    static const char *const allowed[] = {"a", "b", NULL};
    static const fwk_option table[] = {
        FWK_OPTION("plain", FWK_OPT_INT, FWK_OPT_REQUIRED, NULL, "d1"),
        FWK_OPTION_RANGE("ranged", FWK_OPT_FLOAT, 0, "1.5", 0.5, 9.5, "d2"),
        FWK_OPTION_ENUM("choice", 0, "\"a\"", allowed, "d3"),
        FWK_OPTION_END,
    };
    assert_int_equal(table[0].struct_size, sizeof(fwk_option));
    assert_string_equal(table[0].name, "plain");
    assert_int_equal(table[0].type, FWK_OPT_INT);
    assert_int_equal(table[0].flags, FWK_OPT_REQUIRED);
    assert_null(table[0].default_json);
    assert_string_equal(table[0].description, "d1");
    assert_int_equal(table[1].flags, FWK_OPT_HAS_RANGE);
    assert_true(table[1].min == 0.5 && table[1].max == 9.5);
    assert_string_equal(table[1].default_json, "1.5");
    assert_int_equal(table[2].type, FWK_OPT_STRING);
    assert_ptr_equal(table[2].allowed, allowed);
    assert_null(table[3].name);
    assert_int_equal(table[3].struct_size, sizeof(fwk_option));

    static const fwk_plugin_descriptor desc = {FWK_DESCRIPTOR_HEADER, .name = "x"};
    assert_int_equal(desc.magic, FWK_PLUGIN_MAGIC);
    assert_int_equal(desc.abi_major, FWK_ABI_MAJOR);
    assert_int_equal(desc.abi_minor, FWK_TARGET_ABI_MINOR);
    assert_int_equal(desc.struct_size, sizeof(fwk_plugin_descriptor));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_platform),      cmocka_unit_test(test_abi_version),
        cmocka_unit_test(test_status_values), cmocka_unit_test(test_enum_values),
        cmocka_unit_test(test_flag_values),   cmocka_unit_test(test_descriptor_layout),
        cmocka_unit_test(test_option_layout), cmocka_unit_test(test_host_layout),
        cmocka_unit_test(test_http_layout),   cmocka_unit_test(test_vtable_layouts),
        cmocka_unit_test(test_initialisers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
