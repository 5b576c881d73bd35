// Layered policies (`extends`, override, replace, exception, extend) and dated
// parameter values, on the chain tests/compiler/layers/national.pol <- province.pol
// <- county.pol and the error corpus tests/compiler/layers/errors/.
//
// The corpus: each NN_name.pol next to NN_name.expected, exactly what compiling it
// reports. After an intended change of wording, rewrite and review:
//
//   PRECEPT_UPDATE_GOLDEN=1 ./build/tests/compiler/compiler_tests --gtest_filter='Layers*'
#include "formatter.hpp"
#include "golden.hpp"
#include "program.hpp"
#include "serialize.hpp"

#include <precept/evaluator.hpp>
#include <precept/policy.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

using Record = std::vector<std::pair<std::string, std::string>>;
using precept::testing::read_file;

// Compiles `child` (named c.pol), which extends "p.pol", whose text is `parent`.
precept::CompileResult compile_over_parent(const std::string& parent, const std::string& child,
                                           std::uint64_t solver_budget = precept::kDefaultSolverBudget) {
  precept::CompileOptions options;
  options.solver_budget = solver_budget;
  options.loader = [&](const std::string& path) -> std::optional<std::string> {
    if (path == "p.pol") return parent;
    return std::nullopt;
  };
  options.base_directory = "";
  return precept::compile(child, "c.pol", options);
}

// Paths in diagnostics are as given, relative to the source tree, so goldens do
// not depend on where the tree is checked out.
class Layers : public ::testing::Test {
 protected:
  void SetUp() override {
    previous_ = fs::current_path();
    fs::current_path(PRECEPT_SOURCE_DIR);
  }
  void TearDown() override { fs::current_path(previous_); }

  static precept::CompileResult open(const std::string& path, std::optional<int> year = std::nullopt) {
    precept::CompileOptions options;
    options.year = year;
    return precept::open_policy(path, options);
  }

  // The outputs of one household, by output name.
  static std::map<std::string, std::string> evaluate(const precept::Policy& policy, const Record& record) {
    precept::Evaluator evaluator(policy);
    const auto outcome = evaluator.evaluate(record);
    EXPECT_TRUE(outcome.ok) << outcome.error;
    std::map<std::string, std::string> values;
    const auto names = policy.output_names();
    for (std::size_t i = 0; i < names.size() && i < outcome.values.size(); ++i) values[names[i]] = outcome.values[i];
    return values;
  }

  static Record county_household(const std::string& income, const std::string& martyr = "0",
                                 const std::string& disabled = "0", const std::string& car = "0") {
    return {{"household_id", "h"}, {"members", "2"},        {"net_income", income}, {"wubao", "0"},
            {"owns_car", car},     {"martyr_family", martyr}, {"disabled", disabled}};
  }

  fs::path previous_;
};

TEST_F(Layers, ChainCompilesToOneProgramWithTheChildsHeaderAndEveryLayersParts) {
  auto compiled = open("tests/compiler/layers/county.pol");
  ASSERT_TRUE(compiled.ok()) << precept::render(compiled.diagnostics);
  const auto& policy = *compiled.policy;
  EXPECT_EQ(policy.name(), "会昌县扶贫对象识别");
  EXPECT_EQ(policy.year(), 2016);
  // The province's fields are added to the nation's record, in order.
  const std::vector<std::string> fields{"household_id", "members",       "net_income", "wubao",
                                        "owns_car",     "martyr_family", "disabled"};
  EXPECT_EQ(policy.field_names(), fields);
  // The province's `output aid = ...` is added to the nation's outputs.
  const std::vector<std::string> outputs{"household_id", "per_capita", "poor", "category", "aid"};
  EXPECT_EQ(policy.output_names(), outputs);
}

