/* gcp_price.c: the shipped price table (on-demand list prices of us-central1, USD) for common
   machine types, Cloud SQL tiers and Persistent Disk types; the config's `prices` override it. */
#include <string.h>

#include "gcp.h"

/* Hours in the month Google bills by. */
#define GCP_HOURS_PER_MONTH 730.0

const char gcp_prices_date[] = "2025-06-01";

typedef struct gcp_price {
    const char *name;
    double usd; /* per hour (machines, tiers) or per GB-month (disks) */
} gcp_price;

static const gcp_price gcp_machine_prices[] = {
    {"e2-micro", 0.008376},       {"e2-small", 0.016751},         {"e2-medium", 0.033503},
    {"e2-standard-2", 0.067006},  {"e2-standard-4", 0.134012},    {"e2-standard-8", 0.268024},
    {"e2-standard-16", 0.536048}, {"e2-highmem-2", 0.090370},     {"e2-highmem-4", 0.180740},
    {"e2-highcpu-2", 0.049468},   {"e2-highcpu-4", 0.098936},     {"n1-standard-1", 0.047500},
    {"n1-standard-2", 0.095000},  {"n1-standard-4", 0.190000},    {"n1-standard-8", 0.380000},
    {"n2-standard-2", 0.097118},  {"n2-standard-4", 0.194236},    {"n2-standard-8", 0.388472},
    {"n2-standard-16", 0.776944}, {"n2-highmem-2", 0.131014},     {"n2-highmem-4", 0.262028},
    {"n2d-standard-2", 0.084492}, {"n2d-standard-4", 0.168984},   {"c2-standard-4", 0.208800},
    {"c2-standard-8", 0.417600},  {"t2d-standard-1", 0.042246},   {"t2d-standard-2", 0.084492},
    {"f1-micro", 0.007600},       {"g1-small", 0.025700},         {"db-f1-micro", 0.010500},
    {"db-g1-small", 0.035000},    {"db-n1-standard-1", 0.096500}, {"db-n1-standard-2", 0.193000},
};

static const gcp_price gcp_disk_prices[] = {
    {"pd-standard", 0.040}, {"pd-balanced", 0.100},        {"pd-ssd", 0.170},
    {"pd-extreme", 0.125},  {"hyperdisk-balanced", 0.060},
};

static double lookup(const gcp_price *table, size_t count, const char *name)
{
    for (size_t i = 0; name && i < count; i++)
        if (strcmp(table[i].name, name) == 0)
            return table[i].usd;
    return -1;
}

/* The config's price for `name`, or -1. */
static double configured(const gcp_instance *inst, const char *name)
{
    const json_t *price = name ? json_object_get(inst->prices, name) : NULL;

    return json_is_number(price) ? json_number_value(price) : -1;
}

double gcp_price_machine(const gcp_instance *inst, const char *machine_type)
{
    double usd = configured(inst, machine_type);
    double hourly;

    if (usd >= 0)
        return usd;
    hourly = lookup(gcp_machine_prices, sizeof gcp_machine_prices / sizeof gcp_machine_prices[0],
                    machine_type);
    /* rounded to the cent, as a bill is */
    return hourly < 0 ? -1 : (double)(long)(hourly * GCP_HOURS_PER_MONTH * 100 + 0.5) / 100;
}

double gcp_price_disk(const gcp_instance *inst, const char *disk_type)
{
    double usd = configured(inst, disk_type);

    if (usd >= 0)
        return usd;
    return lookup(gcp_disk_prices, sizeof gcp_disk_prices / sizeof gcp_disk_prices[0], disk_type);
}
