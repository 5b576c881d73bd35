#include "rejection.hpp"

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

Rejection machine_rejection(const Program& program, const Machine& machine, std::size_t row) {
  Rejection out;
  const RowError error = machine.error(row);
  out.kind = reject_kind(error);
  out.message = machine.describe_error(row);
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
