// Text crosses between the database encoding and UTF-8, which every JSON document and hash the
// extension builds is made of.
#pragma once

#include <string>
#include <string_view>

namespace approval_gate {

std::string to_utf8(std::string_view server_text);
std::string from_utf8(std::string_view utf8_text);
// Raises (22021 and kin) when the text has no UTF-8 form: in a SQL_ASCII database any bytes pass.
void require_utf8_form(std::string_view server_text);

} // namespace approval_gate
