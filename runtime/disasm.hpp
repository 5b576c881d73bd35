// The bytecode listing behind `precept disasm`, in the spirit of SQLite's EXPLAIN:
// a header, then one line per instruction (address, opcode, operands, the
// synopsis from opcodes.def with registers, constants and fields filled in, and
// the policy line it came from), then the outputs.
#pragma once

#include "program.hpp"

#include <string>

namespace precept {

// Safe on programs that have not been verified: what does not resolve prints as
// "?" or "#n" instead of being looked up.
std::string disassemble(const Program& program);

}  // namespace precept
