// The public diff API (include/precept/diff.hpp), called as an embedder would,
// with nothing but <precept/...>: the 2015 -> 2016 revision of the W1 policy
// gives the edits it was made of, impact counts that equal evaluating every
// household of the sample under both versions with the public Evaluator, and
// witnesses that really show a difference when run; failures come back as data.
#include <precept/diff.hpp>
#include <precept/evaluator.hpp>
#include <precept/policy.hpp>

#include "files.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace precept::diff {
namespace {

const std::string kSource = PRECEPT_SOURCE_DIR;
const std::string kOld = kSource + "/policies/xijiang_2015.pol";
const std::string kNew = kSource + "/policies/xijiang_2016.pol";
const std::string kSample = kSource + "/examples/data/xijiang_sample.csv";

// Computed once: the witness search takes a few seconds.
const DiffResult& with_sample() {
  static const DiffResult result = [] {
    DiffOptions options;
    options.data = kSample;
    options.threads = 2;
    return diff_policies({kOld, std::nullopt}, {kNew, std::nullopt}, options);
  }();
  return result;
}

const Edit* find_edit(const DiffResult& r, const std::string& what, const std::string& decl) {
  for (const auto& e : r.edits)
    if (e.what == what && e.decl == decl) return &e;
  return nullptr;
}

// The register's records (RFC 4180: quoted cells may hold commas, quotes and
// line breaks), each with the line it starts on. A record whose cells do not
// match the header is rejected by the reader whatever the policy.
struct CsvRecord {
  std::uint64_t line = 0;
  std::vector<std::string> cells;
};
std::vector<CsvRecord> read_csv(const std::string& text) {
  std::vector<CsvRecord> records;
  CsvRecord record{1, {}};
  std::string cell;
  bool quoted = false, any = false;
  std::uint64_t line = 1;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') cell += text[++i];
      else if (c == '"') quoted = false;
      else {
        if (c == '\n') ++line;
        cell += c;
      }
    } else if (c == '"') {
      quoted = any = true;
    } else if (c == ',') {
      record.cells.push_back(std::move(cell));
      cell.clear();
      any = true;
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      // A blank line is a record too (of one empty cell): the reader counts and rejects it.
      record.cells.push_back(std::move(cell));
      records.push_back(std::move(record));
      cell.clear();
      any = false;
      record = CsvRecord{++line, {}};
    } else {
      cell += c;
      any = true;
    }
  }
  if (any || !cell.empty()) {
    record.cells.push_back(std::move(cell));
    records.push_back(std::move(record));
  }
  return records;
}

Evaluator evaluator(const std::string& path) {
  CompileResult compiled = compile(testing::read_file(path), path);
  EXPECT_TRUE(compiled.ok()) << render(compiled.diagnostics);
  return Evaluator(std::move(*compiled.policy));
}

TEST(DiffApi, TheEditsAreTheRevisionsOfTheW1Policy) {
  const DiffResult& r = with_sample();
  ASSERT_TRUE(r.ok()) << r.message << render(r.diagnostics);
  EXPECT_TRUE(r.changed());
  const Edit* line = find_edit(r, "param", "poverty_line");
  ASSERT_NE(line, nullptr);
  EXPECT_EQ(line->kind, EditKind::Changed);
  EXPECT_EQ(line->old_value, "2736.00 yuan");
  EXPECT_EQ(line->new_value, "2855.00 yuan");
  EXPECT_GT(line->old_line, 0u);
  EXPECT_GT(line->new_line, 0u);
  EXPECT_TRUE(line->affects_results);
  const Edit* header = find_edit(r, "header", "");
  ASSERT_NE(header, nullptr);
  EXPECT_FALSE(header->affects_results);
  EXPECT_EQ(r.old_title, "西江镇精准识别与帮扶 (2015)");
}

