#include "verifier.hpp"

#include <precept/run.hpp>

#include "numeric.hpp"
#include "vm.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <utility>

namespace precept {

bool is_scalar_operand(char letter) {
  return letter != '\0' && std::string_view("BIMDENV").find(letter) != std::string_view::npos;
}

bool is_register_operand(char letter) {
  return is_scalar_operand(letter) || letter == 'T' || letter == 'L' || letter == 'Q';
}

RegisterFile register_file_of_operand(char letter) {
  switch (letter) {
    case 'T': return RegisterFile::Text;
    case 'L': return RegisterFile::List;
    case 'Q': return RegisterFile::Quotient;
    default: return RegisterFile::Scalar;
  }
}

bool writes_operand_a(Opcode op) {
  const char access = opcode_info(op).operands[3];
  return access == 'w' || access == 'u';
}

std::size_t find_immediate(std::string_view synopsis, char letter, std::size_t from) {
  const auto is_word = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  };
  for (std::size_t i = synopsis.find(letter, from); i != std::string_view::npos;
       i = synopsis.find(letter, i + 1)) {
    const bool starts = i == 0 || !is_word(synopsis[i - 1]);
    const bool ends = i + 1 == synopsis.size() || !is_word(synopsis[i + 1]);
    if (starts && ends) return i;
  }
  return std::string_view::npos;
}

std::string type_name(const Program& program, const ValueType& type) {
  const auto enum_name = [&] {
    return type.enum_id < program.enums.size() ? program.enums[type.enum_id].name
                                               : fmt::format("#{}", type.enum_id);
  };
  switch (type.kind) {
    case Kind::Enum: return fmt::format("enum {}", enum_name());
    case Kind::List:
      return type.element == Kind::Enum ? fmt::format("list of enum {}", enum_name())
                                        : fmt::format("list of {}", kind_name(type.element));
    case Kind::Quotient: return fmt::format("quotient of {}", kind_name(type.element));
    default: return kind_name(type.kind);
  }
}

std::string register_label(const Program& program, RegisterFile file, std::uint32_t index) {
  switch (file) {
    case RegisterFile::Scalar:
      if (index < program.scalar_names.size() && !program.scalar_names[index].empty())
        return fmt::format("r{}({})", index, program.scalar_names[index]);
      return fmt::format("r{}", index);
    case RegisterFile::Text: return fmt::format("t{}", index);
    case RegisterFile::List: return fmt::format("l{}", index);
    case RegisterFile::Quotient: return fmt::format("q{}", index);
  }
  return fmt::format("?{}", index);
}

namespace {

bool valid_kind(Kind kind) { return kind <= Kind::Quotient; }
bool is_scalar_kind(Kind kind) { return kind <= Kind::Enum; }

ValueType element_type(const ValueType& list) { return {list.element, Kind::Bool, list.enum_id}; }
ValueType list_type_of(Kind element) { return {Kind::List, element, 0}; }

// The kind a register operand letter demands; nullopt for letters that are not
// one exact scalar kind.
std::optional<Kind> letter_kind(char letter) {
  switch (letter) {
    case 'B': return Kind::Bool;
    case 'I': return Kind::Int;
    case 'M': return Kind::Money;
    case 'D': return Kind::Decimal;
    case 'E': return Kind::Enum;
    default: return std::nullopt;
  }
}

std::string with_article(std::string name) {
  if (name == "money") return "a money value";
  const bool vowel = name.find_first_of("aeiou") == 0;
  return (vowel ? "an " : "a ") + name;
}

// Opcodes whose V/N operands legitimately differ in type; each has its own rule
// in check_special().
bool has_own_type_rule(Opcode op) {
  switch (op) {
    case Opcode::WIDEN:
    case Opcode::DIVIDE:
    case Opcode::MULTIPLY_EXACT:
    case Opcode::QUOTIENT_OF:
    case Opcode::ROUND_QUOTIENT:
    case Opcode::DIVIDE_ROUND: return true;
    default: return false;
  }
}

class Verifier {
 public:
  explicit Verifier(const Program& program) : p_(program) {}

  bool run() {
    return check_limits() && check_enums() && check_fields() && check_params() &&
           check_registers() && check_lookups() && check_arrays() && check_code() &&
           check_outputs() && check_summary() && check_examples() && check_notes() && check_assignment() &&
           check_memory();
  }

  std::string error;

 private:
  template <class... Args>
  bool fail(fmt::format_string<Args...> format, Args&&... args) {
    error = fmt::format(format, std::forward<Args>(args)...);
    return false;
  }
  // Prefixes the instruction being checked, which every code error must name.
  template <class... Args>
  bool bad(fmt::format_string<Args...> format, Args&&... args) {
    error = fmt::format("instruction {} ({}): {}", address_, opcode_info(ins_->op).name,
                        fmt::format(format, std::forward<Args>(args)...));
    return false;
  }

  bool limit(const char* what, std::size_t size, std::size_t max) {
    return size <= max || fail("the program has {} {}; the limit is {}", size, what, max);
  }
  bool check_limits() {
    return limit("instructions", p_.code.size(), kMaxInstructions) &&
           limit("scalar registers", p_.scalar_types.size(), kMaxRegisters) &&
           limit("text registers", p_.text_count, kMaxRegisters) &&
           limit("list registers", p_.list_types.size(), kMaxRegisters) &&
           limit("quotient registers", p_.quotient_units.size(), kMaxRegisters) &&
           limit("fields", p_.fields.size(), kMaxFields) &&
           limit("enums", p_.enums.size(), kMaxTableSize) &&
           limit("params", p_.params.size(), kMaxTableSize) &&
           limit("constants", p_.constants.size(), kMaxTableSize) &&
           limit("strings", p_.strings.size(), kMaxTableSize) &&
           limit("origins", p_.origins.size(), kMaxTableSize) &&
           limit("outputs", p_.outputs.size(), kMaxTableSize) &&
           limit("summary groups", p_.summary.groups.size(), kMaxTableSize) &&
           limit("lookup tables", p_.lookups.size(), kMaxTableSize) &&
           limit("constant arrays", p_.arrays.size(), kMaxTableSize);
  }

