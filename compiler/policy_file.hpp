// Reading policy files within their limits. Every policy a command names, every
// parent an `extends` names, and what `fmt` and `diff` read comes through
// read_policy_file(), so each is refused for the same reasons in the same words.
#pragma once

#include <precept/text.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <sys/types.h>

namespace precept {

// Policies are documents of a few pages; anything this large is a mistake (a
// register passed as a policy, say) and would only exhaust memory.
inline constexpr std::size_t kMaxSourceBytes = std::size_t{4} << 20;
// "the policy is (more than) N bytes; at most LIMIT are accepted": the one
// wording of a policy over its limit, for the reader and the parser alike.
std::string policy_too_large(std::size_t size, bool exact, std::size_t limit);
// A compiled program carries its source (at most kMaxSourceBytes) and at most
// 2^20 instructions of 16 bytes, with its tables and texts: well under this.
inline constexpr std::size_t kMaxProgramBytes = std::size_t{64} << 20;

enum class PolicyRead {
  // Named on the command line: policy source, or a compiled program (.pcb,
  // recognised by its magic number). "-" is standard input.
  SourceOrProgram,
  // Policy source only (fmt, diff). "-" is standard input.
  Source,
  // A parent named by `extends`: a regular file whose name, and the name of the
  // file a link leads to, ends in `.pol`.
  Parent,
};

struct PolicyFileText {
  std::optional<std::string> text;  // absent when refused or unreadable
  // What is wrong, to follow "cannot read `x`: ", e.g. "no such file or
  // directory" or "it is a named pipe (FIFO), not a policy file".
  std::string problem;
  std::string hint;  // what to do about it; empty when the caller knows best (a path that does not open)
};

// Anything but a regular file (or "-") is refused before a byte is read, a
// FIFO without blocking; a regular file larger than the limit is refused from
// its size, and any input is read up to limit + 1 bytes at most, so /dev/zero
// or a growing file cannot make it read without end. Nothing of a refused
// file is ever put in `problem`.
PolicyFileText read_policy_file(const std::string& path, PolicyRead use);

// file_kind(): public, in <precept/text.hpp> (defined in runtime/output_file.cpp).

}  // namespace precept
