/* test_aws.c: unit tests of the aws provider on the shared fake host: XML answers (as AWS's
   documentation shows them, sparse and empty fields included) to normalized resources,
   security group rules, pages followed by token and marker, IAM documents URL-decoded,
   throttling retried, AWS errors named, cut-short bodies, shared profile files, endpoints. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "aws.h"
#include "fawkes_fake_host.h"

#define ENDPOINT "http://aws.test"
#define ACCOUNT "123456789012"

FWK_PLUGIN_EXPORT const fwk_plugin_descriptor *fawkes_plugin_describe(void);

static fwk_ctx *ctx;
static aws_instance *inst;

static char *data_text(const char *name)
{
    char path[512];
    FILE *f;
    char *text;
    long size;

    snprintf(path, sizeof path, "%s/%s", AWS_TEST_DATA, name);
    f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    size = ftell(f);
    fseek(f, 0, SEEK_SET);
    text = calloc(1, (size_t)size + 1);
    assert_int_equal(fread(text, 1, (size_t)size, f), (size_t)size);
    fclose(f);
    return text;
}

/* An instance on the fake host with one ready account (no STS calls). */
static aws_instance *make_instance(const char *config_text)
{
    const fwk_plugin_descriptor *desc = fawkes_plugin_describe();
    json_t *config = fake_host_json(config_text);
    void *made = NULL;
    aws_instance *made_inst;

    fake_host_set_config(ctx, config);
    assert_int_equal(desc->init(fake_host(), ctx, config, &made), FWK_OK);
    made_inst = made;
    made_inst->account = calloc(1, sizeof *made_inst->account);
    made_inst->account[0].creds.access_key_id = strdup("AKIDEXAMPLE");
    made_inst->account[0].creds.secret_access_key =
        strdup("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
    made_inst->account[0].id = strdup(ACCOUNT);
    made_inst->account_count = 1;
    made_inst->default_region =
        made_inst->default_region ? made_inst->default_region : strdup("us-east-1");
    made_inst->ready = true;
    return made_inst;
}

static int setup(void **state)
{
    (void)state;
    ctx = fake_host_ctx_new();
    inst = make_instance("{\"endpoint\": \"" ENDPOINT "\", \"services\": [\"ec2\", \"s3\", "
                         "\"rds\", \"eks\", \"iam\"], \"global_tasks\": 1, \"throttle_retries\": "
                         "2, \"page_size\": 1000}");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    fawkes_plugin_describe()->fini(inst);
    fake_host_ctx_free(ctx);
    return 0;
}

static const char *s(const json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

static json_t *parse(const char *file, aws_xml_names names)
{
    char *text = data_text(file);
    json_t *doc = aws_xml_parse(inst, ctx, file, text, strlen(text), names);

    assert_non_null(doc);
    free(text);
    return doc;
}

static void test_instances(void **state)
{
    json_t *doc = parse("ec2_instances.xml", AWS_XML_EC2);
    const json_t *reservation =
        json_array_get(aws_json_at(doc, "DescribeInstancesResponse.Reservations"), 0);
    const json_t *list = json_object_get(reservation, "Instances");
    json_t *full = aws_norm_instance(ACCOUNT, "eu-west-1", json_array_get(list, 0));
    json_t *sparse = aws_norm_instance(ACCOUNT, "eu-west-1", json_array_get(list, 1));
    const json_t *a = json_object_get(full, "attributes");

    (void)state;
    assert_int_equal(json_array_size(list), 3);
    assert_true(json_is_array(json_object_get(reservation, "SecurityGroups")));
    assert_string_equal(s(full, "uid"), "aws:" ACCOUNT ":eu-west-1:compute.instance:"
                                        "i-1234567890abcdef0");
    assert_string_equal(s(full, "native_type"), "ec2:instance");
    assert_string_equal(s(full, "name"), "Server_1");
    assert_string_equal(s(full, "state"), "running");
    assert_string_equal(s(full, "created_at"), "2018-05-08T16:46:19Z");
    assert_json_equal(json_object_get(full, "labels"),
                      "{\"Name\": \"Server_1\", \"env\": \"true\"}");
    assert_true(json_is_true(json_object_get(full, "public")));
    assert_true(json_is_null(json_object_get(full, "encrypted")));
    assert_true(json_real_value(json_object_get(full, "monthly_cost")) == 8.47);
    assert_string_equal(s(a, "InstanceType"), "t2.micro");
    assert_string_equal(s(a, "PublicIpAddress"), "54.194.252.215");
    assert_string_equal(s(a, "PublicDnsName"),
                        "ec2-54-194-252-215.eu-west-1.compute.amazonaws.com");
    assert_json_equal(json_object_get(a, "State"), "{\"Code\": 16, \"Name\": \"running\"}");
    assert_json_equal(json_object_get(a, "MetadataOptions"),
                      "{\"State\": \"applied\", \"HttpTokens\": \"optional\","
                      " \"HttpPutResponseHopLimit\": 1, \"HttpEndpoint\": \"enabled\"}");
    assert_json_equal(json_object_get(a, "SecurityGroups"),
                      "[{\"GroupId\": \"sg-e4076980\", \"GroupName\": \"SecurityGroup1\"}]");
    assert_true(json_is_true(json_object_get(a, "SourceDestCheck")));
    assert_json_equal(json_object_get(a, "ProductCodes"), "[]");
    assert_string_equal(
        s(fwkx_path(json_array_get(json_object_get(a, "BlockDeviceMappings"), 0), "Ebs"),
          "VolumeId"),
        "vol-1234567890abcdef0");
    /* stopped, unknown type (cost null), no tags, no public address, no launch time */
    assert_string_equal(s(sparse, "state"), "stopped");
    assert_true(json_is_null(json_object_get(sparse, "name")));
    assert_true(json_is_false(json_object_get(sparse, "public")));
    assert_true(json_is_null(json_object_get(sparse, "created_at")));
    assert_true(json_is_null(json_object_get(sparse, "monthly_cost")));
    assert_int_equal(json_object_size(json_object_get(sparse, "labels")), 0);
    assert_string_equal(s(json_object_get(sparse, "attributes"), "StateTransitionReason"),
                        "User initiated (2018-05-10 09:12:01 GMT)");
    /* no InstanceId: nothing to emit */
    assert_null(aws_norm_instance(ACCOUNT, "eu-west-1", json_array_get(list, 2)));
    json_decref(full);
    json_decref(sparse);
    json_decref(doc);
}

static void test_security_groups(void **state)
{
    json_t *doc = parse("ec2_security_groups.xml", AWS_XML_EC2);
    const json_t *list = aws_json_at(doc, "DescribeSecurityGroupsResponse.SecurityGroups");
    json_t *web = aws_norm_security_group(ACCOUNT, "us-east-1", json_array_get(list, 0));
    json_t *empty = aws_norm_security_group(ACCOUNT, "us-east-1", json_array_get(list, 1));

    (void)state;
    assert_string_equal(s(aws_json_at(doc, "DescribeSecurityGroupsResponse"), "NextToken"),
                        "token-2");
    assert_string_equal(s(web, "name"), "WebServers");
    assert_string_equal(s(web, "native_type"), "ec2:security-group");
    assert_true(json_is_true(json_object_get(web, "public")));
    assert_json_equal(fwkx_path(web, "attributes.rules"),
                      "[{\"id\": \"ingress:tcp:80-80\", \"direction\": \"ingress\", \"protocol\": "
                      "\"tcp\", \"ports\": \"80\","
                      "  \"cidrs\": [\"0.0.0.0/0\", \"::/0\"], \"action\": \"allow\","
                      "  \"groups\": [], \"prefix_lists\": []},"
                      " {\"id\": \"ingress:tcp:3000-3100\", \"direction\": \"ingress\", "
                      "\"protocol\": \"tcp\", \"ports\": "
                      "\"3000-3100\", \"cidrs\": [], \"action\": \"allow\","
                      "  \"groups\": [\"sg-2a2b3c4d\"], \"prefix_lists\": [\"pl-12345678\"]},"
                      " {\"id\": \"ingress:icmp:-1--1\", \"direction\": \"ingress\", \"protocol\": "
                      "\"icmp\", \"ports\": \"all\","
                      "  \"cidrs\": [\"10.0.0.0/8\"], \"action\": \"allow\", \"groups\": [],"
                      "  \"prefix_lists\": []},"
                      " {\"id\": \"egress:-1:all\", \"direction\": \"egress\", \"protocol\": "
                      "\"-1\", \"ports\": \"all\","
                      "  \"cidrs\": [\"0.0.0.0/0\"], \"action\": \"allow\", \"groups\": [],"
                      "  \"prefix_lists\": []}]");
    assert_int_equal(
        json_integer_value(
            fwkx_path(json_array_get(fwkx_path(web, "attributes.IpPermissions"), 0), "FromPort")),
        80);
    assert_json_equal(json_object_get(web, "labels"), "{\"env\": \"prod\"}");
    assert_json_equal(fwkx_path(empty, "attributes.rules"), "[]");
    assert_true(json_is_false(json_object_get(empty, "public")));
    json_decref(web);
    json_decref(empty);
    json_decref(doc);
}

static void test_volumes(void **state)
{
    json_t *doc = parse("ec2_volumes.xml", AWS_XML_EC2);
    const json_t *list = aws_json_at(doc, "DescribeVolumesResponse.Volumes");
    json_t *used = aws_norm_volume(ACCOUNT, "us-east-1", json_array_get(list, 0));
    json_t *data = aws_norm_volume(ACCOUNT, "us-east-1", json_array_get(list, 1));

    (void)state;
    assert_string_equal(s(used, "state"), "in-use");
    assert_true(json_is_false(json_object_get(used, "encrypted")));
    assert_true(json_is_null(json_object_get(used, "created_at"))); /* "YYYY-MM-DD..." */
    assert_true(json_real_value(json_object_get(used, "monthly_cost")) == 8.0);
    assert_int_equal(json_integer_value(fwkx_path(used, "attributes.Size")), 80);
    assert_string_equal(
        s(json_array_get(fwkx_path(used, "attributes.Attachments"), 0), "InstanceId"),
        "i-1234567890abcdef0");
    assert_string_equal(s(data, "name"), "data");
    assert_json_equal(json_object_get(data, "labels"), "{\"Name\": \"data\", \"empty\": \"\"}");
    assert_true(json_is_true(json_object_get(data, "encrypted")));
    assert_string_equal(s(data, "created_at"), "2024-02-29T23:59:59Z");
    assert_json_equal(fwkx_path(data, "attributes.Attachments"), "[]");
    assert_true(json_real_value(json_object_get(data, "monthly_cost")) == 8.0);
    json_decref(used);
    json_decref(data);
    json_decref(doc);
}

static void test_databases(void **state)
{
    json_t *doc = parse("rds_instances.xml", AWS_XML_KEEP);
    const json_t *result =
        aws_json_at(doc, "DescribeDBInstancesResponse.DescribeDBInstancesResult");
    const json_t *list = json_object_get(result, "DBInstances");
    json_t *db = aws_norm_db(ACCOUNT, "us-west-2", json_array_get(list, 0));
    json_t *sparse = aws_norm_db(ACCOUNT, "us-west-2", json_array_get(list, 1));

    (void)state;
    assert_string_equal(s(result, "Marker"), "next-marker");
    assert_int_equal(json_array_size(list), 2);
    assert_string_equal(s(db, "uid"), "aws:" ACCOUNT ":us-west-2:database.instance:mysqlexampledb");
    assert_string_equal(s(db, "state"), "available");
    assert_true(json_is_false(json_object_get(db, "public")));
    assert_true(json_is_true(json_object_get(db, "encrypted")));
    assert_string_equal(s(db, "created_at"), "2014-01-29T22:58:24Z");
    assert_json_equal(json_object_get(db, "labels"), "{\"env\": \"prod\"}");
    assert_int_equal(json_integer_value(fwkx_path(db, "attributes.BackupRetentionPeriod")), 7);
    assert_true(json_is_true(fwkx_path(db, "attributes.MultiAZ")));
    assert_true(json_is_false(fwkx_path(db, "attributes.DeletionProtection")));
    assert_int_equal(json_integer_value(fwkx_path(db, "attributes.Endpoint.Port")), 3306);
    assert_json_equal(fwkx_path(db, "attributes.VpcSecurityGroups"),
                      "[{\"VpcSecurityGroupId\": \"sg-e5e5b0d2\", \"Status\": \"active\"}]");
    /* 2 x (0.171 x 730 + 0.115 x 100) */
    assert_true(json_real_value(json_object_get(db, "monthly_cost")) == 272.66);
    assert_true(json_is_true(json_object_get(sparse, "public")));
    assert_true(json_is_null(json_object_get(sparse, "encrypted")));
    assert_true(json_is_null(json_object_get(sparse, "monthly_cost")));
    assert_json_equal(fwkx_path(sparse, "attributes.TagList"), "[]");
    json_decref(db);
    json_decref(sparse);
    json_decref(doc);
}

static void test_cluster(void **state)
{
    char *text = data_text("eks_cluster.json");
    json_t *doc = fake_host_json(text);
    json_t *c = aws_norm_cluster(ACCOUNT, "us-west-2", json_object_get(doc, "cluster"));
    json_t *bare_item = fake_host_json("{\"name\": \"x\"}");
    json_t *bare = aws_norm_cluster(ACCOUNT, "us-west-2", bare_item);

    (void)state;
    assert_string_equal(s(c, "uid"), "aws:" ACCOUNT ":us-west-2:kubernetes.cluster:devel");
    assert_string_equal(s(c, "state"), "ACTIVE");
    assert_string_equal(s(c, "created_at"), "2018-05-31T23:04:39Z");
    assert_true(json_is_true(json_object_get(c, "public")));
    assert_true(json_is_false(json_object_get(c, "encrypted")));
    assert_json_equal(json_object_get(c, "labels"), "{\"env\": \"dev\"}");
    assert_true(json_is_null(json_object_get(bare, "public")));
    assert_true(json_is_null(json_object_get(bare, "created_at")));
    json_decref(c);
    json_decref(bare);
    json_decref(bare_item);
    json_decref(doc);
    free(text);
}

static void test_bucket(void **state)
{
    json_t *open = fake_host_json(
        "{\"Name\": \"media\", \"BucketRegion\": \"eu-west-2\", \"CreationDate\": "
        "\"2019-12-11T23:32:47.000Z\", \"Acl\": {\"Grants\": [{\"Grantee\": {\"URI\": "
        "\"http://acs.amazonaws.com/groups/global/AllUsers\"}, \"Permission\": \"READ\"}]},"
        " \"PublicAccessBlockConfiguration\": null, \"PolicyStatus\": null,"
        " \"ServerSideEncryptionConfiguration\": {\"Rules\": [{\"ApplyServerSideEncryptionBy"
        "Default\": {\"SSEAlgorithm\": \"AES256\"}}]}, \"Tags\": [{\"Key\": \"env\", "
        "\"Value\": \"prod\"}]}");
    json_t *blocked = json_deep_copy(open);
    json_t *policy = json_deep_copy(open);
    json_t *a, *b, *c;

    (void)state;
    json_object_set_new(blocked, "PublicAccessBlockConfiguration",
                        fake_host_json("{\"IgnorePublicAcls\": true}"));
    json_object_set_new(policy, "Acl", json_null());
    json_object_set_new(policy, "PolicyStatus", fake_host_json("{\"IsPublic\": true}"));
    json_object_set_new(policy, "ServerSideEncryptionConfiguration", json_null());
    a = aws_norm_bucket(ACCOUNT, open);
    b = aws_norm_bucket(ACCOUNT, blocked);
    c = aws_norm_bucket(ACCOUNT, policy);
    assert_string_equal(s(a, "uid"), "aws:" ACCOUNT ":eu-west-2:storage.bucket:media");
    assert_true(json_is_true(json_object_get(a, "public")));
    assert_true(json_is_true(json_object_get(a, "encrypted")));
    assert_json_equal(json_object_get(a, "labels"), "{\"env\": \"prod\"}");
    assert_true(json_is_false(json_object_get(b, "public")));
    assert_true(json_is_true(json_object_get(c, "public")));
    assert_true(json_is_false(json_object_get(c, "encrypted")));
    json_decref(a);
    json_decref(b);
    json_decref(c);
    json_decref(open);
    json_decref(blocked);
    json_decref(policy);
}

/* Request i's form body contains `needle`. */
static void assert_sent(size_t i, const char *needle)
{
    const json_t *request = fake_host_request(ctx, i);
    const char *body = s(request, "body");

    assert_non_null(request);
    if (!body || !strstr(body, needle))
        fail_msg("request %zu: %s lacks %s", i, body ? body : "(no body)", needle);
}

static void push_file(const char *file)
{
    char *text = data_text(file);

    fake_host_push_response(ctx, 200, text);
    free(text);
}

static void test_iam_pages_and_documents(void **state)
{
    json_t *task = fake_host_json("{\"name\": \"iam\", \"account\": 0, \"service\": \"iam\", "
                                  "\"what\": \"policies\", \"share\": 0, \"shares\": 1}");
    const char *tags = "<ListPolicyTagsResponse><ListPolicyTagsResult><Tags><member><Key>owner"
                       "</Key><Value>sec</Value></member></Tags></ListPolicyTagsResult>"
                       "</ListPolicyTagsResponse>";
    const json_t *p;

    (void)state;
    push_file("iam_policies_1.xml");
    push_file("iam_policy_version.xml");
    fake_host_push_response(ctx, 200, tags);
    push_file("iam_policies_2.xml");
    push_file("iam_policy_version.xml");
    fake_host_push_response(ctx, 200,
                            "<ListPolicyTagsResponse><ListPolicyTagsResult><Tags/>"
                            "</ListPolicyTagsResult></ListPolicyTagsResponse>");
    assert_int_equal(aws_run_task(inst, ctx, task), FWK_OK);
    assert_int_equal(json_array_size(fake_host_resources(ctx)), 2);
    assert_sent(0, "Action=ListPolicies&Version=2010-05-08&Scope=Local");
    assert_sent(1, "Action=GetPolicyVersion");
    assert_sent(1, "PolicyArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Apolicy%2FExampleAdmin&"
                   "VersionId=v3");
    assert_sent(3, "Marker=EXAMPLEkakv9BCuUNFDtxWSyfzetYwEx2ADc8dnzfvERF5S6YMvXKx41t6gCl%2F");
    assert_string_equal(s(fake_host_request(ctx, 0), "url"), ENDPOINT "/");
    assert_non_null(strstr(fake_host_request_header(fake_host_request(ctx, 0), "Authorization"),
                           "/us-east-1/iam/aws4_request"));
    p = json_array_get(fake_host_resources(ctx), 0);
    assert_string_equal(s(p, "uid"), "aws:" ACCOUNT ":global:iam.policy:AGPACKCEVSQ6C2EXAMPLE");
    assert_true(json_is_null(json_object_get(p, "region")));
    assert_json_equal(fwkx_path(p, "attributes.Document"),
                      "{\"Version\": \"2012-10-17\", \"Statement\": [{\"Effect\": \"Allow\","
                      " \"Action\": \"*\", \"Resource\": \"*\"}]}");
    assert_int_equal(json_integer_value(fwkx_path(p, "attributes.AttachmentCount")), 2);
    assert_json_equal(json_object_get(p, "labels"), "{\"owner\": \"sec\"}");
    assert_json_equal(json_object_get(json_array_get(fake_host_resources(ctx), 1), "labels"), "{}");
    json_decref(task);
}

static const char *throttled = "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code>"
                               "<Message>Rate exceeded</Message></Error><RequestId>r-1"
                               "</RequestId></ErrorResponse>";

static void test_throttling_retried(void **state)
{
    json_t *task = fake_host_json("{\"name\": \"rds\", \"account\": 0, \"region\": "
                                  "\"us-west-2\", \"service\": \"rds\", \"what\": \"db\"}");

    (void)state;
    fake_host_push_response(ctx, 400, throttled);
    fake_host_push_response(ctx, 200,
                            "<DescribeDBInstancesResponse><DescribeDBInstancesResult>"
                            "<DBInstances/></DescribeDBInstancesResult>"
                            "</DescribeDBInstancesResponse>");
    assert_int_equal(aws_run_task(inst, ctx, task), FWK_OK);
    assert_int_equal(json_array_size(fake_host_requests(ctx)), 2);
    assert_int_equal(fake_host_counter(ctx, "aws.throttled"), 1);
    /* past throttle_retries (2): a failure naming the code */
    fake_host_ctx_clear(ctx);
    for (int i = 0; i < 3; i++)
        fake_host_push_response(ctx, 400, throttled);
    assert_int_equal(aws_run_task(inst, ctx, task), FWK_ERROR);
    assert_string_equal(fake_host_failure(ctx),
                        "rds DescribeDBInstances in us-west-2 (account " ACCOUNT "): HTTP 400 "
                        "Throttling: Rate exceeded (request id r-1); still throttled after "
                        "retries: lower limits.rate");
    json_decref(task);
}

/* rates: {rds: 10}: three pages at least 100 ms apart. */
static void test_rates(void **state)
{
    aws_instance *paced = make_instance("{\"endpoint\": \"" ENDPOINT "\", \"services\": "
                                        "[\"rds\"], \"rates\": {\"rds\": 10}}");
    json_t *task = fake_host_json("{\"name\": \"rds\", \"account\": 0, \"region\": "
                                  "\"us-west-2\", \"service\": \"rds\", \"what\": \"db\"}");
    char body[256];
    int64_t start;

    (void)state;
    for (int i = 1; i <= 2; i++) {
        snprintf(body, sizeof body,
                 "<DescribeDBInstancesResponse><DescribeDBInstancesResult><DBInstances/>"
                 "<Marker>m%d</Marker></DescribeDBInstancesResult>"
                 "</DescribeDBInstancesResponse>",
                 i);
        fake_host_push_response(ctx, 200, body);
    }
    fake_host_push_response(ctx, 200,
                            "<DescribeDBInstancesResponse><DescribeDBInstancesResult>"
                            "<DBInstances/></DescribeDBInstancesResult>"
                            "</DescribeDBInstancesResponse>");
    start = fwkx_clock_mono_ms();
    assert_int_equal(aws_run_task(paced, ctx, task), FWK_OK);
    assert_int_equal(json_array_size(fake_host_requests(ctx)), 3);
    assert_true(fwkx_clock_mono_ms() - start >= 190);
    assert_true(fake_host_counter(ctx, "aws.paced_ms") >= 150);
    assert_sent(1, "&Marker=m1");
    assert_sent(2, "&Marker=m2");
    json_decref(task);
    fawkes_plugin_describe()->fini(paced);
}

static void test_denied_and_cut_short(void **state)
{
    json_t *task = fake_host_json("{\"name\": \"ec2\", \"account\": 0, \"region\": "
                                  "\"eu-west-2\", \"service\": \"ec2\", \"what\": \"volumes\"}");
    const fwk_http_header id = {"x-amzn-RequestId", "7a62c49f"};
    const fake_host_response denied = {
        .status = 403,
        .body = "<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>You are "
                "not authorized to perform this operation.</Message></Error></Errors>"
                "<RequestID>7a62c49f</RequestID></Response>",
        .headers = &id,
        .header_count = 1};

    (void)state;
    fake_host_push(ctx, &denied);
    assert_int_equal(aws_run_task(inst, ctx, task), FWK_ERROR);
    assert_non_null(strstr(fake_host_failure(ctx),
                           "ec2 DescribeVolumes in eu-west-2 (account " ACCOUNT "): HTTP 403 "
                           "UnauthorizedOperation: You are not authorized to perform this "
                           "operation. (request id 7a62c49f); could not evaluate"));
    fake_host_ctx_clear(ctx);
    fake_host_push_response(ctx, 200, "<DescribeVolumesResponse><volumeSet><item><volumeId>v");
    assert_int_equal(aws_run_task(inst, ctx, task), FWK_ERROR);
    assert_non_null(strstr(fake_host_failure(ctx),
                           "ec2 DescribeVolumes in eu-west-2 (account " ACCOUNT
                           "): the answer is not well-formed XML"));
    assert_int_equal(json_array_size(fake_host_resources(ctx)), 0);
    /* an empty answer after it is described as empty, not by the earlier answer's error */
    fake_host_ctx_clear(ctx);
    fake_host_push_response(ctx, 200, "");
    assert_int_equal(aws_run_task(inst, ctx, task), FWK_ERROR);
    assert_non_null(
        strstr(fake_host_failure(ctx), "not well-formed XML (0 bytes; no root element)"));
    assert_null(strstr(fake_host_failure(ctx), "volumeId"));
    json_decref(task);
}

static void test_ec2_pages(void **state)
{
    json_t *task = fake_host_json("{\"name\": \"ec2\", \"account\": 0, \"region\": "
                                  "\"us-east-1\", \"service\": \"ec2\", \"what\": "
                                  "\"security-groups\"}");

    (void)state;
    push_file("ec2_security_groups.xml");
    fake_host_push_response(ctx, 200,
                            "<DescribeSecurityGroupsResponse><securityGroupInfo/>"
                            "</DescribeSecurityGroupsResponse>");
    assert_int_equal(aws_run_task(inst, ctx, task), FWK_OK);
    assert_int_equal(json_array_size(fake_host_resources(ctx)), 2);
    assert_sent(0, "Action=DescribeSecurityGroups&Version=2016-11-15&MaxResults=1000");
    assert_sent(1, "&NextToken=token-2");
    /* a page that repeats its token stops the listing */
    fake_host_ctx_clear(ctx);
    push_file("ec2_security_groups.xml");
    push_file("ec2_security_groups.xml");
    push_file("ec2_security_groups.xml");
    assert_int_equal(aws_run_task(inst, ctx, task), FWK_ERROR);
    assert_non_null(strstr(fake_host_failure(ctx), "page 2 repeats the token"));
    json_decref(task);
}

static void test_regions_and_vpcs(void **state)
{
    json_t *regions = json_array();
    json_t *doc, *vpc;
    const char *vpcs = "<DescribeVpcsResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">"
                       "<vpcSet><item><vpcId>vpc-0a60eb65b4EXAMPLE</vpcId><ownerId>123456789012"
                       "</ownerId><state>available</state><cidrBlock>10.0.0.0/16</cidrBlock>"
                       "<cidrBlockAssociationSet><item><cidrBlock>10.0.0.0/16</cidrBlock>"
                       "</item></cidrBlockAssociationSet><dhcpOptionsId>dopt-19edf471"
                       "</dhcpOptionsId><tagSet><item><key>Name</key><value>prod</value></item>"
                       "</tagSet><instanceTenancy>default</instanceTenancy><isDefault>false"
                       "</isDefault></item></vpcSet></DescribeVpcsResponse>";

    (void)state;
    fake_host_push_response(
        ctx, 200,
        "<DescribeRegionsResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>"
        "r</requestId><regionInfo><item><regionName>eu-west-2</regionName><regionEndpoint>"
        "ec2.eu-west-2.amazonaws.com</regionEndpoint><optInStatus>opt-in-not-required"
        "</optInStatus></item><item><regionName>af-south-1</regionName><optInStatus>"
        "not-opted-in</optInStatus></item><item><regionName>me-south-1</regionName>"
        "<optInStatus>opted-in</optInStatus></item></regionInfo></DescribeRegionsResponse>");
    assert_int_equal(aws_ec2_regions(inst, ctx, regions), FWK_OK);
    assert_json_equal(regions, "[\"eu-west-2\", \"me-south-1\"]");
    assert_sent(0, "Action=DescribeRegions&Version=2016-11-15");
    doc = aws_xml_parse(inst, ctx, "vpcs", vpcs, strlen(vpcs), AWS_XML_EC2);
    vpc = aws_norm_vpc(ACCOUNT, "eu-west-2",
                       json_array_get(aws_json_at(doc, "DescribeVpcsResponse.Vpcs"), 0));
    assert_string_equal(s(vpc, "uid"), "aws:" ACCOUNT ":eu-west-2:network.network:"
                                       "vpc-0a60eb65b4EXAMPLE");
    assert_string_equal(s(vpc, "name"), "prod");
    assert_string_equal(s(vpc, "state"), "available");
    assert_true(json_is_null(json_object_get(vpc, "public")));
    assert_true(json_is_false(fwkx_path(vpc, "attributes.IsDefault")));
    assert_string_equal(s(json_object_get(vpc, "attributes"), "OwnerId"), "123456789012");
    assert_json_equal(fwkx_path(vpc, "attributes.CidrBlockAssociationSet"),
                      "[{\"CidrBlock\": \"10.0.0.0/16\"}]");
    json_decref(vpc);
    json_decref(doc);
    json_decref(regions);
    /* no region at all: a failure that says what to set */
    fake_host_ctx_clear(ctx);
    regions = json_array();
    fake_host_push_response(ctx, 200,
                            "<DescribeRegionsResponse><regionInfo/>"
                            "</DescribeRegionsResponse>");
    assert_int_equal(aws_ec2_regions(inst, ctx, regions), FWK_ERROR);
    assert_non_null(strstr(fake_host_failure(ctx), "set regions: in the config"));
    json_decref(regions);
}

static void test_times(void **state)
{
    json_t *epoch = json_real(1527807879.988), *text = json_string("2014-09-15T17:36:14Z");
    json_t *bad = json_string("15/09/2014"), *a = aws_time(epoch), *b = aws_time(text),
           *c = aws_time(bad), *d = aws_time(NULL);

    (void)state;
    assert_string_equal(json_string_value(a), "2018-05-31T23:04:39Z");
    assert_string_equal(json_string_value(b), "2014-09-15T17:36:14Z");
    assert_true(json_is_null(c) && json_is_null(d));
    json_decref(a);
    json_decref(b);
    json_decref(c);
    json_decref(d);
    json_decref(epoch);
    json_decref(text);
    json_decref(bad);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_profiles(void **state)
{
    char dir[] = "/tmp/aws-profile-XXXXXX", creds[600], config[600];
    json_t *keys = NULL;

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(creds, sizeof creds, "%s/credentials", dir);
    snprintf(config, sizeof config, "%s/config", dir);
    write_file(creds, "# comment\n[default]\naws_access_key_id = AKIDDEFAULT\n"
                      "aws_secret_access_key=secret1\n\n[prod]\nAWS_Access_Key_Id = AKIDPROD \n"
                      "aws_secret_access_key = s2\n");
    write_file(config, "[default]\nregion = eu-west-2\n[profile prod]\nregion = us-east-1\n"
                       "role_arn = arn:aws:iam::210987654321:role/audit\nsource_profile = prod\n"
                       "s3 =\n  max_concurrent_requests = 20\n[prod]\nregion = wrong\n");
    setenv("AWS_SHARED_CREDENTIALS_FILE", creds, 1);
    setenv("AWS_CONFIG_FILE", config, 1);
    assert_int_equal(aws_profile_load(inst, ctx, "prod", &keys), 0);
    assert_json_equal(keys, "{\"aws_access_key_id\": \"AKIDPROD\", \"aws_secret_access_key\": "
                            "\"s2\", \"region\": \"us-east-1\", \"role_arn\": "
                            "\"arn:aws:iam::210987654321:role/audit\", \"source_profile\": "
                            "\"prod\"}");
    json_decref(keys);
    assert_int_equal(aws_profile_load(inst, ctx, "default", &keys), 0);
    assert_string_equal(s(keys, "region"), "eu-west-2");
    json_decref(keys);
    assert_int_equal(aws_profile_load(inst, ctx, "nope", &keys), 1);
    json_decref(keys);
    unsetenv("AWS_SHARED_CREDENTIALS_FILE");
    unsetenv("AWS_CONFIG_FILE");
    unlink(creds);
    unlink(config);
    rmdir(dir);
}

static void test_endpoints(void **state)
{
    aws_instance *plain;
    char *url;

    (void)state;
    url = aws_endpoint(inst, AWS_EC2, "eu-west-2");
    assert_string_equal(url, ENDPOINT);
    free(url);
    plain = make_instance("{\"services\": [\"ec2\"], \"global_tasks\": 1}");
    url = aws_endpoint(plain, AWS_EC2, "eu-west-2");
    assert_string_equal(url, "https://ec2.eu-west-2.amazonaws.com");
    free(url);
    url = aws_endpoint(plain, AWS_IAM, "eu-west-2");
    assert_string_equal(url, "https://iam.amazonaws.com");
    free(url);
    setenv("AWS_ENDPOINT_URL", "http://localhost:4566/", 1);
    setenv("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:9000", 1);
    url = aws_endpoint(plain, AWS_EC2, "eu-west-2");
    assert_string_equal(url, "http://localhost:4566");
    free(url);
    url = aws_endpoint(plain, AWS_S3, "eu-west-2");
    assert_string_equal(url, "http://127.0.0.1:9000");
    free(url);
    unsetenv("AWS_ENDPOINT_URL");
    unsetenv("AWS_ENDPOINT_URL_S3");
    fawkes_plugin_describe()->fini(plain);
}

static void test_config_errors(void **state)
{
    const fwk_plugin_descriptor *desc = fawkes_plugin_describe();
    json_t *lambda = fake_host_json("{\"services\": [\"ec2\", \"lambda\"]}");
    json_t *ftp = fake_host_json("{\"endpoint\": \"ftp://x\", \"services\": []}");
    json_t *rates = fake_host_json("{\"services\": [], \"rates\": {\"ec2\": 0}}");
    void *made = NULL;

    (void)state;
    assert_int_equal(desc->init(fake_host(), ctx, lambda, &made), FWK_ERROR);
    assert_string_equal(fake_host_failure(ctx),
                        "services[1]: expected one of ec2, s3, rds, eks, iam, got \"lambda\"");
    assert_int_equal(desc->init(fake_host(), ctx, ftp, &made), FWK_ERROR);
    assert_non_null(strstr(fake_host_failure(ctx), "endpoint: expected an http:// or https://"));
    assert_int_equal(desc->init(fake_host(), ctx, rates, &made), FWK_ERROR);
    assert_string_equal(fake_host_failure(ctx),
                        "rates.ec2: expected requests per second above 0 (e.g. ec2: 20), got a "
                        "number");
    assert_null(made);
    json_decref(lambda);
    json_decref(ftp);
    json_decref(rates);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_instances, setup, teardown),
        cmocka_unit_test_setup_teardown(test_security_groups, setup, teardown),
        cmocka_unit_test_setup_teardown(test_volumes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_databases, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cluster, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bucket, setup, teardown),
        cmocka_unit_test_setup_teardown(test_iam_pages_and_documents, setup, teardown),
        cmocka_unit_test_setup_teardown(test_throttling_retried, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_denied_and_cut_short, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ec2_pages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_regions_and_vpcs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_times, setup, teardown),
        cmocka_unit_test_setup_teardown(test_profiles, setup, teardown),
        cmocka_unit_test_setup_teardown(test_endpoints, setup, teardown),
        cmocka_unit_test_setup_teardown(test_config_errors, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
