// The one table of exit codes (cli/exit_codes.def): consistent, shown by
// `--help`, and what the commands return, decided by what happened, not by
// the wording of a message.
#include "exit_codes.hpp"

#include "cli_runner.hpp"
#include "files.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fmt/format.h>
#include <map>
#include <set>
#include <string>

namespace fs = std::filesystem;
using precept::cli::applies_to;
using precept::cli::exit_code_table;
using precept::testing::CliRun;
using precept::testing::CliSandbox;
using precept::testing::read_file;
using precept::testing::write_file;
using ::testing::HasSubstr;
using ::testing::Not;

namespace {

const std::vector<std::string> kCommands{"check", "compile", "disasm", "run", "test", "explain", "fmt", "diff"};

TEST(ExitCodes, ANumberMeansOneThingForEachCommand) {
  for (const std::string& command : kCommands) {
    std::map<int, std::string> meaning;
    for (const auto& entry : exit_code_table()) {
      if (!applies_to(entry, command)) continue;
      EXPECT_TRUE(meaning.emplace(entry.number, entry.meaning).second)
          << command << " has two meanings for " << entry.number;
    }
    // Every command succeeds with 0 and can meet a bad command line or a failed allocation.
    for (int always : {0, 2, 6}) EXPECT_TRUE(meaning.contains(always)) << command << " has no code " << always;
  }
}

TEST(ExitCodes, EveryEntryNamesOnlyRealCommands) {
  for (const auto& entry : exit_code_table()) {
    bool any = false;
    for (const std::string& command : kCommands) any = any || applies_to(entry, command);
    EXPECT_TRUE(any) << entry.identifier;
    EXPECT_FALSE(applies_to(entry, "")) << entry.identifier;
    EXPECT_FALSE(applies_to(entry, "che")) << entry.identifier << ": a command is matched whole";
  }
}

TEST(ExitCodes, EachCommandsHelpListsItsCodesAndNoOthers) {
  CliSandbox box;
  for (const std::string& command : kCommands) {
    const CliRun help = box.run({command, "--help"});
    ASSERT_EQ(help.exit_code, 0) << command;
    ASSERT_THAT(help.out, HasSubstr("Exit codes:\n")) << command;
    const std::string codes = help.out.substr(help.out.find("Exit codes:\n"));
    for (const auto& entry : exit_code_table()) {
      const std::string line = fmt::format("  {}  {}\n", entry.number, entry.meaning);
      if (applies_to(entry, command))
        EXPECT_THAT(codes, HasSubstr(line)) << command;
      else
        EXPECT_THAT(codes, Not(HasSubstr(line))) << command;
    }
  }
  const CliRun top = box.run({"--help"});
  for (const auto& entry : exit_code_table()) EXPECT_THAT(top.out, HasSubstr(std::string(entry.meaning)));
  EXPECT_THAT(top.out, HasSubstr("  5  diff: a policy has errors\n"));
}

class ExitCodesOfRun : public ::testing::Test {
 protected:
  void SetUp() override {
    write_file(box_ / "w1.pol", read_file(fs::path(PRECEPT_SOURCE_DIR) / "policies/xijiang_2015.pol"));
    write_file(box_ / "register.csv", read_file(fs::path(PRECEPT_SOURCE_DIR) / "examples/data/xijiang_sample.csv"));
  }
  CliSandbox box_;
};

// /dev/full takes the file but refuses every byte: the run itself fails to write.
TEST_F(ExitCodesOfRun, AnOutputThatCannotBeWrittenIs4WhicheverItIs) {
  for (const std::vector<std::string>& outputs :
       {std::vector<std::string>{"-o", "/dev/full"}, {"-o", "results.csv", "--rejects", "/dev/full"},
        {"-o", "results.csv", "--explain", "/dev/full"}}) {
    std::vector<std::string> args{"run", "w1.pol", "register.csv"};
    args.insert(args.end(), outputs.begin(), outputs.end());
    const CliRun r = box_.run(args);
    EXPECT_EQ(r.exit_code, precept::cli::kWriteFailed) << outputs.back() << ": " << r.err;
    EXPECT_FALSE(fs::exists(box_ / "results.csv")) << "nothing published";
  }
}

TEST_F(ExitCodesOfRun, AMissingColumnIs3) {
  write_file(box_ / "other.csv", "name,age\nx,1\n");
  const CliRun r = box_.run({"run", "w1.pol", "other.csv", "-o", "results.csv"});
  EXPECT_EQ(r.exit_code, precept::cli::kBadInput) << r.err;
  EXPECT_THAT(r.err, HasSubstr("column"));
}

}  // namespace
