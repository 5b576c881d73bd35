// A run stopped part way (Ctrl-C, a scheduler's SIGTERM) must not leave a
// results file that looks complete, nor its temporary file.
#include "cli_runner.hpp"
#include "files.hpp"
#include "reliability_support.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <csignal>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

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

// Regression: `precept run ... | head -1`: the reader goes away, the next write
// raises SIGPIPE, and the run died without removing `rejects.csv.partial-<pid>`.
// It now cleans up as on SIGINT, and still dies of SIGPIPE.
TEST(Interrupt, SigpipeLeavesNoPartialFiles) {
  TempDir work("reliability-sigpipe");
  // Results far larger than a pipe holds, so that writes go on after the reader left.
  ASSERT_TRUE(generate_register(work / "register.csv", 20000, 5, 20));
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  std::vector<std::string> args{PRECEPT_CLI, "run", kW1, "register.csv", "--rejects", "rejects.csv", "-q", "-j", "1"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const std::string dir = work.path().string();
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::signal(SIGPIPE, SIG_DFL);  // as a shell starts a pipeline
    const int null = ::open("/dev/null", O_RDWR);
    if (::dup2(fds[1], 1) < 0 || ::dup2(null, 2) < 0 || ::dup2(null, 0) < 0 || ::chdir(dir.c_str()) != 0) ::_exit(125);
    ::close(fds[0]);
    ::close(fds[1]);
    ::execv(argv[0], argv.data());
    ::_exit(126);
  }
  ::close(fds[1]);
  char first_bytes[16];
  EXPECT_GT(::read(fds[0], first_bytes, sizeof first_bytes), 0) << "the results start";
  ::close(fds[0]);  // `head -c 16` is done
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) ASSERT_EQ(errno, EINTR);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGPIPE) << "status " << status;
  EXPECT_THAT(partial_files(work.path()), IsEmpty());
  EXPECT_FALSE(fs::exists(work / "rejects.csv")) << "rejects of an unfinished run must not look complete";
}

}  // namespace
