/* misconfig_emit.c: builds findings from the rule table and reads tri-state resource fields. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "misconfig.h"

bool misconfig_enabled(const misconfig_scan *scan, misconfig_rule_id rule)
{
    return !scan->inst->disabled[rule] && scan->status == FWK_OK;
}

static const misconfig_mapping *misconfig_mapping_for(const misconfig_rule *rule,
                                                      const char *provider)
{
    const misconfig_mapping *m;

    for (m = rule->mappings; m->provider; m++) {
        if (strcmp(m->provider, provider) == 0)
            return m;
    }
    return NULL;
}

static json_t *misconfig_finding(const misconfig_scan *scan, const misconfig_rule *rule,
                                 const char *status, json_t *evidence, const char *message)
{
    const misconfig_mapping *mapping = misconfig_mapping_for(rule, scan->provider);
    json_t *compliance = json_array();
    json_t *finding;
    size_t i;

    for (i = 0; compliance && mapping && mapping->compliance[i]; i++)
        json_array_append_new(compliance, json_string(mapping->compliance[i]));
    finding = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:s, s:o}", "rule", rule->id, "severity",
                        fwkx_severity_name(rule->severity), "status", status, "title", rule->title,
                        "message", message, "evidence", evidence ? evidence : json_object(),
                        "remediation", mapping ? mapping->remediation : rule->remediation,
                        "compliance", compliance);
    return finding;
}

void misconfig_emit(misconfig_scan *scan, misconfig_rule_id rule, const char *status,
                    json_t *evidence, const char *fmt, ...)
{
    const fwk_host *host = scan->inst->host;
    char message[1024];
    json_t *finding;
    va_list ap;

    if (!misconfig_enabled(scan, rule)) {
        json_decref(evidence);
        return;
    }
    va_start(ap, fmt);
    vsnprintf(message, sizeof(message), fmt, ap);
    va_end(ap);
    finding = misconfig_finding(scan, &misconfig_rules[rule], status, evidence, message);
    if (!finding) {
        host->fail(scan->ctx, "out of memory building finding %s for %s", misconfig_rules[rule].id,
                   scan->subject);
        scan->status = FWK_ERROR;
        return;
    }
    scan->status = host->emit_finding(scan->ctx, finding);
    if (scan->status == FWK_ERROR)
        host->fail(scan->ctx, "the host refused finding %s for %s", misconfig_rules[rule].id,
                   scan->subject);
}

misconfig_flag misconfig_flag_field(misconfig_scan *scan, misconfig_rule_id rule, const char *field)
{
    const json_t *value = json_object_get(scan->resource, field);

    if (!value || json_is_null(value))
        return MISCONFIG_UNKNOWN;
    if (json_is_boolean(value))
        return json_is_true(value) ? MISCONFIG_TRUE : MISCONFIG_FALSE;
    misconfig_emit(scan, rule, "error", json_pack("{s:s, s:s}", "field", field, "problem", "type"),
                   "could not evaluate %s: \"%s\" is %s; expected true, false or null (fix the "
                   "provider's output)",
                   scan->subject, field, fwkx_type_name(value));
    return MISCONFIG_UNKNOWN;
}
