// Stands in for diff/witness.cpp (the Z3 witness search, branch `witness`)
// until that branch is merged: the diff command and every report format can
// already render the witness section. Remove this file and its line in
// CMakeLists.txt when merging.
#include "witness.hpp"

#include <precept/policy.hpp>

#include <algorithm>

namespace precept::diff {

std::vector<OutputWitness> find_witnesses(std::string_view old_source, std::string_view old_name,
                                          std::string_view new_source, std::string_view new_name,
                                          const WitnessOptions&) {
  std::vector<OutputWitness> out;
  const auto a = compile(old_source, std::string(old_name));
  const auto b = compile(new_source, std::string(new_name));
  if (!a.ok() || !b.ok()) {
    OutputWitness w;
    w.reason = "a version has errors";
    out.push_back(std::move(w));
    return out;
  }
  const auto old_outputs = a.policy->output_names();
  for (const auto& name : b.policy->output_names()) {
    if (std::find(old_outputs.begin(), old_outputs.end(), name) == old_outputs.end()) continue;
    OutputWitness w;
    w.output = name;
    w.verdict = Verdict::Unknown;
    w.reason = "the solver is not built in this version";
    out.push_back(std::move(w));
  }
  return out;
}

}  // namespace precept::diff