TEST_F(Layers, ProgramNamesItsChainAndQuotesNoLinesOfTheWrongFile) {
  auto compiled = open("tests/compiler/layers/county.pol");
  ASSERT_TRUE(compiled.ok());
  const auto& program = program_of(*compiled.policy);
  EXPECT_EQ(program.source_file,
            "tests/compiler/layers/county.pol (extends tests/compiler/layers/province.pol, "
            "tests/compiler/layers/national.pol)");
  // Instruction lines come from three files; no one file's text can be quoted for them.
  EXPECT_TRUE(program.source_text.empty());
  // A change in a parent changes the compiled policy's source hash.
  precept::CompileOptions options;
  options.base_directory = "tests/compiler/layers";
  const std::string county = read_file("tests/compiler/layers/county.pol");
  options.loader = [](const std::string& path) -> std::optional<std::string> {
    std::string text = read_file(path);
    if (path.find("national.pol") != std::string::npos) text += "\n# an edit\n";
    return text;
  };
  auto edited = precept::compile(county, "tests/compiler/layers/county.pol", options);
  ASSERT_TRUE(edited.ok()) << precept::render(edited.diagnostics);
  EXPECT_NE(program_of(*edited.policy).source_hash, program.source_hash);
}

TEST_F(Layers, DatedValueInForceIsTheLatestEntryNotAfterTheYear) {
  // per capita 2900: poor only under the province's 2016 line of 3000.
  const Record household = county_household("5800.00");
  for (const auto& [year, poor] : std::vector<std::pair<int, std::string>>{
           {2014, "false"}, {2015, "false"}, {2016, "true"}, {2030, "true"}}) {
    auto compiled = open("tests/compiler/layers/county.pol", year);
    ASSERT_TRUE(compiled.ok()) << precept::render(compiled.diagnostics);
    EXPECT_EQ(evaluate(*compiled.policy, household)["poor"], poor) << "year " << year;
    EXPECT_EQ(compiled.policy->year(), year);
  }
  // per capita 2830: between the nation's 2014 line (2800) and its 2015 line (2855).
  const Record between = county_household("5660.00");
  EXPECT_EQ(evaluate(*open("tests/compiler/layers/county.pol", 2014).policy, between)["poor"], "false");
  EXPECT_EQ(evaluate(*open("tests/compiler/layers/county.pol", 2015).policy, between)["poor"], "true");
}

TEST_F(Layers, DefaultYearIsTheChildPolicysOwn) {
  // The province says `year 2015`, the county `year 2016`: same household, each its own line.
  const Record household = county_household("5800.00");
  auto province = open("tests/compiler/layers/province.pol");
  auto county = open("tests/compiler/layers/county.pol");
  ASSERT_TRUE(province.ok() && county.ok());
  EXPECT_EQ(province.policy->year(), 2015);
  EXPECT_EQ(evaluate(*province.policy, household)["poor"], "false");
  EXPECT_EQ(evaluate(*county.policy, household)["poor"], "true");
}

TEST_F(Layers, ExceptionValueAppliesWhenItsConditionHoldsAndTheBaseOtherwise) {
  auto compiled = open("tests/compiler/layers/county.pol");
  ASSERT_TRUE(compiled.ok()) << precept::render(compiled.diagnostics);
  const auto& policy = *compiled.policy;
  // Rich: not poor by the base rule...
  EXPECT_EQ(evaluate(policy, county_household("90000.00"))["poor"], "false");
  // ...but the province's martyr exception and the county's disability exception make it poor.
  EXPECT_EQ(evaluate(policy, county_household("90000.00", "1"))["poor"], "true");
  EXPECT_EQ(evaluate(policy, county_household("90000.00", "0", "2"))["poor"], "true");
  EXPECT_EQ(evaluate(policy, county_household("90000.00", "0", "1"))["poor"], "false");
  // The decide and the table built on `poor` see the exception's value.
  EXPECT_EQ(evaluate(policy, county_household("90000.00", "1"))["category"], "ordinary");
  EXPECT_EQ(evaluate(policy, county_household("90000.00", "1"))["aid"], "500.00");
}

TEST_F(Layers, ExceptionToALetOrDecideChoosesItsValue) {
  const std::string parent = R"(policy "p" year 2015
enum kind { small, large }
record household { members: int }
let size: int = members
decide kind: kind
  when members > 5 -> large
  otherwise -> small
output size, kind
)";
  const std::string child = R"(policy "c" extends "p.pol"
