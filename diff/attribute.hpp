// Attribution: which edit moved which household. Each edit is applied alone to
// the old source (its lines spliced in by their AST locations) and compiled
// before the impact pass (prepare_variants); the pass runs the variants on the
// changed rows of each batch (impact.cpp, VariantPlan); the edits whose variant
// moves a household's output are its causes (attribute).
#pragma once

#include "impact.hpp"
#include "structural.hpp"

#include <precept/policy.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace precept::diff {

// The variants, compiled before the pass. `plan` points into this object:
// keep it in place while the pass runs.
struct PreparedVariants {
  std::vector<EditEffect> effects;                  // households not yet counted
  std::vector<std::optional<Policy>> variants;      // per effect; none when it does not compile
  std::optional<Policy> baseline;                   // the old version
  std::map<std::size_t, std::set<std::string>> context;  // per param effect: names compared with it
  VariantPlan plan;                                 // null baseline: no attribution possible
  PreparedVariants() = default;
  PreparedVariants(const PreparedVariants&) = delete;
  PreparedVariants& operator=(const PreparedVariants&) = delete;
};

void prepare_variants(const PolicyVersion& old_version, const PolicyVersion& new_version, const StructuralDiff& diff,
                      PreparedVariants& out);

// The effects with their household counts, and the causes of the households
// the impact kept; `impact` computed with ImpactOptions::variants = &prepared.plan.
// The households' lines ("poor: false -> true because ...") are in `language`.
Attribution attribute(const PreparedVariants& prepared, const Impact& impact, Language language = Language::English);

}  // namespace precept::diff
