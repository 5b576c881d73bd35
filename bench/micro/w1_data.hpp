// Shared inputs for the micro-benchmarks: a W1 register made by the real
// generator (so the bytes are the ones the end-to-end benchmark reads) and the
// compiled W1 policy.
#pragma once

#include <precept/policy.hpp>

#include <cstddef>
#include <string>

namespace precept_bench {

// `rows` generated households (seed 1) as CSV text, header first. Made once per
// row count by running precept-gen, then kept for the life of the process.
const std::string& w1_register(std::size_t rows);

// policies/xijiang_2015.pol, compiled once. Aborts with the diagnostics if it
// does not compile: a benchmark of a broken policy would measure nothing.
const precept::Policy& w1_policy();

}  // namespace precept_bench
