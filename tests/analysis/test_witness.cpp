// Witnesses without data: planted changes must yield a household that really
// shows the difference when run through both versions, refactorings must be
// proven equal, and what the encoding cannot decide must say so.
#include "witness.hpp"
#include "witnesses.hpp"

#include <precept/evaluator.hpp>
#include <precept/policy.hpp>

#include "files.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <regex>
#include <string_view>

namespace precept::analysis {
namespace {

// Replaces the first occurrence of `from`, where a run of spaces in `from`
// matches any run of spaces, so that `precept fmt` re-aligning the library's
// tables and arrows does not break the tests that edit it.
std::string replaced(std::string text, const std::string& from, const std::string& to) {
  std::string pattern;
  for (std::size_t i = 0; i < from.size(); ++i) {
    if (from[i] == ' ') {
      while (i + 1 < from.size() && from[i + 1] == ' ') ++i;
      pattern += " +";
      continue;
    }
    if (std::string_view("\\^$.|?*+()[]{}").find(from[i]) != std::string_view::npos) pattern += '\\';
    pattern += from[i];
  }
  std::smatch match;
  const bool found = std::regex_search(text, match, std::regex(pattern));
  EXPECT_TRUE(found) << "the test's policy has no `" << from << "`";
  if (found) text.replace(static_cast<std::size_t>(match.position(0)), static_cast<std::size_t>(match.length(0)), to);
  return text;
}

std::string w1() { return testing::read_file(std::string(PRECEPT_SOURCE_DIR) + "/policies/xijiang_2015.pol"); }

const char* verdict_name(Verdict v) {
  return v == Verdict::Differs ? "Differs" : v == Verdict::SameForAll ? "SameForAll" : "Unknown";
}

std::string result_text(const Policy& policy, const Outcome& outcome, const std::string& output) {
  if (!outcome.ok) return "rejected";
  const auto names = policy.output_names();
  const auto at = std::find(names.begin(), names.end(), output);
  EXPECT_NE(at, names.end());
  return outcome.values.at(static_cast<std::size_t>(at - names.begin()));
}

// Runs the witness through both compiled versions, independently of the witness search.
void expect_reproduces(const OutputWitness& w, const std::string& old_source, const std::string& new_source) {
  ASSERT_EQ(w.verdict, Verdict::Differs) << w.output << ": " << w.reason;
  auto old_policy = compile(old_source, "old.pol");
  auto new_policy = compile(new_source, "new.pol");
  ASSERT_TRUE(old_policy.ok() && new_policy.ok());
  Evaluator old_eval(*old_policy.policy), new_eval(*new_policy.policy);
  const Outcome before = old_eval.evaluate(w.household);
  const Outcome after = new_eval.evaluate(w.household);
  const std::string a = result_text(*old_policy.policy, before, w.output);
  const std::string b = result_text(*new_policy.policy, after, w.output);
  EXPECT_NE(a, b) << "output " << w.output << " is the same on the witness";
  if (before.ok) {
    EXPECT_EQ(a, w.old_value);
  }
  if (after.ok) {
    EXPECT_EQ(b, w.new_value);
  }
}

struct Timed {
  std::vector<OutputWitness> results;
  double seconds = 0;
};

Timed witnesses(const std::string& old_source, const std::string& new_source,
                unsigned resource_limit = WitnessOptions{}.resource_limit) {
  WitnessOptions options;
  options.resource_limit = resource_limit;
  const auto start = std::chrono::steady_clock::now();
  Timed t;
  t.results = diff::find_witnesses(old_source, "old.pol", new_source, "new.pol", options);
  t.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  // Every difference claimed anywhere must show when run, not only the ones a test looks at.
  for (const auto& w : t.results)
    if (w.verdict == Verdict::Differs) expect_reproduces(w, old_source, new_source);
  return t;
}

const OutputWitness& find(const std::vector<OutputWitness>& results, const std::string& output) {
  const auto it = std::find_if(results.begin(), results.end(), [&](const auto& w) { return w.output == output; });
  if (it == results.end()) throw std::runtime_error("no result for output " + output);
  return *it;
}

void report(const std::string& label, const Timed& t) {
  std::cout << "[witness] " << label << " (" << t.seconds << " s):";
  for (const auto& w : t.results) std::cout << " " << w.output << "=" << verdict_name(w.verdict);
  std::cout << "\n";
}

void expect_all_same(const std::string& old_source, const std::string& new_source, const std::string& label) {
  const Timed t = witnesses(old_source, new_source);
  report(label, t);
  ASSERT_FALSE(t.results.empty());
  for (const auto& w : t.results) EXPECT_EQ(w.verdict, Verdict::SameForAll) << label << ": " << w.output << ": " << w.reason;
}

TEST(Witness, IdenticalSmallPolicyIsSameForAll) {
  const std::string s = R"(policy "s" year 2020
record r { income: money  members: int where >= 1  car: bool }
param line: money = 3000 yuan
rule poor: not car and income < line
output poor, half = round(income / 2, 2)
)";
  expect_all_same(s, s, "identical small");
}

const char* kBase = R"(policy "s" year 2020
enum grade { safe, c, d }
enum item { house, study, water }
record r {
  income:   money
  members:  int where >= 1
  students: int
  house:    grade
  car:      bool
  remote:   bool
  water:    bool
}
param line: money = 3000 yuan
let total: money = income + 100 yuan * students
rule rich: car or remote
rule poor: not rich and total < line
decide level: int
  when not poor -> 0
  when students > 5 -> 2
  otherwise -> 1
table aid first
  | when house | when income | amount: money |
  | d          | -           | 20000 yuan    |
  | c          | < 3000 yuan | 8000 yuan     |
  | c, safe    | -           | 0 yuan        |
table extras collect when poor
  | item  | when         | cost     |
  | house | house is d   | 500 yuan |
  | study | students > 0 | 200 yuan |
  | water | not water    | 50 yuan  |
output poor, level, amount = aid.amount, items = extras.item, cost = sum(extras.cost)
)";