exception crowded to size when members > 10 -> 10
exception single to kind when members = 1 -> large
)";
  auto compiled = compile_over_parent(parent, child);
  ASSERT_TRUE(compiled.ok()) << precept::render(compiled.diagnostics);
  auto values = [&](const std::string& members) { return evaluate(*compiled.policy, {{"members", members}}); };
  EXPECT_EQ(values("3")["size"], "3");
  EXPECT_EQ(values("30")["size"], "10");
  EXPECT_EQ(values("1")["kind"], "large");
  EXPECT_EQ(values("3")["kind"], "small");
  EXPECT_EQ(values("7")["kind"], "large");
}

// A child's parameter read by a row it adds moves the table below the child's
// declarations; the output that names `total` and the summary reading `total`
// must still come after it, in that order.
TEST_F(Layers, ReorderingKeepsASummaryAfterTheOutputItemItReads) {
  const std::string parent = R"(policy "p" year 2015
record household { members: int }
table aid collect
  | when        | amount: money |
  | members > 1 | 100 yuan      |
output total = sum(aid.amount)
summary
  population = members
  assistance = total
)";
  const std::string child = R"(policy "c" extends "p.pol"
param grant: money = 50 yuan "a county grant"
extend table aid
  | when        | amount: money |
  | members > 4 | grant         |
)";
  auto compiled = compile_over_parent(parent, child);
  ASSERT_TRUE(compiled.ok()) << precept::render(compiled.diagnostics);
  EXPECT_EQ(evaluate(*compiled.policy, {{"members", "5"}})["total"], "150.00");
  EXPECT_EQ(evaluate(*compiled.policy, {{"members", "2"}})["total"], "100.00");
}

TEST_F(Layers, ReplaceKeepsTheReplacedDeclarationsPlaceSoItsReadersSeeTheNewOne) {
  auto compiled = open("tests/compiler/layers/county.pol");
  ASSERT_TRUE(compiled.ok());
  // The county excludes a car owner only above 50000 yuan: per capita 2000 is poor.
  EXPECT_EQ(evaluate(*compiled.policy, county_household("4000.00", "0", "0", "1"))["poor"], "true");
  auto national = open("tests/compiler/layers/national.pol");
  ASSERT_TRUE(national.ok());
  precept::Evaluator evaluator(*national.policy);
  const auto outcome = evaluator.evaluate({{"household_id", "h"}, {"members", "2"}, {"net_income", "4000.00"},
                                           {"wubao", "0"}, {"owns_car", "1"}});
  ASSERT_TRUE(outcome.ok);
  EXPECT_EQ(outcome.values[2], "false");
}

TEST_F(Layers, ExtendTableAppendsRowsAfterTheParents) {
  auto compiled = open("tests/compiler/layers/province.pol");
  ASSERT_TRUE(compiled.ok());
  precept::Evaluator evaluator(*compiled.policy);
  const auto outcome = evaluator.evaluate({{"household_id", "h"}, {"members", "2"}, {"net_income", "1000.00"},
                                           {"wubao", "0"}, {"owns_car", "0"}, {"martyr_family", "0"}});
  ASSERT_TRUE(outcome.ok) << outcome.error;
  EXPECT_EQ(outcome.values.back(), "500.00");  // the province's row for `ordinary`
}

TEST_F(Layers, TwoExceptionsHoldingAtOnceRejectTheHouseholdNamingBoth) {
  auto compiled = open("tests/compiler/layers/overlap_runtime.pol");
  ASSERT_TRUE(compiled.ok()) << precept::render(compiled.diagnostics);
  precept::Evaluator evaluator(*compiled.policy);
  const auto both = evaluator.evaluate(
      {{"household_id", "r"}, {"members", "2"}, {"net_income", "500000.00"}, {"causes", "illness;disability"}});
  EXPECT_FALSE(both.ok);
  EXPECT_NE(both.error.find("`many_causes`"), std::string::npos) << both.error;
  EXPECT_NE(both.error.find("`rich`"), std::string::npos) << both.error;
  EXPECT_NE(both.error.find("both hold"), std::string::npos) << both.error;
  // One of them alone decides; neither leaves the base rule.
  const auto rich = evaluator.evaluate(
      {{"household_id", "r"}, {"members", "2"}, {"net_income", "500000.00"}, {"causes", "illness"}});
  ASSERT_TRUE(rich.ok);
  EXPECT_EQ(rich.values[1], "false");
  const auto many = evaluator.evaluate(
      {{"household_id", "r"}, {"members", "1"}, {"net_income", "90000.00"}, {"causes", "illness;disability"}});
  ASSERT_TRUE(many.ok);
  EXPECT_EQ(many.values[1], "true");
  const auto neither =
      evaluator.evaluate({{"household_id", "r"}, {"members", "2"}, {"net_income", "5000.00"}, {"causes", ""}});
  ASSERT_TRUE(neither.ok);
  EXPECT_EQ(neither.values[1], "true");
}

