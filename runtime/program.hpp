// The compiled program: what the compiler produces, the loader verifies, the VM
// runs and the disassembler prints. Internal to the project; embedders see it
// only through include/precept/.
#pragma once

#include <precept/policy.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace precept {

enum class Opcode : std::uint8_t {
#define OP(name, operands, synopsis) name,
#include "opcodes.def"
#undef OP
};

inline constexpr int kOpcodeCount = 0
#define OP(name, operands, synopsis) +1
#include "opcodes.def"
#undef OP
    ;

struct OpcodeInfo {
  const char* name;
  const char* operands;  // three operand letters and what A is to the instruction, see opcodes.def
  const char* synopsis;
};
const OpcodeInfo& opcode_info(Opcode op);

// Kinds of value. Scalars (bool..enum) live in 64-bit registers; text, lists and
// quotients each have their own register file.
enum class Kind : std::uint8_t { Bool, Int, Money, Decimal, Date, Enum, Text, List, Quotient };
const char* kind_name(Kind kind);

struct ValueType {
  Kind kind = Kind::Bool;
  // List: the element kind (a scalar kind). Quotient: Money or Decimal (its units).
  Kind element = Kind::Bool;
  // Enum, or List of Enum: index into Program::enums.
  std::uint16_t enum_id = 0;

  bool is_scalar() const { return kind <= Kind::Enum; }
  bool is_number() const { return kind == Kind::Int || kind == Kind::Money || kind == Kind::Decimal; }
  friend bool operator==(const ValueType&, const ValueType&) = default;
};
// Decimal places of a number kind: int 0, money 2, decimal 6.
int kind_scale(Kind kind);

// `list of element` and back.
inline ValueType list_of(const ValueType& element) {
  ValueType list;
  list.kind = Kind::List;
  list.element = element.kind;
  list.enum_id = element.enum_id;
  return list;
}
inline ValueType element_of(const ValueType& list) {
  ValueType element;
  element.kind = list.element;
  element.enum_id = list.enum_id;
  return element;
}

enum class RegisterFile : std::uint8_t { Scalar, Text, List, Quotient };
RegisterFile register_file_of(const ValueType& type);

struct Instruction {
  Opcode op = Opcode::SELECT_POP;
  std::uint8_t x = 0;  // immediate: a power of ten, or digits to drop
  std::uint8_t y = 0;  // immediate: a RoundingMode
  std::uint8_t reserved = 0;
  std::uint32_t a = 0, b = 0, c = 0;
};

inline Instruction make_instruction(Opcode op, std::uint32_t a, std::uint32_t b = 0, std::uint32_t c = 0,
                                    std::uint8_t x = 0, std::uint8_t y = 0) {
  Instruction ins;
  ins.op = op;
  ins.a = a;
  ins.b = b;
  ins.c = c;
  ins.x = x;
  ins.y = y;
  return ins;
}

struct EnumDef {
  std::string name;
  std::vector<std::string> members;
};

// A check on a field's value as the record is read (`members: int where >= 1`).
enum class FieldCheck : std::uint8_t { None, Lt, Le, Gt, Ge, Eq, Ne };
inline constexpr int kFieldCheckCount = 7;

struct FieldDef {
  std::string name;
  ValueType type;
  bool optional = false;       // may be empty in the input
  bool has_default = false;    // empty input takes the default (then never missing)
  std::int64_t default_scalar = 0;
  std::string default_text;
  std::uint32_t line = 0;
  std::string description;
  // A value failing the check rejects the row at this column, in column order,
  // like a value that cannot be read at all.
  FieldCheck check = FieldCheck::None;
  std::int64_t check_value = 0;
  // `key`: a register holds one row per value (a later row with the same
  // value is rejected as a duplicate); at most one field of a program.
  bool key = false;
  // `personal`: what a posted list masks (an ID-card or phone number).
  bool personal = false;
};

// How the register writes values (a policy's `register { ... }`), declared
// so that reading accepts exactly these spellings besides the W1 ones. Read
// only where a cell does not read the W1 way, so a policy declaring nothing
// reads at the same speed.
struct RegisterSpellings {
  // `booleans "是" / "否"`: the spellings of true and false, pair by pair.
  std::vector<std::string> true_words, false_words;
  bool fullwidth_digits = false;  // `digits fullwidth`: ０-９ ． － as 0-9 . -
  std::string thousands;          // `thousands ","`: a separator between digit groups ("": none)
  // `column 家庭纯收入 "家庭纯收入（元）"`: a header naming a field, header by header.
  std::vector<std::string> alias_headers;
  std::vector<std::uint32_t> alias_fields;
  bool declared() const {
    return !true_words.empty() || fullwidth_digits || !thousands.empty() || !alias_headers.empty();
  }
};

struct ParamDef {
  std::string name;
  ValueType type;
  std::int64_t value = 0;      // scalar value (text params use text_value)
  std::string text_value;
  std::string description;
  std::string source;          // citation
  std::uint32_t line = 0;
  // Of a layered or dated value, for explanations: the layer (file:line) that
  // wrote it and its year entry (0: undated).
  std::string layer;
  std::int32_t year = 0;
};

struct OutputDef {
  std::string name;
  ValueType type;
  std::uint32_t reg = 0;       // in the register file of `type`
};

// What `precept run` adds up per group and for the whole input.
struct SummarySpec {
  static constexpr std::uint32_t kNone = 0xFFFFFFFF;
  std::uint32_t population_reg = kNone;   // int register: people in the household
  std::uint32_t poor_reg = kNone;         // bool register
  std::uint32_t cause_reg = kNone;        // enum register, counted for poor rows
  std::uint32_t assistance_reg = kNone;   // money register
  struct Group {
    std::string name;
    std::vector<std::uint32_t> fields;    // indexes into Program::fields
  };
  std::vector<Group> groups;
};

