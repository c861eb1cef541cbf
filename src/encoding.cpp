#include "encoding.hpp"

#include "boundary.hpp"

extern "C" {
#include "mb/pg_wchar.h"
}

namespace approval_gate {

namespace {
// pg_server_to_any/pg_any_to_server return their input when no conversion is needed.
std::string copy_result(const char *converted, std::string_view original)
{
    return converted == original.data() ? std::string(original) : std::string(converted);
}
} // namespace

std::string to_utf8(std::string_view server_text)
{
    if (GetDatabaseEncoding() == PG_UTF8)  // unguarded: reads a variable
        return std::string(server_text);
    std::string input(server_text);  // NUL-terminated for the conversion
    char *converted = guarded(pg_server_to_any, static_cast<const char *>(input.c_str()),
                              static_cast<int>(input.size()), static_cast<int>(PG_UTF8));
    return copy_result(converted, input);
}

std::string from_utf8(std::string_view utf8_text)
{
    if (GetDatabaseEncoding() == PG_UTF8)  // unguarded: reads a variable
        return std::string(utf8_text);
    std::string input(utf8_text);
    char *converted = guarded(pg_any_to_server, static_cast<const char *>(input.c_str()),
                              static_cast<int>(input.size()), static_cast<int>(PG_UTF8));
    return copy_result(converted, input);
}

void require_utf8_form(std::string_view server_text)
{
    if (GetDatabaseEncoding() != PG_UTF8)  // unguarded: reads a variable
        (void)to_utf8(server_text);
}

} // namespace approval_gate
