// Outputs written safely next to hostile neighbours (cli/output_file.hpp): a
// user who can write to the output's folder cannot make a run write anywhere
// else, an output never overwrites an input, and a set of outputs is replaced
// as a set. Each command is run as a separate process, as a user would.
#include "cli_runner.hpp"
#include "files.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace fs = std::filesystem;
using precept::testing::CliOptions;
using precept::testing::CliRun;
using precept::testing::CliSandbox;
using precept::testing::read_file;
using precept::testing::write_file;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

namespace {

const std::string kPolicy = PRECEPT_SOURCE_DIR "/policies/xijiang_2015.pol";
const std::string kMessy = "policy \"x\"   year 2015\nrecord r {a:int   b : money}\noutput a,b\n";
const std::string kPrecious = "precious: not to be written by precept\n";

mode_t mode_of(const fs::path& path) {
  struct stat status {};
  ::lstat(path.c_str(), &status);
  return status.st_mode & 07777;
}

// Names in `dir` containing `part`.
std::vector<std::string> names_with(const fs::path& dir, const std::string& part) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.path().filename().string().find(part) != std::string::npos) names.push_back(entry.path().filename().string());
  return names;
}

class OutputFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    const int status = precept::testing::run_command("'" PRECEPT_GEN "' --rows 300 --seed 4 --bad-rows 5 -o '" +
                                                     (box_ / "register.csv").string() + "' 2>/dev/null");
    ASSERT_EQ(status, 0);
    fs::copy_file(kPolicy, box_ / "policy.pol");
    // The victim lives outside the folder the outputs go to, as another user's
    // (or root's) file would; 0600, as the was.
    victim_ = box_.work().parent_path() / "victim.txt";
    write_file(victim_, kPrecious);
    ::chmod(victim_.c_str(), 0600);
  }

  // Runs the CLI with a link to the victim planted at every name the old code
  // gave its temporary files, `<output>.partial-<pid>`, for the pid it runs as.
  CliRun run_with_planted_links(const std::vector<std::string>& args, const std::vector<std::string>& outputs) {
    CliOptions options;
    options.before_start = [&](int pid) {
      for (const auto& output : outputs)
        fs::create_symlink(victim_, box_ / (output + ".partial-" + std::to_string(pid)));
    };
    return box_.run(args, options);
  }

  void expect_victim_untouched() const {
    EXPECT_EQ(read_file(victim_), kPrecious) << "the file a planted link leads to must not be written";
    EXPECT_EQ(mode_of(victim_), 0600u) << "nor its permissions changed";
  }

  CliSandbox box_;
  fs::path victim_;
};