// The index of a decision table whose tested cells are all plain literals: for
// each row and each tested column, the values the row accepts there. LOOKUP_FIRST
// and LOOKUP_ALL find the matching rows of a household by hashing its values,
// so their cost does not grow with the number of rows.
struct LookupTable {
  std::string name;                    // "table housing", for the listing
  std::vector<ValueType> key_types;    // one per tested column: scalar types
  std::vector<std::string> key_names;  // what each column tests ("house"), for the listing
  std::uint32_t rows = 0;
  // Row r's cell in column k is values[cell_ends[i - 1] .. cell_ends[i]) with
  // i = r * key_types.size() + k (from 0 for i = 0): the values it accepts, or
  // none for `-`, which accepts any.
  std::vector<std::uint32_t> cell_ends;
  std::vector<std::int64_t> values;
};

// A constant per table row: an output column of an indexed table. Element 0
// stands for "no row" (a row number from LOOKUP_FIRST that found none); row r
// is element r.
struct ConstantArray {
  std::string name;                    // "housing.housing_aid", for the listing
  ValueType type;                      // a scalar type, or text (values index `strings`)
  std::vector<std::int64_t> values;
};

// An `example` of the policy, ready to run: the household as the cells of a CSV
// row, and what each named value must print as (append_value_text's form).
struct ExampleDef {
  std::string label;
  std::uint32_t line = 0;
  std::vector<std::string> cells;  // one per field; "" where the field takes its default or is missing
  struct Expectation {
    std::string name;              // an output, rule, let, decide or table
    std::uint32_t line = 0;
    std::string text;              // the value, as the results CSV prints it
  };
  std::vector<Expectation> expect;
  bool expect_rejected = false;
  std::string rejected_reason;     // a substring of the reject reason; "" for any
};

// What the lowering knows about a register that the bytecode does not say: which
// declaration, branch, table row or comparison of the policy it holds. An
// explanation reads these registers after running the same program the run
// does (Machine in traced mode), so it cannot disagree with the results.
struct DebugNote {
  enum class What : std::uint8_t {
    Value,         // a let, rule, decide or table column: name, reg
    Compare,       // a comparison: reg (its result), left/right operands, op; pc the instruction
    Branch,        // decide `name` branch `index` (1-based): reg its condition
    Guard,         // table `name`'s `when`: reg
    Row,           // table `name` row `index` (1-based): reg whether it matched
    LookupFirst,   // indexed table `name`: reg the matching row (0 none)
    LookupAll,     // indexed collect table `name`: reg (a list) the matching rows
    Output,        // output `name`: reg
  };
  What what = What::Value;
  std::string origin;              // the declaration: "rule poor", "decide main_cause"
  std::string name;                // the declaration's (or table column's) name
  std::string text;                // the source of the expression, as written
  std::uint32_t line = 0;
  std::string file;                // a parent layer's file the line is in ("": the policy's own)
  std::uint32_t index = 0;
  ValueType type;                  // of reg
  std::uint32_t reg = 0;
  ValueType left_type, right_type;  // Compare: the operands (a quotient's type says so)
  std::uint32_t left = 0, right = 0;
  std::string left_text, right_text, op;
  std::uint32_t pc = 0xFFFFFFFF;   // Compare: the instruction (traced runs mark it executed)
  // The names the expression reads (fields, params, lets, rules, decides,
  // tables), in order, once each: what an explanation goes on to explain.
  std::vector<std::string> uses;
};

struct Program {
  // Header
  std::string policy_name;
  std::string place;
  std::int32_t year = 0;
  std::uint64_t source_hash = 0;          // FNV-1a 64 of the source text
  std::string source_file;
  std::string source_text;                // kept so disasm and errors can quote lines

  std::vector<EnumDef> enums;
  std::vector<FieldDef> fields;
  std::vector<ParamDef> params;
  RegisterSpellings spellings;

  // Register files. Each scalar register has a declared type; the verifier
  // checks every operand against it.
  std::vector<ValueType> scalar_types;
  std::vector<std::string> scalar_names;  // for disasm: "per_capita", "" for temporaries
  std::uint32_t text_count = 0;
  std::vector<ValueType> list_types;
  std::vector<Kind> quotient_units;       // Money or Decimal

  std::vector<std::int64_t> constants;
  std::vector<std::string> strings;

  std::vector<Instruction> code;
  std::vector<std::uint32_t> code_lines;    // policy line of each instruction
  std::vector<std::uint32_t> code_origins;  // index into origins, per instruction
  std::vector<std::string> origins;         // "rule poor", "let per_capita", ...

  std::vector<OutputDef> outputs;
  SummarySpec summary;

  std::vector<LookupTable> lookups;
  std::vector<ConstantArray> arrays;

  // What `precept test` and explanations read (explain.hpp). Kept in the .pcb
  // too, so that testing and explaining a compiled program needs no compiler
  // (the evaluation-only library has none); the verifier checks them.
  std::vector<ExampleDef> examples;
  std::vector<DebugNote> notes;
};

// The library's own way into a Policy (include/precept/policy.hpp keeps its
// program opaque): making one of a verified program, and reading its program.
struct PolicyAccess {
  static Policy make(std::shared_ptr<const Program> program) { return Policy(std::move(program)); }
  static const Program& program(const Policy& policy) { return *policy.program_; }
};
inline const Program& program_of(const Policy& policy) { return PolicyAccess::program(policy); }

}  // namespace precept