TEST(DiffApi, ImpactCountsEqualEvaluatingEveryHouseholdUnderBothVersions) {
  const DiffResult& r = with_sample();
  ASSERT_TRUE(r.ok()) << r.message;
  ASSERT_TRUE(r.impact.has_value());
  Evaluator before = evaluator(kOld), after = evaluator(kNew);
  const auto old_names = before.policy().output_names(), new_names = after.policy().output_names();
  const std::vector<CsvRecord> rows = read_csv(testing::read_file(kSample));
  ASSERT_GT(rows.size(), 1u);
  const std::vector<std::string>& header = rows[0].cells;
  ImpactCounts expected;
  std::vector<std::uint64_t> changed_lines;
  for (std::size_t r_i = 1; r_i < rows.size(); ++r_i) {
    const std::vector<std::string>& cells = rows[r_i].cells;
    std::vector<std::pair<std::string, std::string>> record;
    for (std::size_t i = 0; i < header.size() && i < cells.size(); ++i) record.emplace_back(header[i], cells[i]);
    ++expected.rows;
    if (cells.size() != header.size()) {
      ++expected.rejected_both;
      continue;
    }
    const Outcome a = before.evaluate(record), b = after.evaluate(record);
    if (!a.ok && !b.ok) ++expected.rejected_both;
    else if (!a.ok) ++expected.rejected_only_old;
    else if (!b.ok) ++expected.rejected_only_new;
    else {
      ++expected.compared;
      bool differs = false;
      for (std::size_t o = 0; o < old_names.size(); ++o) {
        const auto n = std::find(new_names.begin(), new_names.end(), old_names[o]);
        if (n != new_names.end() && a.values[o] != b.values[static_cast<std::size_t>(n - new_names.begin())]) differs = true;
      }
      if (differs) {
        ++expected.changed;
        changed_lines.push_back(rows[r_i].line);
      }
    }
  }
  const ImpactCounts& total = r.impact->total;
  EXPECT_EQ(total.rows, expected.rows);
  EXPECT_EQ(total.compared, expected.compared);
  EXPECT_EQ(total.changed, expected.changed);
  EXPECT_EQ(total.rejected_both, expected.rejected_both);
  EXPECT_EQ(total.rejected_only_old, expected.rejected_only_old);
  EXPECT_EQ(total.rejected_only_new, expected.rejected_only_new);
  EXPECT_GT(total.changed, 0u);
  EXPECT_GT(total.assistance_delta(), 0);  // a higher line gives more
  // The first changed_limit changed households, by line, each with its cause.
  ASSERT_EQ(r.impact->changed.size(), std::min<std::size_t>(r.changed_limit, changed_lines.size()));
  for (std::size_t i = 0; i < r.impact->changed.size(); ++i) EXPECT_EQ(r.impact->changed[i].line, changed_lines[i]);
  EXPECT_EQ(r.impact->changed_total, expected.changed);
  EXPECT_EQ(r.impact->key_field, "household_id");
  ASSERT_TRUE(r.attribution.has_value());
  ASSERT_EQ(r.attribution->households.size(), r.impact->changed.size());
  EXPECT_FALSE(r.attribution->households[0].lines.empty());
  std::uint64_t moved_by_poverty_line = 0;
  for (const auto& e : r.attribution->effects)
    if (e.label == "poverty_line 2736.00 yuan -> 2855.00 yuan") moved_by_poverty_line = e.households;
  EXPECT_GT(moved_by_poverty_line, 0u);
}

TEST(DiffApi, AWitnessShowsItsDifferenceWhenRunThroughBothVersions) {
  const DiffResult& r = with_sample();
  ASSERT_TRUE(r.ok()) << r.message;
  ASSERT_TRUE(r.witnesses.has_value());
  const auto poor = std::find_if(r.witnesses->begin(), r.witnesses->end(), [](const auto& w) { return w.output == "poor"; });
  ASSERT_NE(poor, r.witnesses->end());
  ASSERT_EQ(poor->verdict, Verdict::Differs) << poor->reason;
  Evaluator before = evaluator(kOld), after = evaluator(kNew);
  const Outcome a = before.evaluate(poor->household), b = after.evaluate(poor->household);
  ASSERT_TRUE(a.ok && b.ok) << a.error << b.error;
  const auto at = [](const Evaluator& e, const std::string& name) {
    const auto names = e.policy().output_names();
    return static_cast<std::size_t>(std::find(names.begin(), names.end(), name) - names.begin());
  };
  EXPECT_EQ(a.values[at(before, "poor")], poor->old_value);
  EXPECT_EQ(b.values[at(after, "poor")], poor->new_value);
  EXPECT_NE(poor->old_value, poor->new_value);
  // An output the revision does not touch is proven the same.
  const auto id = std::find_if(r.witnesses->begin(), r.witnesses->end(), [](const auto& w) { return w.output == "household_id"; });
  ASSERT_NE(id, r.witnesses->end());
  EXPECT_EQ(id->verdict, Verdict::SameForAll);
  EXPECT_GT(r.solver_work, 0u);
  EXPECT_LE(r.solver_work, r.solver_budget + 1);
  EXPECT_TRUE(r.out_of_budget_note.empty());
}

