/* engine.h: what the engine (chains, playbooks, provider calls) needs from its caller: the
   config, the loaded plugins and whether mutations are applied. The CLI fills one from its
   arguments (host/cli/app.h); the engine never sees CLI types. */
#ifndef HOST_ENGINE_H
#define HOST_ENGINE_H

#include <stdbool.h>

#include "config.h"
#include "loader.h"
#include "strlist.h"

typedef struct engine_env {
    const config *cfg;          /* the loaded config (borrowed; never NULL) */
    const plugin_set *plugins;  /* the loaded plugins (borrowed) */
    const strlist *plugin_dirs; /* where plugins were searched, for "not found" errors */
    bool apply;                 /* --apply: chains' playbooks may change things */
} engine_env;

#endif