  // Empty when `type` is well formed. Parts a kind does not use must be zero, so
  // that ValueType's == is the type equality every check below relies on.
  std::string type_problem(const ValueType& type) const {
    if (!valid_kind(type.kind))
      return fmt::format("kind {} does not exist", static_cast<unsigned>(type.kind));
    if (!valid_kind(type.element))
      return fmt::format("element kind {} does not exist", static_cast<unsigned>(type.element));
    Kind enum_holder = type.kind;
    if (type.kind == Kind::List) {
      if (!is_scalar_kind(type.element))
        return fmt::format("a list's elements must be scalars, not {}", kind_name(type.element));
      enum_holder = type.element;
    } else if (type.kind == Kind::Quotient) {
      if (type.element != Kind::Money && type.element != Kind::Decimal)
        return fmt::format("a quotient's units must be money or decimal, not {}",
                           kind_name(type.element));
    } else if (type.element != Kind::Bool) {
      return fmt::format("{} has an element kind ({}), which it does not use",
                         kind_name(type.kind), kind_name(type.element));
    }
    if (enum_holder == Kind::Enum) {
      if (type.enum_id >= p_.enums.size())
        return fmt::format("enum #{} does not exist (there are {} enums)", type.enum_id,
                           p_.enums.size());
    } else if (type.enum_id != 0) {
      return fmt::format("{} has an enum id ({}), which it does not use",
                         type_name(p_, type), type.enum_id);
    }
    return {};
  }

  // Empty when a scalar of well-formed `type` may hold `value`.
  std::string value_problem(const ValueType& type, std::int64_t value) const {
    switch (type.kind) {
      case Kind::Bool:
        if (value != 0 && value != 1) return fmt::format("{} is not a bool (0 or 1)", value);
        break;
      case Kind::Enum: {
        const EnumDef& def = p_.enums[type.enum_id];
        if (value < 0 || static_cast<std::uint64_t>(value) >= def.members.size())
          return fmt::format("{} is not a member of enum {} (it has {})", value, def.name,
                             def.members.size());
        break;
      }
      case Kind::Date:
        if (value < kMinDate || value > kMaxDate)
          return fmt::format("day {} is outside 1900-01-01 .. 9999-12-31", value);
        break;
      default: break;
    }
    return {};
  }

  bool check_enums() {
    for (std::size_t i = 0; i < p_.enums.size(); ++i) {
      const EnumDef& def = p_.enums[i];
      // Registers start at 0, so member 0 must exist for a fresh enum register
      // to name something.
      if (def.members.empty()) return fail("enum {} ({}) has no members", i, def.name);
      if (def.members.size() > kMaxTableSize)
        return fail("enum {} ({}) has {} members; the limit is {}", i, def.name,
                    def.members.size(), kMaxTableSize);
    }
    return true;
  }

  bool check_fields() {
    for (std::size_t i = 0; i < p_.fields.size(); ++i) {
      const FieldDef& field = p_.fields[i];
      if (std::string problem = type_problem(field.type); !problem.empty())
        return fail("field {} ({}): {}", i, field.name, problem);
      if (field.type.kind == Kind::Quotient)
        return fail("field {} ({}): a record field cannot be a quotient", i, field.name);
      if (field.has_default && field.type.is_scalar())
        if (std::string problem = value_problem(field.type, field.default_scalar); !problem.empty())
          return fail("field {} ({}): the default {}", i, field.name, problem);
      if (static_cast<int>(field.check) >= kFieldCheckCount)
        return fail("field {} ({}): unknown check {}", i, field.name, static_cast<int>(field.check));
      if (field.check != FieldCheck::None && !field.type.is_number() && field.type.kind != Kind::Date)
        return fail("field {} ({}): only numbers and dates can have a `where` check", i, field.name);
    }
    return true;
  }

  bool check_params() {
    for (std::size_t i = 0; i < p_.params.size(); ++i) {
      const ParamDef& param = p_.params[i];
      if (std::string problem = type_problem(param.type); !problem.empty())
        return fail("param {} ({}): {}", i, param.name, problem);
      if (param.type.is_scalar())
        if (std::string problem = value_problem(param.type, param.value); !problem.empty())
          return fail("param {} ({}): the value {}", i, param.name, problem);
    }
    return true;
  }

  bool check_registers() {
    for (std::size_t i = 0; i < p_.scalar_types.size(); ++i) {
      const ValueType& type = p_.scalar_types[i];
      if (std::string problem = type_problem(type); !problem.empty())
        return fail("scalar register r{}: {}", i, problem);
      if (!type.is_scalar())
        return fail("scalar register r{} is declared {}, which is not a scalar", i,
                    type_name(p_, type));
    }
    if (p_.scalar_names.size() > p_.scalar_types.size())
      return fail("there are {} scalar register names but only {} scalar registers",
                  p_.scalar_names.size(), p_.scalar_types.size());
    for (std::size_t i = 0; i < p_.list_types.size(); ++i) {
      const ValueType& type = p_.list_types[i];
      if (std::string problem = type_problem(type); !problem.empty())
        return fail("list register l{}: {}", i, problem);
      if (type.kind != Kind::List)
        return fail("list register l{} is declared {}, which is not a list", i,
                    type_name(p_, type));
    }
    for (std::size_t i = 0; i < p_.quotient_units.size(); ++i) {
      const Kind units = p_.quotient_units[i];
      if (units != Kind::Money && units != Kind::Decimal)
        return fail("quotient register q{} has units {}, but must be money or decimal", i,
                    valid_kind(units) ? kind_name(units) : "that do not exist");
    }
    return true;
  }

