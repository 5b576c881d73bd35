#include "program.hpp"

#include "numeric.hpp"

#include <cstddef>
#include <string_view>

namespace precept {
namespace {

constexpr OpcodeInfo kOpcodeTable[] = {
#define OP(name, operands, synopsis) {#name, operands, synopsis},
#include "opcodes.def"
#undef OP
};
static_assert(std::size(kOpcodeTable) == static_cast<std::size_t>(kOpcodeCount));
// The opcode byte in a compiled file must be able to name every opcode.
static_assert(kOpcodeCount <= 256);

// A typo in opcodes.def would otherwise surface only as a confusing verifier error
// at run time; checking the letters here makes it a build error.
constexpr bool operand_letters_valid() {
  constexpr std::string_view kLetters = "_BIMDEVNTLQFCSKP";
  constexpr std::string_view kRegisters = "BIMDEVNTLQ";
  for (const OpcodeInfo& info : kOpcodeTable) {
    std::string_view operands = info.operands;
    if (operands.size() != 4) return false;
    for (char letter : operands.substr(0, 3))
      if (kLetters.find(letter) == std::string_view::npos) return false;
    // What the instruction does to A: a register is written, updated or read.
    const bool a_is_register = kRegisters.find(operands[0]) != std::string_view::npos;
    if (a_is_register ? std::string_view("wur").find(operands[3]) == std::string_view::npos : operands[3] != '-')
      return false;
  }
  return true;
}
static_assert(operand_letters_valid(),
              "opcodes.def: operands must be three of _BIMDEVNTLQFCSKP, then w, u or r for a register A, - otherwise");

// Returned for opcode bytes no table entry describes, so that callers printing
// unverified programs (disasm of a damaged file) never index past the table.
constexpr OpcodeInfo kInvalidOpcode = {"INVALID", "___-", "not an opcode"};

}  // namespace

const OpcodeInfo& opcode_info(Opcode op) {
  const auto index = static_cast<std::size_t>(op);
  return index < std::size(kOpcodeTable) ? kOpcodeTable[index] : kInvalidOpcode;
}

const char* kind_name(Kind kind) {
  switch (kind) {
    case Kind::Bool: return "bool";
    case Kind::Int: return "int";
    case Kind::Money: return "money";
    case Kind::Decimal: return "decimal";
    case Kind::Date: return "date";
    case Kind::Enum: return "enum";
    case Kind::Text: return "text";
    case Kind::List: return "list";
    case Kind::Quotient: return "quotient";
  }
  return "invalid kind";
}

int kind_scale(Kind kind) {
  switch (kind) {
    case Kind::Money: return kMoneyScale;
    case Kind::Decimal: return kDecimalScale;
    default: return 0;
  }
}

RegisterFile register_file_of(const ValueType& type) {
  switch (type.kind) {
    case Kind::Text: return RegisterFile::Text;
    case Kind::List: return RegisterFile::List;
    case Kind::Quotient: return RegisterFile::Quotient;
    default: return RegisterFile::Scalar;
  }
}

}  // namespace precept
