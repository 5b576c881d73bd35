// The progress line a long run shows on a terminal.
#include "progress.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

namespace {

using precept::cli::Progress;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(Progress, LineShowsRowsRateElapsedShareAndTimeLeft) {
  // A quarter of a 100 MB file in 10 s: 30 s to go.
  const std::string line = Progress::line(2500000, 25000000, 100000000, 10.0);
  EXPECT_EQ(line, "2,500,000 rows  250,000 rows/s  elapsed 0:10  25%  ETA 0:30");
}

TEST(Progress, NoShareOrTimeLeftWithoutAFileSize) {
  const std::string line = Progress::line(1234, 5000, std::nullopt, 65.0);
  EXPECT_EQ(line, "1,234 rows  18 rows/s  elapsed 1:05");
}

TEST(Progress, LongRunsShowHours) {
  EXPECT_THAT(Progress::line(10, 1, 1000, 3725.0), HasSubstr("elapsed 1:02:05"));
}

TEST(Progress, RedrawnInPlaceAndErasedAtTheEnd) {
  char* buffer = nullptr;
  std::size_t size = 0;
  std::FILE* stream = ::open_memstream(&buffer, &size);
  ASSERT_NE(stream, nullptr);
  {
    Progress progress(stream, 1000);
    progress.update(10, 100);  // too soon after the start: nothing yet
    std::fflush(stream);
    EXPECT_EQ(size, 0u);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    progress.update(20, 500);
    progress.finish();
  }
  std::fclose(stream);
  const std::string text(buffer, size);
  std::free(buffer);
  EXPECT_THAT(text, HasSubstr("\r20 rows"));
  EXPECT_THAT(text, HasSubstr("50%"));
  EXPECT_THAT(text, Not(HasSubstr("\n"))) << "a progress line never scrolls the terminal";
  EXPECT_EQ(text.back(), '\r') << "finish() leaves the cursor at the start of a blank line";
}

}  // namespace
