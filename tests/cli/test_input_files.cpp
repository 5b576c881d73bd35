// Inputs read within their limits (compiler/policy_file.hpp): a policy is a
// regular file of at most 4 MiB, read without ever holding more; `extends`
// names a regular .pol file; a register that must be read twice is a file.
// Each case runs under a memory limit and a hang guard, so that the failures
// these tests catch cannot take the machine down with them.
#include "cli_runner.hpp"
#include "files.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace fs = std::filesystem;
using precept::testing::CliOptions;
using precept::testing::CliRun;
using precept::testing::CliSandbox;
using precept::testing::read_file;
using precept::testing::write_file;
using ::testing::HasSubstr;
using ::testing::Not;

namespace {

const std::string kPolicy = PRECEPT_SOURCE_DIR "/policies/xijiang_2015.pol";

class InputFiles : public ::testing::Test {
 protected:
  // 1 GiB of address space: far more than a policy needs, far less than
  // reading /dev/zero whole would take.
  CliRun precept(const std::vector<std::string>& args) const {
    CliOptions options;
    options.address_space_limit = std::size_t{1} << 30;
    options.hang_guard_seconds = 60;
    return box_.run(args, options);
  }
  void put(const std::string& name, const std::string& text) const {
    fs::create_directories((box_ / name).parent_path());
    write_file(box_ / name, text);
  }
  CliSandbox box_;
};

// Regression: `check /dev/zero` read without bound until the allocation failed (abort).
TEST_F(InputFiles, DevZeroAsThePolicyIsRefusedAtOnce) {
  const CliRun r = precept({"check", "/dev/zero"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr("/dev/zero: error: cannot read the file: it is a device, not a policy file"));
}

// Regression: a 512 MiB policy was read whole (1 GB of memory) before the
// 4 MiB limit refused it. Its size refuses it now: sparse, it costs no disk.
TEST_F(InputFiles, A512MiBPolicyIsRefusedFromItsSize) {
  const fs::path big = box_ / "big.pol";
  write_file(big, "policy \"big\"\n");
  fs::resize_file(big, std::uintmax_t{512} << 20);
  const CliRun r = precept({"check", "big.pol"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_THAT(r.err, HasSubstr("the policy is 536870912 bytes; at most 4194304 are accepted"));
}

// A policy on standard input, read with its size bounded while reading.
TEST_F(InputFiles, AnEndlessPolicyOnStandardInputIsCutAtTheLimit) {
  // `ulimit -v` as a guard where the address space can be limited (cli_runner.hpp).
  const std::string guard = precept::testing::kAddressSpaceCanBeLimited ? "ulimit -v 1048576; " : "";
  const int status = precept::testing::run_command(guard + "head -c 100000000 /dev/zero | '" PRECEPT_CLI
                                                   "' fmt - >/dev/null 2>'" + (box_ / "err").string() + "'");
  EXPECT_EQ(status, 3);
  EXPECT_THAT(read_file(box_ / "err"), HasSubstr("the policy is more than 4194304 bytes"));
}

TEST_F(InputFiles, AFifoAsThePolicyIsRefusedWithoutWaitingForAWriter) {
  ASSERT_EQ(::mkfifo((box_ / "policy.pol").c_str(), 0600), 0);
  for (const auto& args : std::vector<std::vector<std::string>>{{"check", "policy.pol"},
                                                                 {"fmt", "policy.pol"},
                                                                 {"diff", "policy.pol", "policy.pol"}}) {
    SCOPED_TRACE(args[0]);
    const CliRun r = precept(args);
    EXPECT_THAT(r.exit_code, ::testing::AnyOf(1, 3, 5)) << r.err;
    EXPECT_THAT(r.err, HasSubstr("it is a named pipe (FIFO), not a policy file"));
  }
}

TEST_F(InputFiles, ADirectoryAsThePolicyIsNamed) {
  fs::create_directory(box_ / "folder.pol");
  const CliRun r = precept({"check", "folder.pol"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("it is a directory, not a policy file"));
}

// Regression: `extends "../../../../etc/passwd"` was read, and its first line
// quoted in the syntax error that followed.
TEST_F(InputFiles, ExtendsOfAFileThatIsNotAPolicyIsRefusedWithoutQuotingIt) {
  std::string up;
  for (const char c : box_.work().string())
    if (c == '/') up += "../";
  put("a/child.pol", "policy \"child\" extends \"" + up + "../etc/passwd\"\n");
  const CliRun r = precept({"check", "a/child.pol"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("a/child.pol:1:24: error: `extends` names `" + up + "../etc/passwd`, which is not a policy file (.pol)"));
  EXPECT_THAT(r.err, Not(HasSubstr("root:")));
}

TEST_F(InputFiles, ExtendsOfALinkToAFileThatIsNotAPolicyIsRefusedWithoutQuotingIt) {
  fs::create_symlink("/etc/passwd", box_ / "parent.pol");
  put("child.pol", "policy \"child\" extends \"parent.pol\"\n");
  const CliRun r = precept({"check", "child.pol"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("it is a link to `/etc/passwd`, which is not a policy file (.pol)"));
  EXPECT_THAT(r.err, Not(HasSubstr("root:")));
}

// Regression: `extends` naming a FIFO or /dev/stdin blocked for ever.
TEST_F(InputFiles, ExtendsOfAFifoOrADeviceIsRefusedAtItsLocation) {
  ASSERT_EQ(::mkfifo((box_ / "parent.pol").c_str(), 0600), 0);
  put("fifo.pol", "policy \"child\" extends \"parent.pol\"\n");
  const CliRun fifo = precept({"check", "fifo.pol"});
  EXPECT_EQ(fifo.exit_code, 1);
  EXPECT_THAT(fifo.err, HasSubstr("fifo.pol:1:24: error: cannot read the parent policy `parent.pol`: it is a named "
                                  "pipe (FIFO), not a policy file"));
  put("stdin.pol", "policy \"child\" extends \"/dev/stdin\"\n");
  const CliRun stdin_parent = precept({"check", "stdin.pol"});
  EXPECT_EQ(stdin_parent.exit_code, 1);
  EXPECT_THAT(stdin_parent.err, HasSubstr("`extends` names `/dev/stdin`, which is not a policy file (.pol)"));
  fs::create_directory(box_ / "folder.pol");
  put("folder-child.pol", "policy \"child\" extends \"folder.pol\"\n");
  EXPECT_THAT(precept({"check", "folder-child.pol"}).err, HasSubstr("it is a directory, not a policy file"));
}

TEST_F(InputFiles, ExtendsOfAParentTooLargeIsRefusedFromItsSize) {
  write_file(box_ / "parent.pol", "policy \"p\"\n");
  fs::resize_file(box_ / "parent.pol", std::uintmax_t{512} << 20);
  put("child.pol", "policy \"child\" extends \"parent.pol\"\n");
  const CliRun r = precept({"check", "child.pol"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("the policy is 536870912 bytes; at most 4194304 are accepted"));
}

// `run --explain` reads the register once, explanations on the way: a FIFO
// or a pipe as DATA explains as the file does (it was refused when the
// register was read a second time for them).
TEST_F(InputFiles, RunExplainReadsAPipeOrAFifoAsItReadsTheFile) {
  const int generated = precept::testing::run_command("'" PRECEPT_GEN "' --rows 50 --seed 3 -o '" +
                                                      (box_ / "register.csv").string() + "' 2>/dev/null");
  ASSERT_EQ(generated, 0);
  const CliRun from_file = precept({"run", kPolicy, "register.csv", "--explain", "why.jsonl", "-o", "out.csv", "-q"});
  ASSERT_EQ(from_file.exit_code, 0) << from_file.err;
  const std::string explained = read_file(box_ / "why.jsonl");
  EXPECT_EQ(std::count(explained.begin(), explained.end(), '\n'), 50);

  const std::string data = read_file(box_ / "register.csv");
  CliOptions options;
  options.input = &data;
  const CliRun from_stdin = box_.run({"run", kPolicy, "-", "--explain", "why2.jsonl", "-o", "out2.csv", "-q"}, options);
  EXPECT_EQ(from_stdin.exit_code, 0) << from_stdin.err;
  EXPECT_EQ(read_file(box_ / "why2.jsonl"), explained);

  const int piped = precept::testing::run_command("cd '" + box_.work().string() + "' && cat register.csv | '" PRECEPT_CLI
                                                  "' run '" + kPolicy + "' - --explain why3.jsonl -o out3.csv -q");
  EXPECT_EQ(piped, 0);
  EXPECT_EQ(read_file(box_ / "why3.jsonl"), explained);
  EXPECT_EQ(read_file(box_ / "out3.csv"), read_file(box_ / "out.csv"));

  ASSERT_EQ(::mkfifo((box_ / "fifo.csv").c_str(), 0600), 0);
  const int fifo = precept::testing::run_command("cd '" + box_.work().string() + "' && (cat register.csv > fifo.csv &) && '" PRECEPT_CLI
                                                 "' run '" + kPolicy + "' fifo.csv --explain why4.jsonl -o out4.csv -q");
  EXPECT_EQ(fifo, 0);
  EXPECT_EQ(read_file(box_ / "why4.jsonl"), explained);
}

}  // namespace
