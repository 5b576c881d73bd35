// precept diff, judged against what it claims:
// - the structural diff of 2015 -> 2016 lists exactly the edits made, and
//   layout or comments alone are no change;
// - the impact counts equal those from two separate runs compared row by row;
// - attribution names the edit that moved a household, and says when an edit
//   moves nobody;
// - the command's exit codes and formats, and the Markdown report's golden file.
#include "attribute.hpp"
#include "impact.hpp"
#include "structural.hpp"

#include "files.hpp"
#include "golden.hpp"

#include "format.hpp"

#include <precept/diff.hpp>
#include <precept/precept.hpp>
#include <precept/run.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fmt/format.h>

#include <map>
#include <optional>
#include <regex>
#include <set>
#include <tuple>

namespace {

using namespace precept::diff;
using precept::testing::csv_records;
using precept::testing::read_file;
using precept::testing::run_command;
using precept::testing::TempDir;
using precept::testing::write_file;

const std::string kSource = PRECEPT_SOURCE_DIR;
const std::string& w1_2015() {
  static const std::string text = read_file(kSource + "/policies/xijiang_2015.pol");
  return text;
}
const std::string& w1_2016() {
  static const std::string text = read_file(kSource + "/policies/xijiang_2016.pol");
  return text;
}

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

using Key = std::tuple<std::string, std::string, std::string, std::string>;  // kind, what, decl, item

std::vector<Key> keys(const std::string& old_source, const std::string& new_source) {
  const auto a = load_version("old.pol", old_source);
  const auto b = load_version("new.pol", new_source);
  EXPECT_TRUE(a.ok && b.ok);
  std::vector<Key> out;
  if (!a.ok || !b.ok) return out;
  for (const Edit& e : structural_diff(a, b).edits) out.emplace_back(edit_kind_name(e.kind), e.what, e.decl, e.item);
  return out;
}

TEST(Structural, Xijiang2015To2016ListsExactlyThePlantedEdits) {
  const std::vector<Key> expected = {
      {"changed", "header", "", ""},
      {"added", "enum member", "measure", "skills_training"},
      {"changed", "param", "poverty_line", ""},
      {"added", "param", "deposit_cap_per_member", ""},
      {"added", "rule", "rich_in_deposits", ""},
      {"changed", "rule", "excluded", ""},
      {"changed", "table row", "measures", "rain_dew"},
      {"added", "table row", "measures", "skills_training"},
  };
  EXPECT_EQ(keys(w1_2015(), w1_2016()), expected);
  const auto a = load_version("a", w1_2015()), b = load_version("b", w1_2016());
  const auto d = structural_diff(a, b);
  const Edit& line = d.edits[2];
  EXPECT_EQ(line.old_value, "2736.00 yuan");
  EXPECT_EQ(line.new_value, "2855.00 yuan");
  EXPECT_EQ(line.old_line, 40u);
  EXPECT_EQ(line.new_line, 44u);
  EXPECT_NE(line.detail.find("source \"Huichang County identification document, 2015\" -> "
                             "\"Huichang County identification document, 2016\""),
            std::string::npos)
      << line.detail;
}

TEST(Structural, SameFileIsNoChange) { EXPECT_TRUE(keys(w1_2015(), w1_2015()).empty()); }

TEST(Structural, LayoutAndCommentsAreNoChange) {
  std::string text = w1_2015();
  // Reindent every indented line, pad table cells differently, and respell a
  // number with insignificant zeros.
  text = std::regex_replace(text, std::regex("\n  "), "\n      ");
  text = std::regex_replace(text, std::regex(" +\\|"), " |");
  text = std::regex_replace(text, std::regex("\\|  +"), "| ");
  text = replaced(text, "param disaster_threshold: money = 5000 yuan", "param disaster_threshold: money = 5000.00 yuan");
  // Comments: one changed, new ones added, blank lines moved.
  text = replaced(text, "# Xijiang Town", "# Xijiang Town (revised comment)");
  text = replaced(text, "rule poor", "# the core test\n\n\nrule poor");
  text = replaced(text, "deposits > deposit_cap", "deposits > deposit_cap  # veto by deposits");
  text = replaced(text, "  wubao or (not excluded and per_capita < poverty_line)",
                  "  wubao\n    or (not excluded\n        and per_capita < poverty_line)");
  EXPECT_TRUE(keys(w1_2015(), text).empty());
}

// A changed hit policy is an edit of the table, in its words; leaving out the
// hit policy of a `unique` table changes nothing.
TEST(Structural, HitPolicyChangesAreShown) {
  const std::string text = replaced(w1_2015(), "collect when poor", "rule order when poor");
  const auto a = load_version("old.pol", w1_2015());
  const auto b = load_version("new.pol", text);
  ASSERT_TRUE(a.ok && b.ok);
  const auto edits = structural_diff(a, b).edits;
  ASSERT_EQ(edits.size(), 1u);
  EXPECT_EQ(edits[0].what, "table");
  EXPECT_EQ(edits[0].decl, "measures");
  EXPECT_NE(edits[0].detail.find("hit policy collect -> rule order"), std::string::npos) << edits[0].detail;

  const std::string unique_written = "policy \"t\" year 2016\nenum g { a, b }\nrecord r { x: g }\n"
                                     "table t unique\n  | when x | v: int |\n  | a      | 1      |\n  | b      | 2      |\n"
                                     "output t\n";
  EXPECT_TRUE(keys(unique_written, replaced(unique_written, "table t unique", "table t")).empty());
  const auto first = keys(unique_written, replaced(unique_written, "table t unique", "table t first"));
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(std::get<2>(first[0]), "t");
}

TEST(Structural, RenamedParamIsRemovedAndAdded) {
  std::string text = replaced(w1_2015(), "param disaster_threshold:", "param disaster_loss_threshold:");
  text = replaced(text, ">= disaster_threshold", ">= disaster_loss_threshold");
  const std::vector<Key> expected = {
      {"added", "param", "disaster_loss_threshold", ""},
      {"removed", "param", "disaster_threshold", ""},
      {"changed", "decide", "main_cause", ""},
  };
  EXPECT_EQ(keys(w1_2015(), text), expected);
}

TEST(Structural, ParenthesesThatChangeTheMeaningAreAChange) {
  const std::string text = replaced(w1_2015(), "wubao or (not excluded and per_capita < poverty_line)",
                                    "(wubao or not excluded) and per_capita < poverty_line");
  const std::vector<Key> expected = {{"changed", "rule", "poor", ""}};
  EXPECT_EQ(keys(w1_2015(), text), expected);
}

// --- impact against two separate runs ------------------------------------------

struct RunOutput {
  std::map<std::string, std::map<std::string, std::string>> results;  // by household_id
  std::set<std::string> reject_lines;
};

RunOutput run_separately(const std::string& source, const std::string& data_path, const TempDir& dir) {
  auto compiled = precept::compile(source);
  EXPECT_TRUE(compiled.ok());
  const auto results = dir / "r.csv", rejects = dir / "x.csv";
  std::FILE* in = std::fopen(data_path.c_str(), "rb");
  std::FILE* r = std::fopen(results.c_str(), "wb");
  std::FILE* x = std::fopen(rejects.c_str(), "wb");
  precept::run_csv(*compiled.policy, in, r, x);
  std::fclose(in);
  std::fclose(r);
  std::fclose(x);
  RunOutput out;
  for (auto& row : csv_records(read_file(results))) out.results[row.at("household_id")] = row;
  for (auto& row : csv_records(read_file(rejects))) out.reject_lines.insert(row.at("line"));
  return out;
}

std::int64_t fen(const std::string& money) {
  const auto dot = money.find('.');
  return std::stoll(money.substr(0, dot)) * 100 + std::stoll(money.substr(dot + 1));
}

void expect_counts_match_separate_runs(const std::string& old_source, const std::string& new_source,
                                       std::size_t threads, std::size_t batch) {
  TempDir dir("diff-impact");
  const auto data = (dir / "register.csv").string();
  ASSERT_EQ(run_command(fmt::format("'{}' --rows 5000 --seed 77 --bad-rows 40 -o '{}'", PRECEPT_GEN, data)), 0);
  const RunOutput a = run_separately(old_source, data, dir);
  const RunOutput b = run_separately(new_source, data, dir);
  ImpactCounts want;
  for (const auto& line : a.reject_lines) (b.reject_lines.count(line) ? want.rejected_both : want.rejected_only_old) += 1;
  for (const auto& line : b.reject_lines) want.rejected_only_new += !a.reject_lines.count(line);
  for (const auto& [id, x] : a.results) {
    const auto it = b.results.find(id);
    if (it == b.results.end()) continue;
    const auto& y = it->second;
    want.compared += 1;
    want.changed += x != y;
    want.identified_in += x.at("poor") == "false" && y.at("poor") == "true";
    want.identified_out += x.at("poor") == "true" && y.at("poor") == "false";
    want.category_changed += x.at("category") != y.at("category");
    want.cause_changed += x.at("main_cause") != y.at("main_cause");
    want.assistance_old += fen(x.at("total_assistance"));
    want.assistance_new += fen(y.at("total_assistance"));
  }
  auto p = precept::compile(old_source), q = precept::compile(new_source);
  ImpactOptions options;
  options.threads = threads;
  options.batch_size = batch;
  options.group_by = {"village"};
  std::FILE* in = std::fopen(data.c_str(), "rb");
  const Impact got = compute_impact(*p.policy, *q.policy, in, nullptr, options);
  std::fclose(in);
  ASSERT_EQ(got.fatal_error, "");
  EXPECT_EQ(got.total.rows, 5000u);
  EXPECT_EQ(got.total.compared, want.compared);
  EXPECT_EQ(got.total.changed, want.changed);
  EXPECT_EQ(got.changed_total, want.changed + got.total.rejected_only_old + got.total.rejected_only_new);
  EXPECT_EQ(got.changed.size(), got.changed_total);  // no limit asked
  EXPECT_EQ(got.total.identified_in, want.identified_in);
  EXPECT_EQ(got.total.identified_out, want.identified_out);
  EXPECT_EQ(got.total.category_changed, want.category_changed);
  EXPECT_EQ(got.total.cause_changed, want.cause_changed);
  EXPECT_EQ(got.total.assistance_old, want.assistance_old);
  EXPECT_EQ(got.total.assistance_new, want.assistance_new);
  EXPECT_EQ(got.total.rejected_both, want.rejected_both);
  EXPECT_EQ(got.total.rejected_only_old, want.rejected_only_old);
  EXPECT_EQ(got.total.rejected_only_new, want.rejected_only_new);
  EXPECT_GT(want.changed + want.rejected_only_old + want.rejected_only_new, 0u);
  // The groups add up to the total (records of the wrong shape have no
  // readable group, so only the total has them).
  ImpactCounts sum;
  for (const auto& g : got.groups) sum.add(g.counts);
  EXPECT_EQ(sum.changed, got.total.changed);
  EXPECT_EQ(sum.compared, got.total.compared);
  EXPECT_EQ(sum.identified_in, got.total.identified_in);
}

TEST(Impact, CountsEqualTwoSeparateRunsComparedRowByRow) {
  expect_counts_match_separate_runs(w1_2015(), w1_2016(), 1, 1024);
}

TEST(Impact, SameCountsOnManyThreadsAndOddBatches) {
  expect_counts_match_separate_runs(w1_2015(), w1_2016(), 3, 7);
}

// A version that rejects more rows: members must now be at least 2.
TEST(Impact, RowsRejectedByOneVersionAreCountedApart) {
  const std::string stricter = replaced(w1_2015(), "members:          int where >= 1", "members:          int where >= 2");
  expect_counts_match_separate_runs(w1_2015(), stricter, 2, 64);
}

// A group per household (an id) would hold the register in memory: past
// kMaxSummaryGroups the pass stops and says what to count by instead.
TEST(Impact, GroupsByAFieldWithAValuePerHouseholdAreBounded) {
  TempDir dir("diff-groups");
  const auto data = (dir / "register.csv").string();
  const std::size_t rows = precept::kMaxSummaryGroups + 10;
  ASSERT_EQ(run_command(fmt::format("'{}' --rows {} --seed 5 -o '{}'", PRECEPT_GEN, rows, data)), 0);
  auto p = precept::compile(w1_2015()), q = precept::compile(w1_2016());
  ImpactOptions options;
  options.threads = 2;
  options.group_by = {"household_id"};
  std::FILE* in = std::fopen(data.c_str(), "rb");
  const Impact got = compute_impact(*p.policy, *q.policy, in, nullptr, options);
  std::fclose(in);
  EXPECT_THAT(got.fatal_error, ::testing::HasSubstr("more than 100000 groups"));
  EXPECT_THAT(got.fatal_error, ::testing::HasSubstr("`household_id`"));
  EXPECT_THAT(got.fatal_error, ::testing::HasSubstr("village"));
  EXPECT_FALSE(got.out_of_memory);
  EXPECT_TRUE(got.groups.empty());
}

// --- attribution ----------------------------------------------------------------

struct Pipeline {
  PolicyVersion a, b;
  StructuralDiff structure;
  Impact impact;
  Attribution attribution;
};

// The variants compiled first, run in the impact pass, then the causes read.
void run_pipeline(Pipeline& p, const std::string& old_source, const std::string& new_source, const std::string& data,
                  ImpactOptions options = {}) {
  p.a = load_version("old.pol", old_source);
  p.b = load_version("new.pol", new_source);
  p.structure = structural_diff(p.a, p.b);
  auto x = precept::compile(old_source), y = precept::compile(new_source);
  PreparedVariants variants;
  prepare_variants(p.a, p.b, p.structure, variants);
  options.variants = &variants.plan;
  std::FILE* in = std::fopen(data.c_str(), "rb");
  p.impact = compute_impact(*x.policy, *y.policy, in, nullptr, options);
  std::fclose(in);
  p.attribution = attribute(variants, p.impact);
}

Pipeline pipeline(const std::string& old_source, const std::string& new_source, const std::string& data) {
  Pipeline p;
  run_pipeline(p, old_source, new_source, data);
  return p;
}

TEST(Attribution, TheLineAloneMovesAHouseholdIntoPoverty) {
  const auto p = pipeline(w1_2015(), w1_2016(), kSource + "/examples/data/xijiang_sample.csv");
  bool found = false;
  for (std::size_t i = 0; i < p.impact.changed.size(); ++i) {
    const auto& h = p.impact.changed[i];
    const bool into = std::any_of(h.changes.begin(), h.changes.end(), [](const OutputChange& c) {
      return c.output == "poor" && c.old_value == "false" && c.new_value == "true";
    });
    if (!into) continue;
    const auto& cause = p.attribution.households[i];
    ASSERT_EQ(cause.effects.size(), 1u) << h.key;
    EXPECT_EQ(p.attribution.effects[cause.effects[0]].label, "poverty_line 2736.00 yuan -> 2855.00 yuan");
    const std::string& first = cause.lines.at(0);
    EXPECT_TRUE(first.rfind("poor: false -> true because poverty_line 2736.00 yuan -> 2855.00 yuan and per_capita = ", 0) == 0)
        << first;
    found = true;
  }
  EXPECT_TRUE(found) << "no household moved into poverty on the sample";
}

TEST(Attribution, AnEditThatMovesNobodyIsSaidToChangeNothing) {
  // A row no household of the sample can match.
  // Inserted after the water_project row whatever its padding, so that
  // reformatting the library does not break the test.
  std::string never = w1_2015();
  const std::size_t row = never.find("| not safe_water");
  ASSERT_NE(row, std::string::npos);
  never.insert(never.find('\n', row) + 1, "  | water_project | members > 900 | 1 yuan |\n");
  const std::string both = replaced(never, "money = 2736.00 yuan", "money = 2855.00 yuan");
  const auto p = pipeline(w1_2015(), both, kSource + "/examples/data/xijiang_sample.csv");
  ASSERT_EQ(p.attribution.effects.size(), 2u);
  std::map<std::string, std::uint64_t> moved;
  for (const auto& e : p.attribution.effects) moved[e.label] = e.households;
  EXPECT_GT(moved.at("poverty_line 2736.00 yuan -> 2855.00 yuan"), 0u);
  EXPECT_EQ(moved.at("table measures row `water_project` added"), 0u);
  DiffResult r;
  r.old_path = "a";
  r.new_path = "b";
  r.edits = p.structure.edits;
  r.impact = summary_of(p.impact);
  r.attribution = p.attribution;
  EXPECT_NE(render_text(r, false).find("table measures row `water_project` added: changes nothing on this data"),
            std::string::npos);
}

// What a report of the attribution shows: per-effect counts, and each listed
// household with its causes and explanation.
struct Shown {
  std::vector<std::pair<std::string, std::uint64_t>> effects;
  std::uint64_t total = 0;
  std::vector<std::tuple<std::uint64_t, std::string, std::vector<std::size_t>, std::vector<std::string>>> households;
  bool operator==(const Shown&) const = default;
};

Shown shown(const Pipeline& p) {
  Shown s;
  for (const auto& e : p.attribution.effects) s.effects.emplace_back(e.label, e.households);
  s.total = p.impact.changed_total;
  for (std::size_t i = 0; i < p.impact.changed.size(); ++i)
    s.households.emplace_back(p.impact.changed[i].line, p.impact.changed[i].key, p.attribution.households[i].effects,
                              p.attribution.households[i].lines);
  return s;
}

TEST(Attribution, SameCountsAndListOnAnyThreadsAndBatchSize) {
  TempDir dir("diff-attr");
  const auto data = (dir / "register.csv").string();
  ASSERT_EQ(run_command(fmt::format("'{}' --rows 5000 --seed 78 --bad-rows 30 -o '{}'", PRECEPT_GEN, data)), 0);
  std::optional<Shown> first;
  for (const std::size_t threads : {1, 3})
    for (const std::size_t batch : {7, 1024}) {
      ImpactOptions options;
      options.threads = threads;
      options.batch_size = batch;
      options.changed_limit = 40;
      Pipeline p;
      run_pipeline(p, w1_2015(), w1_2016(), data, options);
      const Shown s = shown(p);
      ASSERT_EQ(s.households.size(), 40u);
      EXPECT_GT(s.total, 40u);
      std::uint64_t moved = 0;
      for (const auto& e : s.effects) moved += e.second;
      EXPECT_GT(moved, 0u);
      for (std::size_t i = 1; i < s.households.size(); ++i)
        EXPECT_LT(std::get<0>(s.households[i - 1]), std::get<0>(s.households[i]));
      for (const auto& h : s.households) EXPECT_FALSE(std::get<3>(h).empty()) << std::get<1>(h);
      if (!first) first = s;
      else EXPECT_TRUE(s == *first) << threads << " threads, batches of " << batch;
    }
}

TEST(Attribution, ALimitListsTheFirstHouseholdsAndTheCountsCoverAll) {
  const std::string sample = kSource + "/examples/data/xijiang_sample.csv";
  Pipeline all, five;
  run_pipeline(all, w1_2015(), w1_2016(), sample);
  ImpactOptions options;
  options.changed_limit = 5;
  options.threads = 2;
  run_pipeline(five, w1_2015(), w1_2016(), sample, options);
  ASSERT_GT(all.impact.changed.size(), 5u);
  EXPECT_EQ(five.impact.changed.size(), 5u);
  EXPECT_EQ(five.impact.changed_total, all.impact.changed_total);
  EXPECT_EQ(five.impact.total.changed, all.impact.total.changed);
  const Shown a = shown(all), b = shown(five);
  EXPECT_EQ(a.effects, b.effects);
  EXPECT_TRUE(std::equal(b.households.begin(), b.households.end(), a.households.begin()));
}

// --- the command ------------------------------------------------------------------

struct Cli {
  int code;
  std::string out, err;
};

Cli cli(const std::string& args) {
  TempDir dir("diff-cli");
  const auto out = dir / "out", err = dir / "err";
  Cli c;
  c.code = run_command(fmt::format("cd '{}' && '{}' {} > '{}' 2> '{}'", kSource, PRECEPT_CLI, args, out.string(), err.string()));
  c.out = read_file(out);
  c.err = read_file(err);
  return c;
}

TEST(Command, ExitCodes) {
  EXPECT_EQ(cli("diff policies/xijiang_2015.pol policies/xijiang_2015.pol").code, 0);
  EXPECT_EQ(cli("diff policies/xijiang_2015.pol policies/xijiang_2016.pol").code, 1);
  EXPECT_EQ(cli("diff policies/xijiang_2015.pol policies/xijiang_2016.pol --format pdf").code, 2);
  EXPECT_EQ(cli("diff policies/xijiang_2015.pol").code, 2);
  EXPECT_EQ(cli("diff policies/xijiang_2015.pol policies/xijiang_2016.pol no/such.csv").code, 3);
  EXPECT_EQ(cli("diff policies/xijiang_2015.pol no/such.pol").code, 3);
  EXPECT_EQ(cli("diff policies/xijiang_2015.pol policies/xijiang_2016.pol -o /nonexistent/dir/report.md").code, 4);
  TempDir dir("diff-bad");
  write_file(dir / "bad.pol", replaced(w1_2015(), "per_capita < poverty_line", "per_capita < povrty_line"));
  const Cli bad = cli(fmt::format("diff policies/xijiang_2015.pol '{}'", (dir / "bad.pol").string()));
  EXPECT_EQ(bad.code, 5);
  EXPECT_NE(bad.err.find("povrty_line"), std::string::npos);
  // A data file under the same policy: no change in the policy, none on the data.
  EXPECT_EQ(cli("diff policies/xijiang_2015.pol policies/xijiang_2015.pol examples/data/xijiang_sample.csv").code, 0);
}

TEST(Command, JsonParsesAndCarriesEditsImpactAndWitnesses) {
  const Cli c = cli("diff policies/xijiang_2015.pol policies/xijiang_2016.pol examples/data/xijiang_sample.csv --format json --by village");
  ASSERT_EQ(c.code, 1) << c.err;
  const auto j = nlohmann::json::parse(c.out);
  EXPECT_EQ(j.at("edits").size(), 8u);
  EXPECT_TRUE(j.at("changed").get<bool>());
  EXPECT_EQ(j.at("impact").at("total").at("rows").get<int>(), 2000);
  EXPECT_FALSE(j.at("impact").at("groups").empty());
  EXPECT_FALSE(j.at("witnesses").empty());
}

TEST(Command, ChangedLimitListsFiveAndCountsAll) {
  const Cli all = cli("diff policies/xijiang_2015.pol policies/xijiang_2016.pol examples/data/xijiang_sample.csv "
                      "--format json --no-witness -j 3");
  const Cli five = cli("diff policies/xijiang_2015.pol policies/xijiang_2016.pol examples/data/xijiang_sample.csv "
                       "--format json --no-witness --changed-limit 5 -j 2");
  ASSERT_EQ(all.code, 1) << all.err;
  ASSERT_EQ(five.code, 1) << five.err;
  const auto a = nlohmann::json::parse(all.out), b = nlohmann::json::parse(five.out);
  EXPECT_EQ(b.at("impact").at("changed_households").size(), 5u);
  EXPECT_GT(b.at("impact").at("changed_households_total").get<int>(), 5);
  EXPECT_EQ(b.at("impact").at("changed_households_total"), a.at("impact").at("changed_households_total"));
  EXPECT_EQ(b.at("impact").at("total"), a.at("impact").at("total"));
  EXPECT_EQ(b.at("attribution"), a.at("attribution"));
  for (std::size_t i = 0; i < 5; ++i)
    EXPECT_EQ(b.at("impact").at("changed_households")[i], a.at("impact").at("changed_households")[i]);
  const int total = b.at("impact").at("changed_households_total").get<int>();
  EXPECT_EQ(b.at("impact").at("changed_households_not_listed").get<int>(), total - 5);
  const Cli text = cli("diff policies/xijiang_2015.pol policies/xijiang_2016.pol examples/data/xijiang_sample.csv "
                       "--no-witness --changed-limit 5");
  EXPECT_NE(text.out.find(fmt::format("changed households (5 of {})", total)), std::string::npos) << text.out;
  EXPECT_NE(text.out.find(fmt::format("... {} more not listed", total - 5)), std::string::npos) << text.out;
}

TEST(Command, HtmlIsOneSelfContainedPageWithAChart) {
  TempDir dir("diff-html");
  const auto page = (dir / "diff.html").string();
  const Cli c = cli(fmt::format(
      "diff policies/xijiang_2015.pol policies/xijiang_2016.pol examples/data/xijiang_sample.csv --by village --format html -o '{}'",
      page));
  ASSERT_EQ(c.code, 1) << c.err;
  const std::string html = read_file(page);
  EXPECT_NE(html.find("<svg"), std::string::npos);
  EXPECT_NE(html.find("</html>"), std::string::npos);
  EXPECT_EQ(html.find("<script src"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);
}

TEST(Command, TextSaysNoChangeForAReformattedPolicy) {
  TempDir dir("diff-fmt");
  write_file(dir / "same.pol", std::regex_replace(w1_2015(), std::regex("\n  "), "\n    ") + "\n# a trailing comment\n");
  const Cli c = cli(fmt::format("diff policies/xijiang_2015.pol '{}' --no-witness", (dir / "same.pol").string()));
  EXPECT_EQ(c.code, 0) << c.out;
  EXPECT_NE(c.out.find("no change in the policy"), std::string::npos);
}

// The Markdown report of 2015 -> 2016 on the bundled sample, as a reviewer sees
// it. Regenerate with PRECEPT_UPDATE_GOLDEN=1 and review the diff.
// Without witnesses: which household the solver finds may change with Z3's
// version; its verdicts are checked in witness_tests and below, not byte for byte.
TEST(Command, MarkdownReportMatchesTheGoldenFile) {
  const Cli c = cli("diff policies/xijiang_2015.pol policies/xijiang_2016.pol examples/data/xijiang_sample.csv "
                    "--by village --format markdown --changed-limit 25 --no-witness");
  ASSERT_EQ(c.code, 1) << c.err;
  const std::string golden = kSource + "/tests/diff/golden/xijiang_2015_2016.md";
  precept::testing::expect_matches_golden(golden, c.out);
}

TEST(Command, MarkdownReportGivesAVerdictForEveryOutput) {
  const Cli c = cli("diff policies/xijiang_2015.pol policies/xijiang_2016.pol --format markdown");
  ASSERT_EQ(c.code, 1) << c.err;
  // household_id is copied from the record in both years: provably the same.
  // (Names are Markdown-escaped: `_` would start emphasis.)
  EXPECT_NE(c.out.find("| household\\_id | same for every household |"), std::string::npos) << c.out;
  for (const char* output : {"per\\_capita", "poor", "category", "main\\_cause", "measures", "total\\_assistance"}) {
    const bool verdict = c.out.find(fmt::format("| {} | same for every household |", output)) != std::string::npos ||
                         c.out.find(fmt::format("| {} | differs |", output)) != std::string::npos ||
                         c.out.find(fmt::format("| {} | unknown |", output)) != std::string::npos;
    EXPECT_TRUE(verdict) << output << "\n" << c.out;
  }
  // The rain_dew amount changed: no limit on the solver's work can make that "the same".
  EXPECT_EQ(c.out.find("| total\\_assistance | same for every household |"), std::string::npos) << c.out;
}

TEST(Command, TwoRegistersJoinedOnTheKey) {
  TempDir dir("diff-join");
  const std::string sample = read_file(kSource + "/examples/data/xijiang_sample.csv");
  // This year: the first household left, and one household's income fell.
  std::string now = sample;
  const auto first = now.find("\n360733-0000001,");
  now.erase(first + 1, now.find('\n', first + 1) - first);
  now = replaced(now, "360733-0000002,会昌县,西江镇,西头村,4,1,29301.1,", "360733-0000002,会昌县,西江镇,西头村,4,1,2000.00,");
  write_file(dir / "now.csv", now);
  const Cli c = cli(fmt::format("diff policies/xijiang_2015.pol policies/xijiang_2015.pol '{}' --old-data examples/data/xijiang_sample.csv "
                                "--format json --no-witness",
                                (dir / "now.csv").string()));
  ASSERT_EQ(c.code, 1) << c.err;
  const auto j = nlohmann::json::parse(c.out);
  EXPECT_EQ(j.at("impact").at("key").get<std::string>(), "household_id");
  EXPECT_EQ(j.at("impact").at("total").at("only_in_old").get<int>(), 1);
  EXPECT_EQ(j.at("impact").at("total").at("only_in_new").get<int>(), 0);
  EXPECT_GE(j.at("impact").at("total").at("changed").get<int>(), 1);
}

// A report built by hand with hostile text where the data puts it: a GBK key
// and village, escape sequences, Markdown and HTML markup, a bidi override.
struct HostileReport {
  ImpactSummary impact;
  DiffResult report;
  HostileReport() {
    Edit e;
    e.kind = EditKind::Changed;
    e.what = "table row";
    e.decl = "measures";
    e.item = "a`b";  // a backtick of the data inside our own code quotes
    e.detail = "`x | y` -> `<b>z</b>`";
    e.old_text = "| a`b | x |\n| \x1b[2J |";
    report.edits.push_back(e);
    impact.key_field = "household_id";
    impact.group_names = {"village"};
    HouseholdChange gbk;
    gbk.line = 2;
    gbk.key = "\xC4\xE3\xBA\xC3-1";  // 你好-1 in GBK
    gbk.group = {"\xD6\xD0"};         // 中 in GBK
    gbk.changes.push_back({"poor", "false", "true"});
    HouseholdChange markup;
    markup.line = 3;
    markup.key = "h\x1b]0;owned\x07";
    markup.group = {"<script>alert(1)</script>\xE2\x80\xAE[x](http://e.com) *y* _z_"};
    markup.changes.push_back({"note", "- a", "# b"});
    impact.changed = {gbk, markup};
    impact.changed_total = 2;
    impact.groups.push_back({markup.group, {}});
    impact.groups.push_back({{"西头村\n二组"}, {}});  // a quoted line break in the register
    report.old_path = "old.pol";
    report.new_path = "new.pol";
    report.data_path = "data.csv";
    report.impact = impact;
  }
};

TEST(Report, JsonRepairsTextThatIsNotUtf8AsRunDoes) {
  const HostileReport h;
  std::string json;
  ASSERT_NO_THROW(json = render_json(h.report));  // threw type_error 316 before
  const auto j = nlohmann::json::parse(json);
  const auto& first = j.at("impact").at("changed_households").at(0);
  const std::string fffd = "\xEF\xBF\xBD";
  EXPECT_EQ(first.at("key"), fffd + fffd + fffd + fffd + "-1");
  EXPECT_EQ(first.at("group").at(0), fffd + fffd);
  // The same rule as `run --format jsonl` (runtime/format.cpp).
  std::string jsonl;
  precept::append_json_string(jsonl, "\xC4\xE3\xBA\xC3-1");
  EXPECT_EQ(nlohmann::json::parse(jsonl), first.at("key"));
}

TEST(Report, TextShowsDataEscaped) {
  const HostileReport h;
  for (const bool color : {false, true}) {
    const std::string text = render_text(h.report, color);
    EXPECT_EQ(text.find("\x1b]"), std::string::npos) << text;
    EXPECT_EQ(text.find("\x1b[2J"), std::string::npos) << text;
    EXPECT_EQ(text.find("\xE2\x80\xAE"), std::string::npos) << text;
    EXPECT_NE(text.find("h\\x1b]0;owned\\x07 (line 3)"), std::string::npos) << text;
    EXPECT_NE(text.find("\\xc4\\xe3\\xba\\xc3-1 (line 2) \\xd6\\xd0"), std::string::npos) << text;
    EXPECT_NE(text.find("      - | \\x1b[2J |\n"), std::string::npos) << text;  // a line of the policy
    EXPECT_EQ(text.find("\x1b[1m") != std::string::npos, color) << text;     // our own colours only when asked
  }
}

TEST(Report, MarkdownEscapesEveryDataDerivedString) {
  const HostileReport h;
  const std::string md = render_markdown(h.report);
  for (const char* raw : {"<script>", "\x1b", "\xE2\x80\xAE", "[x](http", "*y*", "_z_"})
    EXPECT_EQ(md.find(raw), std::string::npos) << raw << "\n" << md;
  // The village: markup shown as text, its `|` kept inside the table cell.
  EXPECT_NE(md.find("| &lt;script&gt;alert(1)&lt;/script&gt;\\\\u202e\\[x\\](http://e.com) \\*y\\* \\_z\\_ |"),
            std::string::npos)
      << md;
  // The item's backtick inside our code quotes: the quotes fall back to text.
  EXPECT_NE(md.find("table row measures \\`a\\`b\\`"), std::string::npos) << md;
  // Code spans: `|` escaped for the table, `<` literal (code shows it as is),
  // and a fence longer than the backticks inside.
  EXPECT_NE(md.find("`x \\| y` -&gt; `<b>z</b>`"), std::string::npos) << md;
  EXPECT_NE(md.find("``\\| a`b \\| x \\|``<br>`\\| \\x1b[2J \\|`"), std::string::npos) << md;
  // A household line starting with `-` or `#` must not become a list or a heading.
  EXPECT_NE(md.find("  - note: - a -&gt; \\# b\n"), std::string::npos) << md;
  EXPECT_NE(md.find("- h\\\\x1b\\]0;owned\\\\x07 (line 3)"), std::string::npos) << md;
}

TEST(Report, HtmlEscapesMarkupAndWhatWouldHide) {
  const HostileReport h;
  const std::string html = render_html(h.report);
  for (const char* raw : {"<script>", "</script>", "<b>z", "\x1b", "\xE2\x80\xAE"})
    EXPECT_EQ(html.find(raw), std::string::npos) << raw << "\n" << html;
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;\\u202e"), std::string::npos) << html;
  EXPECT_NE(html.find("\\xc4\\xe3\\xba\\xc3-1"), std::string::npos) << html;
  // A line break in a place name shows as in the other reports, not as a space.
  EXPECT_NE(html.find("<td>西头村\\n二组</td>"), std::string::npos) << html;
  EXPECT_NE(render_text(h.report, false).find("西头村\\n二组"), std::string::npos);
  EXPECT_NE(render_markdown(h.report).find("| 西头村\\\\n二组 |"), std::string::npos);
}

}  // namespace
