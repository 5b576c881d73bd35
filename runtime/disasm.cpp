#include "disasm.hpp"

#include "format.hpp"

#include "numeric.hpp"
#include "text_width.hpp"
#include "verifier.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <string_view>
#include <utility>
#include <vector>

namespace precept {
namespace {

using Row = std::vector<std::string>;

// Lays out rows in columns; `align` has one letter per column, 'l' or 'r'.
// Widths are display columns, so Chinese names line up too. The last column is
// never padded and trailing blanks are dropped. With `heading`, the first row is
// underlined with dashes (the last column only as far as its heading).
void append_table(std::string& out, std::vector<Row> rows, std::string_view align,
                  std::string_view indent, bool heading = false) {
  std::vector<std::size_t> widths(align.size(), 0);
  for (const Row& row : rows)
    for (std::size_t k = 0; k < row.size() && k < widths.size(); ++k)
      widths[k] = std::max(widths[k], display_width(row[k]));
  if (heading && !rows.empty()) {
    Row rule;
    for (std::size_t k = 0; k < widths.size(); ++k)
      rule.emplace_back(k + 1 == widths.size() ? display_width(rows[0][k]) : widths[k], '-');
    rows.insert(rows.begin() + 1, std::move(rule));
  }
  for (const Row& row : rows) {
    std::string line(indent);
    for (std::size_t k = 0; k < row.size() && k < widths.size(); ++k) {
      if (k > 0) line += "  ";
      const bool last = k + 1 == row.size();
      line += align[k] == 'r' ? pad_left(row[k], widths[k])
              : last          ? row[k]
                              : pad_right(row[k], widths[k]);
    }
    line.erase(line.find_last_not_of(' ') + 1);
    out += line;
    out += '\n';
  }
}

// Strings are shown as JSON strings: escaped, and valid UTF-8 whatever the bytes.
std::string quote(std::string_view text) {
  std::string out;
  append_json_string(out, text);
  return out;
}

std::string_view trim(std::string_view text) {
  const std::size_t begin = text.find_first_not_of(" \t\r");
  if (begin == std::string_view::npos) return {};
  return text.substr(begin, text.find_last_not_of(" \t\r") - begin + 1);
}

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  for (std::size_t start = 0; start <= text.size();) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

class Disassembler {
 public:
  explicit Disassembler(const Program& program)
      : p_(program), source_lines_(split_lines(program.source_text)) {}

  std::string run() {
    std::string out;
    append_header(out);
    out += '\n';
    append_code(out);
    if (!p_.outputs.empty()) {
      out += "\noutputs\n";
      append_outputs(out);
    }
    if (has_summary()) {
      out += "\nsummary\n";
      append_summary(out);
    }
    for (std::size_t i = 0; i < p_.lookups.size(); ++i) append_lookup(out, i);
    if (!p_.arrays.empty()) {
      out += "\narrays (element 0: no row)\n";
      append_arrays(out);
    }
    return out;
  }

 private:
  void append_header(std::string& out) const {
    std::vector<Row> rows = {
        {"policy", p_.policy_name},
        {"place", p_.place},
        {"year", fmt::format("{}", p_.year)},
        {"source", fmt::format("{} (FNV-1a {:016x})", p_.source_file, p_.source_hash)},
        {"registers", fmt::format("{} scalar, {} text, {} list, {} quotient",
                                  p_.scalar_types.size(), p_.text_count, p_.list_types.size(),
                                  p_.quotient_units.size())},
        {"tables", fmt::format("{} fields, {} constants, {} strings, {} instructions",
                               p_.fields.size(), p_.constants.size(), p_.strings.size(),
                               p_.code.size())},
    };
    // Only programs with indexed tables say so, so older listings read as before.
    if (!p_.lookups.empty() || !p_.arrays.empty())
      rows.push_back({"indexes", fmt::format("{} lookups, {} arrays", p_.lookups.size(), p_.arrays.size())});
    append_table(out, std::move(rows), "ll", "");
  }

  void append_code(std::string& out) const {
    std::vector<Row> rows;
    rows.push_back({"addr", "opcode", "A", "B", "C", "x", "y", "synopsis", "line", "source"});
    std::uint32_t previous_line = 0;
    for (std::size_t address = 0; address < p_.code.size(); ++address) {
      const Instruction& ins = p_.code[address];
      const std::uint32_t line = address < p_.code_lines.size() ? p_.code_lines[address] : 0;
      // A policy line compiles to a run of instructions; quoting it once, at the
      // start of its run, keeps the listing readable.
      const bool quote_line = line > 0 && line <= source_lines_.size() && line != previous_line;
      previous_line = line;
      rows.push_back({fmt::format("{}", address), opcode_info(ins.op).name,
                      fmt::format("{}", ins.a), fmt::format("{}", ins.b), fmt::format("{}", ins.c),
                      fmt::format("{}", ins.x), fmt::format("{}", ins.y), synopsis(ins),
                      line > 0 ? fmt::format("{}", line) : "",
                      quote_line ? std::string(trim(source_lines_[line - 1])) : ""});
    }
    append_table(out, std::move(rows), "rlrrrrrlrl", "", true);
  }

