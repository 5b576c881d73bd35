// A run stopped part way (Ctrl-C, a scheduler's SIGTERM) must not leave a
// results file that looks complete, nor its temporary file.
#include "cli_runner.hpp"
#include "files.hpp"
#include "reliability_support.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <csignal>

namespace {

namespace fs = std::filesystem;
using namespace precept::reliability;
using precept::testing::read_file;
using precept::testing::TempDir;
using ::testing::IsEmpty;

struct Interrupted {
  int exit_code = -1;
  bool killed = false;
  std::vector<std::string> partials_while_running;
  std::set<std::string> files_after;
  std::string err;
};

// Starts `precept run` reading the register from a pipe, feeds it half, waits
// until the run has opened its outputs, sends `sig`, and reports what is left.
Interrupted interrupt_run(int sig) {
  TempDir work("reliability-interrupt"), capture("reliability-interrupt-capture");
  const fs::path register_path = capture / "register.csv";
  Interrupted out;
  if (!generate_register(register_path, 20000, 9, 20)) {
    ADD_FAILURE() << "precept-gen failed";
    return out;
  }
  const std::string data = read_file(register_path);
  BackgroundCli cli({"run", kW1, "-", "-o", "out.csv", "--rejects", "rejects.csv", "-q"}, work.path(), capture.path());
  const std::size_t half = data.find('\n', data.size() / 2) + 1;
  EXPECT_TRUE(cli.feed(data.substr(0, half)));
  EXPECT_TRUE(wait_until([&] { return partial_files(work.path()).size() == 2; }, 10)) << cli.err();
  out.partials_while_running = partial_files(work.path());
  cli.signal(sig);
  out.exit_code = cli.wait();
  out.killed = cli.killed_by_signal();
  out.err = cli.err();
  for (const auto& entry : fs::directory_iterator(work.path())) out.files_after.insert(entry.path().filename().string());
  return out;
}

TEST(Interrupt, SigintLeavesNoCompleteLookingResults) {
  const Interrupted r = interrupt_run(SIGINT);
  EXPECT_EQ(r.partials_while_running.size(), 2u) << "the run writes beside the final names";
  EXPECT_NE(r.exit_code, 0) << "an interrupted run must not report success";
  EXPECT_EQ(r.files_after.count("out.csv"), 0u) << "out.csv must not exist after an interrupted run";
  EXPECT_EQ(r.files_after.count("rejects.csv"), 0u);
}

TEST(Interrupt, SigtermLeavesNoCompleteLookingResults) {
  const Interrupted r = interrupt_run(SIGTERM);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_EQ(r.files_after.count("out.csv"), 0u);
  EXPECT_EQ(r.files_after.count("rejects.csv"), 0u);
}

// Regression (fixed): the CLI has no handler for SIGINT/SIGTERM, so the temporary
// `out.csv.partial-<pid>` files of an interrupted run stay behind (they are
// removed only by AtomicOutput's destructor, which a signal never runs).
TEST(Interrupt, SigintLeavesNoPartialFiles) {
  const Interrupted r = interrupt_run(SIGINT);
  std::vector<std::string> partials;
  for (const auto& name : r.files_after)
    if (name.find(".partial-") != std::string::npos) partials.push_back(name);
  EXPECT_THAT(partials, IsEmpty());
}

TEST(Interrupt, SigtermLeavesNoPartialFiles) {
  const Interrupted r = interrupt_run(SIGTERM);
  std::vector<std::string> partials;
  for (const auto& name : r.files_after)
    if (name.find(".partial-") != std::string::npos) partials.push_back(name);
  EXPECT_THAT(partials, IsEmpty());
}

}  // namespace