  bool check_lookups() {
    for (std::size_t i = 0; i < p_.lookups.size(); ++i) {
      const LookupTable& t = p_.lookups[i];
      const std::size_t keys = t.key_types.size();
      if (keys == 0 || keys > kMaxLookupKeys)
        return fail("lookup {} ({}) tests {} columns; it must test 1 to {}", i, t.name, keys,
                    kMaxLookupKeys);
      if (t.key_names.size() != keys)
        return fail("lookup {} ({}) names {} columns but tests {}", i, t.name, t.key_names.size(), keys);
      for (std::size_t k = 0; k < keys; ++k) {
        if (std::string problem = type_problem(t.key_types[k]); !problem.empty())
          return fail("lookup {} ({}): column {}: {}", i, t.name, k, problem);
        if (!t.key_types[k].is_scalar())
          return fail("lookup {} ({}): column {} is {}, but a lookup tests scalars", i, t.name, k,
                      type_name(p_, t.key_types[k]));
      }
      if (t.rows > kMaxTableSize)
        return fail("lookup {} ({}) has {} rows; the limit is {}", i, t.name, t.rows, kMaxTableSize);
      if (t.cell_ends.size() != std::size_t{t.rows} * keys)
        return fail("lookup {} ({}) has {} cells, but {} rows of {} columns need {}", i, t.name,
                    t.cell_ends.size(), t.rows, keys, std::size_t{t.rows} * keys);
      if (t.values.size() > kMaxLookupEntries)
        return fail("lookup {} ({}) lists {} values; the limit is {}", i, t.name, t.values.size(),
                    kMaxLookupEntries);
      std::uint32_t begin = 0;
      std::size_t entries = 0;
      for (std::size_t row = 0; row < t.rows; ++row) {
        std::size_t combinations = 1;
        for (std::size_t k = 0; k < keys; ++k) {
          const std::uint32_t end = t.cell_ends[row * keys + k];
          if (end < begin || end > t.values.size())
            return fail("lookup {} ({}): the cell of row {} column {} ends at value {}, which is "
                        "not between {} and {}",
                        i, t.name, row + 1, k, end, begin, t.values.size());
          for (std::uint32_t v = begin; v < end; ++v)
            if (std::string problem = value_problem(t.key_types[k], t.values[v]); !problem.empty())
              return fail("lookup {} ({}): row {} column {}: {}", i, t.name, row + 1, k, problem);
          // Saturating: the bound is all that matters.
          combinations = std::min(combinations * std::max<std::size_t>(1, end - begin),
                                  kMaxLookupEntries + 1);
          begin = end;
        }
        entries += combinations;
        if (entries > kMaxLookupEntries)
          return fail("lookup {} ({}) stands for more than {} combinations of values; the limit "
                      "is {}",
                      i, t.name, kMaxLookupEntries, kMaxLookupEntries);
      }
      if (begin != t.values.size())
        return fail("lookup {} ({}) lists {} values, but its cells use {}", i, t.name,
                    t.values.size(), begin);
    }
    return true;
  }

  bool check_arrays() {
    for (std::size_t i = 0; i < p_.arrays.size(); ++i) {
      const ConstantArray& a = p_.arrays[i];
      if (std::string problem = type_problem(a.type); !problem.empty())
        return fail("array {} ({}): {}", i, a.name, problem);
      if (!a.type.is_scalar() && a.type.kind != Kind::Text)
        return fail("array {} ({}) is {}, but an array holds scalars or texts", i, a.name,
                    type_name(p_, a.type));
      if (a.values.empty())
        return fail("array {} ({}) is empty, but element 0 must exist", i, a.name);
      if (a.values.size() > kMaxTableSize + 1)
        return fail("array {} ({}) has {} values; the limit is {}", i, a.name, a.values.size(),
                    kMaxTableSize + 1);
      for (std::size_t v = 0; v < a.values.size(); ++v) {
        if (a.type.kind == Kind::Text) {
          if (a.values[v] < 0 || static_cast<std::uint64_t>(a.values[v]) >= p_.strings.size())
            return fail("array {} ({}): element {} is string {}, but there are {} strings", i,
                        a.name, v, a.values[v], p_.strings.size());
        } else if (std::string problem = value_problem(a.type, a.values[v]); !problem.empty()) {
          return fail("array {} ({}): element {}: {}", i, a.name, v, problem);
        }
      }
    }
    return true;
  }

  bool check_code() {
    const std::size_t n = p_.code.size();
    if (p_.code_lines.size() != n)
      return fail("there are {} instructions but {} code_lines entries", n, p_.code_lines.size());
    if (p_.code_origins.size() != n)
      return fail("there are {} instructions but {} code_origins entries", n,
                  p_.code_origins.size());
    int depth = 0;
    for (address_ = 0; address_ < n; ++address_) {
      ins_ = &p_.code[address_];
      if (static_cast<unsigned>(ins_->op) >= static_cast<unsigned>(kOpcodeCount))
        return fail("instruction {}: opcode {} does not exist", address_,
                    static_cast<unsigned>(ins_->op));
      if (p_.code_origins[address_] >= p_.origins.size())
        return bad("origin {} does not exist (there are {})", p_.code_origins[address_],
                   p_.origins.size());
      if (!check_instruction() || !check_special(depth)) return false;
    }
    if (depth != 0)
      return fail("the code ends inside {} selection(s): a SELECT_IF or SELECT_UNLESS has no "
                  "SELECT_POP",
                  depth);
    return true;
  }

