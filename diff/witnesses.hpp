// Witnesses from two policy texts, as `precept diff` asks for them: both
// versions are compiled (errors come back as a single Unknown entry whose reason
// names the file and the first error) and handed to the witness search
// (analysis/witness.hpp), which compiles nothing itself.
#pragma once

#include "witness.hpp"

#include <string_view>
#include <vector>

namespace precept::diff {

// Compiling may ask the solver too (exceptions of a layered policy): from the
// same budget as the witnesses (options.budget, or a default one for this call).
std::vector<analysis::OutputWitness> find_witnesses(std::string_view old_source, std::string_view old_name,
                                                    std::string_view new_source, std::string_view new_name,
                                                    const analysis::WitnessOptions& options = {});

}  // namespace precept::diff
