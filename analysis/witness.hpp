// Witnesses without data: for each output two versions of a policy share, either
// a concrete household on which they disagree, a proof that they agree on every
// household the record's declared checks allow, or a plain statement that the
// question is beyond what the solver decides (e.g. non-linear arithmetic).
//
// The questions go to an SMT solver (Z3, Debian's libz3-dev) over the checked
// decision logic of both versions: linear arithmetic on integers and exact
// decimals, booleans, enums. A witness is always re-run through both compiled
// versions before it is reported, so a witness that does not really show a
// difference is never printed as one.
//
// Rejected households: values are compared on the households both versions
// accept. A household exactly one version rejects (a new `require`, a changed
// `where`, a table that no longer covers it) is also reported as Differs, with
// "rejected: ..." as that version's value, once the evaluators confirm it.
// SameForAll therefore means: equal on every household both versions accept.
#pragma once

#include <precept/diff.hpp>
#include <precept/policy.hpp>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace precept::ast {
struct PolicyFile;
}
namespace precept {
struct CheckedPolicy;
}

namespace precept::analysis {

// The solver work one command may spend in total, in Z3's resource units
// ("rlimit"), shared by every question it asks: each exception pair of a
// compile, each output of a diff. Each bound per question alone let a few
// kilobytes of policy keep the solver busy for minutes. Units, not seconds, so
// that the same inputs always get the same verdicts.
class SolverBudget {
 public:
  explicit SolverBudget(std::uint64_t total = kDefaultSolverBudget) : total_(total) {}
  std::uint64_t total() const { return total_; }
  std::uint64_t used() const { return used_; }
  std::uint64_t left() const { return used_ >= total_ ? 0 : total_ - used_; }
  // The limit of a question that may take `own_limit` units on its own: less when
  // less is left; 0 when nothing is left and the question must not be asked.
  unsigned limit_for(unsigned own_limit) const {
    return static_cast<unsigned>(std::min<std::uint64_t>(own_limit, left()));
  }
  void spend(std::uint64_t units) { used_ += units; }
  // What to suggest when it ran out: four times as much (at least the default),
  // a step that decides most questions a first budget left open.
  std::uint64_t raised() const {
    const std::uint64_t most = std::numeric_limits<std::uint64_t>::max();
    return total_ > most / 4 ? most : std::max(total_ * 4, kDefaultSolverBudget);
  }

 private:
  std::uint64_t total_;
  std::uint64_t used_ = 0;
};

// The verdicts and witnesses are public data (include/precept/diff.hpp).
using diff::OutputWitness;
using diff::Verdict;

struct WitnessOptions {
  // How much work the solver may do per output, in Z3's resource units
  // ("rlimit"): a count, not a clock, so a verdict is the same on a loaded
  // machine and a quiet one (and Z3's timer thread, which a wall-clock limit
  // starts, can deadlock in the Z3 that Debian 12 ships). The default is a few
  // seconds of solving on this project's machines.
  unsigned resource_limit = 20'000'000;
  // What all the outputs may take together, shared with the command's other
  // questions (see SolverBudget); null: kDefaultSolverBudget for this call.
  SolverBudget* budget = nullptr;
};

// One version of a policy as the caller compiled and checked it: the analysis
// compiles nothing itself, so it sits below the compiler's layering (which asks
// it about exceptions) and below diff/ (which loads the two versions).
struct WitnessVersion {
  std::string_view name;         // for messages: the policy's file name
  std::string_view source;       // the text `file` was parsed from (its locations point into it)
  const Policy& policy;          // compiled: every household the solver proposes is re-run through it
  const ast::PolicyFile& file;   // the tree compile() checked: parents merged, dated values picked
  const CheckedPolicy& checked;  // `file` checked
};

// Answers for every output present in both versions, in the new version's
// output order. Outputs only one version has are not compared here (the
// structural diff reports them). Outputs are decided in order until the budget
// is spent; the rest are Unknown with `out_of_budget` set. (diff/witnesses.hpp
// does the same from two policy texts.)
std::vector<OutputWitness> find_witnesses(const WitnessVersion& old_version, const WitnessVersion& new_version,
                                          const WitnessOptions& options = {});

// Whether two exceptions of a layered policy can hold for one household
// (compiler/layers.cpp). Each entry of `requires_broken` is the index of the
// `require not (c1 and c2)` placed for a pair; the answer is Differs with a
// household every other check accepts and that breaks it, SameForAll when no
// household can, Unknown with a reason otherwise. Each pair may take
// `resource_limit` units of the solver's work (a count, as in WitnessOptions:
// compiling gives the same verdict on any machine, and starts no timer thread),
// and all of them together what is left of `budget`: pairs are decided in order
// until it is spent, the rest are Unknown with `out_of_budget` set.
struct Overlap {
  Verdict verdict = Verdict::Unknown;
  std::vector<std::pair<std::string, std::string>> household;
  std::string reason;
  bool out_of_budget = false;
};
std::vector<Overlap> find_overlaps(const ast::PolicyFile& file, const CheckedPolicy& checked,
                                   std::string_view source, const std::vector<std::size_t>& requires_broken,
                                   SolverBudget& budget, unsigned resource_limit = 5'000'000);

// For reports: which outputs the budget left undecided and what to do, e.g.
// "the solver budget (50000000 units) was spent before `aid`, `category` could
// be decided; raise it ..."; empty when none was left undecided for it.
std::string out_of_budget_note(const std::vector<OutputWitness>& witnesses, const SolverBudget& budget);

}  // namespace precept::analysis
