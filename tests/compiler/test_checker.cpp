// The checker and lowering seen from the outside: what compiles, to what types,
// what is folded, and which programs the verifier accepts.
#include "program.hpp"

#include <precept/precept.hpp>

#include <gtest/gtest.h>

namespace {

const char* kHeader = R"(policy "t" year 2015
enum grade { safe, c, d }
record r { income: money  people: int  house: grade  rate: decimal  name: text }
)";

precept::CompileResult compile_body(const std::string& body) {
  return precept::compile(std::string(kHeader) + body, "t.pol");
}

std::string errors_of(const precept::CompileResult& result) { return precept::render(result.diagnostics); }

const precept::OutputDef& output(const precept::CompileResult& r, const std::string& name) {
  for (const auto& o : program_of(*r.policy).outputs)
    if (o.name == name) return o;
  throw std::runtime_error("no output " + name);
}

TEST(Checker, TypesFollowTheUnitRules) {
  auto r = compile_body(R"(
let a = income + 1 yuan
let b = income * people
let c = round(income / people, 2)
let d = round(income / income, 4)
let e = people * 2
let f = rate + 1
let g = round(income * rate, 2)
output a, b, c, d, e, f, g
)");
  ASSERT_TRUE(r.ok()) << errors_of(r);
  EXPECT_EQ(output(r, "a").type.kind, precept::Kind::Money);
  EXPECT_EQ(output(r, "b").type.kind, precept::Kind::Money);
  EXPECT_EQ(output(r, "c").type.kind, precept::Kind::Money);
  EXPECT_EQ(output(r, "d").type.kind, precept::Kind::Decimal);
  EXPECT_EQ(output(r, "e").type.kind, precept::Kind::Int);
  EXPECT_EQ(output(r, "f").type.kind, precept::Kind::Decimal);
  EXPECT_EQ(output(r, "g").type.kind, precept::Kind::Money);
}

TEST(Checker, RejectsUnitErrors) {
  const char* bad[] = {
      "output x = income + people",         // money + int field
      "output x = income + (people > 1)",   // money + bool
      "output x = income * income",         // money * money
      "output x = income / people",         // unrounded quotient
      "output x = round(income / people, 3)",  // money has 2 decimals
      "output x = people / income < 1",     // count / money
      "output x = house < c",               // enums have no order
      "output x = name + name",             // text arithmetic
  };
  for (const char* body : bad) {
    auto r = compile_body(body);
    EXPECT_FALSE(r.ok()) << body;
    EXPECT_TRUE(precept::has_errors(r.diagnostics)) << body;
  }
}

TEST(Checker, ConstantsFoldIntoOneLoad) {
  auto r = compile_body("param cap: money = 1000 yuan\noutput x = cap * 3 + 500 yuan");
  ASSERT_TRUE(r.ok()) << errors_of(r);
  const auto& p = program_of(*r.policy);
  // No arithmetic instruction survives: 3500.00 is computed at compile time.
  for (const auto& ins : p.code) {
    EXPECT_NE(ins.op, precept::Opcode::MUL_MONEY_INT);
    EXPECT_NE(ins.op, precept::Opcode::ADD_MONEY);
  }
  ASSERT_FALSE(p.constants.empty());
  EXPECT_NE(std::find(p.constants.begin(), p.constants.end(), 350000), p.constants.end());
}

TEST(Checker, OnlyFieldsThePolicyReadsAreLoaded) {
  auto r = compile_body("output x = people + 1");
  ASSERT_TRUE(r.ok()) << errors_of(r);
  int loads = 0;
  for (const auto& ins : program_of(*r.policy).code) loads += ins.op == precept::Opcode::LOAD_FIELD;
  EXPECT_EQ(loads, 1);
}

TEST(Checker, RoundOfMoneyOverCountIsOneInstruction) {
  auto r = compile_body("output x = round(income / people, 2)");
  ASSERT_TRUE(r.ok()) << errors_of(r);
  int fused = 0, divides = 0;
  for (const auto& ins : program_of(*r.policy).code) {
    fused += ins.op == precept::Opcode::DIVIDE_ROUND;
    divides += ins.op == precept::Opcode::DIVIDE;
  }
  EXPECT_EQ(fused, 1);
  EXPECT_EQ(divides, 0);
}

TEST(Checker, NamesMustBeDefinedBeforeUse) {
  auto r = compile_body("rule a: b\nrule b: people > 1\noutput a");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(errors_of(r).find("used before it is defined"), std::string::npos) << errors_of(r);
}

