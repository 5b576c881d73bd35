#include "rejection.hpp"

#include "messages.hpp"

#include <fmt/args.h>
#include <fmt/format.h>

#include <optional>
#include <vector>

namespace precept {

const char* reject_kind_name(RejectKind kind) {
  switch (kind) {
    case RejectKind::None: return "none";
    case RejectKind::RecordMalformed: return "record_malformed";
    case RejectKind::FieldCount: return "field_count";
    case RejectKind::ValueMissing: return "value_missing";
    case RejectKind::ValueUnreadable: return "value_unreadable";
    case RejectKind::BoundFailed: return "bound_failed";
    case RejectKind::RequireFailed: return "require_failed";
    case RejectKind::Overflow: return "overflow";
    case RejectKind::DivisionByZero: return "division_by_zero";
    case RejectKind::NoTableRow: return "no_table_row";
    case RejectKind::SeveralUniqueRows: return "several_unique_rows";
    case RejectKind::UnknownField: return "unknown_field";
    case RejectKind::DuplicateField: return "duplicate_field";
    case RejectKind::DuplicateKey: return "duplicate_key";
  }
  return "none";
}

RejectKind reject_kind(RowError error) {
  switch (error) {
    case RowError::None: return RejectKind::None;
    case RowError::Overflow: return RejectKind::Overflow;
    case RowError::DivisionByZero: return RejectKind::DivisionByZero;
    case RowError::Require: return RejectKind::RequireFailed;
    case RowError::NoRowMatched: return RejectKind::NoTableRow;
    case RowError::TableConflict: return RejectKind::SeveralUniqueRows;
  }
  return RejectKind::None;
}

Rejection machine_rejection(const Program& program, const Machine& machine, std::size_t row, Language language) {
  Rejection out;
  const RowError error = machine.error(row);
  out.kind = reject_kind(error);
  out.message = machine.describe_error(row, language);
  const std::uint32_t pc = machine.error_pc(row);
  if (pc < program.code_lines.size()) out.line = program.code_lines[pc];
  if (pc < program.code_origins.size() && program.code_origins[pc] < program.origins.size())
    out.declaration = program.origins[program.code_origins[pc]];
  // `require members ...` is about the column `members`.
  constexpr std::string_view kRequire = "require ";
  if (error == RowError::Require && out.declaration.starts_with(kRequire))
    out.column = out.declaration.substr(kRequire.size());
  return out;
}

namespace {

// The arguments that make `text` from the catalogue text `pattern` (its
// placeholders {0} ... {n} each standing for some text), or none when it is
// not made from it.
std::optional<std::vector<std::string>> arguments_of(std::string_view text, std::string_view pattern) {
  // The pattern as literal pieces between placeholders, and their numbers.
  std::vector<std::string_view> pieces;
  std::vector<std::size_t> numbers;
  std::size_t start = 0;
  for (std::size_t open = pattern.find('{'); open != std::string_view::npos; open = pattern.find('{', start)) {
    const std::size_t close = pattern.find('}', open);
    pieces.push_back(pattern.substr(start, open - start));
    numbers.push_back(std::stoul(std::string(pattern.substr(open + 1, close - open - 1))));
    start = close + 1;
  }
  pieces.push_back(pattern.substr(start));
  if (!text.starts_with(pieces.front()) || !text.ends_with(pieces.back())) return std::nullopt;
  std::vector<std::string> arguments(numbers.size());
  std::size_t at = pieces.front().size();
  const std::size_t end = text.size() - pieces.back().size();
  if (at > end) return std::nullopt;
  for (std::size_t i = 0; i < numbers.size(); ++i) {
    const bool last = i + 1 == numbers.size();
    const std::size_t next = last ? end : text.find(pieces[i + 1], at);
    if (next == std::string_view::npos || next > end) return std::nullopt;
    arguments[numbers[i]] = std::string(text.substr(at, next - at));
    at = next + (last ? 0 : pieces[i + 1].size());
  }
  return arguments;
}

}  // namespace

std::string program_reason_in(const std::string& reason, Language language) {
  if (language == Language::English) return reason;
  using M = MessageId;
  for (const M id : {M::reject_require_unmet, M::reject_no_table_row, M::reject_no_table_row_smallest,
                     M::reject_no_table_row_largest, M::reject_exceptions_both_hold}) {
    const auto arguments = arguments_of(reason, catalogue_text(id, Language::English));
    if (!arguments) continue;
    fmt::dynamic_format_arg_store<fmt::format_context> store;
    for (const auto& argument : *arguments) store.push_back(argument);
    return fmt::vformat(catalogue_text(id, language), store);
  }
  return reason;
}

std::string declaration_file(const Program& program, std::string_view declaration) {
  // A layered program's source_file names its whole chain: "county.pol
  // (extends province.pol, ...)"; its own file is the first.
  const std::string& source = program.source_file;
  std::string own = source.substr(0, source.find(" (extends "));
  for (const DebugNote& note : program.notes)
    if (note.origin == declaration) return note.file.empty() ? own : note.file;
  return own;
}

}  // namespace precept
