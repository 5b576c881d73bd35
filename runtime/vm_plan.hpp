// Where the VM keeps each register of a program: decided once per machine
// from the code, with what each instruction reads and writes taken from the
// opcode table's operand letters (opcodes.def; verifier.hpp reads them), never
// from an opcode's synopsis text. The machine (vm.cpp, Machine::plan) then
// turns the code into steps over this storage.
//
// Done once instead of per batch: LOAD_CONST of a register nothing else writes
// (a Constant, filled once; its readers take it as an immediate) and LOAD_FIELD
// of a register nothing else writes (a Field: the batch's column itself), both
// outside any selection and before any instruction reads the register, so
// that no instruction can tell.
//
// Temporaries share storage: a register written before it is read lives only
// from its first write to its last use, and registers of the same type whose
// lives do not overlap take turns in one slot. That keeps the rows a batch
// touches in cache. Registers the caller reads (outputs, summary), registers no
// instruction reads (which only the caller can want) and registers read before
// they are written keep storage of their own.
#pragma once

#include "program.hpp"

#include <cstdint>
#include <vector>

namespace precept {

// When one scalar register is written and read, by instruction index.
struct RegisterUse {
  static constexpr std::uint32_t kNever = UINT32_MAX;
  std::uint32_t writers = 0;          // instructions writing it
  std::uint32_t first_write = kNever;
  std::uint32_t first_read = kNever;
  std::uint32_t last = 0;             // the last instruction naming it
};

enum class RegisterHome : std::uint8_t {
  Own,       // a slot of its own
  Shared,    // a slot shared with temporaries of its type whose lives do not overlap
  Constant,  // a slot of its own, filled once with its constant
  Field,     // no slot: the batch's column of the field it loads
};

enum class ListStorage : std::uint8_t {
  Rows,     // a vector of items per row
  Slotted,  // cleared first, outside any selection, then only appended to (at
            // most 64 appends): a slot per append and a bit mask per row
  Aliased,  // loaded once, first, outside any selection, never changed: the batch's column
};

struct RegisterPlan {
  static constexpr std::uint32_t kNoSlot = UINT32_MAX;
  // Per scalar register.
  std::vector<RegisterUse> use;
  std::vector<std::uint32_t> reads;  // instructions reading it
  std::vector<bool> external;        // read by the caller (an output, the summary)
  std::vector<RegisterHome> home;
  std::vector<std::uint32_t> slot_of;  // kNoSlot for a Field
  std::uint32_t slots = 0;             // scalar slots in all
  // Per text register: instructions writing it, and reading it.
  std::vector<std::uint32_t> text_writers, text_reads;
  // Per list register: its storage, and the appends to it (a Slotted list's slots).
  std::vector<ListStorage> lists;
  std::vector<std::uint32_t> list_appends;
};

// Plans the registers of a verified program. Without `share_temporaries`
// (a traced machine, whose registers an explanation reads afterwards) no
// register is Shared.
RegisterPlan plan_registers(const Program& program, bool share_temporaries);

}  // namespace precept
