// UTF-8 helpers for lining things up on a terminal: Chinese characters take two
// columns, so byte or code-point counts misalign tables and carets.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace precept {

// Byte offset of the first byte that is not valid UTF-8 (overlong forms,
// surrogates and truncated sequences included), or npos when all of it is valid.
std::size_t first_invalid_utf8(std::string_view text);
// Appends `text` with every invalid UTF-8 sequence replaced by U+FFFD.
void append_valid_utf8(std::string& out, std::string_view text);

// Text from a policy or a register as it may be shown on a terminal or in a
// text report, where it must not act: printable characters (Chinese included)
// and backslashes stay as they are; control characters become escapes (`\n`,
// `\r`, `\t`, `\x1b`, DEL `\x7f`), so do C1 controls (`\u009b`), bidi
// controls that reorder what is shown (U+061C, U+200E-U+200F, U+202A-U+202E,
// U+2066-U+2069: `\u202e`) and line separators (U+2028-U+2029); a byte that
// is not UTF-8 becomes `\xff`. Each character is escaped on its own, so the
// escape of a concatenation is the concatenation of the escapes.
// With LineBreaks::Keep a `\n` stays a line break (for text of several lines,
// such as an excerpt of a policy).
enum class LineBreaks { Escape, Keep };
std::string escape_for_terminal(std::string_view text, LineBreaks line_breaks = LineBreaks::Escape);

// Decodes UTF-8 into code points; invalid bytes become U+FFFD.
std::vector<char32_t> utf8_decode(std::string_view text);
std::size_t utf8_length(std::string_view text);
// Columns the text occupies on a terminal (East Asian wide and full-width: 2).
std::size_t display_width(std::string_view text);
// Byte offset of the code point at `index` (clamped to the end).
std::size_t utf8_offset(std::string_view text, std::size_t index);
// `text` padded with spaces to `width` columns, on the left or the right.
std::string pad_right(std::string_view text, std::size_t width);
std::string pad_left(std::string_view text, std::size_t width);

}  // namespace precept