  std::uint32_t operand(int k) const { return precept::operand(*ins_, k); }
  const ValueType& scalar(int k) const { return p_.scalar_types[operand(k)]; }
  std::string label(RegisterFile file, int k) const {
    return register_label(p_, file, operand(k));
  }

  bool check_operand(int k, char letter) {
    const char name = "ABC"[k];
    const std::uint32_t value = operand(k);
    switch (letter) {
      case '_':
        return value == 0 || bad("operand {} is {}, but is unused and must be 0", name, value);
      case 'T': return in_range(k, p_.text_count, "text register t", "text registers");
      case 'L': return in_range(k, p_.list_types.size(), "list register l", "list registers");
      case 'Q':
        return in_range(k, p_.quotient_units.size(), "quotient register q", "quotient registers");
      case 'F': return in_range(k, p_.fields.size(), "field ", "fields");
      case 'C': return in_range(k, p_.constants.size(), "constant ", "constants");
      case 'S': return in_range(k, p_.strings.size(), "string ", "strings");
      case 'K': return in_range(k, p_.lookups.size(), "lookup ", "lookups");
      case 'P': return in_range(k, p_.arrays.size(), "array ", "arrays");
      default: break;
    }
    // Letters are checked at build time (program.cpp), so this is B I M D E N or V.
    if (!in_range(k, p_.scalar_types.size(), "register r", "scalar registers")) return false;
    const ValueType& type = scalar(k);
    const std::optional<Kind> kind = letter_kind(letter);
    if (kind && type.kind != *kind)
      return bad("operand {} is register {}, {}, but must be {}", name,
                 label(RegisterFile::Scalar, k), with_article(type_name(p_, type)),
                 *kind == Kind::Enum ? "an enum" : kind_name(*kind));
    if (letter == 'N' && !type.is_number())
      return bad("operand {} is register {}, {}, but must be a number (int, money or decimal)",
                 name, label(RegisterFile::Scalar, k), with_article(type_name(p_, type)));
    return true;
  }

  bool in_range(int k, std::size_t size, const char* what, const char* plural) {
    return operand(k) < size || bad("operand {} is {}{}, but there are only {} {}", "ABC"[k],
                                    what, operand(k), size, plural);
  }

  bool check_instruction() {
    const OpcodeInfo& info = opcode_info(ins_->op);
    if (ins_->reserved != 0) return bad("the reserved byte is {}, but must be 0", ins_->reserved);
    for (int k = 0; k < 3; ++k)
      if (!check_operand(k, info.operands[k])) return false;

    const bool takes_x = find_immediate(info.synopsis, 'x') != std::string_view::npos;
    const bool takes_y = find_immediate(info.synopsis, 'y') != std::string_view::npos;
    if (!takes_x && ins_->x != 0) return bad("x is {}, but this opcode takes no x", ins_->x);
    if (takes_x && ins_->x > kMaxPowerOfTen)
      return bad("x is {}, more than {} digits", ins_->x, kMaxPowerOfTen);
    if (!takes_y && ins_->y != 0) return bad("y is {}, but this opcode takes no y", ins_->y);
    if (takes_y && ins_->y >= kRoundingModeCount)
      return bad("y is {}, which is not a rounding mode (0 to {})", ins_->y,
                 kRoundingModeCount - 1);

    if (has_own_type_rule(ins_->op)) return true;
    int first = -1;
    for (int k = 0; k < 3; ++k) {
      if (info.operands[k] != 'V' && info.operands[k] != 'N') continue;
      if (first < 0) {
        first = k;
      } else if (scalar(k) != scalar(first)) {
        return same_type_error(first, k);
      }
    }
    return true;
  }

  bool same_type_error(int k1, int k2) {
    return bad("operands {} and {} must have the same type, but {} is {} and {} is {}",
               "ABC"[k1], "ABC"[k2], label(RegisterFile::Scalar, k1), type_name(p_, scalar(k1)),
               label(RegisterFile::Scalar, k2), type_name(p_, scalar(k2)));
  }

  bool check_scales(int result_scale, int computed_scale, const char* formula) {
    if (result_scale == computed_scale) return true;
    return bad("the result has {} decimal places, but {} gives {}", result_scale, formula,
               computed_scale);
  }

