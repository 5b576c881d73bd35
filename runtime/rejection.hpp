// Why a household was rejected, worked out once for every place that reports
// it (`run`'s rejects, the Evaluator's Outcome, explanations, the diff): the
// kind (precept::RejectKind), the column or declaration at fault, the policy
// line and the message.
#pragma once

#include <precept/evaluator.hpp>

#include "program.hpp"
#include "vm.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace precept {

struct Rejection {
  RejectKind kind = RejectKind::None;
  std::string column;       // the field at fault, if any ("members" of `require members`)
  std::string declaration;  // the policy's declaration that rejected it, if any ("require members")
  std::uint32_t line = 0;   // that declaration's policy line
  std::string message;
};

// The kind of a row error of the machine.
RejectKind reject_kind(RowError error);

// Row `row` of `machine`, which the program rejected (machine.error(row) is
// not RowError::None), its message in `language`.
Rejection machine_rejection(const Program& program, const Machine& machine, std::size_t row,
                            Language language = Language::English);

// A reason the program carries (a `require`'s or a table's, made by the
// compiler in the catalogue's English: a .pcb runs in any language) in
// `language`. The policy's own words (`require ... "message"`) stay as written.
std::string program_reason_in(const std::string& reason, Language language);

// The file `declaration` (an origin, "rule poor") is written in: for a layered
// policy, the layer's that holds it where the program has its notes (compiled
// from source); otherwise the policy's own file.
std::string declaration_file(const Program& program, std::string_view declaration);

// Why reading `text` as field `field` failed (parse_field_value returned
// false): an empty cell of a required field, a value that is not of the
// field's type, or one that fails its `where` check. Only on the rejecting
// path: it reads the cell again.
RejectKind cell_reject_kind(const Program& program, std::uint32_t field, std::string_view text);

}  // namespace precept
