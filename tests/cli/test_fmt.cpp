// `precept fmt` as officers and CI run it: the real binary in a fresh directory,
// judged by its exit code, what it prints where, and what it leaves on disk.
// What the layout is, is tested in tests/compiler/test_formatter.cpp.
#include "cli_runner.hpp"
#include "files.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using precept::testing::CliRun;
using precept::testing::CliSandbox;
using precept::testing::read_file;
using precept::testing::write_file;
using ::testing::AllOf;
using ::testing::HasSubstr;

namespace {

const std::string kMessy = "policy \"x\"   year 2015\nrecord r {a:int   b : money}\noutput a,b\n";
const std::string kFormatted = "policy \"x\" year 2015\n\nrecord r {\n  a: int\n  b: money\n}\n\noutput a, b\n";
const std::string kBroken = "policy \"x\"\nrecord r { a: int\noutput a\n";

class Fmt : public ::testing::Test {
 protected:
  CliRun precept(const std::vector<std::string>& args, const precept::testing::CliOptions& options = {}) {
    return box_.run(args, options);
  }
  std::string file(const std::string& name) const { return read_file(box_ / name); }
  void put(const std::string& name, const std::string& text) const {
    fs::create_directories((box_ / name).parent_path());
    write_file(box_ / name, text);
  }

