#include "settings.hpp"

#include "boundary.hpp"

extern "C" {
#include "miscadmin.h"
#include "storage/fd.h"
#include "utils/guc.h"
}

#include <sys/stat.h>

#include <cstdlib>
#include <cstring>

namespace approval_gate {

namespace {

char *actor_value = nullptr;
int max_context_bytes_value = 65536;
int sealer_idle_timeout_value = 2000;
char *audit_key_file_value = nullptr;
char *legacy_audit_key_value = nullptr;
bool legacy_key_configured = false;

// Another copy of this library already defined the settings in this backend: a session that had the
// 1.0 library loaded when ALTER EXTENSION UPDATE brought this one in. Its variables stay the ones in
// force, read by name.
bool defined_by_another_copy = false;

bool check_actor(char **newval, void **, GucSource)
{
    if (*newval && std::strlen(*newval) > max_principal_bytes) {
        GUC_check_errcode(ERRCODE_STRING_DATA_RIGHT_TRUNCATION);
        GUC_check_errmsg("approval_gate.actor is longer than %zu bytes", max_principal_bytes);
        return false;
    }
    return true;
}

bool check_legacy_audit_key(char **newval, void **, GucSource source)
{
    if (*newval && (*newval)[0] != '\0') {
        // A key kept in the configuration (file, ALTER SYSTEM/DATABASE/ROLE) stops sealing until it is
        // removed; a refused SET in a session stored nothing and stops nothing.
        if (source <= PGC_S_DATABASE_USER)
            legacy_key_configured = true;
        GUC_check_errmsg("approval_gate.audit_key is no longer read");
        GUC_check_errdetail("Any login can read it with SHOW until the library is loaded in its session.");
        GUC_check_errhint("Put the key in a file readable only by the server and name it in "
                          "approval_gate.audit_key_file.");
        return false;
    }
    return true;
}

bool exists_as_real_setting(const char *name)
{
    if (GetConfigOption(name, true, false) == nullptr)
        return false;
    return (GetConfigOptionFlags(name, true) & GUC_CUSTOM_PLACEHOLDER) == 0;
}

struct KeyFile {
    bool ok;
    bool too_open;
    char error[256];
    bool too_long;
    char key[1024];
    int length;
};

// C-style: guarded as one unit. A key longer than the buffer is refused, never cut.
void read_key_file(const char *path, KeyFile *out)
{
    struct stat st;
    out->ok = false;
    out->too_open = false;
    out->too_long = false;
    if (stat(path, &st) != 0) {
        snprintf(out->error, sizeof out->error, "%m");
        return;
    }
    if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
        out->too_open = true;
        return;
    }
    FILE *file = AllocateFile(path, "r");
    if (!file) {
        snprintf(out->error, sizeof out->error, "%m");
        return;
    }
    size_t n = fread(out->key, 1, sizeof out->key, file);
    out->too_long = n == sizeof out->key && fgetc(file) != EOF;
    FreeFile(file);
    while (n > 0 && (out->key[n - 1] == '\n' || out->key[n - 1] == '\r'))
        n--;
    out->length = static_cast<int>(n);
    out->ok = true;
}

} // namespace

void define_settings()
{
    if (exists_as_real_setting("approval_gate.actor")) {
        defined_by_another_copy = true;
    } else {
        DefineCustomStringVariable(
            "approval_gate.actor", "The person or agent a trusted proxy acts for (approval_gate_proxy members only).",
            "Sessions whose login is not a member of approval_gate_proxy always act as their login; for them "
            "this setting changes nothing.",
            &actor_value, "", PGC_USERSET, 0, check_actor, nullptr, nullptr);
        // At most 4 MB: canonicalizing holds a parse tree of roughly 100 bytes per JSON value.
        DefineCustomIntVariable("approval_gate.max_context_bytes",
                                "Largest request context accepted, in bytes of JSON text.", nullptr,
                                &max_context_bytes_value, 65536, 2, 4 * 1024 * 1024, PGC_SUSET, GUC_UNIT_BYTE,
                                nullptr, nullptr, nullptr);
        DefineCustomStringVariable("approval_gate.audit_key", "No longer read: see approval_gate.audit_key_file.",
                                   nullptr, &legacy_audit_key_value, "", PGC_SUSET,
                                   GUC_SUPERUSER_ONLY | GUC_NO_SHOW_ALL, check_legacy_audit_key, nullptr, nullptr);
    }
    if (!exists_as_real_setting("approval_gate.audit_key_file"))
        DefineCustomStringVariable("approval_gate.audit_key_file",
                                   "File holding the HMAC-SHA-256 key of the audit chain; empty means plain SHA-256.",
                                   "A path relative to the data directory, or absolute. The file must not be "
                                   "readable by group or others.",
                                   &audit_key_file_value, "", PGC_SIGHUP, GUC_SUPERUSER_ONLY, nullptr, nullptr,
                                   nullptr);
    if (!exists_as_real_setting("approval_gate.sealer_idle_timeout"))
        DefineCustomIntVariable("approval_gate.sealer_idle_timeout",
                                "How long a database's sealer worker waits for new events before it exits.",
                                "A connected worker holds off DROP DATABASE, which waits 5 s for other sessions "
                                "to leave, so keep it below that.",
                                &sealer_idle_timeout_value, 2000, 100, 3600 * 1000, PGC_SIGHUP, GUC_UNIT_MS,
                                nullptr, nullptr, nullptr);
    if (!defined_by_another_copy)
        MarkGUCPrefixReserved("approval_gate");
}

int sealer_idle_timeout_ms() { return sealer_idle_timeout_value; }

std::string actor_setting()
{
    const char *value = defined_by_another_copy ? GetConfigOption("approval_gate.actor", true, false) : actor_value;
    return value ? value : "";  // unguarded above: GetConfigOption with missing_ok cannot raise
}

int max_context_bytes()
{
    if (!defined_by_another_copy)
        return max_context_bytes_value;
    const char *value = GetConfigOption("approval_gate.max_context_bytes", true, false);  // unguarded: missing_ok
    return value ? std::atoi(value) : 65536;
}

std::string audit_key()
{
    if (legacy_key_configured)
        fail(ERRCODE_CONFIG_FILE_ERROR, "approval_gate.audit_key is set, and is no longer read",
             "move the key to a file readable only by the server, name it in approval_gate.audit_key_file, and "
             "remove approval_gate.audit_key");
    if (!audit_key_file_value || audit_key_file_value[0] == '\0')
        return {};
    KeyFile file{};
    guarded(read_key_file, static_cast<const char *>(audit_key_file_value), &file);
    if (file.too_open)
        fail(ERRCODE_CONFIG_FILE_ERROR,
             std::string("audit key file \"") + audit_key_file_value + "\" is readable by group or others",
             "chmod 600 it");
    if (!file.ok)
        fail(ERRCODE_CONFIG_FILE_ERROR,
             std::string("could not read audit key file \"") + audit_key_file_value + "\": " + file.error);
    if (file.too_long)
        fail(ERRCODE_CONFIG_FILE_ERROR,
             std::string("audit key file \"") + audit_key_file_value + "\" is longer than " +
                 std::to_string(sizeof file.key) + " bytes",
             "use a key of 32 to 64 random bytes");
    if (file.length == 0)
        fail(ERRCODE_CONFIG_FILE_ERROR, std::string("audit key file \"") + audit_key_file_value + "\" is empty");
    return std::string(file.key, static_cast<size_t>(file.length));
}

} // namespace approval_gate
