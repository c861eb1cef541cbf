#include "guc.hpp"

#include "pg_bridge.hpp"

extern "C" {
#include "miscadmin.h"
#include "utils/guc.h"
}

namespace approval_gate {

namespace {
char *actor_setting = nullptr;
int max_context_bytes_setting = 65536;
char *audit_key_setting = nullptr;
} // namespace

void define_settings()
{
    DefineCustomStringVariable("approval_gate.actor",
                               "Who is acting, as recorded in requested_by and decided_by.",
                               "Empty means session_user. It names the actor only: authorization always uses "
                               "the calling role.",
                               &actor_setting, "", PGC_USERSET, 0, nullptr, nullptr, nullptr);
    // At most 4 MB: canonicalizing holds a parse tree of roughly 100 bytes per JSON value.
    DefineCustomIntVariable("approval_gate.max_context_bytes",
                            "Largest request context accepted, in bytes of JSON text.", nullptr,
                            &max_context_bytes_setting, 65536, 2, 4 * 1024 * 1024, PGC_SUSET, GUC_UNIT_BYTE,
                            nullptr, nullptr, nullptr);
    DefineCustomStringVariable("approval_gate.audit_key",
                               "Key for the HMAC-SHA-256 audit chain; empty means plain SHA-256.", nullptr,
                               &audit_key_setting, "", PGC_SUSET, GUC_SUPERUSER_ONLY | GUC_NO_SHOW_ALL,
                               nullptr, nullptr, nullptr);
    MarkGUCPrefixReserved("approval_gate");
}

std::string current_actor()
{
    if (actor_setting && actor_setting[0] != '\0')
        return actor_setting;
    return pg_call([] { return std::string(GetUserNameFromId(GetSessionUserId(), false)); });
}

int max_context_bytes() { return max_context_bytes_setting; }

const std::string &audit_key()
{
    static std::string key;
    key = audit_key_setting ? audit_key_setting : "";
    return key;
}

} // namespace approval_gate