TEST_F(Layers, ExclusiveExceptionsAreNotReported) {
  // The county's disability exception says `not martyr_family`: the solver shows the
  // two cannot hold together, so no error (the county compiles, see above), and no
  // household is ever rejected for them.
  auto compiled = open("tests/compiler/layers/county.pol");
  ASSERT_TRUE(compiled.ok());
  precept::Evaluator evaluator(*compiled.policy);
  EXPECT_TRUE(evaluator.evaluate(county_household("90000.00", "1", "5")).ok);
}

// Twenty exceptions to one rule of errors/base.pol: 190 pairs, each a question
// about `per_capita`, a division by a field (non-linear). Before the solver
// budget, each pair could take 5M units of work and the total had no bound.
std::string twenty_exceptions() {
  std::string child = "policy \"hostile\" place \"test\" year 2015 extends \"p.pol\"\n\n";
  for (int i = 1; i <= 20; ++i)
    child += "exception x" + std::to_string(i) + " to poor \"case\" when per_capita < " + std::to_string(i * 100) +
             " yuan and net_income > " + std::to_string(i * 3000) + " yuan and members < " + std::to_string(i + 2) +
             " -> true\n\n";
  return child;
}

std::vector<precept::Diagnostic> warnings(const precept::CompileResult& compiled) {
  std::vector<precept::Diagnostic> found;
  for (const auto& d : compiled.diagnostics)
    if (d.severity == precept::Severity::Warning) found.push_back(d);
  return found;
}

TEST_F(Layers, TwentyExceptionsToOneRuleAreDecidedWithinTheDefaultSolverBudget) {
  const auto compiled = compile_over_parent(read_file("tests/compiler/layers/errors/base.pol"), twenty_exceptions());
  ASSERT_TRUE(compiled.ok()) << precept::render(compiled.diagnostics);
  EXPECT_GT(compiled.solver_work, 0u);
  EXPECT_LE(compiled.solver_work, precept::kDefaultSolverBudget);
  EXPECT_TRUE(warnings(compiled).empty()) << precept::render(compiled.diagnostics);
}

TEST_F(Layers, PairsTheSolverBudgetLeftUndecidedAreNamedAndTheWorkStaysWithinIt) {
  const std::string parent = read_file("tests/compiler/layers/errors/base.pol");
  const std::uint64_t budget = 50'000;
  const auto compiled = compile_over_parent(parent, twenty_exceptions(), budget);
  // Not an error: a household where two exceptions hold is still rejected when it runs.
  ASSERT_TRUE(compiled.ok()) << precept::render(compiled.diagnostics);
  EXPECT_GT(compiled.solver_work, 0u);
  EXPECT_LE(compiled.solver_work, budget);
  const auto said = warnings(compiled);
  ASSERT_EQ(said.size(), 1u) << precept::render(compiled.diagnostics);
  const std::string& message = said[0].message;
  EXPECT_NE(message.find("solver budget (50000 units)"), std::string::npos) << message;
  EXPECT_NE(message.find("exceptions to `poor`"), std::string::npos) << message;
  // Pairs are asked in order: the last one is among those left.
  EXPECT_NE(message.find("`x19` with `x20`"), std::string::npos) << message;
  EXPECT_NE(said[0].hint.find("--solver-budget"), std::string::npos) << said[0].hint;
  // Each pair left is named once ("`a` with `b`, `c`; `b` with `c`"): as many
  // partners as the count says.
  const std::size_t from = message.find("household: ") + 11;
  const std::string list = message.substr(from, message.find("; until") - from);
  std::size_t groups = 0;
  for (std::size_t at = list.find(" with "); at != std::string::npos; at = list.find(" with ", at + 1)) ++groups;
  const std::size_t named = static_cast<std::size_t>(std::count(list.begin(), list.end(), '`')) / 2 - groups;
  const std::size_t count = std::stoul(message.substr(message.find("these ") + 6));
  EXPECT_EQ(named, count) << message;
  EXPECT_LT(count, 190u) << "the budget decided some pairs";

  // The same inputs, the same verdicts and the same work: units, not seconds.
  const auto again = compile_over_parent(parent, twenty_exceptions(), budget);
  EXPECT_EQ(again.solver_work, compiled.solver_work);
  EXPECT_EQ(precept::render(again.diagnostics), precept::render(compiled.diagnostics));
}

