// Internal: the one shape of "this policy cannot be had", for load_policy()
// (runtime/policy.cpp) and open_policy() (compiler/compile.cpp).
#pragma once

#include <precept/policy.hpp>

#include <string>

namespace precept {

// A CompileResult with no policy and one error about `file`.
CompileResult refused_policy(std::string file, std::string message, std::string hint = {});

}  // namespace precept
