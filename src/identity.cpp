#include "identity.hpp"

#include "settings.hpp"

extern "C" {
#include "miscadmin.h"
#include "utils/acl.h"
}

namespace approval_gate {

namespace {

bool is_trusted_proxy(Oid login)
{
    Oid proxy = guarded(get_role_oid, proxy_role_name, true);
    // is_member_of_role counts superusers as members of every role, as the contract wants; without
    // the proxy role (dropped by hand), only superusers are trusted.
    return OidIsValid(proxy) ? guarded(is_member_of_role, login, proxy) : guarded(superuser_arg, login);
}

} // namespace

Identity current_identity()
{
    Identity id;
    id.role = GetUserId();              // unguarded: reads a variable
    Oid login = GetSessionUserId();     // unguarded: reads a variable
    id.role_name = guarded(GetUserNameFromId, id.role, false);
    id.login = guarded(GetUserNameFromId, login, false);
    std::string actor = is_trusted_proxy(login) ? actor_setting() : std::string();
    id.principal = actor.empty() ? id.login : actor;
    if (id.principal.size() > max_principal_bytes)
        fail(ERRCODE_STRING_DATA_RIGHT_TRUNCATION,
             "approval_gate.actor is longer than " + std::to_string(max_principal_bytes) + " bytes");
    return id;
}

} // namespace approval_gate