  void append_outputs(std::string& out) const {
    std::vector<Row> rows;
    for (const OutputDef& output : p_.outputs)
      rows.push_back({output.name, type_name(p_, output.type),
                      register_label(p_, register_file_of(output.type), output.reg)});
    append_table(out, std::move(rows), "lll", "  ");
  }

  bool has_summary() const {
    const SummarySpec& s = p_.summary;
    return s.population_reg != SummarySpec::kNone || s.poor_reg != SummarySpec::kNone ||
           s.cause_reg != SummarySpec::kNone || s.assistance_reg != SummarySpec::kNone ||
           !s.groups.empty();
  }

  void append_summary(std::string& out) const {
    const SummarySpec& s = p_.summary;
    std::vector<Row> rows;
    const auto add = [&](const char* role, std::uint32_t reg) {
      if (reg != SummarySpec::kNone)
        rows.push_back({role, register_label(p_, RegisterFile::Scalar, reg)});
    };
    add("population", s.population_reg);
    add("poor", s.poor_reg);
    add("cause", s.cause_reg);
    add("assistance", s.assistance_reg);
    for (const SummarySpec::Group& group : s.groups) {
      std::string fields;
      for (std::uint32_t field : group.fields) {
        if (!fields.empty()) fields += ", ";
        fields += field_name(field);
      }
      rows.push_back({"group " + group.name, fields});
    }
    append_table(out, std::move(rows), "ll", "  ");
  }

  // A lookup as the table it indexes: one line per row, `-` for any value.
  void append_lookup(std::string& out, std::size_t index) const {
    const LookupTable& t = p_.lookups[index];
    const std::size_t keys = t.key_types.size();
    out += fmt::format("\n{} ({}, {} rows)\n", lookup_label(static_cast<std::uint32_t>(index)), key_types(t), t.rows);
    std::vector<Row> rows;
    Row heading = {"row"};
    for (std::size_t k = 0; k < keys; ++k)
      heading.push_back(k < t.key_names.size() ? t.key_names[k] : fmt::format("key {}", k + 1));
    rows.push_back(std::move(heading));
    // Drawn only from a well-formed cell list: an unverified one is summarised.
    const bool whole = t.cell_ends.size() == std::size_t{t.rows} * keys &&
                       std::is_sorted(t.cell_ends.begin(), t.cell_ends.end()) &&
                       (t.cell_ends.empty() || t.cell_ends.back() <= t.values.size());
    if (!whole) {
      out += fmt::format("  ({} cells and {} values that do not fit {} rows)\n", t.cell_ends.size(),
                         t.values.size(), t.rows);
      return;
    }
    std::uint32_t begin = 0;
    for (std::size_t r = 0; r < t.rows; ++r) {
      Row row = {fmt::format("{}", r + 1)};
      for (std::size_t k = 0; k < keys; ++k) {
        const std::uint32_t end = t.cell_ends[r * keys + k];
        std::string cell;
        for (std::uint32_t v = begin; v < end; ++v) {
          if (v > begin) cell += ", ";
          cell += format_value(t.key_types[k], t.values[v]);
        }
        row.push_back(begin == end ? "-" : cell);
        begin = end;
      }
      rows.push_back(std::move(row));
    }
    std::string align(keys + 1, 'l');
    align[0] = 'r';
    append_table(out, std::move(rows), align, "  ", true);
  }

  void append_arrays(std::string& out) const {
    std::vector<Row> rows;
    for (std::size_t i = 0; i < p_.arrays.size(); ++i) {
      const ConstantArray& a = p_.arrays[i];
      std::string values;
      for (std::size_t v = 0; v < a.values.size(); ++v) {
        if (v) values += ", ";
        if (a.type.kind == Kind::Text)
          values += a.values[v] >= 0 && static_cast<std::uint64_t>(a.values[v]) < p_.strings.size()
                        ? quote(p_.strings[static_cast<std::size_t>(a.values[v])])
                        : fmt::format("string#{}", a.values[v]);
        else
          values += format_value(a.type, a.values[v]);
      }
      rows.push_back({array_label(static_cast<std::uint32_t>(i)), type_name(p_, a.type), values});
    }
    append_table(out, std::move(rows), "lll", "  ");
  }

  std::string key_types(const LookupTable& t) const {
    std::string out;
    for (std::size_t k = 0; k < t.key_types.size(); ++k) {
      if (k) out += ", ";
      out += type_name(p_, t.key_types[k]);
    }
    return out;
  }

  std::string lookup_label(std::uint32_t index) const {
    return index < p_.lookups.size() ? fmt::format("lookup#{}({})", index, p_.lookups[index].name)
                                     : fmt::format("lookup#{}", index);
  }
  std::string array_label(std::uint32_t index) const {
    return index < p_.arrays.size() ? fmt::format("array#{}({})", index, p_.arrays[index].name)
                                    : fmt::format("array#{}", index);
  }

  std::string field_name(std::uint32_t index) const {
    return index < p_.fields.size() ? p_.fields[index].name : fmt::format("#{}", index);
  }

