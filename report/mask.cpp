// Masking a `personal` field for a publicity list (<precept/report.hpp>).
#include <precept/report.hpp>

#include "text_width.hpp"

#include <algorithm>

namespace precept {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// A resident ID card number: 18 characters (17 digits and a digit or X) or the
// old 15 digits.
bool is_id_card(std::string_view text) {
  if (text.size() != 18 && text.size() != 15) return false;
  for (std::size_t i = 0; i + 1 < text.size(); ++i)
    if (!is_digit(text[i])) return false;
  const char last = text.back();
  return is_digit(last) || (text.size() == 18 && (last == 'X' || last == 'x'));
}

// A phone number as registers write them: digits with `-`, `+` or spaces
// (`13812345678`, `0797-5623456`, `+86 138 1234 5678`), at least 7 digits.
bool is_phone(std::string_view text) {
  std::size_t digits = 0;
  for (const char c : text) {
    if (is_digit(c)) ++digits;
    else if (c != '-' && c != '+' && c != ' ') return false;
  }
  return digits >= 7;
}

// The text with the digits outside its first `keep_first` and last
// `keep_last` characters as `*` (separators stay, so the number keeps its shape).
std::string hide_middle(std::string_view text, std::size_t keep_first, std::size_t keep_last) {
  std::string out(text);
  for (std::size_t i = keep_first; i + keep_last < out.size(); ++i)
    if (is_digit(out[i])) out[i] = '*';
  return out;
}

}  // namespace

std::string mask_personal_text(std::string_view text) {
  if (text.empty()) return {};
  if (is_id_card(text)) return hide_middle(text, 6, 4);
  if (is_phone(text)) return hide_middle(text, 3, 4);
  // A name or any other text: its first character (whole, a Chinese one
  // too; a byte that is not UTF-8 on its own), then one `*`, whatever the
  // length, so that the length is not posted either.
  const std::size_t first = std::max<std::size_t>(1, utf8_sequence_length(text, 0));
  return std::string(text.substr(0, first)) + "*";
}

}  // namespace precept