TEST(Witness, PlantedThresholdOnSmallPolicy) {
  const std::string old_s = kBase, new_s = replaced(kBase, "line: money = 3000 yuan", "line: money = 3200 yuan");
  const Timed t = witnesses(old_s, new_s);
  report("small threshold", t);
  expect_reproduces(find(t.results, "poor"), old_s, new_s);
  EXPECT_EQ(find(t.results, "amount").verdict, Verdict::SameForAll) << find(t.results, "amount").reason;
}

TEST(Witness, PlantedTableRowAmountAndDecide) {
  const std::string old_s = kBase;
  {
    const std::string new_s = replaced(kBase, "| c          | < 3000 yuan | 8000 yuan     |",
                                       "| c          | < 3000 yuan | 9000 yuan     |");
    const Timed t = witnesses(old_s, new_s);
    report("small table amount", t);
    expect_reproduces(find(t.results, "amount"), old_s, new_s);
    EXPECT_EQ(find(t.results, "poor").verdict, Verdict::SameForAll);
  }
  {
    const std::string new_s = replaced(kBase, "| water | not water    | 50 yuan  |",
                                       "| water | not water    | 50 yuan  |\n  | water | remote       | 70 yuan  |");
    const Timed t = witnesses(old_s, new_s);
    report("small new collect row", t);
    // remote households are never poor, so the new row never applies: equal everywhere.
    EXPECT_EQ(find(t.results, "items").verdict, Verdict::SameForAll) << find(t.results, "items").reason;
    EXPECT_EQ(find(t.results, "cost").verdict, Verdict::SameForAll);
  }
  {
    const std::string new_s = replaced(kBase, "| water | not water    | 50 yuan  |",
                                       "| water | not water    | 50 yuan  |\n  | water | students > 3 | 70 yuan  |");
    const Timed t = witnesses(old_s, new_s);
    report("small new collect row (reachable)", t);
    expect_reproduces(find(t.results, "items"), old_s, new_s);
    expect_reproduces(find(t.results, "cost"), old_s, new_s);
    EXPECT_EQ(find(t.results, "level").verdict, Verdict::SameForAll);
  }
  {
    const std::string new_s = replaced(kBase, "when students > 5 -> 2", "when students > 4 -> 2");
    const Timed t = witnesses(old_s, new_s);
    report("small decide branch", t);
    expect_reproduces(find(t.results, "level"), old_s, new_s);
    EXPECT_EQ(find(t.results, "cost").verdict, Verdict::SameForAll);
  }
}

