// The verifier: the gate between bytes and the VM.
//
// A Program that passes verify_program() can be run without undefined behaviour:
// every index the VM follows (registers, fields, constants, strings, list
// elements, enum members, origins) is in range, every operand has the type its
// opcode expects, every immediate is in range, and selections are balanced. The
// VM can therefore skip these checks in its inner loop. docs/bytecode.md lists
// the guarantees in full.
#pragma once

#include "program.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace precept {

// Limits, so that a hostile file cannot make the VM allocate without bound.
inline constexpr std::size_t kMaxInstructions = std::size_t{1} << 20;
inline constexpr std::size_t kMaxRegisters = std::size_t{1} << 16;  // per register file
inline constexpr std::size_t kMaxFields = std::size_t{1} << 16;
// Enums, enum members, params, constants, strings, origins, outputs, groups.
inline constexpr std::size_t kMaxTableSize = std::size_t{1} << 20;
// Tested columns of one lookup table (a row's pattern of tested columns is a
// 64-bit mask in the VM's index).
inline constexpr std::size_t kMaxLookupKeys = 64;
// Entries of one lookup's index: a row whose cells list several values stands
// for every combination of them, and the VM builds an entry for each.
inline constexpr std::size_t kMaxLookupEntries = std::size_t{1} << 18;
// Nesting of SELECT_IF / SELECT_UNLESS; the VM may size its selection stack by it.
inline constexpr int kMaxSelectionDepth = 64;
// Largest power of ten an immediate x may scale by (10^18 still fits int64).
inline constexpr int kMaxPowerOfTen = 18;
// Dates are days since 1970-01-01, limited to what parse_date accepts
// (1900-01-01 .. 9999-12-31) so that every date the VM holds can be printed.
inline constexpr std::int64_t kMinDate = -25567;
inline constexpr std::int64_t kMaxDate = 2932896;

// On failure returns false and sets `error`, naming the culprit, e.g.
// "instruction 12 (ADD_MONEY): operand B is register r7(poor), a bool, but must be money".
bool verify_program(const Program& program, std::string& error);

// Shared with the disassembler, so both read opcodes.def the same way.

// Operand A, B or C (k = 0, 1, 2) of an instruction.
inline std::uint32_t operand(const Instruction& ins, int k) {
  return k == 0 ? ins.a : k == 1 ? ins.b : ins.c;
}
// Whether an operand letter of opcodes.def names a scalar register (B I M D E N V).
bool is_scalar_operand(char letter);
// Whether an operand letter names a register of any file (a scalar, T, L or Q).
bool is_register_operand(char letter);
// The register file an operand letter names; only for is_register_operand letters.
RegisterFile register_file_of_operand(char letter);
// Whether the instruction writes the register in its operand A (opcodes.def's
// fourth letter is w or u); an update (u) also reads it.
bool writes_operand_a(Opcode op);

// Calls f(file, register, k) for every register the instruction reads, in
// operand order: operands B and C, A when the instruction only reads or
// updates it, and for LOOKUP_FIRST and LOOKUP_ALL every key register after
// r[C] (k is then 2). Only for instructions whose operands have been checked.
template <typename F>
void each_register_read(const Program& program, const Instruction& ins, F&& f) {
  const char* letters = opcode_info(ins.op).operands;
  if (is_register_operand(letters[0]) && letters[3] != 'w') f(register_file_of_operand(letters[0]), ins.a, 0);
  for (int k = 1; k < 3; ++k)
    if (is_register_operand(letters[k])) f(register_file_of_operand(letters[k]), operand(ins, k), k);
  if (ins.op == Opcode::LOOKUP_FIRST || ins.op == Opcode::LOOKUP_ALL)
    for (std::size_t key = 1; key < program.lookups[ins.b].key_types.size(); ++key)
      f(RegisterFile::Scalar, ins.c + static_cast<std::uint32_t>(key), 2);
}
// Position of the immediate `letter` ('x' or 'y') in a synopsis, as a word of
// its own (the x of "10^x", not the x of "max"); npos when absent. An opcode
// whose synopsis does not mention an immediate must have it 0.
std::size_t find_immediate(std::string_view synopsis, char letter, std::size_t from = 0);
// "money", "enum cause", "list of enum cause", "quotient of decimal". Safe on
// unverified types.
std::string type_name(const Program& program, const ValueType& type);
// "r3(per_capita)", "r4" (no name), "t0", "l1", "q2".
std::string register_label(const Program& program, RegisterFile file, std::uint32_t index);

}  // namespace precept
