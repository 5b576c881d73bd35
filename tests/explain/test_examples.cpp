// `example` declarations: what the checker accepts and refuses, and what
// running them reports, pass, fail and coverage.
#include "explain.hpp"

#include "program.hpp"
#include "serialize.hpp"
#include "verifier.hpp"

#include <precept/precept.hpp>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <functional>

namespace precept {
namespace {

const std::string kPolicy = R"(policy "test" year 2015
enum grade { safe, c, d }
enum item { repair, cash }
record household {
  id: text
  members: int where >= 1
  income: money
  wubao: bool
  house: grade
  note: optional text
  pension: money default 100 yuan
}
param line: money = 2736.00 yuan "the line" source "county document"
let per_capita: money = round(income / members, 2)
rule poor "identified as poor": wubao or per_capita < line
decide kind: grade
  when house is d -> d
  when house is c -> c
  otherwise -> safe
table aid collect when poor
  | item   | when       | amount     |
  | repair | house is d | 20000 yuan |
  | cash   | not wubao  | 100 yuan   |
output id, poor, kind, items = aid.item, total = sum(aid.amount) + pension
)";

CompileResult compile_with(const std::string& examples) { return compile(kPolicy + examples, "t.pol"); }

std::string errors_of(const CompileResult& r) {
  std::string out;
  for (const auto& d : r.diagnostics)
    if (d.severity == Severity::Error) out += d.message + " | " + d.hint + "\n";
  return out;
}

TEST(Examples, CompiledWithCellsDefaultsAndZeros) {
  const auto r = compile_with(R"(
example "五保户"
  given members = 1, income = 90000 yuan, wubao = true
  expect poor = true, items = [cash], total = 200 yuan
)");
  ASSERT_TRUE(r.ok()) << errors_of(r);
  const auto& examples = program_of(*r.policy).examples;
  ASSERT_EQ(examples.size(), 1u);
  const ExampleDef& e = examples[0];
  EXPECT_EQ(e.label, "五保户");
  // id: text zero; members, income, wubao given; house: the first member;
  // note: optional, so missing; pension: its default.
  EXPECT_EQ(e.cells, (std::vector<std::string>{"", "1", "90000.00", "1", "safe", "", ""}));
  ASSERT_EQ(e.expect.size(), 3u);
  EXPECT_EQ(e.expect[1].name, "items");
  EXPECT_EQ(e.expect[1].text, "cash");
  EXPECT_EQ(e.expect[2].text, "200.00");
}

TEST(Examples, CheckerSaysWhatIsWrong) {
  const auto r = compile_with(R"(
example "bad"
  given membres = 1, income = true, house = dd, wubao = [true]
  expect pooor = true, items = cash, kind = 3
)");
  ASSERT_FALSE(r.ok());
  const std::string errors = errors_of(r);
  EXPECT_NE(errors.find("`membres` is not a field of the record | did you mean `members`?"), std::string::npos) << errors;
  EXPECT_NE(errors.find("`income` is a money; this is not | write an amount"), std::string::npos) << errors;
  EXPECT_NE(errors.find("`dd` is not a member of `grade` | did you mean `d`?"), std::string::npos) << errors;
  EXPECT_NE(errors.find("`wubao` is a bool, not a list"), std::string::npos) << errors;
  EXPECT_NE(errors.find("`pooor` is not an output, rule, let, decide or table of the policy | did you mean `poor`?"),
            std::string::npos) << errors;
  EXPECT_NE(errors.find("`items` is a list of item: write its items in brackets"), std::string::npos) << errors;
  EXPECT_NE(errors.find("`kind` is a grade; this is not"), std::string::npos) << errors;
}

TEST(Examples, PassFailRejectedAndCoverage) {
  const auto r = compile_with(R"(
example "poor by the line"
  given id = "1", members = 2, income = 2000 yuan, house = d
  expect poor = true, per_capita = 1000 yuan, kind = d, aid = [repair, cash], total = 20200 yuan

example "wrong on purpose"
  given members = 1, income = 90000 yuan
  expect poor = true

example "no members"
  given members = 0
  expect rejected "at least 1"

example "not rejected"
  given members = 1
  expect rejected
)");
  ASSERT_TRUE(r.ok()) << errors_of(r);
  const TestReport report = run_examples(program_of(*r.policy));
  ASSERT_EQ(report.examples.size(), 4u);
  EXPECT_TRUE(report.examples[0].passed);
  for (const auto& p : report.examples[0].problems) ADD_FAILURE() << p;
  EXPECT_FALSE(report.examples[1].passed);
  ASSERT_EQ(report.examples[1].problems.size(), 1u);
  EXPECT_EQ(report.examples[1].problems[0], "poor (line 32): expected true, got false");
  EXPECT_TRUE(report.examples[2].passed);
  EXPECT_FALSE(report.examples[3].passed);
  EXPECT_FALSE(report.all_passed());
  // Coverage: poor true and false; kind branch 1 and otherwise; aid rows 1 and 2.
  // Never exercised: house c (kind branch 2).
  std::vector<std::string> missed;
  for (const auto& item : report.coverage.items)
    if (!item.covered) missed.push_back(item.what);
  EXPECT_EQ(missed, (std::vector<std::string>{"decide kind branch 2"}));
}

TEST(Examples, TravelInTheCompiledProgramFile) {
  // Examples and explanation notes are kept in a .pcb, so that testing and
  // explaining a compiled program needs no compiler: the loaded program runs
  // its examples to the same report.
  const auto r = compile_with("\nexample \"x\"\n  given members = 2, income = 2000 yuan, house = d\n"
                              "  expect poor = true, per_capita = 1000 yuan, kind = d\n");
  ASSERT_TRUE(r.ok()) << errors_of(r);
  const auto loaded = load_policy(r.policy->serialize());
  ASSERT_TRUE(loaded.ok()) << errors_of(loaded);
  const Program& compiled = program_of(*r.policy);
  const Program& read = program_of(*loaded.policy);
  ASSERT_FALSE(compiled.notes.empty());
  ASSERT_EQ(read.examples.size(), 1u);
  EXPECT_EQ(read.examples[0].label, "x");
  EXPECT_EQ(read.examples[0].cells, compiled.examples[0].cells);
  ASSERT_EQ(read.notes.size(), compiled.notes.size());
  for (std::size_t i = 0; i < read.notes.size(); ++i) {
    EXPECT_EQ(read.notes[i].name, compiled.notes[i].name) << i;
    EXPECT_EQ(read.notes[i].reg, compiled.notes[i].reg) << i;
    EXPECT_EQ(read.notes[i].uses, compiled.notes[i].uses) << i;
  }
  const TestReport from_source = run_examples(compiled), from_file = run_examples(read);
  ASSERT_EQ(from_file.examples.size(), 1u);
  EXPECT_TRUE(from_file.all_passed());
  EXPECT_EQ(from_file.examples[0].actual.json(), from_source.examples[0].actual.json());
  EXPECT_EQ(from_file.coverage.items.size(), from_source.coverage.items.size());
}

}  // namespace
}  // namespace precept