  // The rules opcodes.def cannot express with letters alone.
  bool check_special(int& depth) {
    const std::uint32_t a = ins_->a, b = ins_->b;
    const int x = ins_->x;
    const auto scale = [&](int k) { return kind_scale(scalar(k).kind); };
    const auto units = [&](int k) { return p_.quotient_units[operand(k)]; };
    switch (ins_->op) {
      case Opcode::LOAD_FIELD: {
        const FieldDef& field = p_.fields[b];
        if (!field.type.is_scalar() || field.type != p_.scalar_types[a])
          return bad("field {} ({}) is {}, but register {} is {}", b, field.name,
                     type_name(p_, field.type), label(RegisterFile::Scalar, 0),
                     type_name(p_, p_.scalar_types[a]));
        return true;
      }
      case Opcode::LOAD_PRESENT: {
        const FieldDef& field = p_.fields[b];
        if (!field.optional || field.has_default)
          return bad("field {} ({}) is {}, so it is always present", b, field.name,
                     field.optional ? "given a default" : "not optional");
        return true;
      }
      case Opcode::LOAD_TEXT: {
        const FieldDef& field = p_.fields[b];
        if (field.type.kind != Kind::Text)
          return bad("field {} ({}) is {}, but must be text", b, field.name,
                     type_name(p_, field.type));
        return true;
      }
      case Opcode::LOAD_LIST: {
        const FieldDef& field = p_.fields[b];
        if (field.type != p_.list_types[a])
          return bad("field {} ({}) is {}, but {} is {}", b, field.name, type_name(p_, field.type),
                     label(RegisterFile::List, 0), type_name(p_, p_.list_types[a]));
        return true;
      }
      case Opcode::LOAD_CONST:
        if (std::string problem = value_problem(p_.scalar_types[a], p_.constants[b]);
            !problem.empty())
          return bad("constant {} does not fit register {}, {}: {}", b,
                     label(RegisterFile::Scalar, 0), with_article(type_name(p_, scalar(0))),
                     problem);
        return true;
      case Opcode::WIDEN:
        return check_scales(scale(0), scale(1) + x, "r[B] * 10^x");
      case Opcode::DIVIDE:
        return check_scales(kind_scale(units(0)), scale(1) + x - scale(2), "r[B] * 10^x / r[C]");
      case Opcode::MULTIPLY_EXACT:
        return check_scales(kind_scale(units(0)), scale(1) + scale(2) - x, "r[B] * r[C] / 10^x");
      case Opcode::QUOTIENT_OF:
        return check_scales(kind_scale(units(0)), scale(1) + x, "r[B] * 10^x");
      case Opcode::ROUND_QUOTIENT:
        if (scalar(0).kind != units(1))
          return bad("register {} is {}, but quotient {} is in {}", label(RegisterFile::Scalar, 0),
                     type_name(p_, scalar(0)), label(RegisterFile::Quotient, 1),
                     kind_name(units(1)));
        return check_drop(scale(0));
      case Opcode::ROUND_NUMBER: return check_drop(scale(0));
      case Opcode::DIVIDE_ROUND:
        if (scalar(0) != scalar(1)) return same_type_error(0, 1);
        if (scalar(2).kind != Kind::Int)
          return bad("operand C is register {}, {}, but must be int",
                     label(RegisterFile::Scalar, 2), with_article(type_name(p_, scalar(2))));
        return true;
      case Opcode::LT_QUOTIENT:
      case Opcode::LE_QUOTIENT:
      case Opcode::EQ_QUOTIENT:
      case Opcode::NE_QUOTIENT:
        if (units(1) != units(2))
          return bad("quotients {} and {} are in different units ({} and {})",
                     label(RegisterFile::Quotient, 1), label(RegisterFile::Quotient, 2),
                     kind_name(units(1)), kind_name(units(2)));
        return true;
      case Opcode::LIST_APPEND_IF: return check_element(0, 2);
      case Opcode::LIST_CONTAINS: return check_element(1, 2);
      case Opcode::LIST_SUM:
      case Opcode::LIST_MIN:
      case Opcode::LIST_MAX: {
        const ValueType& list = p_.list_types[b];
        if (scalar(0).kind != list.element)
          return bad("register {} is {}, but {} holds {}", label(RegisterFile::Scalar, 0),
                     type_name(p_, scalar(0)), label(RegisterFile::List, 1),
                     type_name(p_, element_type(list)));
        return true;
      }
      case Opcode::LOOKUP_ALL:
        if (p_.list_types[a] != list_type_of(Kind::Int))
          return bad("{} is {}, but the rows of a lookup are a list of int",
                     label(RegisterFile::List, 0), type_name(p_, p_.list_types[a]));
        return check_keys();
      case Opcode::LOOKUP_FIRST: return check_keys();
      case Opcode::TABLE_CONFLICT:
        if (x > 1) return bad("x is {}, but a table conflict is of kind 0 (unique) or 1 (any)", x);
        return true;
      case Opcode::PICK:
        if (p_.arrays[b].type != scalar(0))
          return bad("array {} ({}) holds {}, but register {} is {}", b, p_.arrays[b].name,
                     type_name(p_, p_.arrays[b].type), label(RegisterFile::Scalar, 0),
                     type_name(p_, scalar(0)));
        return true;
      case Opcode::PICK_TEXT:
        if (p_.arrays[b].type.kind != Kind::Text)
          return bad("array {} ({}) holds {}, but must hold texts", b, p_.arrays[b].name,
                     type_name(p_, p_.arrays[b].type));
        return true;
      case Opcode::PICK_LIST:
        if (element_type(p_.list_types[a]) != p_.arrays[b].type)
          return bad("{} holds {}, but array {} ({}) holds {}", label(RegisterFile::List, 0),
                     type_name(p_, element_type(p_.list_types[a])), b, p_.arrays[b].name,
                     type_name(p_, p_.arrays[b].type));
        if (p_.list_types[ins_->c] != list_type_of(Kind::Int))
          return bad("{} is {}, but must be a list of row numbers (int)",
                     label(RegisterFile::List, 2), type_name(p_, p_.list_types[ins_->c]));
        return true;
      case Opcode::SELECT_IF:
      case Opcode::SELECT_UNLESS:
        if (++depth > kMaxSelectionDepth)
          return bad("selections nest deeper than {}", kMaxSelectionDepth);
        return true;
      case Opcode::SELECT_POP:
        if (--depth < 0) return bad("there is no selection to restore");
        return true;
      default: return true;
    }
  }

  // LOOKUP_*: r[C] and the registers after it hold the household's value for
  // each tested column, in the lookup's order and types.
  bool check_keys() {
    const LookupTable& t = p_.lookups[ins_->b];
    const std::size_t first = ins_->c;
    if (first + t.key_types.size() > p_.scalar_types.size())
      return bad("lookup {} ({}) tests {} columns, but registers r{} on are only {}", ins_->b,
                 t.name, t.key_types.size(), first, p_.scalar_types.size() - first);
    for (std::size_t k = 0; k < t.key_types.size(); ++k)
      if (p_.scalar_types[first + k] != t.key_types[k])
        return bad("lookup {} ({}) tests {} in column {}, but register {} is {}", ins_->b, t.name,
                   type_name(p_, t.key_types[k]), k,
                   register_label(p_, RegisterFile::Scalar, static_cast<std::uint32_t>(first + k)),
                   type_name(p_, p_.scalar_types[first + k]));
    return true;
  }