  // The synopsis with the instruction's values in place of A, B, C, x and y.
  std::string synopsis(const Instruction& ins) const {
    const OpcodeInfo& info = opcode_info(ins.op);
    std::string text = info.synopsis;
    // Immediates first: what the operands expand to (names, strings) may itself
    // contain a lone x or y.
    for (std::size_t at = find_immediate(text, 'x'); at != std::string::npos;
         at = find_immediate(text, 'x', at + 1))
      text.replace(at, 1, fmt::format("{}", ins.x));
    for (std::size_t at = find_immediate(text, 'y'); at != std::string::npos;
         at = find_immediate(text, 'y', at + 1)) {
      const char* mode = rounding_mode_name(static_cast<RoundingMode>(ins.y));
      if (!mode) {
        text.replace(at, 1, fmt::format("{}", ins.y));
        continue;
      }
      // "mode y" reads better as plain "half_even".
      constexpr std::string_view kMode = "mode ";
      const bool after_mode = at >= kMode.size() &&
                              std::string_view(text).substr(at - kMode.size(), kMode.size()) == kMode;
      const std::size_t begin = after_mode ? at - kMode.size() : at;
      text.replace(begin, at + 1 - begin, mode);
      at = begin;
    }
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
      const int k = operand_at(text, i);
      if (k < 0) {
        out += text[i];
        continue;
      }
      // Drop the register-file prefix ("r", "field", ...) already copied.
      while (!out.empty() && out.back() >= 'a' && out.back() <= 'z') out.pop_back();
      out += operand_text(ins, k);
      i += 2;
    }
    return out;
  }

  // 0, 1 or 2 when text[i] starts "[A]", "[B]" or "[C]"; -1 otherwise.
  static int operand_at(std::string_view text, std::size_t i) {
    if (i + 2 >= text.size() || text[i] != '[' || text[i + 2] != ']') return -1;
    const std::size_t k = std::string_view("ABC").find(text[i + 1]);
    return k == std::string_view::npos ? -1 : static_cast<int>(k);
  }

  std::string operand_text(const Instruction& ins, int k) const {
    const char letter = opcode_info(ins.op).operands[k];
    const std::uint32_t value = operand(ins, k);
    // A lookup's key is a run of registers, one per tested column: show them all.
    if (k == 2 && (ins.op == Opcode::LOOKUP_FIRST || ins.op == Opcode::LOOKUP_ALL) && ins.b < p_.lookups.size()) {
      std::string keys;
      for (std::size_t j = 0; j < p_.lookups[ins.b].key_types.size(); ++j) {
        if (j) keys += ", ";
        keys += register_label(p_, RegisterFile::Scalar, static_cast<std::uint32_t>(value + j));
      }
      return "(" + keys + ")";
    }
    if (is_scalar_operand(letter)) return register_label(p_, RegisterFile::Scalar, value);
    switch (letter) {
      case 'T': return register_label(p_, RegisterFile::Text, value);
      case 'L': return register_label(p_, RegisterFile::List, value);
      case 'Q': return register_label(p_, RegisterFile::Quotient, value);
      case 'F': return fmt::format("field[{}]", field_name(value));
      case 'K': return lookup_label(value);
      case 'P': return array_label(value);
      case 'S':
        return value < p_.strings.size() ? quote(p_.strings[value]) : fmt::format("string#{}", value);
      case 'C':
        return value < p_.constants.size() ? constant(ins, p_.constants[value])
                                           : fmt::format("const#{}", value);
      default: return fmt::format("{}", value);
    }
  }

  // A constant is shown as a value of the register it is loaded into.
  std::string constant(const Instruction& ins, std::int64_t value) const {
    const char* letters = opcode_info(ins.op).operands;
    for (int k = 0; k < 3; ++k) {
      const std::uint32_t reg = operand(ins, k);
      if (is_scalar_operand(letters[k]) && reg < p_.scalar_types.size())
        return format_value(p_.scalar_types[reg], value);
    }
    return fmt::format("{}", value);
  }

  std::string format_value(const ValueType& type, std::int64_t value) const {
    std::string out;
    switch (type.kind) {
      case Kind::Bool:
        if (value == 0 || value == 1) return value ? "true" : "false";
        break;
      case Kind::Money: append_money(out, value); return out;
      case Kind::Decimal: append_decimal(out, value); return out;
      case Kind::Date:
        if (value >= kMinDate && value <= kMaxDate) {
          append_date(out, value);
          return out;
        }
        break;
      case Kind::Enum:
        if (type.enum_id < p_.enums.size() && value >= 0 &&
            static_cast<std::uint64_t>(value) < p_.enums[type.enum_id].members.size())
          return p_.enums[type.enum_id].members[static_cast<std::size_t>(value)];
        break;
      default: break;
    }
    append_int(out, value);
    return out;
  }

  const Program& p_;
  std::vector<std::string_view> source_lines_;
};

}  // namespace

std::string disassemble(const Program& program) { return Disassembler(program).run(); }

}  // namespace precept
