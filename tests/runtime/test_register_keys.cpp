// Duplicate household keys (`household_id: text key`): a register holds one row
// per key; a later row with a key already read is rejected, naming the first
// row's line, in input order for any number of threads and for CSV and .xlsx
// registers alike; explanations say the same; rows in = results + rejects.
#include "register_test_support.hpp"

#include <precept/explain.hpp>
#include <precept/policy.hpp>
#include <precept/run.hpp>

#include <gtest/gtest.h>

#include <string>

namespace precept {
namespace {

using testing::open_input;
using testing::run_over;
using testing::xlsx_of_csv;

const Policy& keyed_policy() {
  static const CompileResult compiled = compile(R"(policy "keys" year 2016
record household {
  household_id: text key "registry number"
  village: text
  members: int where >= 1
  income: money
}
let per_capita = round(income / members, 2)
rule poor: per_capita < 3000 yuan
output household_id, per_capita, poor
summary population = members  poor = poor  group village = village
)",
                                                "keys.pol");
  EXPECT_TRUE(compiled.ok()) << render(compiled.diagnostics);
  return *compiled.policy;
}

// Line 2 is first; 5 repeats it; 7 repeats 3's key and has a bad cell too
// (a duplicate first); 8 repeats 2 again; the empty key at 9 and 10 is
// no household's key. Village 乙 has only the duplicate at 5: no group of its own.
const std::string kRegister =
    "household_id,village,members,income\n"
    "h1,甲,2,5000\n"
    "h2,甲,1,9000\n"
    "h3,丙,3,12000\n"
    "h1,乙,4,4000\n"
    "h4,丙,1,100\n"
    "h2,丙,0,100\n"
    "h1,甲,2,5000\n"
    ",丙,1,1\n"
    ",丙,1,1\n";

TEST(DuplicateKeys, ALaterRowWithAKeyAlreadyReadIsRejectedNamingTheFirst) {
  RunOptions by_village;
  by_village.group_by = {"village"};
  const testing::CapturedRun run = run_over(keyed_policy(), kRegister, false, by_village);
  ASSERT_TRUE(run.report.ok()) << run.report.fatal_error;
  EXPECT_EQ(run.results,
            "household_id,per_capita,poor\n"
            "h1,2500.00,true\nh2,9000.00,false\nh3,4000.00,false\nh4,100.00,true\n,1.00,true\n,1.00,true\n");
  EXPECT_EQ(run.rejects,
            "line,column,reason\n"
            "5,household_id,household_id `h1` already appears at line 2: the register lists this household twice\n"
            "7,household_id,household_id `h2` already appears at line 3: the register lists this household twice\n"
            "8,household_id,household_id `h1` already appears at line 2: the register lists this household twice\n");
  EXPECT_EQ(run.report.rows_read, 9u);
  EXPECT_EQ(run.report.rows_read, run.report.results + run.report.rejected);
  EXPECT_EQ(run.report.rejected_by_kind.at(RejectKind::DuplicateKey), 3u);
  EXPECT_STREQ(reject_kind_name(RejectKind::DuplicateKey), "duplicate_key");
  // The duplicates count nowhere in the summary: 乙 has no household.
  ASSERT_EQ(run.report.summary.groups.size(), 2u);
  for (const SummaryRow& group : run.report.summary.groups) EXPECT_NE(group.key.front(), "乙");
  EXPECT_EQ(run.report.summary.total.households, 6);
  EXPECT_EQ(run.report.summary.total.population, 2 + 1 + 3 + 1 + 1 + 1);
}

TEST(DuplicateKeys, TheSameBytesForAnyThreadsBatchesAndInput) {
  // Many rows, keys repeating across batches, so that the first of a key and
  // its repeats are in different batches handled by different threads.
  std::string input = "household_id,village,members,income\n";
  for (int i = 0; i < 3000; ++i)
    input += "k" + std::to_string((i * 7919) % 2000) + "," + (i % 3 ? "甲" : "乙") + "," + std::to_string(1 + i % 4) +
             "," + std::to_string(1000 + i) + "\n";
  RunOptions one;
  one.threads = 1;
  one.group_by = {"village"};
  const testing::CapturedRun expected = run_over(keyed_policy(), input, false, one);
  ASSERT_TRUE(expected.report.ok());
  EXPECT_EQ(expected.report.results, 2000u);
  EXPECT_EQ(expected.report.rejected, 1000u);
  for (const bool regular : {false, true})
    for (const std::size_t threads : {1u, 4u})
      for (const std::size_t batch : {7u, 1024u}) {
        SCOPED_TRACE("regular " + std::to_string(regular) + " threads " + std::to_string(threads) + " batch " +
                     std::to_string(batch));
        RunOptions options;
        options.threads = threads;
        options.batch_size = batch;
        options.group_by = {"village"};
        const testing::CapturedRun run = run_over(keyed_policy(), input, regular, options);
        EXPECT_EQ(run.results, expected.results);
        EXPECT_EQ(run.rejects, expected.rejects);
        EXPECT_EQ(format_summary_csv(run.report.summary), format_summary_csv(expected.report.summary));
        EXPECT_EQ(run.report.rows_read, run.report.results + run.report.rejected);
      }
}

TEST(DuplicateKeys, AnXlsxRegisterIsCheckedTheSameWay) {
  const testing::CapturedRun csv = run_over(keyed_policy(), kRegister, false);
  const testing::CapturedRun xlsx = run_over(keyed_policy(), xlsx_of_csv(kRegister), false);
  ASSERT_TRUE(xlsx.report.ok()) << xlsx.report.fatal_error;
  EXPECT_EQ(xlsx.results, csv.results);
  EXPECT_EQ(xlsx.rejects, csv.rejects);
}

TEST(DuplicateKeys, AnIntKeyIsComparedByItsValue) {
  const CompileResult compiled = compile(
      "policy \"k\" year 2016\nrecord r { id: int key  members: int }\noutput id, members\n", "k.pol");
  ASSERT_TRUE(compiled.ok()) << render(compiled.diagnostics);
  const testing::CapturedRun run = run_over(*compiled.policy, "id,members\n7,1\n8,1\n007,2\n", false);
  EXPECT_EQ(run.results, "id,members\n7,1\n8,1\n");
  EXPECT_EQ(run.rejects,
            "line,column,reason\n4,id,id `7` already appears at line 2: the register lists this household twice\n");
}

TEST(DuplicateKeys, InChineseAndWithoutAKeyNothingChanges) {
  RunOptions chinese;
  chinese.language = Language::Chinese;
  const testing::CapturedRun run = run_over(keyed_policy(), kRegister, false, chinese);
  EXPECT_NE(run.rejects.find("5,household_id,household_id `h1` 在第2行已经有了：登记表里这一户登记了两次\n"),
            std::string::npos)
      << run.rejects;
  // The same policy without `key` reads every row.
  const CompileResult unkeyed = compile(R"(policy "keys" year 2016
record household { household_id: text  village: text  members: int where >= 1  income: money }
output household_id
)",
                                        "k.pol");
  ASSERT_TRUE(unkeyed.ok());
  const testing::CapturedRun all = run_over(*unkeyed.policy, kRegister, false);
  EXPECT_EQ(all.report.results, 8u);  // all but the bad cell at 7
  EXPECT_EQ(all.report.rejected, 1u);
}