  bool check_drop(int scale) {
    if (ins_->x <= scale) return true;
    return bad("drops {} digits, but the result has only {} decimal places", ins_->x, scale);
  }

  bool check_element(int list_operand, int value_operand) {
    const ValueType& list = p_.list_types[operand(list_operand)];
    if (element_type(list) == scalar(value_operand)) return true;
    return bad("{} holds {}, but register {} is {}", label(RegisterFile::List, list_operand),
               type_name(p_, element_type(list)), label(RegisterFile::Scalar, value_operand),
               type_name(p_, scalar(value_operand)));
  }

  bool check_outputs() {
    for (std::size_t i = 0; i < p_.outputs.size(); ++i) {
      const OutputDef& output = p_.outputs[i];
      if (std::string problem = type_problem(output.type); !problem.empty())
        return fail("output {} ({}): {}", i, output.name, problem);
      const RegisterFile file = register_file_of(output.type);
      const std::optional<ValueType> declared = declared_type(file, output.reg);
      if (!declared)
        return fail("output {} ({}) is register {}, which does not exist", i, output.name,
                    register_label(p_, file, output.reg));
      if (*declared != output.type)
        return fail("output {} ({}) is {}, but register {} is {}", i, output.name,
                    type_name(p_, output.type), register_label(p_, file, output.reg),
                    type_name(p_, *declared));
    }
    return true;
  }

  // An example's household has one cell per field; what it expects is text.
  bool check_examples() {
    if (!limit("examples", p_.examples.size(), kMaxTableSize)) return false;
    for (std::size_t i = 0; i < p_.examples.size(); ++i) {
      const ExampleDef& example = p_.examples[i];
      if (example.cells.size() != p_.fields.size())
        return fail("example {} ({}) gives {} values, but the record has {} fields", i, example.label,
                    example.cells.size(), p_.fields.size());
      if (example.expect.size() > kMaxTableSize)
        return fail("example {} ({}) expects {} values; the limit is {}", i, example.label, example.expect.size(),
                    kMaxTableSize);
    }
    return true;
  }

  // The explanation notes (DebugNote): an explanation reads every register a
  // note names with the note's type, so each must exist and have that type,
  // as an output's must. Branches, guards and rows are truths; a lookup's note
  // holds its row number (first) or row numbers (all).
  bool check_notes() {
    if (!limit("explanation notes", p_.notes.size(), kMaxTableSize)) return false;
    for (std::size_t i = 0; i < p_.notes.size(); ++i) {
      const DebugNote& note = p_.notes[i];
      const auto register_problem = [&](const char* role, const ValueType& type, std::uint32_t reg) -> std::string {
        if (std::string problem = type_problem(type); !problem.empty()) return fmt::format("{}: {}", role, problem);
        const RegisterFile file = register_file_of(type);
        const std::optional<ValueType> declared = declared_type(file, reg);
        if (!declared)
          return fmt::format("{} is register {}, which does not exist", role, register_label(p_, file, reg));
        if (*declared != type)
          return fmt::format("{} is {}, but register {} is {}", role, type_name(p_, type),
                             register_label(p_, file, reg), type_name(p_, *declared));
        return {};
      };
      const auto bad_note = [&](const std::string& problem) {
        return fail("explanation note {} ({}): {}", i, note.name, problem);
      };
      if (note.what > DebugNote::What::Output)
        return bad_note(fmt::format("kind {} does not exist", static_cast<unsigned>(note.what)));
      if (note.uses.size() > kMaxTableSize)
        return bad_note(fmt::format("it names {} uses; the limit is {}", note.uses.size(), kMaxTableSize));
      if (std::string problem = register_problem("its value", note.type, note.reg); !problem.empty())
        return bad_note(problem);
      const Kind kind = note.type.kind;
      switch (note.what) {
        case DebugNote::What::Compare:
        case DebugNote::What::Branch:
        case DebugNote::What::Guard:
        case DebugNote::What::Row:
          if (kind != Kind::Bool) return bad_note(fmt::format("its value is {}, but must be bool", kind_name(kind)));
          break;
        case DebugNote::What::LookupFirst:
          if (kind != Kind::Int) return bad_note(fmt::format("its value is {}, but must be int", kind_name(kind)));
          break;
        case DebugNote::What::LookupAll:
          if (kind != Kind::List || note.type.element != Kind::Int)
            return bad_note(fmt::format("its value is {}, but must be a list of int", type_name(p_, note.type)));
          break;
        default: break;
      }
      if (note.what != DebugNote::What::Compare) continue;
      if (std::string problem = register_problem("its left operand", note.left_type, note.left); !problem.empty())
        return bad_note(problem);
      if (std::string problem = register_problem("its right operand", note.right_type, note.right); !problem.empty())
        return bad_note(problem);
      if (note.pc != 0xFFFFFFFF && note.pc >= p_.code.size())
        return bad_note(fmt::format("it names instruction {}, but there are {}", note.pc, p_.code.size()));
    }
    return true;
  }

  // The type of a register; nullopt when there is no such register.
  std::optional<ValueType> declared_type(RegisterFile file, std::uint32_t reg) const {
    switch (file) {
      case RegisterFile::Scalar:
        if (reg < p_.scalar_types.size()) return p_.scalar_types[reg];
        break;
      case RegisterFile::Text:
        if (reg < p_.text_count) return ValueType{Kind::Text};
        break;
      case RegisterFile::List:
        if (reg < p_.list_types.size()) return p_.list_types[reg];
        break;
      case RegisterFile::Quotient:
        if (reg < p_.quotient_units.size()) return ValueType{Kind::Quotient, p_.quotient_units[reg]};
        break;
    }
    return std::nullopt;
  }