  CliSandbox box_;
};

TEST_F(Fmt, PrintsOnePolicyFormattedAndChangesNothing) {
  put("messy.pol", kMessy);
  const CliRun r = precept({"fmt", "messy.pol"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, kFormatted);
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(file("messy.pol"), kMessy);
}

TEST_F(Fmt, ReadsStandardInputForEditors) {
  const CliRun r = precept({"fmt", "-"}, {.input = &kMessy});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, kFormatted);
  EXPECT_EQ(precept({"fmt", "--check", "-"}, {.input = &kMessy}).exit_code, 1);
  EXPECT_EQ(precept({"fmt", "--check", "-"}, {.input = &kFormatted}).exit_code, 0);
  EXPECT_EQ(precept({"fmt", "-w", "-"}, {.input = &kMessy}).exit_code, 2);
}

TEST_F(Fmt, ACompiledProgramIsNotPolicySource) {
  put("messy.pol", kMessy);
  ASSERT_EQ(precept({"compile", "messy.pol", "-o", "messy.pcb"}).exit_code, 0);
  const std::string program = file("messy.pcb");
  const CliRun r = precept({"fmt", "-w", "messy.pcb"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(r.err, HasSubstr("`messy.pcb` is a compiled program"));
  EXPECT_EQ(file("messy.pcb"), program);
}

TEST_F(Fmt, CheckExitsOneOnAnUnformattedFileNamingItAndItsFirstDifference) {
  put("messy.pol", kMessy);
  const CliRun r = precept({"fmt", "--check", "messy.pol"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "messy.pol\n") << "standard output lists the files, one a line, for scripts";
  EXPECT_THAT(r.err, AllOf(HasSubstr("messy.pol:1: not formatted"), HasSubstr("@@ -1 +1 @@"),
                           HasSubstr("\n-policy \"x\"   year 2015\n"), HasSubstr("\n+policy \"x\" year 2015\n")));
  EXPECT_EQ(file("messy.pol"), kMessy);
  EXPECT_EQ(box_.files(), (std::set<std::string>{"messy.pol"}));
}

TEST_F(Fmt, CheckExitsZeroOnAFormattedFile) {
  put("tidy.pol", kFormatted);
  const CliRun r = precept({"fmt", "--check", "tidy.pol"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "");
}

TEST_F(Fmt, WriteRewritesInPlaceAndThenHasNothingToDo) {
  put("messy.pol", kMessy);
  const CliRun r = precept({"fmt", "-w", "messy.pol"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(file("messy.pol"), kFormatted);
  EXPECT_THAT(r.err, HasSubstr("formatted messy.pol"));
  EXPECT_EQ(box_.files(), (std::set<std::string>{"messy.pol"})) << "no temporary file is left";

  const CliRun again = precept({"fmt", "--write", "messy.pol"});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(again.err, "") << "a formatted file is not rewritten";
  EXPECT_EQ(precept({"fmt", "--check", "messy.pol"}).exit_code, 0);
}

TEST_F(Fmt, WriteKeepsALinkALinkAndTheFileItsPermissions) {
  put("real/messy.pol", kMessy);
  fs::permissions(box_ / "real/messy.pol", fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
  fs::create_symlink("real/messy.pol", box_ / "link.pol");
  const CliRun r = precept({"fmt", "-w", "link.pol"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(fs::is_symlink(box_ / "link.pol"));
  EXPECT_EQ(file("real/messy.pol"), kFormatted);
  EXPECT_EQ(fs::status(box_ / "real/messy.pol").permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
}

TEST_F(Fmt, ADirectoryMeansEveryPolicyUnderIt) {
  put("lib/a.pol", kMessy);
  put("lib/sub/b.pol", kMessy);
  put("lib/sub/c.pol", kFormatted);
  put("lib/notes.txt", kMessy);
  const CliRun check = precept({"fmt", "--check", "lib"});
  EXPECT_EQ(check.exit_code, 1);
  EXPECT_EQ(check.out, "lib/a.pol\nlib/sub/b.pol\n");
  EXPECT_THAT(check.err, HasSubstr("not formatted: 2 of 3 files"));

  const CliRun write = precept({"fmt", "-w", "lib"});
  EXPECT_EQ(write.exit_code, 0) << write.err;
  EXPECT_EQ(file("lib/a.pol"), kFormatted);
  EXPECT_EQ(file("lib/sub/b.pol"), kFormatted);
  EXPECT_EQ(file("lib/notes.txt"), kMessy) << "only *.pol files are policies";
  EXPECT_EQ(precept({"fmt", "--check", "lib"}).exit_code, 0);
  EXPECT_EQ(box_.files(), (std::set<std::string>{"lib", "lib/a.pol", "lib/notes.txt", "lib/sub", "lib/sub/b.pol",
                                                 "lib/sub/c.pol"}));
}

TEST_F(Fmt, SyntaxErrorsAreReportedAndNothingIsWritten) {
  put("broken.pol", kBroken);
  put("messy.pol", kMessy);
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"fmt", "broken.pol"}, {"fmt", "--check", "broken.pol"}, {"fmt", "-w", "broken.pol", "messy.pol"}}) {
    const CliRun r = precept(args);
    EXPECT_EQ(r.exit_code, 1) << args[1];
    EXPECT_THAT(r.err,
                AllOf(HasSubstr("broken.pol:"), HasSubstr("error:"), HasSubstr("broken.pol: 1 error; not formatted")))
        << args[1];
    EXPECT_EQ(r.out.find("policy"), std::string::npos) << "a broken policy is never printed formatted";
    EXPECT_EQ(file("broken.pol"), kBroken);
  }
  EXPECT_EQ(file("messy.pol"), kFormatted) << "the other files are still formatted";
}

TEST_F(Fmt, CommandLineMistakesExitWith2) {
  put("a.pol", kMessy);
  put("b.pol", kMessy);
  put("lib/c.pol", kMessy);
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"fmt"}, {"fmt", "--check", "-w", "a.pol"}, {"fmt", "a.pol", "b.pol"}, {"fmt", "lib"}}) {
    const CliRun r = precept(args);
    EXPECT_EQ(r.exit_code, 2) << ::testing::PrintToString(args) << "\n" << r.err;
    EXPECT_NE(r.err, "");
    EXPECT_EQ(r.out, "");
  }
  EXPECT_EQ(file("a.pol"), kMessy);
}

TEST_F(Fmt, AMissingFileIsBadInput) {
  put("tidy.pol", kFormatted);
  const CliRun r = precept({"fmt", "--check", "tidy.pol", "missing.pol"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_THAT(r.err, HasSubstr("cannot open `missing.pol`"));
}

TEST_F(Fmt, AFailedRewriteExitsWith4AndLeavesThePolicyAsItWas) {
  // Larger than the file size limit once formatted, so writing it fails halfway
  // (the limit also bounds the captured messages, which are much shorter).
  std::string fields;
  for (int i = 0; i < 400; ++i) fields += "field_" + std::to_string(i) + ":int ";
  const std::string messy = "policy \"x\"\nrecord r {" + fields + "}\noutput field_0\n";
  put("messy.pol", messy);
  const CliRun r = precept({"fmt", "-w", "messy.pol"}, {.file_size_limit = 4096});
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_THAT(r.err, HasSubstr("cannot rewrite `messy.pol`"));
  EXPECT_EQ(file("messy.pol"), messy);
  EXPECT_EQ(box_.files(), (std::set<std::string>{"messy.pol"}));
}

TEST_F(Fmt, HelpNamesTheCommandAndItsOptions) {
  EXPECT_THAT(precept({"--help"}).out, HasSubstr("fmt"));
  const CliRun help = precept({"fmt", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_THAT(help.out, AllOf(HasSubstr("--check"), HasSubstr("-w,--write"), HasSubstr("PATH")));
}

}  // namespace
