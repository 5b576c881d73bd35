// Explanations are read from a traced run of the same compiled program `run`
// executes. These tests hold them to that: on generated registers, every
// household's explained outputs and every reject must be exactly what `run`
// wrote; and the explanations of a few W1 households are kept as golden files.
#include "explain.hpp"

#include "csv.hpp"
#include "files.hpp"
#include "golden.hpp"
#include "messages.hpp"
#include "program.hpp"
#include "rejection.hpp"

#include <precept/precept.hpp>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <stdexcept>

namespace precept {
namespace {

using testing::read_file;
using testing::run_command;
using testing::TempDir;

Policy compile_file(const std::string& path) {
  auto result = open_policy(path);
  EXPECT_TRUE(result.ok()) << render(result.diagnostics);
  return *result.policy;
}

std::vector<Explanation> explain_all(const Program& program, const std::string& data) {
  std::vector<Explanation> all;
  std::FILE* in = std::fopen(data.c_str(), "rb");
  EXPECT_NE(in, nullptr);
  const std::string problem = explain_register(program, in, 0, [&](const Explanation& e) {
    all.push_back(e);
    return true;
  });
  std::fclose(in);
  EXPECT_EQ(problem, "");
  return all;
}

std::vector<std::vector<std::string>> read_csv(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  CsvReader reader{std::string_view(text)};
  CsvRecord record;
  while (reader.next(record)) rows.emplace_back(record.fields.begin(), record.fields.end());
  return rows;
}

// On a generated register with bad rows: run it (4 threads), explain every
// record, and require the same outputs, row for row, and the same rejects.
void expect_agreement(const std::string& policy_path, std::size_t rows, int seed) {
  TempDir dir("explain-agree");
  const std::string data = (dir / "register.csv").string();
  ASSERT_EQ(run_command(fmt::format("'{}' --rows {} --seed {} --bad-rows {} -o '{}' 2>/dev/null", PRECEPT_GEN, rows,
                                    seed, rows / 200, data)),
            0);
  const Policy policy = compile_file(policy_path);
  const std::string results_path = (dir / "results.csv").string(), rejects_path = (dir / "rejects.csv").string();
  {
    std::FILE* in = std::fopen(data.c_str(), "rb");
    std::FILE* results = std::fopen(results_path.c_str(), "wb");
    std::FILE* rejects = std::fopen(rejects_path.c_str(), "wb");
    RunOptions options;
    options.threads = 4;
    const RunReport report = run_csv(policy, in, results, rejects, options);
    std::fclose(in);
    std::fclose(results);
    std::fclose(rejects);
    ASSERT_TRUE(report.ok()) << report.fatal_error;
    ASSERT_GT(report.rejected, 0u);
  }
  const auto results = read_csv(read_file(results_path));
  const auto rejects = read_csv(read_file(rejects_path));
  const auto explained = explain_all(program_of(policy), data);
  ASSERT_EQ(explained.size(), rows);
  std::size_t next_result = 1, next_reject = 1, compared_values = 0;  // after the header lines
  for (const Explanation& e : explained) {
    if (e.rejected) {
      ASSERT_LT(next_reject, rejects.size());
      const auto& reject = rejects[next_reject++];
      EXPECT_EQ(reject[0], std::to_string(e.line));
      EXPECT_EQ(reject[1], e.column) << "line " << e.line;
      EXPECT_EQ(reject[2], e.reason) << "line " << e.line;
      continue;
    }
    ASSERT_LT(next_result, results.size()) << "line " << e.line;
    EXPECT_EQ(results[next_result++], e.outputs) << "line " << e.line;
    compared_values += e.outputs.size();
    // Each output the explanation accounts for carries the value the run wrote.
    for (const auto& entry : e.entries) {
      for (std::size_t i = 0; i < e.output_names.size(); ++i) {
        if (entry.name == e.output_names[i] && entry.kind != "table" && entry.kind != "output") {
          EXPECT_EQ(entry.value, e.outputs[i]) << "line " << e.line << ", " << entry.name;
        }
      }
    }
  }
  EXPECT_EQ(next_result, results.size());
  EXPECT_EQ(next_reject, rejects.size());
  EXPECT_GT(compared_values, rows);
}

// 20,000 rows keep the suite fast; bench/explain_check.sh runs 100,000 through
// the same test (PRECEPT_AGREEMENT_ROWS).
std::size_t agreement_rows() {
  const char* rows = std::getenv("PRECEPT_AGREEMENT_ROWS");
  return rows ? std::stoul(rows) : 20000;
}

TEST(ExplainAgreement, W1_2015_OnGeneratedRegister) {
  expect_agreement("policies/xijiang_2015.pol", agreement_rows(), 7);
}
TEST(ExplainAgreement, W1_2016_OnGeneratedRegister) {
  expect_agreement("policies/xijiang_2016.pol", agreement_rows(), 8);
}

// The households of the bundled register the golden files explain: one poor
// household decided by the line, one excluded, one five-guarantee, two rejected.
std::vector<Explanation> golden_households() {
  const Policy policy = compile_file("policies/xijiang_2015.pol");
  std::vector<Explanation> chosen;
  for (Explanation& e : explain_all(program_of(policy), "examples/data/xijiang_sample.csv"))
    if (e.id == "360733-0000001" || e.id == "360733-0000002" || e.line == 74 || e.line == 596 ||
        e.id == "360733-0000040")
      chosen.push_back(std::move(e));
  return chosen;
}

// Golden explanations of those households, text and JSON.
// PRECEPT_UPDATE_GOLDEN=1 rewrites them.
TEST(ExplainGolden, W1Households) {
  std::string text, json;
  for (const Explanation& e : golden_households()) {
    text += e.text("xijiang_2015.pol") + "\n";
    json += e.json() + "\n";
  }
  const std::string dir = "tests/explain/golden/";
  testing::expect_matches_golden(dir + "w1_households.txt", text);
  testing::expect_matches_golden(dir + "w1_households.jsonl", json);
}

// The same households as letters (Explanation::letter), in English and in
// Chinese: the decision first, each reason a sentence with the policy's
// description and citation, the assistance itemised from the table rows that
// gave it, why a decide's earlier branches did not apply, and for the rejected
// household why and what to correct. PRECEPT_UPDATE_GOLDEN=1 rewrites them.
TEST(ExplainGolden, W1HouseholdsAsLetters) {
  std::string english, chinese;
  for (const Explanation& e : golden_households()) {
    english += e.letter("xijiang_2015.pol", precept::Language::English) + "\n";
    chinese += e.letter("xijiang_2015.pol", precept::Language::Chinese) + "\n";
  }
  const std::string dir = "tests/explain/golden/";
  testing::expect_matches_golden(dir + "w1_letters_en.txt", english);
  testing::expect_matches_golden(dir + "w1_letters_zh.txt", chinese);
}

// What a letter is built from, checked on its own: 360733-0000001 is poor by
// the line, its main cause decided by the second branch (the first, `not
// poor`, did not hold), its assistance the sum of three measures.
TEST(ExplainLetter, ItemisesTheSumAndSaysWhyEarlierBranchesDidNotApply) {
  const auto all = golden_households();
  const auto it = std::find_if(all.begin(), all.end(), [](const Explanation& e) { return e.id == "360733-0000001"; });
  ASSERT_NE(it, all.end());
  const Explanation::Entry* total = nullptr;
  const Explanation::Entry* cause = nullptr;
  for (const auto& entry : it->entries) {
    if (entry.name == "total_assistance") total = &entry;
    if (entry.name == "main_cause") cause = &entry;
  }
  ASSERT_TRUE(total && cause);
  ASSERT_EQ(total->terms.size(), 3u);
  EXPECT_EQ(total->terms[0].label, "medical_aid");
  EXPECT_EQ(total->terms[0].value, "1000.00");
  EXPECT_TRUE(total->money);
  EXPECT_EQ(cause->label, "main cause of poverty");
  ASSERT_EQ(cause->earlier.size(), 1u);
  EXPECT_EQ(cause->earlier[0].condition, "not poor");
  const std::string zh = it->letter("xijiang_2015.pol", precept::Language::Chinese);
  EXPECT_NE(zh.find("1000.00（medical_aid） + 20000.00（housing_renovation） + 2000.00（industry_support）"),
            std::string::npos)
      << zh;
  EXPECT_NE(zh.find("不按条件 `not poor`"), std::string::npos) << zh;
  EXPECT_NE(zh.find("出处：Huichang County identification document, 2015"), std::string::npos) << zh;
  // English stays out of the Chinese letter but for the policy's own words.
  for (const char* english : {"worked out", "because", "Checked", "Values used", "yuan", "source:"})
    EXPECT_EQ(zh.find(english), std::string::npos) << english << " in\n" << zh;
}

// The reasons a compiled program carries in English (a `require` without a
// message, a table no row of which applies, two exceptions that both hold)
// come out in the run's language; the policy's own words stay as written.
TEST(ExplainLetter, TheProgramsEnglishReasonsAreSaidInTheLanguage) {
  using precept::Language;
  using M = precept::MessageId;
  const auto both = [](const precept::Message& english, const precept::Message& chinese) {
    EXPECT_EQ(precept::program_reason_in(english.text, Language::Chinese), chinese.text) << english.text;
    EXPECT_EQ(precept::program_reason_in(english.text, Language::English), english.text);
  };
  both(precept::say<M::reject_require_unmet>(Language::English, 12),
       precept::say<M::reject_require_unmet>(Language::Chinese, 12));
  both(precept::say<M::reject_no_table_row>(Language::English, "measures"),
       precept::say<M::reject_no_table_row>(Language::Chinese, "measures"));
  both(precept::say<M::reject_no_table_row_smallest>(Language::English, "rates"),
       precept::say<M::reject_no_table_row_smallest>(Language::Chinese, "rates"));
  both(precept::say<M::reject_no_table_row_largest>(Language::English, "rates"),
       precept::say<M::reject_no_table_row_largest>(Language::Chinese, "rates"));
  both(precept::say<M::reject_exceptions_both_hold>(Language::English, "烈属", "county.pol:12", "军属", "county.pol:15", "poor"),
       precept::say<M::reject_exceptions_both_hold>(Language::Chinese, "烈属", "county.pol:12", "军属", "county.pol:15", "poor"));
  EXPECT_EQ(precept::program_reason_in("no more workers than members", Language::Chinese), "no more workers than members");
}

// A rejected household's reason is in the language asked for, through the
// public explain() too.
TEST(ExplainLetter, ARejectedHouseholdIsToldWhyAndWhatToFixInItsLanguage) {
  const auto compiled = precept::compile(R"(policy "t"
record household {
  id: text
  members: int
  income: money
}
let per_capita: money = round(income / members, 2)
output id, per_capita
)");
  ASSERT_TRUE(compiled.ok());
  const Policy& policy = *compiled.policy;
  const std::vector<std::pair<std::string, std::string>> household{{"id", "h1"}, {"members", "0"}, {"income", "100"}};
  const Explanation zh = precept::explain(policy, household, "", precept::Language::Chinese);
  const Explanation en = precept::explain(policy, household);
  ASSERT_TRUE(zh.rejected && en.rejected);
  EXPECT_EQ(en.reason, "division by zero in `let per_capita` (policy line 7)");
  EXPECT_EQ(zh.reason, "`let per_capita`（政策第 7 行）的计算除数为零");
  const std::string letter = zh.letter("xijiang_2015.pol", precept::Language::Chinese);
  EXPECT_NE(letter.find("未能认定"), std::string::npos) << letter;
  EXPECT_NE(letter.find("怎么办"), std::string::npos) << letter;
  EXPECT_NE(letter.find(zh.reason), std::string::npos) << letter;
}

// The words of an explanation, as the issue asks for them.
TEST(ExplainText, SaysRuleComparisonsParamsAndRows) {
  const Policy policy = compile_file("policies/xijiang_2015.pol");
  TracedExplainer explainer(program_of(policy));
  std::vector<std::string> cells(program_of(policy).fields.size());
  const auto set = [&](const std::string& name, const std::string& value) {
    for (std::size_t f = 0; f < program_of(policy).fields.size(); ++f)
      if (program_of(policy).fields[f].name == name) cells[f] = value;
  };
  for (std::size_t f = 0; f < cells.size(); ++f) cells[f] = "0";
  set("household_id", "3607230001");
  set("county", "会昌县");
  set("township", "西江镇");
  set("village", "西头村");
  set("house", "d");
  set("members", "4");
  set("labor_count", "1");
  set("net_income", "8400.00");
  set("ill_members", "1");
  const Explanation e = explainer.explain(cells, 17);
  ASSERT_FALSE(e.rejected) << e.reason;
  const std::string text = e.text("xijiang_2015.pol");
  EXPECT_NE(text.find("household 3607230001 (line 17)"), std::string::npos) << text;
  EXPECT_NE(text.find("poor = true — rule poor \"identified as a poor household\" (xijiang_2015.pol:53)"),
            std::string::npos) << text;
  EXPECT_NE(text.find("per_capita 2100.00 < poverty_line 2736.00"), std::string::npos) << text;
  EXPECT_NE(text.find("let per_capita = round(net_income / members, 2)"), std::string::npos) << text;
  EXPECT_NE(text.find("net_income = 8400.00; members = 4"), std::string::npos) << text;
  EXPECT_NE(text.find("poverty_line = 2736.00 yuan — param \"national poverty line at 2013 prices\", source "
                      "\"Huichang County identification document, 2015\""),
            std::string::npos) << text;
  EXPECT_NE(text.find("main_cause = illness — decide main_cause, branch 2 `ill_members > 0`"), std::string::npos)
      << text;
  EXPECT_NE(text.find("table measures rows 1, 4, 7 and 9"), std::string::npos) << text;
  // The JSON names the same: rows, branch, the param's citation and its (empty) layer and year.
  const std::string json = e.json();
  EXPECT_NE(json.find("\"kind\":\"table\",\"value\":[\"medical_aid\",\"housing_renovation\",\"industry_support\","
                      "\"water_project\"]"),
            std::string::npos) << json;
  EXPECT_NE(json.find("\"rows\":[1,4,7,9]"), std::string::npos) << json;
  EXPECT_NE(json.find("\"branch\":2"), std::string::npos) << json;
  EXPECT_NE(json.find("\"layer\":\"\",\"year\":\"\""), std::string::npos) << json;
}

// The traced machine is the fast one planned differently: it must leave the
// same outputs on a register (the agreement above), and refuse to be used as
// the other.
TEST(TracedMachine, RunTracedNeedsTracedMode) {
  const Policy policy = compile_file("policies/xijiang_2015.pol");
  Machine fast(program_of(policy), 1);
  Batch batch;
  batch.reset(program_of(policy), 1);
  std::vector<std::uint8_t> executed;
  EXPECT_THROW(fast.run_traced(batch, executed), std::logic_error);
}

// The household's id and values come from the register, names and citations
// from the policy: the text form shows them escaped, never acting on the
// terminal, and keeps one line per entry.
TEST(ExplanationText, ShowsRegisterAndPolicyTextEscaped) {
  Explanation e;
  e.id = "h\x1b]0;owned\x07";
  e.line = 4;
  Explanation::Entry entry;
  entry.name = "village";
  entry.kind = "field";
  entry.value = "西头村\xE2\x80\xAE\nfake line";
  entry.decided_by = "from the record\x1b[2J";
  entry.values = {"x = \xff"};
  e.entries.push_back(entry);
  const std::string text = e.text("p.pol");
  EXPECT_EQ(text,
            "household h\\x1b]0;owned\\x07 (line 4)\n"
            "  village = 西头村\\u202e\\nfake line — from the record\\x1b[2J\n"
            "      x = \\xff\n");
  Explanation rejected;
  rejected.id = "h";
  rejected.line = 5;
  rejected.rejected = true;
  rejected.column = "col\x1b[2J";
  rejected.reason = "`\x1b]52;c;aGk=\x07` is not a number";
  EXPECT_EQ(rejected.text("p.pol"), "household h (line 5)\n  rejected at col\\x1b[2J: `\\x1b]52;c;aGk=\\x07` is not a number\n");
}

}  // namespace
// The public door (include/precept/explain.hpp): a household given as named
// values, and a register through explain_csv(), explained by the same code as
// `precept explain`: the same JSON, line for line, from a .pcb as from source.
TEST(PublicExplain, ARecordInCodeExplainsAsItsRegisterRowDoes) {
  const Policy source = compile_file("policies/xijiang_2015.pol");
  const auto loaded = load_policy(source.serialize(), "w1.pcb");
  ASSERT_TRUE(loaded.ok()) << render(loaded.diagnostics);
  const std::string data = "examples/data/xijiang_sample.csv";
  const auto rows = read_csv(read_file(data));
  ASSERT_GT(rows.size(), 3u);
  for (const Policy* policy : {&source, &*loaded.policy}) {
    std::FILE* in = std::fopen(data.c_str(), "rb");
    ASSERT_NE(in, nullptr);
    std::size_t seen = 0;
    const std::string problem = explain_csv(*policy, in, "household_id", [&](const Explanation& from_register) {
      std::vector<std::pair<std::string, std::string>> record;
      for (std::size_t c = 0; c < rows[0].size(); ++c) record.emplace_back(rows[0][c], rows[seen + 1][c]);
      Explanation in_code = explain(*policy, record, "household_id");
      EXPECT_EQ(in_code.line, 0u);
      in_code.line = from_register.line;  // the one thing a record in code does not have
      EXPECT_EQ(in_code.json(), from_register.json());
      return ++seen < 3;
    });
    std::fclose(in);
    EXPECT_EQ(problem, "");
    EXPECT_EQ(seen, 3u);
  }
}

TEST(PublicExplain, RejectsAndUnknownKeysAreSaid) {
  const Policy policy = compile_file("policies/xijiang_2015.pol");
  const Explanation e = explain(policy, {{"household_id", "h1"}, {"members", "x"}});
  EXPECT_TRUE(e.rejected);
  EXPECT_EQ(e.id, "h1");
  EXPECT_FALSE(e.reason.empty());
  EXPECT_EQ(e.text("w1.pol").rfind("household h1\n  rejected at ", 0), 0u) << e.text("w1.pol");
  try {
    (void)explain(policy, {}, "houshold_id");
    ADD_FAILURE() << "an unknown key field was accepted";
  } catch (const std::invalid_argument& error) {
    EXPECT_STREQ(error.what(), "the record has no field called `houshold_id`");
  }
}

}  // namespace precept