  bool check_summary_register(const char* role, std::uint32_t reg, Kind kind) {
    if (reg == SummarySpec::kNone) return true;
    if (reg >= p_.scalar_types.size())
      return fail("summary: the {} register r{} does not exist", role, reg);
    if (p_.scalar_types[reg].kind != kind)
      return fail("summary: the {} register {} is {}, but must be {}", role,
                  register_label(p_, RegisterFile::Scalar, reg),
                  type_name(p_, p_.scalar_types[reg]), kind_name(kind));
    return true;
  }

  bool check_summary() {
    const SummarySpec& s = p_.summary;
    if (!check_summary_register("population", s.population_reg, Kind::Int) ||
        !check_summary_register("poor", s.poor_reg, Kind::Bool) ||
        !check_summary_register("cause", s.cause_reg, Kind::Enum) ||
        !check_summary_register("assistance", s.assistance_reg, Kind::Money))
      return false;
    for (const SummarySpec::Group& group : s.groups) {
      if (group.fields.size() > kMaxFields)
        return fail("summary group {} has {} fields; the limit is {}", group.name,
                    group.fields.size(), kMaxFields);
      for (std::uint32_t field : group.fields)
        if (field >= p_.fields.size())
          return fail("summary group {} uses field {}, but there are only {} fields", group.name,
                      field, p_.fields.size());
    }
    return true;
  }

  // Definite assignment: every register an instruction reads is written for
  // every row that instruction touches, by an instruction before it; outputs
  // and the summary's registers are written for every row by the end. A read of
  // a register nothing wrote would see whatever the VM's storage held: zero,
  // a value of the previous batch or of another register sharing the storage
  // (vm.cpp, plan()), or a null text.
  //
  // There are no jumps, so the one question is which rows a write covers. An
  // instruction touches the rows of the current selection; a write covers the
  // rows of every later instruction in the same selection or one nested in it.
  // When the selection ends, its writes cover the rows around it only in two
  // cases the lowering relies on:
  // - SELECT_IF r ... SELECT_POP followed at once by SELECT_UNLESS r ...
  //   SELECT_POP, or the other way round (a field's `default`): a register
  //   written in both halves is written for every row around them. Writes in
  //   the first half change r only on rows it selected, so the second half
  //   still selects every row the first did not.
  // - After SELECT_IF r ... SELECT_POP, a register written inside is written
  //   wherever r holds, until something writes r again. That is enough for the
  //   instructions that read operand C only where r[B] holds: LIST_APPEND_IF
  //   with B = r (a collect table's row appends the value it worked out under
  //   its match) and MOVE_IF.
  // Nothing else about conditions is assumed: a register written only where a
  // table row matched is not written for the rows where none did.
  bool check_assignment() {
    Assignment state(p_);
    for (address_ = 0; address_ < p_.code.size(); ++address_) {
      ins_ = &p_.code[address_];
      std::string problem;
      each_register_read(p_, *ins_, [&](RegisterFile file, std::uint32_t reg, int k) {
        const std::size_t r = state.slot(file, reg);
        if (!problem.empty() || state.written(r)) return;
        if (k == 2 && reads_c_only_where_b(ins_->op) && state.written_where(r, ins_->b)) return;
        problem = k == 2 && reg != ins_->c
                      ? fmt::format("operand C reads key register {}, but {}", register_label(p_, file, reg),
                                    state.not_written(r))
                      : fmt::format("operand {} reads register {}, but {}", "ABC"[k], register_label(p_, file, reg),
                                    state.not_written(r));
      });
      if (!problem.empty()) return bad("{}", problem);
      state.step(address_, *ins_);
    }
    for (std::size_t i = 0; i < p_.outputs.size(); ++i) {
      const OutputDef& output = p_.outputs[i];
      const RegisterFile file = register_file_of(output.type);
      const std::size_t r = state.slot(file, output.reg);
      if (!state.written(r))
        return fail("output {} ({}) is register {}, which is not written for every row: {}", i, output.name,
                    register_label(p_, file, output.reg), state.not_written(r));
    }
    const SummarySpec& s = p_.summary;
    for (const auto& [role, reg] : {std::pair{"population", s.population_reg}, std::pair{"poor", s.poor_reg},
                                    std::pair{"cause", s.cause_reg}, std::pair{"assistance", s.assistance_reg}})
      if (reg != SummarySpec::kNone && !state.written(reg))
        return fail("summary: the {} register {} is not written for every row: {}", role,
                    register_label(p_, RegisterFile::Scalar, reg), state.not_written(reg));
    return true;
  }

  static bool reads_c_only_where_b(Opcode op) { return op == Opcode::LIST_APPEND_IF || op == Opcode::MOVE_IF; }

  // What check_assignment() knows at one point of the code: which registers
  // are written for every row of the current selection, and which only where
  // a condition holds.
  class Assignment {
   public:
    explicit Assignment(const Program& p)
        : text_base_(p.scalar_types.size()),
          list_base_(text_base_ + p.text_count),
          quotient_base_(list_base_ + p.list_types.size()),
          depth_of_(quotient_base_ + p.quotient_units.size(), kUnwritten),
          writes_(depth_of_.size(), 0),
          last_write_(depth_of_.size(), kNowhere),
          last_write_under_(depth_of_.size(), kNowhere),
          guard_(depth_of_.size()),
          open_(1) {}

    // One numbering for all four register files.
    std::size_t slot(RegisterFile file, std::uint32_t reg) const {
      switch (file) {
        case RegisterFile::Text: return text_base_ + reg;
        case RegisterFile::List: return list_base_ + reg;
        case RegisterFile::Quotient: return quotient_base_ + reg;
        default: return reg;
      }
    }