namespace precept {
namespace {

// Tables of literal cells with eight rows or more are indexed (LOOKUP_FIRST,
// LOOKUP_ALL): their rows are read from the lookup's result, for explanations
// and coverage alike.
TEST(Examples, IndexedTablesExplainAndCoverTheirRows) {
  const auto r = compile(R"(policy "idx" year 2015
enum grade { a, b, c, d, e, f, g, h, i }
record r { id: text  g: grade  n: int }
table t first
  | when g | when n | amount: money |
  | a      | 1      | 1 yuan        |
  | b      | -      | 2 yuan        |
  | c      | -      | 3 yuan        |
  | d      | -      | 4 yuan        |
  | e      | -      | 5 yuan        |
  | f      | -      | 6 yuan        |
  | g      | -      | 7 yuan        |
  | h      | -      | 8 yuan        |
  | -      | -      | 9 yuan        |
table all collect
  | when g | x: int |
  | a, b   | 1      |
  | b      | 2      |
  | c      | 3      |
  | d      | 4      |
  | e      | 5      |
  | f      | 6      |
  | g      | 7      |
  | b, h   | 8      |
output id, amount = t.amount, xs = all.x
example "b" given g = b expect amount = 2 yuan, xs = [1, 2, 8]
example "a1" given g = a, n = 1 expect amount = 1 yuan, all = [1]
)", "idx.pol");
  ASSERT_TRUE(r.ok()) << render(r.diagnostics);
  ASSERT_EQ(program_of(*r.policy).lookups.size(), 2u);
  const TestReport report = run_examples(program_of(*r.policy));
  EXPECT_TRUE(report.all_passed());
  std::vector<std::string> covered;
  for (const auto& item : report.coverage.items)
    if (item.covered) covered.push_back(item.what);
  EXPECT_EQ(covered, (std::vector<std::string>{"table t row 1", "table t row 2", "table all row 1", "table all row 2",
                                               "table all row 8"}));
  const std::string text = report.examples[0].actual.text("idx.pol");
  EXPECT_NE(text.find("amount = 2.00 — table t row 2 (idx.pol:4)\n      g = b; n = 0"), std::string::npos) << text;
  EXPECT_NE(text.find("xs = [1, 2, 8] — table all rows 1, 2 and 8"), std::string::npos) << text;
}

}  // namespace
}  // namespace precept

