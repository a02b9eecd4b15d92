/* aws_prices.c: the price table behind monthly_cost: on-demand USD per month (730 hours) in
   us-east-1, Linux, for common EC2 instance types, EBS volume types and RDS classes. */
#include <string.h>

#include "aws.h"

const char aws_prices_date[] = "2025-11-01";

#define HOURS_PER_MONTH 730.0

typedef struct aws_price {
    const char *name;
    double usd; /* per hour (instances, classes) or per GiB-month (volumes) */
} aws_price;

static const aws_price instance_prices[] = {
    {"t2.micro", 0.0116},  {"t2.small", 0.023},    {"t2.medium", 0.0464},  {"t2.large", 0.0928},
    {"t3.nano", 0.0052},   {"t3.micro", 0.0104},   {"t3.small", 0.0208},   {"t3.medium", 0.0416},
    {"t3.large", 0.0832},  {"t3.xlarge", 0.1664},  {"t3.2xlarge", 0.3328}, {"t4g.micro", 0.0084},
    {"t4g.small", 0.0168}, {"t4g.medium", 0.0336}, {"t4g.large", 0.0672},  {"m4.large", 0.10},
    {"m5.large", 0.096},   {"m5.xlarge", 0.192},   {"m5.2xlarge", 0.384},  {"m5.4xlarge", 0.768},
    {"m6i.large", 0.096},  {"m6i.xlarge", 0.192},  {"m6i.2xlarge", 0.384}, {"m6g.large", 0.077},
    {"m7i.large", 0.1008}, {"m7g.large", 0.0816},  {"c5.large", 0.085},    {"c5.xlarge", 0.17},
    {"c5.2xlarge", 0.34},  {"c6i.large", 0.085},   {"c6g.large", 0.068},   {"c7g.large", 0.0725},
    {"r5.large", 0.126},   {"r5.xlarge", 0.252},   {"r6i.large", 0.126},   {"r6g.large", 0.1008},
};

static const aws_price volume_prices[] = {
    {"gp3", 0.08},  {"gp2", 0.10},  {"io1", 0.125},     {"io2", 0.125},
    {"st1", 0.045}, {"sc1", 0.015}, {"standard", 0.05},
};

/* Single-AZ per hour; multi-AZ is twice. */
static const aws_price db_prices[] = {
    {"db.t3.micro", 0.017},   {"db.t3.small", 0.034},  {"db.t3.medium", 0.068},
    {"db.t3.large", 0.136},   {"db.t4g.micro", 0.016}, {"db.t4g.small", 0.032},
    {"db.t4g.medium", 0.065}, {"db.m5.large", 0.171},  {"db.m5.xlarge", 0.342},
    {"db.m6g.large", 0.152},  {"db.m6i.large", 0.171}, {"db.r5.large", 0.24},
    {"db.r5.xlarge", 0.48},   {"db.r6g.large", 0.215}, {"db.r6i.large", 0.24},
};

#define DB_STORAGE_GIB_MONTH 0.115

static const aws_price *find(const aws_price *table, size_t count, const char *name)
{
    for (size_t i = 0; name && i < count; i++)
        if (strcmp(table[i].name, name) == 0)
            return &table[i];
    return NULL;
}

static double cents(double usd)
{
    /* rounded only where the cents fit a long long (a size from an answer can be anything) */
    return usd > -1e15 && usd < 1e15 ? (double)(long long)(usd * 100.0 + 0.5) / 100.0 : usd;
}

json_t *aws_price_instance(const char *type, const char *state)
{
    const aws_price *p =
        find(instance_prices, sizeof instance_prices / sizeof instance_prices[0], type);

    if (!p)
        return json_null();
    if (state && strcmp(state, "running") != 0)
        return json_real(0.0); /* a stopped instance bills its volumes only */
    return json_real(cents(p->usd * HOURS_PER_MONTH));
}

json_t *aws_price_volume(const char *type, double gib)
{
    const aws_price *p = find(volume_prices, sizeof volume_prices / sizeof volume_prices[0], type);

    if (!p || gib < 0)
        return json_null();
    return json_real(cents(p->usd * gib));
}

json_t *aws_price_db(const char *cls, bool multi_az, double gib)
{
    const aws_price *p = find(db_prices, sizeof db_prices / sizeof db_prices[0], cls);
    double factor = multi_az ? 2.0 : 1.0;

    if (!p)
        return json_null();
    return json_real(cents(factor * (p->usd * HOURS_PER_MONTH + DB_STORAGE_GIB_MONTH * gib)));
}
