// UTF-8 helpers for lining things up on a terminal: Chinese characters take two
// columns, so byte or code-point counts misalign tables and carets.
#pragma once

#include <precept/text.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace precept {

// Byte offset of the first byte that is not valid UTF-8 (overlong forms,
// surrogates and truncated sequences included), or npos when all of it is valid.
std::size_t first_invalid_utf8(std::string_view text);
// The length of the valid UTF-8 sequence starting at text[at] (1 to 4), or 0
// when the byte there does not start one.
std::size_t utf8_sequence_length(std::string_view text, std::size_t at);
// Appends `text` with every invalid UTF-8 sequence replaced by U+FFFD.
void append_valid_utf8(std::string& out, std::string_view text);

// escape_for_terminal() and display_width(): public, in <precept/text.hpp>.

// Decodes UTF-8 into code points; invalid bytes become U+FFFD.
std::vector<char32_t> utf8_decode(std::string_view text);
std::size_t utf8_length(std::string_view text);
// Byte offset of the code point at `index` (clamped to the end).
std::size_t utf8_offset(std::string_view text, std::size_t index);
// `text` padded with spaces to `width` columns, on the left or the right.
std::string pad_right(std::string_view text, std::size_t width);
std::string pad_left(std::string_view text, std::size_t width);

}  // namespace precept