// Explanations, written by `run` with its results or by explain_csv(), say of
// a duplicate what its reject says.
TEST(DuplicateKeys, ExplanationsOfADuplicateSayItIsOne) {
  for (const std::size_t threads : {1u, 3u}) {
    char* buffer = nullptr;
    std::size_t length = 0;
    std::FILE* explanations = ::open_memstream(&buffer, &length);
    RunOptions options;
    options.threads = threads;
    options.batch_size = 2;
    options.explanations = explanations;
    const testing::CapturedRun run = run_over(keyed_policy(), kRegister, false, options);
    std::fclose(explanations);
    const std::string written(buffer, length);
    std::free(buffer);
    ASSERT_TRUE(run.report.ok()) << run.report.fatal_error;

    std::string expected;
    std::FILE* in = open_input(kRegister, false);
    EXPECT_EQ(explain_csv(keyed_policy(), in, "", [&](const Explanation& e) {
                expected += e.json() + "\n";
                return true;
              }),
              "");
    std::fclose(in);
    EXPECT_EQ(written, expected);
    EXPECT_NE(written.find("already appears at line 2"), std::string::npos) << written;
    std::size_t lines = 0;
    for (const char c : written) lines += c == '\n';
    EXPECT_EQ(lines, 9u);
  }
}

}  // namespace
}  // namespace precept