TEST(Witness, RefactoringsAreSameForAll) {
  const std::string base = kBase;
  expect_all_same(base, replaced(base, "rule rich: car or remote", "rule rich: remote or car"), "reordered or");
  expect_all_same(base,
                  replaced(replaced(base, "let total: money = income + 100 yuan * students\n", ""),
                           "rule poor: not rich and total < line",
                           "rule poor: not rich and income + 100 yuan * students < line"),
                  "let inlined");
  expect_all_same(base, replaced(base, "when students > 5 -> 2", "when not (students <= 5) -> 2"), "x > 5 vs not x <= 5");
  std::string renamed = replaced(base, "param line: money", "param poverty_line: money");
  renamed = replaced(renamed, "total < line", "total < poverty_line");
  expect_all_same(base, renamed, "param renamed");
  // The same rows, drawn differently: `c, safe` split into two rows.
  expect_all_same(base,
                  replaced(base, "  | c, safe    | -           | 0 yuan        |",
                           "  | c          | -           | 0 yuan        |\n  | safe       | -           | 0 yuan        |"),
                  "table rows split");
}

TEST(Witness, ExactRoundingModesAreDecided) {
  const std::string base = R"(policy "r" year 2020
record r { income: money  members: int where >= 1 }
output up = round(income / 3, 0, half_up), even = round(income / 4, 1)
)";
  expect_all_same(base, base, "rounding identical");
  // half_up and half_even differ exactly on ties: a household with a tie must be found.
  const std::string changed = replaced(base, "round(income / 4, 1)", "round(income / 4, 1, half_up)");
  const Timed t = witnesses(base, changed);
  report("rounding mode", t);
  expect_reproduces(find(t.results, "even"), base, changed);
  EXPECT_EQ(find(t.results, "up").verdict, Verdict::SameForAll);
  // floor and down agree on non-negative incomes only: a negative income is the witness.
  const std::string floored = replaced(base, "round(income / 3, 0, half_up)", "round(income / 3, 0, floor)");
  const std::string down = replaced(base, "round(income / 3, 0, half_up)", "round(income / 3, 0, down)");
  const Timed t2 = witnesses(floored, down);
  expect_reproduces(find(t2.results, "up"), floored, down);
}

TEST(Witness, NonLinearIsNeverAWrongVerdict) {
  const std::string a = R"(policy "n" year 2020
record r { income: money  members: int where >= 1 }
rule low: income / members < 1000 yuan
output low
)";
  const std::string b = replaced(a, "income / members < 1000 yuan", "income < 1000 yuan * members");
  for (unsigned limit : {1000u, WitnessOptions{}.resource_limit}) {
    const Timed t = witnesses(a, b, limit);
    report("non-linear, equal, work limit " + std::to_string(limit), t);
    ASSERT_EQ(t.results.size(), 1u);
    const OutputWitness& w = t.results[0];
    EXPECT_NE(w.verdict, Verdict::Differs);
    if (w.verdict == Verdict::Unknown) {
      EXPECT_NE(w.reason.find("non-linear"), std::string::npos) << w.reason;
      EXPECT_NE(w.reason.find("income / members"), std::string::npos) << w.reason;
    }
  }
  // Off by one fen: a real difference, found even where the general question is hard.
  const std::string c = replaced(a, "income / members < 1000 yuan", "income < 1000.01 yuan * members");
  const Timed t = witnesses(a, c);
  report("non-linear, different", t);
  EXPECT_EQ(t.results.at(0).verdict, Verdict::Differs) << t.results.at(0).reason;
}

TEST(Witness, UnsupportedConstructIsUnknownWithAReason) {
  const std::string policy =
      testing::read_file(std::string(PRECEPT_SOURCE_DIR) + "/tests/compiler/policies/optional.pol");
  const Timed t = witnesses(policy, policy);
  report("optional.pol identical", t);
  const OutputWitness& count = find(t.results, "cause_count");
  EXPECT_EQ(count.verdict, Verdict::Unknown);
  EXPECT_NE(count.reason.find("count"), std::string::npos) << count.reason;
  // What does not read the unsupported part is still decided.
  EXPECT_EQ(find(t.results, "savings").verdict, Verdict::SameForAll) << find(t.results, "savings").reason;
  EXPECT_EQ(find(t.results, "ill").verdict, Verdict::SameForAll) << find(t.results, "ill").reason;
  EXPECT_EQ(find(t.results, "note").verdict, Verdict::SameForAll) << find(t.results, "note").reason;
}

