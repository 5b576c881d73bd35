#include "run_writers.hpp"

#include "format.hpp"

namespace precept {

ResultWriter::ResultWriter(const Program& program, ResultFormat format, bool guard_formulas)
    : program_(program), format_(format), guard_formulas_(guard_formulas), fixed_line_bound_(fixed_line_bound()) {}

std::string ResultWriter::header() const {
  if (format_ != ResultFormat::Csv) return {};
  std::string line;
  for (std::size_t i = 0; i < program_.outputs.size(); ++i) {
    if (i) line.push_back(',');
    append_csv_field(line, program_.outputs[i].name);
  }
  line.push_back('\n');
  return line;
}

void ResultWriter::append(std::string& line, const Machine& machine, std::size_t row) const {
  if (format_ == ResultFormat::Csv) {
    append_csv(line, machine, row);
    return;
  }
  line.push_back('{');
  for (std::size_t i = 0; i < program_.outputs.size(); ++i) {
    const OutputDef& out = program_.outputs[i];
    if (i) line.push_back(',');
    append_json_string(line, out.name);
    line.push_back(':');
    append_value_json(line, program_, out.type, machine, out.reg, row);
  }
  line.append("}\n");
}

// One results line, laid down at once: room for the longest line these
// values can make, then each value written in place. Only text can hold a
// comma, quote or line break, so only text is looked at for quoting.
void ResultWriter::append_csv(std::string& line, const Machine& machine, std::size_t row) const {
  std::size_t room = fixed_line_bound_;
  for (const OutputDef& out : program_.outputs) {
    if (out.type.kind == Kind::Text) room += csv_text_bound(machine.text(out.reg, row));
    else if (out.type.kind == Kind::List) room += list_text_bound(program_, out.type, machine.list(out.reg, row).size());
  }
  const std::size_t start = line.size();
  line.resize(start + room);
  char* p = line.data() + start;
  for (std::size_t i = 0; i < program_.outputs.size(); ++i) {
    const OutputDef& out = program_.outputs[i];
    if (i) *p++ = ',';
    switch (out.type.kind) {
      case Kind::Text: p = write_csv_text(p, machine.text(out.reg, row), guard_formulas_); break;
      case Kind::List: p = write_list_text(p, program_, out.type, machine.list(out.reg, row)); break;
      default: p = write_scalar_text(p, program_, out.type, machine.scalar(out.reg, row)); break;
    }
  }
  *p++ = '\n';
  line.resize(static_cast<std::size_t>(p - line.data()));
}

// The part of a results line's length that does not depend on the row:
// separators, the line end, and every scalar value at its longest.
std::size_t ResultWriter::fixed_line_bound() const {
  std::size_t room = program_.outputs.size() + 1;
  for (const OutputDef& out : program_.outputs)
    if (out.type.kind != Kind::Text && out.type.kind != Kind::List) room += scalar_text_bound(program_, out.type);
  return room;
}

void append_reject(std::string& out, std::uint64_t first_line, const Reject& reject, bool guard_formulas) {
  out += std::to_string(first_line + reject.line);
  out.push_back(',');
  append_csv_text(out, reject.column, guard_formulas);
  out.push_back(',');
  append_csv_text(out, reject_reason(first_line, reject), guard_formulas);
  out.push_back('\n');
}

std::string reject_reason(std::uint64_t first_line, const Reject& reject) {
  return csv_record_problem(first_line + reject.line, reject.span,
                            reject.unclosed_quote_line ? unclosed_quote_problem(first_line + *reject.unclosed_quote_line)
                                                       : reject.reason);
}

}  // namespace precept
