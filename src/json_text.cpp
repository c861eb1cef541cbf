#include "json_text.hpp"

namespace approval_gate {

std::string json_quote(std::string_view utf8)
{
    static const char hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(utf8.size() + 2);
    out.push_back('"');
    for (unsigned char c : utf8) {
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
            if (c < 0x20) {
                out += "\\u00";
                out.push_back(hex[c >> 4]);
                out.push_back(hex[c & 0xF]);
            } else {
                out.push_back(static_cast<char>(c));
            }
        }
    }
    out.push_back('"');
    return out;
}

std::string json_object(const std::vector<std::pair<std::string_view, std::optional<std::string>>> &members)
{
    std::string out = "{";
    for (const auto &[name, value] : members) {
        if (out.size() > 1)
            out.push_back(',');
        out += json_quote(name);
        out.push_back(':');
        out += value ? json_quote(*value) : "null";
    }
    out.push_back('}');
    return out;
}

} // namespace approval_gate
