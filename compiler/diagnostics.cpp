#include "diagnostics.hpp"

#include "text_width.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <tuple>

namespace precept {

namespace {
std::vector<std::string_view> split_source_lines(std::string_view source) {
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  while (start <= source.size()) {
    std::size_t end = source.find('\n', start);
    if (end == std::string_view::npos) end = source.size();
    std::string_view line = source.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    start = end + 1;
  }
  return lines;
}
}  // namespace

DiagnosticSink::DiagnosticSink(std::string file, std::string_view source, std::size_t max_errors, Language language)
    : file_(std::move(file)),
      lines_(split_source_lines(source)),
      max_errors_(max_errors == 0 ? 1 : max_errors),
      language_(language) {}

std::string_view DiagnosticSink::line_text(std::uint32_t line) const {
  if (line == 0 || line > lines_.size()) return {};
  return lines_[line - 1];
}

std::string_view DiagnosticSink::line_text(const ast::Location& where) const {
  const std::uint16_t file = file_of(where);
  if (file == 0) return line_text(where.line);
  const auto& lines = more_files_[file - 1].lines;
  if (where.line == 0 || where.line > lines.size()) return {};
  return lines[where.line - 1];
}

std::uint16_t DiagnosticSink::add_file(std::string file, std::string_view source) {
  more_files_.push_back({std::move(file), split_source_lines(source)});
  return static_cast<std::uint16_t>(more_files_.size());
}

const std::string& DiagnosticSink::file_name(std::uint16_t file) const {
  return file == 0 || file > more_files_.size() ? file_ : more_files_[file - 1].name;
}

std::uint16_t DiagnosticSink::file_of(const ast::Location& where) const {
  const std::uint16_t file = where.file != 0 ? where.file : current_file_;
  return file > more_files_.size() ? 0 : file;
}

void DiagnosticSink::add(Severity severity, const ast::Location& where, Message message, Message hint) {
  if (!said_.emplace(file_name(file_of(where)), where.line, where.column, message.text).second) return;
  if (severity == Severity::Error) {
    if (error_count_ >= max_errors_) {
      truncated_ = true;
      return;
    }
    ++error_count_;
  }
  Diagnostic d;
  d.severity = severity;
  d.file = file_name(file_of(where));
  d.line = where.line;
  d.column = where.column;
  d.length = std::max<std::uint32_t>(1, where.length);
  if (message.id) d.code = catalogue_entry(*message.id).id;
  d.message = std::move(message.text);
  d.hint = std::move(hint.text);
  d.source_line = std::string(line_text(where));
  diagnostics_.push_back(std::move(d));
}

void DiagnosticSink::error(const ast::Location& where, Message message, Message hint) {
  add(Severity::Error, where, std::move(message), std::move(hint));
}
void DiagnosticSink::warning(const ast::Location& where, Message message, Message hint) {
  add(Severity::Warning, where, std::move(message), std::move(hint));
}
void DiagnosticSink::note(const ast::Location& where, Message message, Message hint) {
  add(Severity::Note, where, std::move(message), std::move(hint));
}

std::vector<Diagnostic> DiagnosticSink::take() {
  // One file's diagnostics together (the compiled file first, then its parents).
  std::vector<std::string> file_order{file_};
  for (const auto& more : more_files_) file_order.push_back(more.name);
  auto rank = [&](const std::string& name) {
    return std::find(file_order.begin(), file_order.end(), name) - file_order.begin();
  };
  std::stable_sort(diagnostics_.begin(), diagnostics_.end(), [&](const auto& a, const auto& b) {
    return std::make_tuple(rank(a.file), a.line, a.column) < std::make_tuple(rank(b.file), b.line, b.column);
  });
  // The checker stops at the limit rather than producing errors to drop, so
  // reaching the limit is itself the sign that more may follow.
  if (truncated_ || error_count_ >= max_errors_) {
    Diagnostic d;
    d.severity = Severity::Note;
    d.file = file_;
    Message stopped = say<MessageId::stopped_after_errors>(max_errors_);
    d.code = catalogue_entry(*stopped.id).id;
    d.message = std::move(stopped.text);
    diagnostics_.push_back(std::move(d));
    truncated_ = false;
  }
  return std::move(diagnostics_);
}

namespace {

// Edits to turn a into b, where swapping two neighbouring letters (`frist`) counts
// as one slip, as a typist makes it (optimal string alignment distance).
std::size_t edit_distance(const std::vector<char32_t>& a, const std::vector<char32_t>& b) {
  const std::size_t width = b.size() + 1;
  std::vector<std::size_t> d((a.size() + 1) * width);
  for (std::size_t i = 0; i <= a.size(); ++i) d[i * width] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i)
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t best = std::min({d[(i - 1) * width + j] + 1, d[i * width + j - 1] + 1,
                                   d[(i - 1) * width + j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        best = std::min(best, d[(i - 2) * width + j - 2] + 1);
      d[i * width + j] = best;
    }
  return d[a.size() * width + b.size()];
}

}  // namespace

std::string closest_name(std::string_view name, const std::vector<std::string>& candidates) {
  const auto target = utf8_decode(name);
  // A typo is a small fraction of the word: one edit in short names, a third in long ones.
  const std::size_t limit = std::max<std::size_t>(1, target.size() / 3);
  std::string best;
  std::size_t best_distance = limit + 1;
  for (const auto& candidate : candidates) {
    if (candidate == name) continue;
    const std::size_t d = edit_distance(target, utf8_decode(candidate));
    if (d < best_distance) {
      best_distance = d;
      best = candidate;
    }
  }
  return best;
}

Message did_you_mean(Language language, std::string_view name, const std::vector<std::string>& candidates) {
  std::string best = closest_name(name, candidates);
  return best.empty() ? Message{} : say<MessageId::did_you_mean>(language, best);
}

// --- rendering (public API) ---

std::string render(const Diagnostic& d, bool color, Language language) {
  const std::string severity = (d.severity == Severity::Error     ? say<MessageId::label_error>(language)
                                : d.severity == Severity::Warning ? say<MessageId::label_warning>(language)
                                                                  : say<MessageId::label_note>(language)).text;
  const std::string hint_label = say<MessageId::render_label>(language, say<MessageId::label_hint>(language)).text;
  // English puts a space after a colon; Chinese, whose colon is full width, none.
  const char* const gap = language == Language::Chinese ? "" : " ";
  const char* tint = !color ? "" : d.severity == Severity::Error ? "\x1b[1;31m"
                                 : d.severity == Severity::Warning ? "\x1b[1;35m" : "\x1b[1;36m";
  const char* bold = color ? "\x1b[1m" : "";
  const char* reset = color ? "\x1b[0m" : "";
  // Everything but our own colours is shown escaped: a policy's text (its file
  // name, a quoted name or string in the message, the source line) must not
  // retitle, clear or reorder the officer's terminal.
  const std::string file = escape_for_terminal(d.file);
  const std::string message = escape_for_terminal(d.message);
  const std::string hint = escape_for_terminal(d.hint);
  std::string out;
  if (d.line > 0) {
    out += fmt::format("{}{}{}{}{}{}{}{}{}{}{}\n", bold, say<MessageId::render_place>(language, file, d.line, d.column),
                       reset, gap, tint, say<MessageId::render_label>(language, severity), reset, gap, bold, message,
                       reset);
    const std::string number = std::to_string(d.line);
    const std::string gutter(number.size(), ' ');
    // A very long line is quoted as a window around the problem, so one error on a
    // generated or pasted line cannot print hundreds of kilobytes.
    constexpr std::size_t kContext = 60;
    std::string_view text = d.source_line;
    std::size_t column = d.column;
    std::string before_window, after_window;
    if (utf8_length(text) > 3 * kContext) {
      const std::size_t first = column > kContext + 1 ? column - 1 - kContext : 0;
      const std::size_t last = column - 1 + std::min<std::size_t>(d.length, kContext) + kContext;
      const std::size_t from = utf8_offset(text, first), to = utf8_offset(text, last);
      if (from > 0) before_window = "…";
      if (to < text.size()) after_window = "…";
      text = text.substr(from, to - from);
      column = column - first;
    }
    // The caret goes under the marked characters as shown: escaped, and with
    // wide (Chinese) characters taking two columns. A tab is layout, shown as
    // four spaces (the column counts it as one character).
    const auto shown = [](std::string_view part) {
      std::string spaced;
      for (const char c : part) spaced += c == '\t' ? std::string("    ") : std::string(1, c);
      return escape_for_terminal(spaced);
    };
    const std::size_t start = utf8_offset(text, column - 1);
    const std::size_t end = utf8_offset(text, column - 1 + d.length);
    const std::string before = before_window + shown(text.substr(0, start));
    const std::string marked_text = shown(text.substr(start, end - start));
    out += fmt::format(" {} | {}{}{}{}\n", number, before, marked_text, shown(text.substr(end)), after_window);
    const std::size_t indent = display_width(before);
    const std::size_t marked = std::max<std::size_t>(1, display_width(marked_text));
    out += fmt::format(" {} | {}{}{}{}{}\n", gutter, std::string(indent, ' '), tint, "^",
                       std::string(marked - 1, '~'), reset);
    if (!hint.empty()) out += fmt::format(" {} = {}{}{}\n", gutter, hint_label, gap, hint);
  } else {
    out += fmt::format("{}{}{}{}{}{}{}{}{}\n", bold, say<MessageId::render_label>(language, file), reset, gap, tint,
                       say<MessageId::render_label>(language, severity), reset, gap, message);
    if (!hint.empty()) out += fmt::format("  = {}{}{}\n", hint_label, gap, hint);
  }
  return out;
}

std::string render(const std::vector<Diagnostic>& diagnostics, bool color, Language language) {
  std::string out;
  for (const auto& d : diagnostics) out += render(d, color, language);
  return out;
}

bool has_errors(const std::vector<Diagnostic>& diagnostics) {
  return std::any_of(diagnostics.begin(), diagnostics.end(),
                     [](const Diagnostic& d) { return d.severity == Severity::Error; });
}

std::string count_errors(const std::vector<Diagnostic>& diagnostics, Language language) {
  const auto errors = std::count_if(diagnostics.begin(), diagnostics.end(),
                                    [](const Diagnostic& d) { return d.severity == Severity::Error; });
  return (errors == 1 ? say<MessageId::count_one_error>(language)
                      : say<MessageId::count_errors>(language, errors)).text;
}

}  // namespace precept
