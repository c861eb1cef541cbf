#include "json_text.hpp"

namespace approval_gate {

namespace {

// Appends in place and copies runs of plain characters at once: this builds every audit event's
// hashed material and every notification payload.
void append_quoted(std::string &out, std::string_view utf8)
{
    static const char hex[] = "0123456789abcdef";
    out.push_back('"');
    size_t plain_from = 0;
    for (size_t i = 0; i < utf8.size(); i++) {
        unsigned char c = static_cast<unsigned char>(utf8[i]);
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        out.append(utf8.data() + plain_from, i - plain_from);
        plain_from = i + 1;
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
            out += "\\u00";
            out.push_back(hex[c >> 4]);
            out.push_back(hex[c & 0xF]);
        }
    }
    out.append(utf8.data() + plain_from, utf8.size() - plain_from);
    out.push_back('"');
}

} // namespace

std::string json_quote(std::string_view utf8)
{
    std::string out;
    out.reserve(utf8.size() + 2);
    append_quoted(out, utf8);
    return out;
}

std::string json_object(const std::vector<std::pair<std::string_view, std::optional<std::string>>> &members)
{
    size_t estimate = 2;
    for (const auto &[name, value] : members)
        estimate += name.size() + (value ? value->size() : 4) + 6;
    std::string out;
    out.reserve(estimate);
    out.push_back('{');
    for (const auto &[name, value] : members) {
        if (out.size() > 1)
            out.push_back(',');
        append_quoted(out, name);
        out.push_back(':');
        if (value)
            append_quoted(out, *value);
        else
            out += "null";
    }
    out.push_back('}');
    return out;
}

} // namespace approval_gate
