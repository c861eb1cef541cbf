// Text crosses between the database encoding and UTF-8, which every JSON document and hash the
// extension builds is made of.
#pragma once

#include <string>
#include <string_view>

namespace approval_gate {

std::string to_utf8(std::string_view server_text);
std::string from_utf8(std::string_view utf8_text);

} // namespace approval_gate