TEST(DiffApi, TextGivenInPlaceOfAFileGivesTheSameEdits) {
  DiffOptions options;
  options.witnesses = false;
  const DiffResult from_files = diff_policies({kOld, std::nullopt}, {kNew, std::nullopt}, options);
  const DiffResult from_text =
      diff_policies({kOld, testing::read_file(kOld)}, {"revised.pol", testing::read_file(kNew)}, options);
  ASSERT_TRUE(from_files.ok() && from_text.ok());
  ASSERT_EQ(from_text.edits.size(), from_files.edits.size());
  for (std::size_t i = 0; i < from_text.edits.size(); ++i) EXPECT_EQ(from_text.edits[i].detail, from_files.edits[i].detail);
  EXPECT_FALSE(from_text.witnesses.has_value());
  EXPECT_FALSE(from_text.impact.has_value());
  EXPECT_EQ(from_text.new_path, "revised.pol");
  // A policy compared with itself: nothing changed.
  const DiffResult same = diff_policies({kOld, std::nullopt}, {kOld, std::nullopt}, options);
  ASSERT_TRUE(same.ok());
  EXPECT_TRUE(same.edits.empty());
  EXPECT_FALSE(same.changed());
}

TEST(DiffApi, AChangedDescriptionIsQuotedAsThePolicyWritesIt) {
  // A quote in a description used to print unescaped: `"say "no""`.
  std::string revised = testing::read_file(kOld);
  const std::string from = "\"national poverty line at 2013 prices\"";
  ASSERT_NE(revised.find(from), std::string::npos);
  revised.replace(revised.find(from), from.size(), "\"say \\\"no\\\"\"");
  DiffOptions options;
  options.witnesses = false;
  const DiffResult r = diff_policies({kOld, std::nullopt}, {"revised.pol", revised}, options);
  ASSERT_TRUE(r.ok()) << render(r.diagnostics);
  ASSERT_EQ(r.edits.size(), 1u);
  EXPECT_EQ(r.edits[0].detail, "description \"national poverty line at 2013 prices\" -> \"say \\\"no\\\"\"");
  EXPECT_FALSE(r.edits[0].affects_results);
}

TEST(DiffApi, FailuresComeBackAsDataInTheCommandsOrder) {
  DiffOptions options;
  options.witnesses = false;
  const DiffResult missing = diff_policies({kSource + "/policies/no_such.pol", std::nullopt}, {kNew, std::nullopt}, options);
  EXPECT_EQ(missing.status, DiffStatus::PolicyUnreadable);
  EXPECT_NE(missing.message.find("no_such.pol"), std::string::npos) << missing.message;

  const std::string broken = "policy \"broken\"\n\nrecord household {\n  members: int\n}\nrule r: membres > 2\n";
  const DiffResult errors = diff_policies({"broken.pol", broken}, {kNew, std::nullopt}, options);
  ASSERT_EQ(errors.status, DiffStatus::PolicyErrors);
  ASSERT_FALSE(errors.diagnostics.empty());
  EXPECT_EQ(errors.diagnostics[0].file, "broken.pol");
  EXPECT_GT(errors.diagnostics[0].line, 0u);

  DiffOptions no_data = options;
  no_data.data = kSource + "/examples/data/no_such.csv";
  const DiffResult unreadable = diff_policies({kOld, std::nullopt}, {kNew, std::nullopt}, no_data);
  EXPECT_EQ(unreadable.status, DiffStatus::DataUnreadable);
  EXPECT_NE(unreadable.message.find("no_such.csv"), std::string::npos) << unreadable.message;

  // The caller sees every file each version read, and may stop before anything is compared.
  DiffOptions refusing = options;
  std::vector<std::string> seen_old, seen_new;
  refusing.before_comparing = [&](const std::vector<std::string>& old_files, const std::vector<std::string>& new_files) {
    seen_old = old_files;
    seen_new = new_files;
    return false;
  };
  const std::string town = kSource + "/policies/xijiang_town_2016.pol";
  const DiffResult stopped = diff_policies({kOld, std::nullopt}, {town, std::nullopt}, refusing);
  EXPECT_EQ(stopped.status, DiffStatus::Stopped);
  EXPECT_TRUE(stopped.edits.empty());
  ASSERT_EQ(seen_old.size(), 1u);
  EXPECT_GT(seen_new.size(), 1u);  // the town's policy and the parents it extends
}

TEST(DiffApi, TheRenderersPrintTheResultAsTheCommandDoes) {
  const DiffResult& r = with_sample();
  ASSERT_TRUE(r.ok());
  const std::string text = render_text(r, false);
  EXPECT_NE(text.find("poverty_line"), std::string::npos);
  EXPECT_EQ(text.find("\x1b["), std::string::npos);
  EXPECT_NE(render_text(r, true).find("\x1b["), std::string::npos);
  EXPECT_NE(render_json(r).find("\"assistance_delta\": \"319099.00\""), std::string::npos);
  EXPECT_EQ(render_markdown(r).rfind("## Policy diff: ", 0), 0u);
  EXPECT_NE(render_html(r).find("<html"), std::string::npos);
}

}  // namespace
}  // namespace precept::diff