    bool written(std::size_t r) const { return depth_of_[r] != kUnwritten; }

    // Whether register r is written wherever scalar register `condition` holds
    // (within the current selection).
    bool written_where(std::size_t r, std::uint32_t condition) const {
      const Guard& g = guard_[r];
      return g.condition == condition && writes_[condition] == g.condition_writes && g.depth < open_.size() &&
             open_[g.depth].id == g.selection;
    }

    // Why register r is not written here, for messages.
    std::string not_written(std::size_t r) const {
      if (last_write_[r] == kNowhere) return "no instruction before it writes it";
      return fmt::format("instruction {} writes it only for the rows selected at instruction {}, not for every row",
                         last_write_[r], last_write_under_[r]);
    }

    // The effect of instruction `ins`, at `address`, once its reads are checked.
    void step(std::size_t address, const Instruction& ins) {
      const auto here = static_cast<std::uint32_t>(address);
      switch (ins.op) {
        case Opcode::SELECT_IF:
        case Opcode::SELECT_UNLESS: {
          Selection& selection = open_.emplace_back();
          selection.id = ++selections_;
          selection.opened_at = here;
          selection.op = ins.op;
          selection.condition = ins.a;
          if (ended_.popped_at != kNowhere && ended_.popped_at + 1 == here && ended_.condition == ins.a &&
              ended_.op != ins.op) {
            selection.second_half = true;
            selection.first_half = std::move(ended_.written);
          }
          ended_ = {};
          return;
        }
        case Opcode::SELECT_POP: pop(here); return;
        default: break;
      }
      if (!writes_operand_a(ins.op)) return;
      const std::size_t r = slot(register_file_of_operand(opcode_info(ins.op).operands[0]), ins.a);
      ++writes_[r];
      last_write_[r] = here;
      last_write_under_[r] = open_.back().opened_at;
      if (!written(r)) write(r, open_.size() - 1);
    }

   private:
    static constexpr std::uint8_t kUnwritten = 0xFF;
    static constexpr std::uint32_t kNowhere = 0xFFFFFFFF;

    struct Selection {
      std::uint32_t id = 0;                // 0: all rows
      std::uint32_t opened_at = kNowhere;  // the SELECT_IF or SELECT_UNLESS
      Opcode op = Opcode::SELECT_POP;
      std::uint32_t condition = 0;
      std::vector<std::size_t> written;    // registers first written for every row of it
      // The second half of a SELECT_IF/SELECT_UNLESS pair: what the first half wrote.
      bool second_half = false;
      std::vector<std::size_t> first_half;
    };
    // The selection that ended just now, for the pair rule.
    struct Ended {
      std::uint32_t popped_at = kNowhere;
      Opcode op = Opcode::SELECT_POP;
      std::uint32_t condition = 0;
      std::vector<std::size_t> written;
    };
    // Written wherever `condition` holds, within selection `selection` at
    // `depth`, as long as `condition` has been written `condition_writes` times.
    struct Guard {
      std::uint32_t condition = kNowhere;
      std::uint32_t condition_writes = 0;
      std::size_t depth = 0;
      std::uint32_t selection = 0;
    };

    void write(std::size_t r, std::size_t depth) {
      depth_of_[r] = static_cast<std::uint8_t>(depth);
      open_[depth].written.push_back(r);
    }

    void pop(std::uint32_t here) {
      Selection closing = std::move(open_.back());
      open_.pop_back();
      const std::size_t around = open_.size() - 1;
      for (const std::size_t r : closing.written) depth_of_[r] = kUnwritten;
      if (closing.op == Opcode::SELECT_IF)
        for (const std::size_t r : closing.written)
          guard_[r] = {closing.condition, writes_[closing.condition], around, open_.back().id};
      if (closing.second_half) {
        // Written in both halves: written for every row around them. Marks
        // the first half's registers to find them; those a pair just before
        // already wrote for every row (SELECT_IF r, SELECT_UNLESS r, SELECT_IF
        // r...) stay as they are.
        constexpr std::uint8_t kMark = kUnwritten - 1;
        for (const std::size_t r : closing.first_half)
          if (!written(r)) depth_of_[r] = kMark;
        for (const std::size_t r : closing.written)
          if (depth_of_[r] == kMark) write(r, around);
        for (const std::size_t r : closing.first_half)
          if (depth_of_[r] == kMark) depth_of_[r] = kUnwritten;
      }
      ended_ = {here, closing.op, closing.condition, std::move(closing.written)};
    }

    std::size_t text_base_, list_base_, quotient_base_;
    // The depth of the selection a register is written for every row of, or kUnwritten.
    std::vector<std::uint8_t> depth_of_;
    std::vector<std::uint32_t> writes_;  // how often each register has been written
    // For messages: the last write of each register, and the selection it was in.
    std::vector<std::uint32_t> last_write_, last_write_under_;
    std::vector<Guard> guard_;
    std::vector<Selection> open_;  // open_[0]: all rows
    std::uint32_t selections_ = 0;
    Ended ended_;
  };

  // Last, as it reads the code and tables the checks before have vouched for:
  // a program that could not run within a worker's memory budget even one
  // household at a time is refused here, not when the machine is built.
  bool check_memory() {
    const std::string problem = memory_budget_problem(p_, kWorkerMemoryBudget);
    return problem.empty() || fail("the program cannot run within the memory budget: {}", problem);
  }

  const Program& p_;
  std::size_t address_ = 0;
  const Instruction* ins_ = nullptr;
};

}  // namespace

bool verify_program(const Program& program, std::string& error) {
  Verifier verifier(program);
  if (verifier.run()) return true;
  error = std::move(verifier.error);
  return false;
}

}  // namespace precept
