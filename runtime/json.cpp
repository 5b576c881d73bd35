#include "json.hpp"

#include "text_width.hpp"

namespace precept::json {

bool is_valid_utf8(std::string_view text) { return first_invalid_utf8(text) == std::string_view::npos; }

std::string repaired_utf8(std::string_view text) {
  std::string out;
  append_valid_utf8(out, text);
  return out;
}

// Spelled as nlohmann-json's serializer spells a string (ensure_ascii off),
// after the repair: the short escapes \" \\ \b \f \n \r \t, other control
// characters as \u00xx in lower-case hex, each byte that is not part of valid
// UTF-8 as U+FFFD, everything else as it is. One pass, copying the runs that
// need nothing in one piece: this is written for every text of every row of
// `run --format jsonl`.
void append_string(std::string& out, std::string_view text) {
  static const char* hex = "0123456789abcdef";
  out.push_back('"');
  std::size_t copied = 0;  // text[copied, i) is still to be copied as it is
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
      ++i;
      continue;
    }
    if (c >= 0x80) {
      if (const std::size_t length = utf8_sequence_length(text, i); length != 0) {
        i += length;
        continue;
      }
    }
    out.append(text.data() + copied, i - copied);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c >= 0x80) {
          out += "\xEF\xBF\xBD";  // U+FFFD for a byte that is not UTF-8
        } else {
          out += "\\u00";
          out.push_back(hex[c >> 4]);
          out.push_back(hex[c & 15]);
        }
    }
    copied = ++i;
  }
  out.append(text.data() + copied, text.size() - copied);
  out.push_back('"');
}

}  // namespace precept::json