// Regression: every output was first written to `<output>.partial-<pid>` with
// fopen("wb"), which followed a link planted there and overwrote its target.
TEST_F(OutputFiles, RunWritesNoOutputThroughALinkPlantedAtItsTemporaryName) {
  const CliRun r = run_with_planted_links({"run", "policy.pol", "register.csv", "-o", "results.csv", "--rejects",
                                           "rejects.csv", "--summary-csv", "summary.csv", "--explain", "why.jsonl", "-q"},
                                          {"results.csv", "rejects.csv", "summary.csv", "why.jsonl"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  expect_victim_untouched();
  EXPECT_THAT(read_file(box_ / "results.csv"), HasSubstr("household_id")) << "the results are where they belong";
  EXPECT_FALSE(read_file(box_ / "why.jsonl").empty());
  EXPECT_THAT(names_with(box_.work(), ".partial-"), ::testing::SizeIs(4)) << "only the planted links remain";
}

TEST_F(OutputFiles, CompileWritesNoOutputThroughALinkPlantedAtItsTemporaryName) {
  const CliRun r = run_with_planted_links({"compile", "policy.pol", "-o", "policy.pcb"}, {"policy.pcb"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  expect_victim_untouched();
  EXPECT_EQ(read_file(box_ / "policy.pcb").rfind("PCPT", 0), 0u);
}

TEST_F(OutputFiles, DiffWritesNoReportThroughALinkPlantedAtItsTemporaryName) {
  fs::copy_file(kPolicy, box_ / "new.pol");
  const CliRun r = run_with_planted_links({"diff", "policy.pol", "new.pol", "--no-witness", "-o", "report.txt"},
                                          {"report.txt"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  expect_victim_untouched();
  EXPECT_TRUE(fs::exists(box_ / "report.txt"));
}

// Regression: `fmt -w` also chmodded the link's target to the policy's mode.
TEST_F(OutputFiles, FmtWriteWritesNothingThroughALinkPlantedAtItsTemporaryName) {
  write_file(box_ / "messy.pol", kMessy);
  const CliRun r = run_with_planted_links({"fmt", "-w", "messy.pol"}, {"messy.pol"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  expect_victim_untouched();
  EXPECT_NE(read_file(box_ / "messy.pol"), kMessy) << "the policy itself was formatted";
}

// Regression: a destination that is a link was written in place, through it.
TEST_F(OutputFiles, ALinkAsTheDestinationIsRefusedAndItsTargetKept) {
  fs::create_symlink(victim_, box_ / "results.csv");
  const CliRun r = box_.run({"run", "policy.pol", "register.csv", "-o", "results.csv", "-q"});
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_THAT(r.err, HasSubstr("`results.csv` is a symbolic link"));
  expect_victim_untouched();
  EXPECT_TRUE(fs::is_symlink(box_ / "results.csv")) << "the link is left as it was";
  EXPECT_THAT(names_with(box_.work(), ".partial-"), IsEmpty());
}

TEST_F(OutputFiles, ALinkAsTheDestinationOfCompileAndDiffIsRefused) {
  fs::create_symlink(victim_, box_ / "out.pcb");
  const CliRun compiled = box_.run({"compile", "policy.pol", "-o", "out.pcb"});
  EXPECT_EQ(compiled.exit_code, 4) << compiled.err;
  fs::create_symlink(victim_, box_ / "report.md");
  const CliRun diffed = box_.run({"diff", "policy.pol", "policy.pol", "--no-witness", "--format", "markdown", "-o", "report.md"});
  EXPECT_EQ(diffed.exit_code, 4) << diffed.err;
  EXPECT_THAT(diffed.err, HasSubstr("symbolic link"));
  expect_victim_untouched();
}

// /dev/stdout is standard output, here a file the caller opened.
TEST_F(OutputFiles, DevStdoutIsStandardOutput) {
  const CliRun r = box_.run({"run", "policy.pol", "register.csv", "-o", "/dev/stdout", "-q"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("household_id", 0), 0u) << r.out.substr(0, 200);
}

// A link named on `fmt -w`'s command line leads once to the policy, which is
// rewritten in its own folder: the link stays a link.
TEST_F(OutputFiles, FmtWriteThroughANamedLinkRewritesItsTargetAndKeepsTheLink) {
  fs::create_directory(box_ / "real");
  write_file(box_ / "real/messy.pol", kMessy);
  fs::create_symlink("real/messy.pol", box_ / "link.pol");
  const CliRun r = box_.run({"fmt", "-w", "link.pol"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(fs::is_symlink(box_ / "link.pol"));
  EXPECT_NE(read_file(box_ / "real/messy.pol"), kMessy);
}

TEST_F(OutputFiles, FmtWriteKeepsA0600Policy0600) {
  write_file(box_ / "messy.pol", kMessy);
  ::chmod((box_ / "messy.pol").c_str(), 0600);
  const CliRun r = box_.run({"fmt", "-w", "messy.pol"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(mode_of(box_ / "messy.pol"), 0600u);
}

// Regression: an output replacing a file was created afresh (0644 under the
// usual umask): results a county keeps 0600 became readable by all.
TEST_F(OutputFiles, AReplacedOutputKeepsItsPermissions) {
  write_file(box_ / "results.csv", "old\n");
  ::chmod((box_ / "results.csv").c_str(), 0600);
  const CliRun r = box_.run({"run", "policy.pol", "register.csv", "-o", "results.csv", "-q"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(mode_of(box_ / "results.csv"), 0600u);
  EXPECT_NE(read_file(box_ / "results.csv"), "old\n");
}

TEST_F(OutputFiles, ANewOutputGetsTheUsualPermissions) {
  const CliRun r = box_.run({"run", "policy.pol", "register.csv", "-o", "results.csv", "-q"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const mode_t umask_now = ::umask(0);
  ::umask(umask_now);
  EXPECT_EQ(mode_of(box_ / "results.csv"), 0666u & ~umask_now);
}

// ------------------------------------------------- outputs never replace inputs

struct Clash {
  std::vector<std::string> args;
  std::string input;  // the file that must be left as it was
};

class OutputsAndInputs : public OutputFiles {};

// Regression: `-o`, `--rejects`, `--summary-csv` naming the policy, `compile
// P.pol -o P.pol`, `diff -o` naming a version or the register all silently
// replaced the input. Each is refused (exit 2) before anything is written,
// however the name is spelled.
TEST_F(OutputsAndInputs, AnOutputNamingAnInputIsRefusedBeforeAnythingIsWritten) {
  fs::create_hard_link(box_ / "policy.pol", box_ / "hard-link.pol");
  fs::create_symlink("register.csv", box_ / "register-link.csv");
  fs::create_directory(box_ / "county");
  write_file(box_ / "county/county.pol", "policy \"county\" extends \"../policy.pol\"\n");
  fs::copy_file(kPolicy, box_ / "new.pol");
  const std::vector<Clash> clashes = {
      {{"run", "policy.pol", "register.csv", "-o", "policy.pol"}, "policy.pol"},
      {{"run", "policy.pol", "register.csv", "-o", "out.csv", "--rejects", "hard-link.pol"}, "policy.pol"},
      {{"run", "policy.pol", "register.csv", "--summary-csv", "./register-link.csv"}, "register.csv"},
      {{"run", "policy.pol", "register.csv", "--explain", "../work/register.csv"}, "register.csv"},
      {{"run", "county/county.pol", "register.csv", "-o", "policy.pol"}, "policy.pol"},
      {{"compile", "policy.pol", "-o", "policy.pol"}, "policy.pol"},
      {{"compile", "county/county.pol", "-o", "hard-link.pol"}, "policy.pol"},
      {{"diff", "policy.pol", "new.pol", "--no-witness", "-o", "new.pol"}, "new.pol"},
      {{"diff", "policy.pol", "new.pol", "--no-witness", "-o", "./policy.pol"}, "policy.pol"},
      {{"diff", "policy.pol", "new.pol", "register.csv", "--no-witness", "-o", "register-link.csv"}, "register.csv"},
  };
  for (const Clash& clash : clashes) {
    std::string command;
    for (const auto& a : clash.args) command += a + " ";
    SCOPED_TRACE(command);
    const std::string before = read_file(box_ / clash.input);
    const CliRun r = box_.run(clash.args);
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_THAT(r.err, HasSubstr("writing it would destroy"));
    EXPECT_EQ(read_file(box_ / clash.input), before);
    EXPECT_FALSE(fs::exists(box_ / "out.csv"));
  }
}

TEST_F(OutputsAndInputs, TwoOutputsNamingOneFileAreRefused) {
  const CliRun r = box_.run({"run", "policy.pol", "register.csv", "-o", "out.csv", "--rejects", "./out.csv"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr("-o and --rejects name the same file"));
  EXPECT_FALSE(fs::exists(box_ / "out.csv"));
}

TEST_F(OutputsAndInputs, DevNullMayTakeSeveralOutputs) {
  const CliRun r = box_.run({"run", "policy.pol", "register.csv", "-o", "/dev/null", "--rejects", "/dev/null", "-q"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

// ----------------------------------------------- a set of outputs, as a set

// A run replacing earlier outputs leaves the new set and nothing else: no old
// file moved aside, no temporary file.
TEST_F(OutputFiles, ARunReplacesEveryEarlierOutputAndLeavesNothingElse) {
  for (const char* name : {"results.csv", "rejects.csv", "summary.csv"}) write_file(box_ / name, "from an earlier run\n");
  const CliRun r = box_.run({"run", "policy.pol", "register.csv", "-o", "results.csv", "--rejects", "rejects.csv",
                             "--summary-csv", "summary.csv", "-q"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  for (const char* name : {"results.csv", "rejects.csv", "summary.csv"})
    EXPECT_NE(read_file(box_ / name), "from an earlier run\n") << name;
  EXPECT_EQ(box_.files(), (std::set<std::string>{"policy.pol", "register.csv", "rejects.csv", "results.csv",
                                                 "summary.csv"}));
}

}  // namespace
