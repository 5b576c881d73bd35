// Attribution: which edit moved which household. Each edit is applied alone to
// the old source (its lines spliced in by their AST locations), compiled, and
// run on the changed households only; the edits whose variant moves a
// household's output are its causes.
#pragma once

#include "impact.hpp"
#include "structural.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace precept::diff {

struct EditEffect {
  std::vector<std::size_t> edits;  // indexes into StructuralDiff::edits applied together
  std::string label;               // "poverty_line 2736.00 yuan -> 2855.00 yuan"
  bool applies_alone = true;       // false: the old source with it alone does not compile
  std::string with;                // edits it needed to compile, e.g. "enum measure member skills_training added"
  std::uint64_t households = 0;    // changed households it moves on its own
};

struct HouseholdCause {
  std::vector<std::size_t> effects;  // indexes into Attribution::effects
  // One line per changed output: "poor: false -> true because poverty_line
  // 2736.00 yuan -> 2855.00 yuan and per_capita = 2800.00".
  std::vector<std::string> lines;
};

struct Attribution {
  std::vector<EditEffect> effects;
  std::vector<HouseholdCause> households;  // parallel to Impact::changed
};

Attribution attribute(const PolicyVersion& old_version, const PolicyVersion& new_version, const StructuralDiff& diff,
                      const Impact& impact);

}  // namespace precept::diff
