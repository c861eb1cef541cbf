// The module: its magic block and what it registers when it loads.
#include "gated_roles.hpp"
#include "installation.hpp"
#include "sealer.hpp"
#include "settings.hpp"

extern "C" {
#include "miscadmin.h"
}

extern "C" {
PG_MODULE_MAGIC;

void _PG_init(void)
{
    approval_gate::define_settings();
    approval_gate::register_invalidation_callbacks();
    approval_gate::register_role_invalidation();
    approval_gate::sealer_register_callbacks();
    if (process_shared_preload_libraries_in_progress)
        approval_gate::sealer_preload();
}
}
