// A command that runs out of memory says so, exits 6 and leaves no output
// behind, wherever the allocation fails: never an abort (exit 134) with a
// `.partial-` file left. Run in the normal build, with the address space
// limited (RLIMIT_AS, as `ulimit -v`) so that allocations really fail.
#include "cli_runner.hpp"
#include "files.hpp"
#include "reliability_support.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

namespace {

namespace fs = std::filesystem;
using namespace precept::reliability;
using precept::testing::CliOptions;
using precept::testing::CliSandbox;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;

// Regression: an allocation that failed was an uncaught std::bad_alloc, so the
// run aborted and its temporary files stayed. Summing by household (one group
// per row) needs memory in proportion to the register, so a ladder of limits
// meets the failure at start-up, while compiling and while running; each rung
// must end in either the whole result or the clear error.
// The normal build only: under a sanitizer the address space cannot be limited
// (PRECEPT_SANITIZED, cli_runner.hpp).
#if !PRECEPT_SANITIZED
TEST(OutOfMemory, EveryFailedAllocationIsAClearErrorWithNothingLeftBehind) {
  CliSandbox box;
  ASSERT_TRUE(generate_register(box / "register.csv", 50000, 2, 0));
  int out_of_memory = 0;
  for (const std::size_t mib : {40, 48, 64, 80, 96, 128, 160}) {
    SCOPED_TRACE(testing::Message() << "ulimit -v " << mib * 1024);
    CliOptions options;
    options.address_space_limit = mib << 20;
    const auto r = box.run({"run", kW1, "register.csv", "--by", "household_id", "-j", "1", "-o", "results.csv",
                            "--rejects", "rejects.csv", "-q"},
                           options);
    EXPECT_THAT(r.exit_code, ::testing::AnyOf(0, 6)) << r.err;
    if (r.exit_code == 6) {
      ++out_of_memory;
      EXPECT_THAT(r.err, StartsWith("out of memory: "));
      EXPECT_FALSE(fs::exists(box / "results.csv"));
      EXPECT_FALSE(fs::exists(box / "rejects.csv"));
    } else if (r.exit_code == 0) {
      EXPECT_THAT(r.out, HasSubstr("rows read: 50000 = results 50000 + rejected 0"));
    }
    EXPECT_THAT(partial_files(box.work()), IsEmpty());
    fs::remove(box / "results.csv");
    fs::remove(box / "rejects.csv");
  }
  EXPECT_GT(out_of_memory, 0) << "no limit was low enough to make an allocation fail";
}

#endif  // !PRECEPT_SANITIZED

}  // namespace
