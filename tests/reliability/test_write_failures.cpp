// When an output cannot be written, the run says so, exits 4, and leaves no
// file that looks complete and no temporary `.partial-` file behind.
#include "cli_runner.hpp"
#include "files.hpp"
#include "reliability_support.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

namespace {

namespace fs = std::filesystem;
using namespace precept::reliability;
using precept::testing::CliOptions;
using precept::testing::CliSandbox;
using precept::testing::read_file;
using precept::testing::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

// A sandbox holding a generated register with bad rows, so there are rejects to write.
class WriteFailure : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(generate_register(box_ / "register.csv", 3000, 11, 30)); }
  std::set<std::string> only_register() const { return {"register.csv"}; }
  CliSandbox box_;
};

TEST_F(WriteFailure, ResultsToDevFullExit4AndLeaveNoRejectsFile) {
  const auto r = box_.run({"run", kW1, "register.csv", "-o", "/dev/full", "--rejects", "rejects.csv"});
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_THAT(r.err, HasSubstr("writing the results failed"));
  EXPECT_THAT(r.out, Not(HasSubstr("rows read:"))) << "a failed run must not report success counts";
  EXPECT_EQ(box_.files(), only_register()) << "no rejects.csv and no .partial- file after a failed run";
}

TEST_F(WriteFailure, ManyRejectsToDevFullExit4AndLeaveNoResultsFile) {
  // Rejects larger than a stdio buffer: the failure shows while the run is going.
  ASSERT_TRUE(generate_register(box_ / "register.csv", 3000, 11, 400));
  const auto r = box_.run({"run", kW1, "register.csv", "-o", "results.csv", "--rejects", "/dev/full"});
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_THAT(r.err, HasSubstr("writing the rejects failed"));
  EXPECT_EQ(box_.files(), only_register()) << "results.csv must not look complete when the rejects were lost";
}

// Regression (fixed): with fewer rejects than a stdio buffer holds, the write error
// shows only at commit; cmd_run commits (renames) results.csv first, then
// finds the rejects failed, and says "no results file was left behind" while
// results.csv is in place, and blames the results rather than the rejects.
TEST_F(WriteFailure, FewRejectsToDevFullExit4AndLeaveNoResultsFile) {
  const auto r = box_.run({"run", kW1, "register.csv", "-o", "results.csv", "--rejects", "/dev/full"});
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_THAT(r.err, HasSubstr("rejects"));
  EXPECT_EQ(box_.files(), only_register()) << "results.csv must not look complete when the rejects were lost";
}

TEST_F(WriteFailure, SummaryCsvToDevFullExit4) {
  const auto r = box_.run({"run", kW1, "register.csv", "-o", "results.csv", "--summary-csv", "/dev/full"});
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_THAT(r.err, HasSubstr("writing the summary (`/dev/full`) failed"));
  EXPECT_THAT(partial_files(box_.work()), IsEmpty());
}

TEST_F(WriteFailure, ResultsOnStdoutToDevFullExit4) {
  // Results on standard output, and standard output is a full disk.
  const auto r = box_.run({"run", kW1, "register.csv", "-o", "-", "--rejects", "rejects.csv", "-q"});
  ASSERT_EQ(r.exit_code, 0) << "control run";
  fs::remove(box_ / "rejects.csv");
  const int status = precept::testing::run_command("cd '" + box_.work().string() + "' && '" PRECEPT_CLI "' run '" +
                                                   kW1 + "' register.csv --rejects rejects.csv -q >/dev/full 2>/dev/null");
  EXPECT_EQ(status, 4);
  EXPECT_EQ(box_.files(), only_register());
}

TEST_F(WriteFailure, DiskFullPartWayExit4AndNoLeftovers) {
  // Writes past 64 KiB fail (EFBIG), as on a disk that fills during the run.
  CliOptions options;
  options.file_size_limit = 64 * 1024;
  const auto r = box_.run({"run", kW1, "register.csv", "-o", "results.csv", "--rejects", "rejects.csv"}, options);
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_THAT(r.err, HasSubstr("failed"));
  EXPECT_EQ(box_.files(), only_register());
}

TEST_F(WriteFailure, OutputInMissingDirectoryExit4) {
  const auto r = box_.run({"run", kW1, "register.csv", "-o", "no/such/dir/results.csv", "--rejects", "rejects.csv"});
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_THAT(r.err, HasSubstr("cannot create the output files"));
  EXPECT_EQ(box_.files(), only_register());
}

TEST_F(WriteFailure, OutputUnderARegularFileExit4) {
  precept::testing::write_file(box_ / "plain", "not a directory\n");
  const auto r = box_.run({"run", kW1, "register.csv", "-o", "plain/results.csv"});
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_THAT(r.err, HasSubstr("cannot create the output files"));
  EXPECT_EQ(read_file(box_ / "plain"), "not a directory\n");
  EXPECT_EQ(box_.files(), (std::set<std::string>{"plain", "register.csv"}));
}

