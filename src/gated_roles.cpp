#include "gated_roles.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/inval.h"
#include "utils/syscache.h"
}

#include <cstring>
#include <string>

namespace approval_gate {

namespace {

struct Answer {
    bool valid = false;
    Oid role = InvalidOid;
    Oid login = InvalidOid;
    std::string role_names;  // the array's bytes, as the trigger's WHEN passed them
    bool gated = false;
};
Answer last;

void forget_answer(Datum, int, uint32) { last.valid = false; }

bool same_question(Oid role, Oid login, ArrayType *role_names)
{
    return last.valid && last.role == role && last.login == login &&
           last.role_names.size() == VARSIZE(role_names) && memcmp(last.role_names.data(), role_names, VARSIZE(role_names)) == 0;
}

bool ask_catalogs(Oid role, Oid login, ArrayType *role_names)
{
    Datum *elements;
    bool *nulls;
    int count;
    guarded(deconstruct_array, role_names, static_cast<Oid>(NAMEOID), static_cast<int>(NAMEDATALEN), false,
            TYPALIGN_CHAR, &elements, &nulls, &count);
    for (int i = 0; i < count; i++) {
        if (nulls[i])
            continue;
        Oid gated = guarded(get_role_oid, static_cast<const char *>(NameStr(*DatumGetName(elements[i]))), true);
        if (!OidIsValid(gated) || guarded(is_member_of_role_nosuper, role, gated) ||
            guarded(is_member_of_role_nosuper, login, gated))
            return true;
    }
    return false;
}

} // namespace

bool caller_gated(ArrayType *role_names)
{
    Oid role = GetUserId();          // unguarded: reads a variable
    Oid login = GetSessionUserId();  // unguarded: reads a variable
    if (same_question(role, login, role_names))
        return last.gated;
    bool gated = ask_catalogs(role, login, role_names);
    last.valid = false;
    last.role = role;
    last.login = login;
    last.role_names.assign(reinterpret_cast<const char *>(role_names), VARSIZE(role_names));
    last.gated = gated;
    last.valid = true;
    return gated;
}

void register_role_invalidation()
{
    CacheRegisterSyscacheCallback(AUTHOID, forget_answer, (Datum)0);
    CacheRegisterSyscacheCallback(AUTHMEMROLEMEM, forget_answer, (Datum)0);
    // pg_database_owner's members are whoever owns the database now.
    CacheRegisterSyscacheCallback(DATABASEOID, forget_answer, (Datum)0);
}

} // namespace approval_gate