TEST_F(Layers, ResolvedPolicyMatchesItsGolden) {
  precept::CompileOptions options;
  options.describe_layers = true;
  auto compiled = precept::open_policy("tests/compiler/layers/county.pol", options);
  ASSERT_TRUE(compiled.ok());
  precept::testing::expect_matches_golden("tests/compiler/layers/county.resolved", compiled.resolved);
}

TEST_F(Layers, FromTextAParentNeedsAFolderOrALoader) {
  auto compiled = precept::compile("policy \"c\" extends \"base.pol\"\n", "<text>");
  ASSERT_FALSE(compiled.ok());
  ASSERT_FALSE(compiled.diagnostics.empty());
  EXPECT_NE(compiled.diagnostics[0].message.find("given as text"), std::string::npos);
  EXPECT_NE(compiled.diagnostics[0].hint.find("base_directory"), std::string::npos);
  // With a folder it is found there.
  precept::CompileOptions options;
  options.base_directory = "tests/compiler/layers/errors";
  auto with_folder = precept::compile("policy \"c\" extends \"base.pol\"\n", "<text>", options);
  EXPECT_TRUE(with_folder.ok()) << precept::render(with_folder.diagnostics);
}

TEST_F(Layers, LoaderDiagnosticsNameTheLayerTheyAreIn) {
  precept::CompileOptions options;
  options.base_directory = "office";
  options.loader = [](const std::string& path) -> std::optional<std::string> {
    if (path == "office/parent.pol")
      return std::string("policy \"p\" year 2015\nrecord household { members: int }\nrule big: members + 1\noutput big\n");
    return std::nullopt;
  };
  auto compiled = precept::compile("policy \"c\" extends \"parent.pol\"\n", "office/child.pol", options);
  ASSERT_FALSE(compiled.ok());
  ASSERT_FALSE(compiled.diagnostics.empty());
  EXPECT_EQ(compiled.diagnostics[0].file, "office/parent.pol");
  EXPECT_EQ(compiled.diagnostics[0].line, 3u);
  EXPECT_EQ(compiled.diagnostics[0].source_line, "rule big: members + 1");
}

TEST_F(Layers, UnlayeredPoliciesCompileAsBefore) {
  // W1 has no layers and no dated values: asking for its own year changes nothing.
  auto plain = open("policies/xijiang_2015.pol");
  ASSERT_TRUE(plain.ok());
  auto own_year = open("policies/xijiang_2015.pol", 2015);
  ASSERT_TRUE(own_year.ok());
  EXPECT_EQ(plain.policy->serialize(), own_year.policy->serialize());
}

// The compiled program without what only says where things were written.
std::string meaning(const std::string& source, const std::string& name) {
  precept::CompileOptions options;
  options.base_directory = fs::path(name).parent_path().string();
  const auto compiled = precept::compile(source, name, options);
  if (!compiled.ok()) {
    ADD_FAILURE() << name << " does not compile:\n" << precept::render(compiled.diagnostics);
    return {};
  }
  precept::Program program = program_of(*compiled.policy);
  program.source_text.clear();
  program.source_hash = 0;
  std::fill(program.code_lines.begin(), program.code_lines.end(), 0);
  for (auto& field : program.fields) field.line = 0;
  for (auto& param : program.params) param.line = 0;
  // The explanation notes (in the .pcb since format 4) quote expressions as
  // written and say where; a param's layer says file:line.
  program.notes.clear();
  for (auto& param : program.params) param.layer = param.layer.substr(0, param.layer.rfind(':'));
  for (auto& example : program.examples) example.line = 0;
  return precept::serialize_program(program);
}