// `unique` and `any` are encoded: a household two rows match is rejected, which
// `first` never does. `priority` and the aggregates are not: unknown, with a reason.
TEST(Witness, HitPolicies) {
  const std::string first = R"(policy "u" year 2020
record r { income: money  members: int where >= 1  remote: bool }
table support first
  | when                         | support: money |
  | income < 1000 yuan * members | 500 yuan       |
  | remote and members * 2 > 6   | 50 yuan        |
  | -                            | 0 yuan         |
output support
)";
  expect_all_same(first, first, "first identical");
  const std::string unique = replaced(first, "table support first", "table support");
  expect_all_same(unique, unique, "unique identical");
  {
    const Timed t = witnesses(first, unique);
    report("first -> unique", t);
    const OutputWitness& w = find(t.results, "support");
    EXPECT_EQ(w.verdict, Verdict::Differs) << w.reason;
  }
  const std::string priority = R"(policy "p" year 2020
enum level { high, low }
record r { remote: bool  members: int }
table urgency priority
  | when remote | level |
  | -           | low   |
  | true        | high  |
table total collect sum
  | when remote | amount   |
  | true        | 100 yuan |
output urgency, total, members
)";
  const Timed t = witnesses(priority, priority);
  report("priority identical", t);
  EXPECT_EQ(find(t.results, "urgency").verdict, Verdict::Unknown);
  EXPECT_NE(find(t.results, "urgency").reason.find("`priority`"), std::string::npos) << find(t.results, "urgency").reason;
  EXPECT_EQ(find(t.results, "total").verdict, Verdict::Unknown);
  EXPECT_NE(find(t.results, "total").reason.find("`collect sum`"), std::string::npos) << find(t.results, "total").reason;
  EXPECT_EQ(find(t.results, "members").verdict, Verdict::SameForAll) << find(t.results, "members").reason;
}

TEST(Witness, OptionalFieldsAndDefaults) {
  const std::string policy =
      testing::read_file(std::string(PRECEPT_SOURCE_DIR) + "/tests/compiler/policies/optional.pol");
  const std::string changed = replaced(policy, "deposits if missing 0 yuan", "deposits if missing 1 yuan");
  const Timed t = witnesses(policy, changed);
  report("optional default", t);
  const OutputWitness& w = find(t.results, "savings");
  expect_reproduces(w, policy, changed);
  const auto deposits = std::find_if(w.household.begin(), w.household.end(), [](auto& p) { return p.first == "deposits"; });
  ASSERT_NE(deposits, w.household.end());
  EXPECT_EQ(deposits->second, "") << "only a missing deposit shows the changed default";
}

TEST(Witness, AHouseholdOnlyOneVersionRejectsIsADifference) {
  const std::string a = R"(policy "q" year 2020
record r { income: money  members: int where >= 1 }
output half = round(income / 2, 2)
)";
  const std::string b = replaced(a, "output half", "require income >= 0 yuan \"negative income\"\noutput half");
  const Timed t = witnesses(a, b);
  report("added require", t);
  const OutputWitness& w = t.results.at(0);
  ASSERT_EQ(w.verdict, Verdict::Differs) << w.reason;
  EXPECT_NE(w.new_value.find("rejected: negative income"), std::string::npos) << w.new_value;
  EXPECT_EQ(w.old_value.find("rejected"), std::string::npos) << w.old_value;
}

TEST(Witness, ChangedOutputTypeIsUnknown) {
  const std::string a = R"(policy "t" year 2020
record r { income: money }
output x = income
)";
  const std::string b = R"(policy "t" year 2020
record r { income: money }
output x = income > 0 yuan
)";
  const Timed t = witnesses(a, b);
  ASSERT_EQ(t.results.size(), 1u);
  EXPECT_EQ(t.results[0].verdict, Verdict::Unknown);
  EXPECT_NE(t.results[0].reason.find("type"), std::string::npos) << t.results[0].reason;
}

TEST(Witness, CompileErrorIsReported) {
  const Timed t = witnesses("policy \"x\" year 2020\nrecord r { a: int }\noutput b\n", kBase);
  ASSERT_EQ(t.results.size(), 1u);
  EXPECT_EQ(t.results[0].verdict, Verdict::Unknown);
  EXPECT_NE(t.results[0].reason.find("old.pol"), std::string::npos) << t.results[0].reason;
}

