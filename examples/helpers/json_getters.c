/* examples/helpers/json_getters.c: read members with fallbacks; name JSON types in messages. */
#include <stdio.h>

#include <fawkes/fwkx.h>

int main(void)
{
    json_t *vm = json_loads("{\"name\": \"web-1\", \"cpus\": 2, \"monthly_cost\": 31.5,"
                            " \"public\": \"yes\", \"labels\": {\"env\": \"prod\"}}",
                            0, NULL);

    printf("name=%s\n", fwkx_str(vm, "name", "(none)"));
    printf("zone=%s\n", fwkx_str(vm, "zone", "(none)")); /* absent: the fallback */
    printf("cpus=%lld\n", (long long)fwkx_int(vm, "cpus", 1));
    printf("cost=%.2f\n", fwkx_num(vm, "monthly_cost", 0));
    printf("public=%d\n", fwkx_bool(vm, "public", -1)); /* a string: the fallback */
    printf("env=%s\n", json_string_value(fwkx_path(vm, "labels.env")));
    printf("\"public\" is %s; expected true, false or null\n",
           fwkx_type_name(json_object_get(vm, "public")));
    json_decref(vm);
    return 0;
}