namespace precept {
namespace {

// A file of examples that extends a policy: its examples (not the parent's)
// run against the merged policy for the year asked, and explanations and
// coverage name the parent's file for what the parent wrote, with the layer
// and year of each parameter value used.
TEST(Examples, LayeredFileOfExamplesExplainsWithFilesAndYears) {
  const std::string base = R"(policy "base" year 2015
record r { income: money  members: int where >= 1 }
param line: money "line"
  2014 -> 2800 yuan source "a"
  2016 -> 3000 yuan source "b"
rule poor: income < line * members
output poor
example "the parent's own" given income = 1 yuan, members = 1 expect poor = false
)";
  const std::string tests = R"(policy "base tests" extends "base.pol"
example "over the line" given income = 2900 yuan, members = 1 expect poor = false
)";
  CompileOptions options;
  options.loader = [&](const std::string& path) -> std::optional<std::string> {
    if (path.size() >= 8 && path.substr(path.size() - 8) == "base.pol") return base;
    return std::nullopt;
  };
  for (const int year : {2015, 2016}) {
    SCOPED_TRACE(year);
    options.year = year;
    const auto r = compile(tests, "tests.pol", options);
    ASSERT_TRUE(r.ok()) << errors_of(r);
    const TestReport report = run_examples(program_of(*r.policy));
    ASSERT_EQ(report.examples.size(), 1u) << "the parent's examples are not inherited";
    EXPECT_EQ(report.examples[0].passed, year == 2015) << "2800 in 2015, 3000 from 2016";
    bool saw_param = false, saw_rule = false;
    for (const auto& e : report.examples[0].actual.entries) {
      if (e.kind == "param" && e.name == "line") {
        saw_param = true;
        EXPECT_NE(e.layer.find("base.pol:"), std::string::npos) << e.layer;
        EXPECT_EQ(e.year, year == 2015 ? "2014" : "2016");
      }
      if (e.kind == "rule" && e.name == "poor") {
        saw_rule = true;
        EXPECT_NE(e.file.find("base.pol"), std::string::npos) << e.file;
        EXPECT_EQ(e.line, 6u);
      }
    }
    EXPECT_TRUE(saw_param);
    EXPECT_TRUE(saw_rule);
    for (const auto& item : report.coverage.items)
      EXPECT_NE(item.file.find("base.pol"), std::string::npos) << item.what;
  }
}

}  // namespace
// A .pcb's notes come from disk like the rest of it: a damaged note (resealed
// behind a valid checksum, as a buggy or hostile writer would) is refused by
// the verifier with a message naming it, after loading as before it.
TEST(Examples, TheVerifierRefusesDamagedNotesAndExamples) {
  const auto r = compile_with("\nexample \"x\"\n  given members = 1\n  expect poor = false\n");
  ASSERT_TRUE(r.ok()) << errors_of(r);
  const Program& good = program_of(*r.policy);
  std::size_t compare = 0, row_or_branch = 0;
  while (compare < good.notes.size() && good.notes[compare].what != DebugNote::What::Compare) ++compare;
  while (row_or_branch < good.notes.size() && good.notes[row_or_branch].what != DebugNote::What::Branch &&
         good.notes[row_or_branch].what != DebugNote::What::Row)
    ++row_or_branch;
  ASSERT_LT(compare, good.notes.size());
  ASSERT_LT(row_or_branch, good.notes.size());
  const std::uint32_t scalars = static_cast<std::uint32_t>(good.scalar_types.size());
  struct Case {
    const char* what;
    std::function<void(Program&)> damage;
    std::string message;
  };
  const std::vector<Case> cases{
      {"unknown kind", [](Program& p) { p.notes[0].what = static_cast<DebugNote::What>(9); },
       "explanation note 0 (" + good.notes[0].name + "): kind 9 does not exist"},
      {"register past the end",
       [&](Program& p) {
         p.notes[compare].reg = scalars;
       },
       fmt::format("explanation note {} ({}): its value is register r{}, which does not exist", compare,
                   good.notes[compare].name, scalars)},
      {"left operand past the end", [&](Program& p) { p.notes[compare].left = 1u << 30; },
       fmt::format("explanation note {} ({}): its left operand is register {}, which does not exist", compare,
                   good.notes[compare].name,
                   good.notes[compare].left_type.kind == Kind::Quotient ? "q1073741824" : "r1073741824")},
      {"instruction past the end", [&](Program& p) { p.notes[compare].pc = static_cast<std::uint32_t>(p.code.size()); },
       fmt::format("explanation note {} ({}): it names instruction {}, but there are {}", compare,
                   good.notes[compare].name, good.code.size(), good.code.size())},
      {"a truth that is not a bool",
       [&](Program& p) {
         p.notes[row_or_branch].type.kind = Kind::Text;
         p.notes[row_or_branch].reg = 0;
       },
       good.text_count == 0
           ? fmt::format("explanation note {} ({}): its value is register t0, which does not exist", row_or_branch,
                         good.notes[row_or_branch].name)
           : fmt::format("explanation note {} ({}): its value is text, but must be bool", row_or_branch,
                         good.notes[row_or_branch].name)},
      {"an example with a cell too few", [](Program& p) { p.examples[0].cells.pop_back(); },
       fmt::format("example 0 (x) gives {} values, but the record has {} fields", good.fields.size() - 1,
                   good.fields.size())},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    Program damaged = good;
    c.damage(damaged);
    std::string error;
    EXPECT_FALSE(verify_program(damaged, error));
    EXPECT_EQ(error, c.message);
    const auto loaded = load_policy(serialize_program(damaged), "damaged.pcb");
    ASSERT_FALSE(loaded.ok());
    ASSERT_EQ(loaded.diagnostics.size(), 1u);
    EXPECT_EQ(loaded.diagnostics[0].message, "the compiled program is not valid: " + c.message);
  }
}

}  // namespace precept
