// The module: its magic block and what it registers when it loads.
#include "installation.hpp"
#include "settings.hpp"

extern "C" {
PG_MODULE_MAGIC;

void _PG_init(void)
{
    approval_gate::define_settings();
    approval_gate::register_invalidation_callbacks();
}
}
