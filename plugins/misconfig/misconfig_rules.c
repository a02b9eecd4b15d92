/* misconfig_rules.c: the built-in rules: ids, severities, compliance mappings and remediation. */
#include <string.h>

#include "misconfig.h"

const misconfig_rule misconfig_rules[MISCONFIG_RULE_COUNT] = {
    [MISCONFIG_BUCKET_PUBLIC] =
        {"misconfig.bucket.public",
         FWKX_SEV_CRITICAL,
         "Storage bucket is publicly accessible",
         "Remove public access from the bucket; publish public content through a CDN instead.",
         {{"aws",
           {"CIS-AWS-2.1.5", "AWS-FSBP-S3.8", NULL},
           "Turn on S3 Block Public Access for the bucket (aws s3api put-public-access-block "
           "--bucket NAME --public-access-block-configuration BlockPublicAcls=true,"
           "IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true) and remove "
           "public grants from its bucket policy and ACLs."},
          {"gcp",
           {"CIS-GCP-5.1", NULL},
           "Remove allUsers and allAuthenticatedUsers from the bucket's IAM policy and enforce "
           "public access prevention (gcloud storage buckets update gs://NAME "
           "--public-access-prevention)."},
          {"civo",
           {NULL},
           "Set the object store's bucket ACL back to private through Civo's S3-compatible API "
           "(aws s3api put-bucket-acl --acl private --bucket NAME --endpoint-url "
           "https://objectstore.REGION.civo.com) and remove public bucket policies."},
          {NULL, {NULL}, NULL}}},
    [MISCONFIG_DATABASE_PUBLIC] =
        {"misconfig.database.public",
         FWKX_SEV_CRITICAL,
         "Database instance is reachable from the internet",
         "Move the database to a private network and reach it through a bastion or private link.",
         {{"aws",
           {"CIS-AWS-2.3.3", "AWS-FSBP-RDS.2", NULL},
           "Turn off public accessibility (aws rds modify-db-instance --db-instance-identifier "
           "NAME --no-publicly-accessible --apply-immediately) and keep it in private subnets."},
          {"gcp",
           {"CIS-GCP-6.5", "CIS-GCP-6.6", NULL},
           "Remove the public IP and 0.0.0.0/0 authorized networks (gcloud sql instances patch "
           "NAME --no-assign-ip --clear-authorized-networks); connect over Private Service "
           "Access or the Cloud SQL Auth Proxy."},
          {"civo",
           {NULL},
           "Restrict the database's firewall to your cluster's or office's addresses "
           "(civo database update NAME --firewall FIREWALL) instead of 0.0.0.0/0."},
          {NULL, {NULL}, NULL}}},
    [MISCONFIG_BUCKET_UNENCRYPTED] =
        {"misconfig.bucket.unencrypted",
         FWKX_SEV_HIGH,
         "Storage bucket is not encrypted at rest",
         "Turn on default server-side encryption for the bucket.",
         {{"aws",
           {"CIS-AWS-2.1.1", NULL},
           "Set default encryption (aws s3api put-bucket-encryption --bucket NAME "
           "--server-side-encryption-configuration with SSE-S3 or SSE-KMS)."},
          {"gcp",
           {NULL},
           "Set a default Cloud KMS key on the bucket (gcloud storage buckets update gs://NAME "
           "--default-encryption-key=KEY)."},
          {"civo",
           {NULL},
           "Encrypt objects client-side or with SSE-C before upload; Civo object stores do not "
           "encrypt on the server by default."},
          {NULL, {NULL}, NULL}}},
    [MISCONFIG_VOLUME_UNENCRYPTED] =
        {"misconfig.volume.unencrypted",
         FWKX_SEV_HIGH,
         "Block volume is not encrypted at rest",
         "Replace the volume with an encrypted copy and turn on encryption by default.",
         {{"aws",
           {"CIS-AWS-2.2.1", "AWS-FSBP-EC2.3", NULL},
           "Snapshot the volume, copy the snapshot with --encrypted, create a volume from it and "
           "swap it in; turn on aws ec2 enable-ebs-encryption-by-default in every region."},
          {"gcp",
           {"CIS-GCP-4.7", NULL},
           "Recreate the disk from a snapshot with a customer-managed or customer-supplied key "
           "(gcloud compute disks create --kms-key=KEY --source-snapshot=SNAPSHOT)."},
          {"civo",
           {NULL},
           "Encrypt the filesystem inside the instance (LUKS) before storing sensitive data; "
           "Civo volumes carry no at-rest encryption flag."},
          {NULL, {NULL}, NULL}}},
    [MISCONFIG_DATABASE_UNENCRYPTED] =
        {"misconfig.database.unencrypted",
         FWKX_SEV_HIGH,
         "Database storage is not encrypted at rest",
         "Restore the database into encrypted storage and switch clients over.",
         {{"aws",
           {"CIS-AWS-2.3.1", "AWS-FSBP-RDS.3", NULL},
           "Snapshot the instance, copy the snapshot with a KMS key, restore it as a new "
           "instance (encryption cannot be turned on in place) and switch over."},
          {"gcp",
           {NULL},
           "Create the instance again with a customer-managed key (gcloud sql instances create "
           "--disk-encryption-key=KEY) and migrate with an export/import."},
          {"civo",
           {NULL},
           "Restore a backup into a new database and encrypt sensitive columns in the "
           "application; keep the database off public networks."},
          {NULL, {NULL}, NULL}}},
    [MISCONFIG_FIREWALL_SSH] =
        {"misconfig.firewall.ssh_open",
         FWKX_SEV_HIGH,
         "Firewall allows SSH (22) from the internet",
         "Limit port 22 to known addresses, or use a bastion, VPN or session manager.",
         {{"aws",
           {"CIS-AWS-5.2", "CIS-AWS-5.3", "AWS-FSBP-EC2.13", NULL},
           "Replace the 0.0.0.0/0 and ::/0 sources on port 22 (aws ec2 "
           "revoke-security-group-ingress) with your office or VPN ranges, or use SSM Session "
           "Manager."},
          {"gcp",
           {"CIS-GCP-3.6", NULL},
           "Change the rule's source ranges to your addresses or to 35.235.240.0/20 for "
           "Identity-Aware Proxy TCP forwarding (gcloud compute firewall-rules update NAME "
           "--source-ranges=...)."},
          {"civo",
           {NULL},
           "Replace the rule with one limited to your addresses (civo firewall rule create "
           "FIREWALL --startport 22 --cidr YOUR/32, then civo firewall rule remove)."},
          {NULL, {NULL}, NULL}}},
    [MISCONFIG_FIREWALL_RDP] =
        {"misconfig.firewall.rdp_open",
         FWKX_SEV_HIGH,
         "Firewall allows RDP (3389) from the internet",
         "Limit port 3389 to known addresses, or reach Windows hosts through a VPN or bastion.",
         {{"aws",
           {"CIS-AWS-5.2", "CIS-AWS-5.3", "AWS-FSBP-EC2.14", NULL},
           "Replace the 0.0.0.0/0 and ::/0 sources on port 3389 (aws ec2 "
           "revoke-security-group-ingress) with your VPN ranges, or use Fleet Manager."},
          {"gcp",
           {"CIS-GCP-3.7", NULL},
           "Change the rule's source ranges to your addresses or to IAP's 35.235.240.0/20 "
           "(gcloud compute firewall-rules update NAME --source-ranges=...)."},
          {"civo",
           {NULL},
           "Replace the rule with one limited to your addresses (civo firewall rule create "
           "FIREWALL --startport 3389 --cidr YOUR/32, then civo firewall rule remove)."},
          {NULL, {NULL}, NULL}}},
    [MISCONFIG_FIREWALL_OPEN] =
        {"misconfig.firewall.ingress_open",
         FWKX_SEV_MEDIUM,
         "Firewall allows ingress from the internet",
         "Open only the ports a public service needs, and only to the addresses that need them.",
         {{"aws",
           {"AWS-FSBP-EC2.18", NULL},
           "Narrow the rule to the ports the service serves (e.g. 443) or to known sources "
           "(aws ec2 revoke-security-group-ingress / authorize-security-group-ingress)."},
          {"gcp",
           {NULL},
           "Narrow the rule's ports and source ranges (gcloud compute firewall-rules update NAME "
           "--allow=tcp:443 --source-ranges=...)."},
          {"civo", {NULL}, "Narrow the rule's ports and CIDR (civo firewall rule create/remove)."},
          {NULL, {NULL}, NULL}}},
    [MISCONFIG_LABELS_MISSING] =
        {"misconfig.labels.missing",
         FWKX_SEV_LOW,
         "Resource lacks required labels",
         "Add the missing labels (tags) so the resource has an owner and an environment.",
         {{"aws",
           {NULL},
           "Tag the resource (aws resourcegroupstaggingapi tag-resources --resource-arn-list ARN "
           "--tags owner=TEAM,env=ENV) and enforce tags with an AWS Organizations tag policy."},
          {"gcp",
           {NULL},
           "Label the resource (e.g. gcloud compute instances add-labels NAME "
           "--labels=owner=TEAM,env=ENV)."},
          {"civo",
           {NULL},
           "Tag the resource (civo instance tags NAME owner=TEAM env=ENV), or record the owner "
           "in its name where Civo offers no tags."},
          {NULL, {NULL}, NULL}}},
    [MISCONFIG_INSTANCE_STOPPED] =
        {"misconfig.instance.stopped_cost",
         FWKX_SEV_LOW,
         "Instance stopped for a long time still costs money",
         "Snapshot what you need and delete the instance and its disks, or start using it again.",
         {{"aws",
           {"AWS-FSBP-EC2.4", NULL},
           "Create an AMI or snapshots, then terminate the instance (aws ec2 "
           "terminate-instances) and release its Elastic IPs; stopped instances still pay for "
           "EBS volumes and addresses."},
          {"gcp",
           {NULL},
           "Snapshot the disks, then delete the instance (gcloud compute instances delete NAME); "
           "stopped instances still pay for persistent disks and static IPs."},
          {"civo",
           {NULL},
           "Snapshot it and delete it (civo instance remove NAME): Civo bills stopped instances "
           "at the full hourly rate."},
          {NULL, {NULL}, NULL}}},
};

int misconfig_rule_find(const char *id)
{
    int i;

    for (i = 0; i < MISCONFIG_RULE_COUNT; i++) {
        if (strcmp(misconfig_rules[i].id, id) == 0)
            return i;
    }
    return -1;
}
