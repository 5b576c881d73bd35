#pragma once
namespace precept {
inline constexpr const char* kVersion = "0.1.0";
// Bumped whenever the .pcb layout or the meaning of an opcode changes.
inline constexpr unsigned kBytecodeFormatVersion = 5;
}  // namespace precept
