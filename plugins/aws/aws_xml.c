/* aws_xml.c: AWS XML answers (EC2, IAM, RDS, S3, STS) read with libxml2 into JSON. */
#include <ctype.h>
#include <stdlib.h>
#include <limits.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "aws.h"

/* EC2 element names that the SDKs spell differently from "capitalize the first letter". */
static const char *const ec2_renames[][2] = {
    {"tagSet", "Tags"},
    {"groupSet", "SecurityGroups"},
    {"instancesSet", "Instances"},
    {"reservationSet", "Reservations"},
    {"blockDeviceMapping", "BlockDeviceMappings"},
    {"attachmentSet", "Attachments"},
    {"networkInterfaceSet", "NetworkInterfaces"},
    {"privateIpAddressesSet", "PrivateIpAddresses"},
    {"volumeSet", "Volumes"},
    {"securityGroupInfo", "SecurityGroups"},
    {"vpcSet", "Vpcs"},
    {"regionInfo", "Regions"},
    {"groups", "UserIdGroupPairs"},
    {"instanceState", "State"},
    {"status", "State"},
    {"dnsName", "PublicDnsName"},
    {"ipAddress", "PublicIpAddress"},
    {"reason", "StateTransitionReason"},
    {"groupDescription", "Description"},
    {"regionEndpoint", "Endpoint"},
    {"productCodes", "ProductCodes"},
    {"ipv6AddressesSet", "Ipv6Addresses"},
};

/* Elements whose children are list entries even when they are not "item"/"member". */
static const char *const list_elements[] = {"Buckets",         "AccessControlList",
                                            "TagSet",          "ServerSideEncryptionConfiguration",
                                            "Errors",          "VpcSecurityGroups",
                                            "AssociatedRoles", "DBInstances",
                                            "TagList",         NULL};

/* EC2 lists whose names do not end in "Set": empty ones are [] too. */
static const char *const ec2_lists[] = {
    "ipRanges",      "ipv6Ranges",         "groups",
    "prefixListIds", "ipPermissions",      "ipPermissionsEgress",
    "productCodes",  "blockDeviceMapping", NULL};

/* Fields AWS documents as integers. */
static const char *const integer_fields[] = {"Size",
                                             "Iops",
                                             "Throughput",
                                             "FromPort",
                                             "ToPort",
                                             "Code",
                                             "AmiLaunchIndex",
                                             "DeviceIndex",
                                             "HttpPutResponseHopLimit",
                                             "CoreCount",
                                             "ThreadsPerCore",
                                             "AllocatedStorage",
                                             "BackupRetentionPeriod",
                                             "Port",
                                             "AttachmentCount",
                                             "PermissionsBoundaryUsageCount",
                                             "MaxAllocatedStorage",
                                             "MonitoringInterval",
                                             "DbInstancePort",
                                             "PromotionTier",
                                             "StorageThroughput",
                                             "DBInstancePort",
                                             NULL};

/* Text fields never taken for booleans. */
static const char *const text_fields[] = {"Key", "Value", "Description", "Name", "Message", NULL};

static int listed(const char *const *list, const char *name)
{
    for (size_t i = 0; list[i]; i++)
        if (strcmp(list[i], name) == 0)
            return 1;
    return 0;
}

/* The JSON key of element `name`. Written into `out`. */
static const char *key_of(const char *name, aws_xml_names names, char *out, size_t size)
{
    if (names == AWS_XML_EC2) {
        for (size_t i = 0; i < sizeof ec2_renames / sizeof ec2_renames[0]; i++)
            if (strcmp(ec2_renames[i][0], name) == 0)
                return ec2_renames[i][1];
        snprintf(out, size, "%s", name);
        out[0] = (char)toupper((unsigned char)out[0]);
        return out;
    }
    return name;
}

/* How many element children `node` has; *all_items: they are list entries ("item",
   "member", or all named N under a parent named N + "s", like RDS's DBInstances). */
