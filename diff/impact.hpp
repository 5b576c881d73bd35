// Population impact: the households an edit moves. One pass over a register,
// evaluating both versions on each batch (the run pipeline's reader, cell
// parser and VM, twice per batch), or two registers joined on the record key.
#pragma once

#include <precept/diff.hpp>
#include <precept/policy.hpp>

#include <cstdint>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

namespace precept::diff {

// Attribution's programs, run in the pass on the changed rows only: the old
// version (the baseline) and each single-edit variant (null: none compiles).
struct VariantPlan {
  const Program* baseline = nullptr;
  std::vector<const Program*> variants;
};

struct ImpactOptions {
  std::vector<std::string> group_by;  // a summary group of either version, or a field
  std::string key_field;              // "" : the new version's first text field
  std::size_t threads = 1;
  std::size_t batch_size = 1024;
  // Changed households kept (the first by line); the counts cover all.
  std::size_t changed_limit = static_cast<std::size_t>(-1);
  const VariantPlan* variants = nullptr;  // null: no attribution
};

// What the variants do to one changed household (with a VariantPlan).
struct HouseholdMoves {
  bool evaluated = false;
  bool base_ok = false;
  std::vector<std::string> base_values;  // the baseline's outputs, in its output order
  struct Move {
    std::size_t variant = 0;
    bool ok_differs = false;             // accepted by one of baseline and variant only
    std::vector<std::uint32_t> outputs;  // baseline outputs it changes
  };
  std::vector<Move> moves;  // the variants that move it, in order
};

// A changed household as the pass keeps it: what the report shows (public),
// and what attribution needs to evaluate it again.
struct ChangedHousehold : HouseholdChange {
  // The row's cells by column name, so it can be evaluated again (attribution);
  // with one register only new_record is kept.
  // Join mode only (released once attributed).
  std::vector<std::pair<std::string, std::string>> old_record, new_record;
  HouseholdMoves moves;
};

// The pass's result: DiffResult::impact (the public ImpactSummary) and what
// only the library needs. Its `changed` hides the summary's: the pass keeps
// each changed household's cells and moves (ChangedHousehold) for attribution,
// and summary_of() slices them to the public part; the base's stays empty.
struct Impact : ImpactSummary {
  std::string fatal_error;   // the register cannot be used; nothing else is set
  std::vector<ChangedHousehold> changed;  // by line: the first ImpactOptions::changed_limit
  std::vector<std::uint64_t> variant_households;  // per variant: changed households it moves
  bool out_of_memory = false;  // with fatal_error: memory ran out (the CLI's exit code 6)
};

// What DiffResult::impact shows of a pass (diff_policies.cpp).
ImpactSummary summary_of(const Impact& impact);

// `old_data` null: one register under both versions. Else `data` is this
// year's register and `old_data` last year's, joined on the key.
Impact compute_impact(const Policy& old_policy, const Policy& new_policy, std::FILE* data, std::FILE* old_data,
                      const ImpactOptions& options);

}  // namespace precept::diff
