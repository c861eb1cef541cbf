#include "owner_scope.hpp"

#include "installation.hpp"

extern "C" {
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/guc.h"
}

namespace approval_gate {

namespace {

OwnerScope *innermost = nullptr;

void connect_spi()
{
    if (SPI_connect() != SPI_OK_CONNECT)
        elog(ERROR, "approval_gate: SPI_connect failed");
}

void finish_spi()
{
    if (SPI_finish() != SPI_OK_FINISH)
        elog(ERROR, "approval_gate: SPI_finish failed");
}

int pin_path()
{
    int level = NewGUCNestLevel();
    set_config_option("search_path", "pg_catalog, pg_temp", PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0,
                      false);
    return level;
}

void restore_settings(int level) { AtEOXact_GUC(true, level); }

void forbid_seqscan()
{
    set_config_option("enable_seqscan", "off", PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
}

} // namespace

OwnerScope *active_owner_scope() { return innermost; }

OwnerScope::OwnerScope()
{
    // Installation first: it may raise (extension missing, wrong version) before anything is changed.
    Oid owner = installation().owner;
    GetUserIdAndSecContext(&saved_user_, &saved_security_context_);  // unguarded: reads two variables
    guarded(connect_spi);
    outer_ = innermost;
    innermost = this;
    open_ = true;
    SetUserIdAndSecContext(owner, saved_security_context_ | SECURITY_LOCAL_USERID_CHANGE |
                                      SECURITY_RESTRICTED_OPERATION);  // unguarded: assigns two variables
}

OwnerScope::~OwnerScope()
{
    if (!open_)
        return;
    SetUserIdAndSecContext(saved_user_, saved_security_context_);  // unguarded: assigns two variables
    innermost = outer_;
}

void OwnerScope::pin_search_path()
{
    if (guc_nest_level_ < 0)
        guc_nest_level_ = guarded(pin_path);
}

void OwnerScope::plan_by_index()
{
    pin_search_path();
    guarded(forbid_seqscan);
}

void OwnerScope::close()
{
    if (guc_nest_level_ >= 0)
        guarded(restore_settings, guc_nest_level_);
    guc_nest_level_ = -1;
    guarded(finish_spi);
    SetUserIdAndSecContext(saved_user_, saved_security_context_);  // unguarded: assigns two variables
    innermost = outer_;
    open_ = false;
}

} // namespace approval_gate
