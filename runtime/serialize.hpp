// The compiled-program file (.pcb): Program <-> bytes.
//
// Layout (all integers little-endian; docs/bytecode.md describes it in full):
//   offset  size  field
//        0     8  magic "PCPT\r\n\x1a\n"
//        8     4  format version (kBytecodeFormatVersion)
//       12     4  flags (none defined yet; must be 0)
//       16     8  body length in bytes
//       24     8  checksum: FNV-1a 64 of every byte after it (source hash and body)
//       32     8  source hash (Program::source_hash)
//       40     .  body: the other Program members, in declaration order
//
// deserialize_program() only decodes: it checks that the bytes are a whole,
// undamaged file of this format, not that the program makes sense. Call
// verify_program() (verifier.hpp) before running what it returns.
#pragma once

#include "program.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace precept {

inline constexpr std::string_view kProgramMagic{"PCPT\r\n\x1a\n", 8};
inline constexpr std::size_t kVersionOffset = 8;
inline constexpr std::size_t kFlagsOffset = 12;
inline constexpr std::size_t kBodyLengthOffset = 16;
inline constexpr std::size_t kChecksumOffset = 24;
inline constexpr std::size_t kSourceHashOffset = 32;
inline constexpr std::size_t kProgramHeaderSize = 40;

// Throws std::length_error only for a string or table past the format's 32-bit
// counts (4 GiB), which no real policy comes near.
std::string serialize_program(const Program& program);

// Never throws and never reads outside `bytes`. On failure returns false, leaves
// `out` untouched and sets `error` to a plain-words reason, e.g.
// "the file is truncated at byte 812 (the header promises 1024 bytes)".
bool deserialize_program(std::string_view bytes, Program& out, std::string& error);

// The body's layout, as serialize_program writes it and deserialize_program
// reads it (the same walk describes it): the program's members first, then
// each record type they hold, in order of appearance. Each member has its
// name and encoding: "string", "bool", "int32", "uint8", "kind (uint8)",
// "list of string", or a record's name ("type", "list of field").
// docs/bytecode.md is generated from it.
struct LayoutRecord {
  std::string name;  // "program", "field", "type", ...
  std::vector<std::pair<std::string, std::string>> members;  // (name, encoding)
};
std::vector<LayoutRecord> program_layout();

// Whether `bytes` start like a compiled program (for telling .pcb from source).
bool looks_like_program(std::string_view bytes);

// FNV-1a 64, the file's checksum; also what Program::source_hash is made with.
std::uint64_t fnv1a64(std::string_view bytes);

}  // namespace precept