TEST_F(WriteFailure, RejectsUnderARegularFileLeaveNoResults) {
  precept::testing::write_file(box_ / "plain", "x");
  const auto r = box_.run({"run", kW1, "register.csv", "-o", "results.csv", "--rejects", "plain/rejects.csv"});
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_EQ(box_.files(), (std::set<std::string>{"plain", "register.csv"}));
}

TEST_F(WriteFailure, ReadOnlyDirectoryExit4) {
  const fs::path locked = box_ / "locked";
  fs::create_directory(locked);
  ::chmod(locked.c_str(), 0500);
  // Root ignores directory permissions; then an unwritable place is a path whose
  // parent is a regular file, which stops root too.
  const bool chmod_works = ::access(locked.c_str(), W_OK) != 0;
  std::string target = "locked/results.csv";
  if (!chmod_works) {
    precept::testing::write_file(box_ / "locked_file", "x");
    target = "locked_file/results.csv";
  }
  const auto r = box_.run({"run", kW1, "register.csv", "-o", target, "--rejects", "rejects.csv"});
  ::chmod(locked.c_str(), 0700);
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_THAT(r.err, HasSubstr("cannot create the output files"));
  EXPECT_FALSE(fs::exists(box_ / "rejects.csv"));
  EXPECT_FALSE(fs::exists(box_ / "locked" / "results.csv"));
  EXPECT_THAT(partial_files(box_.work()), IsEmpty());
}

TEST_F(WriteFailure, OutputDirectoryRemovedDuringRunExit4) {
  // The register comes through a pipe, so the run is still going when the
  // directory holding its output disappears; the rename at the end must fail.
  TempDir capture("reliability-capture");
  const fs::path out_dir = box_ / "out";
  fs::create_directory(out_dir);
  const std::string data = read_file(box_ / "register.csv");
  BackgroundCli cli({"run", kW1, "-", "-o", "out/results.csv", "--rejects", "out/rejects.csv", "-q"}, box_.work(),
                    capture.path());
  const std::size_t half = data.find('\n', data.size() / 2) + 1;
  ASSERT_TRUE(cli.feed(data.substr(0, half)));
  ASSERT_TRUE(wait_until([&] { return partial_files(out_dir).size() == 2; }, 10)) << cli.err();
  fs::remove_all(out_dir);
  cli.feed(data.substr(half));
  cli.close_input();
  EXPECT_EQ(cli.wait(), 4) << cli.err();
  EXPECT_THAT(cli.err(), HasSubstr("failed"));
  EXPECT_FALSE(fs::exists(out_dir / "results.csv"));
  EXPECT_FALSE(fs::exists(out_dir / "rejects.csv"));
  EXPECT_THAT(partial_files(box_.work()), IsEmpty());
}

// Regression: outputs were renamed into place one after another, so when a
// later one could not be put in place the earlier ones were already new:
// this run's results beside the last run's rejects. Now the old set stays.
TEST_F(WriteFailure, AnOutputThatCannotBePutInPlaceLeavesTheEarlierSetWhole) {
  TempDir capture("reliability-capture");
  fs::create_directory(box_ / "results");
  fs::create_directory(box_ / "rejects");
  precept::testing::write_file(box_ / "results/results.csv", "last run's results\n");
  precept::testing::write_file(box_ / "rejects/rejects.csv", "last run's rejects\n");
  const std::string data = read_file(box_ / "register.csv");
  BackgroundCli cli({"run", kW1, "-", "-o", "results/results.csv", "--rejects", "rejects/rejects.csv", "-q"},
                    box_.work(), capture.path());
  const std::size_t half = data.find('\n', data.size() / 2) + 1;
  ASSERT_TRUE(cli.feed(data.substr(0, half)));
  ASSERT_TRUE(wait_until([&] { return partial_files(box_ / "rejects").size() == 1; }, 10)) << cli.err();
  fs::remove_all(box_ / "rejects");  // the rejects can no longer be put in place
  cli.feed(data.substr(half));
  cli.close_input();
  EXPECT_EQ(cli.wait(), 4) << cli.err();
  EXPECT_THAT(cli.err(), HasSubstr("writing the rejects (`rejects/rejects.csv`) failed"));
  EXPECT_EQ(read_file(box_ / "results/results.csv"), "last run's results\n")
      << "the results must stay those of the run whose rejects they were";
  EXPECT_EQ(box_.files(), (std::set<std::string>{"register.csv", "results", "results/results.csv"}));
}

}  // namespace