static int element_count(const xmlNode *node, int *all_items)
{
    const char *parent = (const char *)node->name, *first = NULL;
    int count = 0, items = 1, same = 1;

    for (const xmlNode *c = node->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        count++;
        if (strcmp((const char *)c->name, "item") != 0 &&
            strcmp((const char *)c->name, "member") != 0)
            items = 0;
        if (!first)
            first = (const char *)c->name;
        else if (strcmp(first, (const char *)c->name) != 0)
            same = 0;
    }
    *all_items = count > 0 && (items || (same && strlen(parent) == strlen(first) + 1 &&
                                         strncmp(parent, first, strlen(first)) == 0 &&
                                         parent[strlen(first)] == 's'));
    return count;
}

static int is_integer(const char *text)
{
    const char *p = text;

    if (*p == '-')
        p++;
    if (!*p || strlen(p) > 18)
        return 0;
    for (; *p; p++)
        if (!isdigit((unsigned char)*p))
            return 0;
    return 1;
}

/* A leaf's text as JSON: typed by its key. */
static json_t *leaf(const char *key, const char *text)
{
    if (listed(integer_fields, key) && is_integer(text))
        return json_integer(strtoll(text, NULL, 10));
    if (!listed(text_fields, key) && strcmp(text, "true") == 0)
        return json_true();
    if (!listed(text_fields, key) && strcmp(text, "false") == 0)
        return json_false();
    return json_string(text);
}

static json_t *convert(const xmlNode *node, const char *key, aws_xml_names names);

static json_t *convert_children(const xmlNode *node, int as_list, aws_xml_names names)
{
    json_t *out = as_list ? json_array() : json_object();
    char buf[128];

    for (const xmlNode *c = node->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        const char *key = key_of((const char *)c->name, names, buf, sizeof buf);
        json_t *value = convert(c, key, names);
        if (as_list)
            json_array_append_new(out, value);
        else
            json_object_set_new(out, key, value);
    }
    return out;
}

static json_t *convert(const xmlNode *node, const char *key, aws_xml_names names)
{
    int all_items;
    int count = element_count(node, &all_items);
    const char *name = (const char *)node->name;
    int list_name = listed(list_elements, name) ||
                    (names == AWS_XML_EC2 &&
                     ((strlen(name) > 3 && strcmp(name + strlen(name) - 3, "Set") == 0) ||
                      listed(ec2_lists, name)));

    if (count == 0) {
        xmlChar *text;
        json_t *value;
        if (list_name)
            return json_array();
        text = xmlNodeGetContent(node);
        value = leaf(key, text ? (const char *)text : "");
        xmlFree(text);
        return value;
    }
    return convert_children(node, all_items || list_name, names);
}

json_t *aws_xml_parse(const aws_instance *inst, fwk_ctx *ctx, const char *what, const char *body,
                      size_t len, aws_xml_names names)
{
    /* the thread's last error is libxml2's only report; an answer it fails without one (an
       empty body) must not be described by an earlier answer's error */
    xmlResetLastError();
    xmlDoc *doc = len <= INT_MAX ? xmlReadMemory(body, (int)len, "answer.xml", NULL,
                                                 XML_PARSE_NONET | XML_PARSE_NOERROR |
                                                     XML_PARSE_NOWARNING | XML_PARSE_NOBLANKS)
                                 : NULL;
    xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
    const xmlError *err;
    json_t *out;

    if (!root) {
        err = xmlGetLastError();
        inst->host->fail(ctx,
                         "%s: the answer is not well-formed XML (%zu bytes; %s): a truncated "
                         "or garbled body",
                         what, len, err && err->message ? err->message : "no root element");
        xmlFreeDoc(doc);
        return NULL;
    }
    out = json_object();
    json_object_set_new(out, (const char *)root->name,
                        convert(root, (const char *)root->name, AWS_XML_KEEP));
    if (names == AWS_XML_EC2) { /* EC2: the root keeps its name, its members are renamed */
        json_object_set_new(out, (const char *)root->name, convert_children(root, 0, names));
    }
    xmlFreeDoc(doc);
    return out;
}

const json_t *aws_json_at(const json_t *root, const char *dotted)
{
    return fwkx_path(root, dotted);
}

const json_t *aws_as_list(const json_t *value, json_t **owned)
{
    *owned = NULL;
    if (json_is_array(value))
        return value;
    if (!value || json_is_null(value) || (json_is_string(value) && !*json_string_value(value)))
        *owned = json_array();
    else
        *owned = json_pack("[O]", value);
    return *owned;
}