// --- W1 variants ---

TEST(WitnessW1, IdenticalIsSameForAllOnEveryOutput) { expect_all_same(w1(), w1(), "W1 identical"); }

TEST(WitnessW1, DepositCapThreshold) {
  const std::string old_s = w1();
  const std::string new_s = replaced(old_s, "deposit_cap: money = 50000.00 yuan", "deposit_cap: money = 40000.00 yuan");
  const Timed t = witnesses(old_s, new_s);
  report("W1 deposit cap 50000 -> 40000", t);
  expect_reproduces(find(t.results, "poor"), old_s, new_s);
  EXPECT_EQ(find(t.results, "household_id").verdict, Verdict::SameForAll);
  EXPECT_EQ(find(t.results, "per_capita").verdict, Verdict::SameForAll);
}

TEST(WitnessW1, PovertyLineIsDiffersOrUnknownNeverWrong) {
  const std::string old_s = w1();
  const std::string new_s = replaced(old_s, "poverty_line: money = 2736.00 yuan", "poverty_line: money = 2855.00 yuan");
  const Timed t = witnesses(old_s, new_s);
  report("W1 poverty line 2736 -> 2855", t);
  const OutputWitness& poor = find(t.results, "poor");
  ASSERT_NE(poor.verdict, Verdict::SameForAll) << poor.reason;
  std::cout << "[witness] W1 poverty line, poor: " << poor.old_value << " -> " << poor.new_value << " on";
  for (const auto& [field, value] : poor.household) std::cout << " " << field << "=" << value;
  std::cout << "\n";
  if (poor.verdict == Verdict::Differs) expect_reproduces(poor, old_s, new_s);
  else EXPECT_FALSE(poor.reason.empty());
  EXPECT_EQ(find(t.results, "per_capita").verdict, Verdict::SameForAll);
}

TEST(WitnessW1, AddedVetoItem) {
  const std::string old_s = w1();
  std::string new_s = replaced(old_s, "rule poor \"identified",
                               "rule big_loss \"a veto item added\": disaster_loss > 200000 yuan\n\nrule poor \"identified");
  new_s = replaced(new_s, "owns_car or owns_town_house or public_employee or deposits > deposit_cap",
                   "owns_car or owns_town_house or public_employee or deposits > deposit_cap");
  new_s = replaced(new_s, "wubao or (not excluded and per_capita < poverty_line)",
                   "wubao or (not excluded and not big_loss and per_capita < poverty_line)");
  const Timed t = witnesses(old_s, new_s);
  report("W1 added veto item", t);
  expect_reproduces(find(t.results, "poor"), old_s, new_s);
  expect_reproduces(find(t.results, "category"), old_s, new_s);
}

TEST(WitnessW1, ChangedTableAmountAndNewRow) {
  const std::string old_s = w1();
  {
    const std::string new_s = replaced(old_s, "| water_project      | not safe_water                | 500 yuan",
                                       "| water_project      | not safe_water                | 600 yuan");
    const Timed t = witnesses(old_s, new_s);
    report("W1 water amount 500 -> 600", t);
    expect_reproduces(find(t.results, "total_assistance"), old_s, new_s);
    EXPECT_EQ(find(t.results, "measures").verdict, Verdict::SameForAll) << find(t.results, "measures").reason;
    EXPECT_EQ(find(t.results, "main_cause").verdict, Verdict::SameForAll);
  }
  {
    const std::string new_s =
        replaced(old_s, "| water_project      | not safe_water                | 500 yuan                                         |",
                 "| water_project      | not safe_water                | 500 yuan                                         |\n"
                 "  | rain_dew           | students > 2                  | 300 yuan                                         |");
    const Timed t = witnesses(old_s, new_s);
    report("W1 new table row", t);
    expect_reproduces(find(t.results, "measures"), old_s, new_s);
    expect_reproduces(find(t.results, "total_assistance"), old_s, new_s);
    EXPECT_EQ(find(t.results, "poor").verdict, Verdict::SameForAll);
  }
}

TEST(WitnessW1, ChangedDecideBranch) {
  const std::string old_s = w1();
  const std::string new_s = replaced(old_s, "when students > 0                      -> education",
                                     "when students > 1                      -> education");
  const Timed t = witnesses(old_s, new_s);
  report("W1 decide branch students > 0 -> > 1", t);
  expect_reproduces(find(t.results, "main_cause"), old_s, new_s);
  EXPECT_EQ(find(t.results, "category").verdict, Verdict::SameForAll);
  EXPECT_EQ(find(t.results, "total_assistance").verdict, Verdict::SameForAll);
}

