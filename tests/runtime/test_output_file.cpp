// Output files as a library call (<precept/output_file.hpp>): what the CLI's
// tests (tests/cli/test_output_files.cpp) check through `precept`, checked here
// on the call itself, as an embedding program meets it, including from
// several threads at once.
#include "files.hpp"

#include <precept/output_file.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <memory>
#include <string>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace fs = std::filesystem;
using precept::OutputFile;
using precept::testing::read_file;
using precept::testing::TempDir;
using precept::testing::write_file;

namespace {

// The names in `dir`, for checking that nothing temporary was left behind.
std::vector<std::string> names_in(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

bool write_and_publish(const fs::path& path, const std::string& text, std::string& error) {
  OutputFile out(path.string(), "the results");
  if (!out.stream()) {
    error = out.error();
    return false;
  }
  std::fputs(text.c_str(), out.stream());
  if (!out.finish()) {
    error = "finish failed";
    return false;
  }
  return precept::publish({&out}, error);
}

TEST(OutputFileCall, WritesUnderATemporaryNameAndPublishesWhole) {
  TempDir dir("output-file");
  const fs::path path = dir.path() / "results.csv";
  OutputFile out(path.string(), "the results");
  ASSERT_NE(out.stream(), nullptr) << out.error();
  std::fputs("a,b\n", out.stream());
  // Until published, the final name does not exist; only the temporary does.
  EXPECT_FALSE(fs::exists(path));
  ASSERT_EQ(names_in(dir.path()).size(), 1u);
  EXPECT_NE(names_in(dir.path())[0].find("results.csv.partial-"), std::string::npos);
  ASSERT_TRUE(out.finish());
  std::string error;
  ASSERT_TRUE(precept::publish({&out}, error)) << error;
  EXPECT_EQ(read_file(path), "a,b\n");
  EXPECT_EQ(names_in(dir.path()), std::vector<std::string>{"results.csv"});
}

TEST(OutputFileCall, AnOutputDestroyedUnpublishedLeavesNothingAndTheOldFileStands) {
  TempDir dir("output-file");
  const fs::path path = dir.path() / "results.csv";
  write_file(path, "old\n");
  {
    OutputFile out(path.string(), "the results");
    ASSERT_NE(out.stream(), nullptr) << out.error();
    std::fputs("new\n", out.stream());
  }
  EXPECT_EQ(read_file(path), "old\n");
  EXPECT_EQ(names_in(dir.path()), std::vector<std::string>{"results.csv"});
}

TEST(OutputFileCall, AReplacedFileKeepsItsPermissions) {
  TempDir dir("output-file");
  const fs::path path = dir.path() / "private.csv";
  write_file(path, "old\n");
  ASSERT_EQ(::chmod(path.c_str(), 0600), 0);
  std::string error;
  ASSERT_TRUE(write_and_publish(path, "new\n", error)) << error;
  struct stat status {};
  ASSERT_EQ(::stat(path.c_str(), &status), 0);
  EXPECT_EQ(status.st_mode & 0777, 0600u);
  EXPECT_EQ(read_file(path), "new\n");
}

TEST(OutputFileCall, ALinkAsTheDestinationIsRefusedAndItsTargetKept) {
  TempDir dir("output-file");
  const fs::path target = dir.path() / "precious.txt";
  write_file(target, "precious\n");
  const fs::path link = dir.path() / "results.csv";
  fs::create_symlink(target, link);
  OutputFile out(link.string(), "the results");
  EXPECT_EQ(out.stream(), nullptr);
  EXPECT_NE(out.error().find("symbolic link"), std::string::npos) << out.error();
  EXPECT_EQ(read_file(target), "precious\n");
}

TEST(OutputFileCall, ADirectoryIsRefusedWithItsKind) {
  TempDir dir("output-file");
  fs::create_directory(dir.path() / "folder");
  OutputFile out((dir.path() / "folder").string(), "the results");
  EXPECT_EQ(out.stream(), nullptr);
  EXPECT_NE(out.error().find("a directory"), std::string::npos) << out.error();
}

TEST(OutputFileCall, SeveralOutputsArePublishedAsASet) {
  TempDir dir("output-file");
  const fs::path results = dir.path() / "results.csv", rejects = dir.path() / "rejects.csv";
  write_file(results, "old results\n");
  write_file(rejects, "old rejects\n");
  OutputFile a(results.string(), "the results"), b(rejects.string(), "the rejects");
  ASSERT_NE(a.stream(), nullptr);
  ASSERT_NE(b.stream(), nullptr);
  std::fputs("new results\n", a.stream());
  std::fputs("new rejects\n", b.stream());
  ASSERT_TRUE(a.finish());
  ASSERT_TRUE(b.finish());
  std::string error;
  ASSERT_TRUE(precept::publish({&a, &b}, error)) << error;
  EXPECT_EQ(read_file(results), "new results\n");
  EXPECT_EQ(read_file(rejects), "new rejects\n");
  EXPECT_EQ(names_in(dir.path()), (std::vector<std::string>{"rejects.csv", "results.csv"}));
}

TEST(OutputFileCall, ClashingFilesAreFoundByIdentityNotSpelling) {
  TempDir dir("output-file");
  const fs::path policy = dir.path() / "p.pol";
  write_file(policy, "policy\n");
  const fs::path hard_link = dir.path() / "same.pol";
  fs::create_hard_link(policy, hard_link);
  const std::string clash =
      precept::clashing_files({{"the policy", policy.string()}}, {{"-o", hard_link.string()}});
  EXPECT_NE(clash.find("the policy"), std::string::npos) << clash;
  // Standard output and a file that does not exist yet clash with nothing.
  EXPECT_EQ(precept::clashing_files({{"the policy", policy.string()}},
                                    {{"-o", "-"}, {"--rejects", (dir.path() / "new.csv").string()}}),
            "");
  // Two outputs naming one file clash with each other.
  EXPECT_NE(precept::clashing_files({}, {{"-o", (dir.path() / "x.csv").string()},
                                         {"--rejects", (dir.path() / "./x.csv").string()}}),
            "");
}

// A service writes outputs from several threads: each claims its own slot in
// the table the signal handler reads, and all are published, none lost.
TEST(OutputFileCall, ThreadsWriteOutputsAtOnce) {
  TempDir dir("output-file");
  constexpr int kThreads = 8, kEach = 25;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        std::string error;
        const std::string name = "out-" + std::to_string(t) + "-" + std::to_string(i) + ".txt";
        if (!write_and_publish(dir.path() / name, name, error)) ++failures;
      }
    });
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  const std::vector<std::string> names = names_in(dir.path());
  ASSERT_EQ(names.size(), static_cast<std::size_t>(kThreads * kEach));
  for (const std::string& name : names) EXPECT_EQ(read_file(dir.path() / name), name);
}

// The signal handler's table is fixed storage: beyond it an output is refused
// with a reason, not written without protection.
TEST(OutputFileCall, TooManyOutputsAtOnceAreRefusedWithAReason) {
  TempDir dir("output-file");
  std::vector<std::unique_ptr<OutputFile>> open;
  std::string refused;
  for (int i = 0; i < 200 && refused.empty(); ++i) {
    open.push_back(std::make_unique<OutputFile>((dir.path() / "f").string() + std::to_string(i), "an output"));
    if (!open.back()->stream()) refused = open.back()->error();
  }
  EXPECT_NE(refused.find("too many outputs at once"), std::string::npos) << refused;
  open.clear();
  EXPECT_TRUE(names_in(dir.path()).empty());
  // Once they are gone the slots are free again.
  std::string error;
  EXPECT_TRUE(write_and_publish(dir.path() / "after.txt", "after", error)) << error;
}

}  // namespace