TEST(Checker, ReportsEveryErrorInOneRun) {
  auto r = compile_body("let a = incme\nlet b = peple\nlet c = hous\noutput a");
  ASSERT_FALSE(r.ok());
  std::size_t errors = 0;
  for (const auto& d : r.diagnostics) errors += d.severity == precept::Severity::Error;
  EXPECT_GE(errors, 3u) << errors_of(r);
  EXPECT_NE(errors_of(r).find("did you mean `income`?"), std::string::npos);
}

TEST(Checker, StopsAtTheErrorLimit) {
  std::string body;
  for (int i = 0; i < 80; ++i) body += "let v" + std::to_string(i) + " = nothing" + std::to_string(i) + "\n";
  precept::CompileOptions options;
  options.max_errors = 10;
  auto r = precept::compile(std::string(kHeader) + body + "output v0", "t.pol", options);
  std::size_t errors = 0;
  for (const auto& d : r.diagnostics) errors += d.severity == precept::Severity::Error;
  EXPECT_EQ(errors, 10u);
  EXPECT_NE(r.diagnostics.back().message.find("stopped after 10 errors"), std::string::npos);
}

TEST(Checker, DeepNestingIsRefusedNotACrash) {
  std::string deep(5000, '(');
  deep += "people";
  deep += std::string(5000, ')');
  auto r = compile_body("output x = " + deep);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(errors_of(r).find("nested more than"), std::string::npos);
  std::string nots;
  for (int i = 0; i < 5000; ++i) nots += "not ";
  auto r2 = compile_body("output x = " + nots + "(people > 1)");
  ASSERT_FALSE(r2.ok());
}

TEST(Checker, UnusedParameterWarns) {
  auto r = compile_body("param spare: money = 1 yuan\noutput people");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_EQ(r.diagnostics[0].severity, precept::Severity::Warning);
  EXPECT_NE(r.diagnostics[0].message.find("never used"), std::string::npos);
}

TEST(Checker, FirstTableRowAfterACatchAllWarns) {
  auto r = compile_body(R"(
table t first
  | when house | amount  |
  | -          | 1 yuan  |
  | c          | 2 yuan  |
output x = t
)");
  ASSERT_TRUE(r.ok()) << errors_of(r);
  ASSERT_FALSE(r.diagnostics.empty());
  EXPECT_NE(errors_of(r).find("can never match"), std::string::npos) << errors_of(r);
}

TEST(Checker, ChineseNamesWork) {
  auto r = precept::compile(R"(policy "西江镇" year 2015
record 农户 { 人均纯收入: money  人口: int }
param 贫困线: money = 2736 元
rule 贫困户: 人均纯收入 < 贫困线
output 贫困户, 人口
)", "zh.pol");
  ASSERT_TRUE(r.ok()) << errors_of(r);
  precept::Evaluator e(*r.policy);
  auto out = e.evaluate({{"人均纯收入", "2000"}, {"人口", "3"}});
  ASSERT_TRUE(out.ok) << out.error;
  EXPECT_EQ(out.values[0], "true");
}

TEST(Checker, EveryCompiledProgramRoundTripsThroughBytes) {
  auto r = precept::open_policy(PRECEPT_SOURCE_DIR "/policies/xijiang_2015.pol");
  ASSERT_TRUE(r.ok()) << errors_of(r);
  const std::string bytes = r.policy->serialize();
  auto loaded = precept::load_policy(bytes, "w1.pcb");
  ASSERT_TRUE(loaded.ok()) << errors_of(loaded);
  EXPECT_EQ(loaded.policy->serialize(), bytes);
  EXPECT_EQ(loaded.policy->disassemble(), r.policy->disassemble());
}

TEST(Checker, SizeLimitsAreErrorsInThePolicysTerms) {
  std::string rows;
  for (int i = 0; i <= 10000; ++i) rows += "  | " + std::to_string(i) + " | 1 yuan |\n";
  auto table = compile_body("table t first\n  | when people | amount |\n" + rows + "output x = t");
  ASSERT_FALSE(table.ok());
  EXPECT_NE(errors_of(table).find("has 10001 rows; at most 10000"), std::string::npos) << errors_of(table);

  std::string lets;
  for (int i = 0; i < 70000; ++i) lets += "let v" + std::to_string(i) + " = people + " + std::to_string(i) + "\n";
  auto big = compile_body(lets + "output people");
  ASSERT_FALSE(big.ok());
  EXPECT_NE(errors_of(big).find("too large to compile"), std::string::npos) << errors_of(big).substr(0, 500);
  EXPECT_EQ(errors_of(big).find("internal error"), std::string::npos);
}

}  // namespace