TEST(WitnessW1, RefactoringsAreSameForAll) {
  const std::string old_s = w1();
  expect_all_same(old_s,
                  replaced(old_s, "owns_car or owns_town_house or public_employee or deposits > deposit_cap",
                           "deposits > deposit_cap or public_employee or owns_town_house or owns_car"),
                  "W1 reordered veto items");
  expect_all_same(old_s,
                  replaced(old_s, "when ill_members > 0                   -> illness",
                           "when not (ill_members <= 0)           -> illness"),
                  "W1 not <=");
}

// Twenty changed outputs: the first `linear` move a threshold by one fen (a
// difference the solver finds at once); the others divide by a sum of fields
// (non-linear: each a search of hundreds of thousands of units or more). Before
// the budget, each output had a limit of its own and all of them none.
std::pair<std::string, std::string> twenty_changed_outputs(int linear) {
  std::string old_s = "policy \"twenty\" year 2020\nrecord r { income: money  members: int where >= 1  kids: int where >= 0 }\n";
  std::string new_s = old_s, outputs;
  for (int i = 1; i <= 20; ++i) {
    const std::string name = "low" + std::to_string(i), line = std::to_string(i * 100) + " yuan";
    old_s += "rule " + name + ": round(income / members, 2) < " + line + "\n";
    new_s += "rule " + name + ": " +
             (i <= linear ? "round(income / members, 2) < " + std::to_string(i * 100) + ".01 yuan"
                          : "round(income * kids / (members * kids + members), 2) < " + line) +
             "\n";
    outputs += (outputs.empty() ? "output " : ", ") + name;
  }
  return {old_s + outputs + "\n", new_s + outputs + "\n"};
}

std::vector<OutputWitness> within(SolverBudget& budget, const std::string& old_s, const std::string& new_s) {
  WitnessOptions options;
  options.budget = &budget;
  return diff::find_witnesses(old_s, "old.pol", new_s, "new.pol", options);
}

TEST(WitnessBudget, OutputsTheBudgetLeftAreNamedAndTheWorkStaysWithinIt) {
  const auto [old_s, new_s] = twenty_changed_outputs(5);
  SolverBudget budget(150'000);
  const auto results = within(budget, old_s, new_s);
  ASSERT_EQ(results.size(), 20u);
  EXPECT_GT(budget.used(), 0u);
  EXPECT_LE(budget.used(), budget.total());
  for (int i = 0; i < 5; ++i) {
    expect_reproduces(results[static_cast<std::size_t>(i)], old_s, new_s);
    EXPECT_FALSE(results[static_cast<std::size_t>(i)].out_of_budget);
  }
  std::size_t left = 0;
  for (const auto& w : results) {
    if (!w.out_of_budget) continue;
    ++left;
    EXPECT_EQ(w.verdict, Verdict::Unknown) << w.output;
    EXPECT_NE(w.reason.find("solver budget (150000 units"), std::string::npos) << w.reason;
    EXPECT_NE(w.reason.find("--solver-budget"), std::string::npos) << w.reason;
  }
  EXPECT_TRUE(results.back().out_of_budget);
  EXPECT_GT(left, 0u);
  // The report's note names exactly those outputs.
  const std::string note = out_of_budget_note(results, budget);
  for (const auto& w : results)
    EXPECT_EQ(note.find("`" + w.output + "`") != std::string::npos, w.out_of_budget) << w.output << ": " << note;
  EXPECT_NE(note.find("--solver-budget"), std::string::npos) << note;

  // The same inputs, the same verdicts and the same work: units, not seconds.
  SolverBudget again(150'000);
  const auto repeated = within(again, old_s, new_s);
  EXPECT_EQ(again.used(), budget.used());
  ASSERT_EQ(repeated.size(), results.size());
  for (std::size_t i = 0; i < results.size(); ++i) {
    EXPECT_EQ(repeated[i].verdict, results[i].verdict) << results[i].output;
    EXPECT_EQ(repeated[i].out_of_budget, results[i].out_of_budget) << results[i].output;
  }
}

}  // namespace
}  // namespace precept::analysis
