/* test_cli.c: global options before or after the command, values, and clear errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "cli.h"

#define ARGV(...) ((char *[]){"fawkes", __VA_ARGS__, NULL})
#define ARGC(...) ((int)(sizeof((char *[]){"fawkes", __VA_ARGS__}) / sizeof(char *)))
#define PARSE(args, err, ...) cli_parse(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), (args), (err))

static void options_before_and_after_the_command_are_the_same(void **state)
{
    (void)state;
    cli_args before, after;
    diag err = {{0}};
    assert_int_equal(PARSE(&before, &err, "-o", "json", "-c", "f.yaml", "inventory"), 0);
    assert_int_equal(PARSE(&after, &err, "inventory", "-o", "json", "--config=f.yaml"), 0);
    assert_string_equal(before.command, "inventory");
    assert_string_equal(after.command, "inventory");
    assert_int_equal(before.format, OUTPUT_JSON);
    assert_int_equal(after.format, OUTPUT_JSON);
    assert_string_equal(before.config_path, "f.yaml");
    assert_string_equal(after.config_path, "f.yaml");
    cli_free(&before);
    cli_free(&after);
}

static void words_repeatable_options_and_defaults(void **state)
{
    (void)state;
    cli_args args;
    diag err = {{0}};
    assert_int_equal(PARSE(&args, &err, "run", "nightly", "--plugin-dir", "a", "--plugin-dir=b",
                           "-vv", "hourly", "--provider", "p1", "-j3"),
                     0);
    assert_string_equal(args.command, "run");
    assert_int_equal(args.words.count, 2);
    assert_string_equal(args.words.items[0], "nightly");
    assert_string_equal(args.words.items[1], "hourly");
    assert_int_equal(args.plugin_dirs.count, 2);
    assert_string_equal(args.plugin_dirs.items[1], "b");
    assert_int_equal(args.verbose, 2);
    assert_int_equal(args.jobs, 3);
    assert_string_equal(args.fail_on, "high");
    assert_int_equal(args.format, OUTPUT_TABLE);
    cli_free(&args);
}

static void version_option_is_the_version_command(void **state)
{
    (void)state;
    cli_args args;
    diag err = {{0}};
    assert_int_equal(PARSE(&args, &err, "--version"), 0);
    assert_string_equal(args.command, "version");
    cli_free(&args);
    assert_int_equal(PARSE(&args, &err, "-V"), 0);
    assert_string_equal(args.command, "version");
    cli_free(&args);
    /* after a command it names nothing new: the command stays */
    assert_int_equal(PARSE(&args, &err, "plugins", "--version"), 0);
    assert_string_equal(args.command, "plugins");
    cli_free(&args);
}

static void double_dash_ends_options(void **state)
{
    (void)state;
    cli_args args;
    diag err = {{0}};
    assert_int_equal(PARSE(&args, &err, "plugins", "--", "check", "-weird.so"), 0);
    assert_int_equal(args.words.count, 2);
    assert_string_equal(args.words.items[1], "-weird.so");
    cli_free(&args);
}

static void errors_say_what_and_how(void **state)
{
    (void)state;
    cli_args args;
    diag err = {{0}};
    assert_int_equal(PARSE(&args, &err, "inventory", "--outptu", "json"), -1);
    assert_string_equal(err.text, "unknown option '--outptu'; see `fawkes --help`");
    cli_free(&args);
    assert_int_equal(PARSE(&args, &err, "inventory", "-o", "xml"), -1);
    assert_string_equal(err.text, "-o xml: unknown output format; use table, json, jsonl, sarif "
                                  "or junit");
    cli_free(&args);
    assert_int_equal(PARSE(&args, &err, "inventory", "-c"), -1);
    assert_string_equal(err.text, "option '-c' needs a value");
    cli_free(&args);
    assert_int_equal(PARSE(&args, &err, "run", "--fail-on", "severe"), -1);
    assert_string_equal(err.text,
                        "--fail-on severe: use critical, high, medium, low, info or none");
    cli_free(&args);
    assert_int_equal(PARSE(&args, &err, "run", "--jobs", "0"), -1);
    assert_string_equal(err.text, "--jobs 0: expected a whole number from 1 to 256");
    cli_free(&args);
    assert_int_equal(PARSE(&args, &err, "run", "--apply=yes"), -1);
    assert_string_equal(err.text, "option '--apply' takes no value");
    cli_free(&args);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(options_before_and_after_the_command_are_the_same),
        cmocka_unit_test(words_repeatable_options_and_defaults),
        cmocka_unit_test(version_option_is_the_version_command),
        cmocka_unit_test(double_dash_ends_options),
        cmocka_unit_test(errors_say_what_and_how),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