TEST_F(Layers, FormatterLaysOutLayeringSyntaxAndKeepsItsMeaning) {
  const std::string input_path = "tests/compiler/layers/fmt/layered.pol";
  const std::string expected_path = "tests/compiler/layers/fmt/layered.expected.pol";
  const std::string input = read_file(input_path);
  const auto result = precept::format_policy(input, input_path);
  ASSERT_TRUE(result.ok()) << precept::render(result.diagnostics);
  precept::testing::expect_matches_golden(expected_path, *result.text);
  // Formatting the canonical layout changes nothing.
  const auto again = precept::format_policy(*result.text, expected_path);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again.text, *result.text);
  // The same policy, layers and all.
  EXPECT_EQ(meaning(input, input_path), meaning(*result.text, input_path));
}

TEST_F(Layers, ChainFilesAreFormatted) {
  for (const char* path : {"tests/compiler/layers/national.pol", "tests/compiler/layers/province.pol",
                           "tests/compiler/layers/county.pol", "tests/compiler/layers/overlap_runtime.pol"}) {
    const std::string source = read_file(path);
    const auto result = precept::format_policy(source, path);
    ASSERT_TRUE(result.ok()) << path;
    EXPECT_EQ(*result.text, source) << path << " is not in the canonical layout";
  }
}

TEST_F(Layers, ResolvedSourceIsOnePlainPolicyThatDecidesTheSame) {
  const std::string path = "tests/compiler/layers/county.pol";
  precept::CompileOptions options;
  options.base_directory = "tests/compiler/layers";
  options.year = 2016;
  const auto resolved = precept::resolve_source(read_file(path), path, options);
  ASSERT_TRUE(resolved.text) << precept::render(resolved.diagnostics);
  EXPECT_EQ(resolved.text->find("extends"), std::string::npos);
  EXPECT_EQ(resolved.text->find("\nexception "), std::string::npos);
  auto flat = precept::compile(*resolved.text, "flat.pol");
  ASSERT_TRUE(flat.ok()) << precept::render(flat.diagnostics) << *resolved.text;
  auto layered = open(path, 2016);
  ASSERT_TRUE(layered.ok());
  EXPECT_EQ(flat.policy->output_names(), layered.policy->output_names());
  precept::Evaluator a(*flat.policy), b(*layered.policy);
  for (const auto& income : {"1000.00", "5800.00", "90000.00"})
    for (const auto& martyr : {"0", "1"})
      for (const auto& disabled : {"0", "3"}) {
        const Record r = county_household(income, martyr, disabled);
        EXPECT_EQ(a.evaluate(r).values, b.evaluate(r).values) << income << martyr << disabled;
      }
  // A policy without layers or dated values comes back exactly as written.
  const std::string w1 = read_file("policies/xijiang_2015.pol");
  EXPECT_EQ(precept::resolve_source(w1, "policies/xijiang_2015.pol").text, w1);
}

std::vector<std::string> corpus() {
  std::vector<std::string> names;
  const fs::path dir = fs::path(PRECEPT_SOURCE_DIR) / "tests/compiler/layers/errors";
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (entry.path().extension() == ".pol" && !name.empty() && std::isdigit(static_cast<unsigned char>(name[0])))
      names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

TEST_F(Layers, ErrorCorpusMatchesGoldens) {
  const auto names = corpus();
  ASSERT_GE(names.size(), 19u);
  for (const auto& name : names) {
    const std::string path = "tests/compiler/layers/errors/" + name;
    auto compiled = precept::open_policy(path);
    EXPECT_FALSE(compiled.ok()) << path << " compiled, but it is in the error corpus";
    const std::string actual = precept::render(compiled.diagnostics);
    precept::testing::expect_matches_golden(fs::path(path).replace_extension(".expected"), actual);
  }
}

}  // namespace
