// Showing others' text safely: what a program that prints a policy's or a
// register's text (names, labels, village names, file names) needs so that the
// text is shown, never acted on, and lines up in columns. The CLI prints
// everything it did not write itself through escape_for_terminal().
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <sys/types.h>

namespace precept {

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

// The same text for an HTML page, between tags or in a quoted attribute: as
// escape_for_terminal() shows it, with `&`, `<`, `>` and `"` as entities, so
// that it never becomes markup (`<script>`) and hides nothing (a bidi override).
std::string escape_for_html(std::string_view text, LineBreaks line_breaks = LineBreaks::Escape);

// Columns the text occupies on a terminal (East Asian wide and full-width
// characters take 2), for lining up tables and carets.
std::size_t display_width(std::string_view text);

// What a file that is not a regular one is, in words, from its st_mode: "a
// directory", "a named pipe (FIFO)", "a device", ... (for messages that refuse it).
std::string file_kind(mode_t mode);

}  // namespace precept
