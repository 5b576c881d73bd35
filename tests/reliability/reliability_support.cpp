#include "reliability_support.hpp"

#include "files.hpp"

#include <fmt/format.h>

#include <regex>

namespace precept::reliability {

const std::string kW1Header =
    "household_id,county,township,village,members,labor_count,net_income,deposits,owns_car,owns_town_house,"
    "public_employee,house,dibao,wubao,ill_members,disabled_members,students,disaster_loss,safe_water,remote";

bool generate_register(const std::filesystem::path& path, int rows, int seed, int bad_rows) {
  const int status = precept::testing::run_command(fmt::format("'{}' --rows {} --seed {} --bad-rows {} -o '{}' 2>/dev/null",
                                                               PRECEPT_GEN, rows, seed, bad_rows, path.string()));
  return status == 0 && std::filesystem::exists(path);
}

std::optional<Counts> counts_in(const std::string& text) {
  static const std::regex pattern(R"(rows read: (\d+) = results (\d+) \+ rejected (\d+))");
  std::smatch m;
  if (!std::regex_search(text, m, pattern)) return std::nullopt;
  return Counts{std::stoull(m[1]), std::stoull(m[2]), std::stoull(m[3])};
}

std::vector<std::string> partial_files(const std::filesystem::path& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.find(".partial-") != std::string::npos) names.push_back(name);
  }
  return names;
}

std::size_t data_rows(const std::string& csv) {
  const auto rows = precept::testing::parse_csv(csv);
  return rows.empty() ? 0 : rows.size() - 1;
}

}  // namespace precept::reliability

#include <cerrno>
#include <chrono>
#include <csignal>
#include <fcntl.h>
#include <stdexcept>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace precept::reliability {

BackgroundCli::BackgroundCli(const std::vector<std::string>& args, const std::filesystem::path& work_dir,
                             const std::filesystem::path& capture_dir)
    : err_path_(capture_dir / "background.stderr") {
  std::vector<std::string> argv_text{PRECEPT_CLI};
  argv_text.insert(argv_text.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& arg : argv_text) argv.push_back(arg.data());
  argv.push_back(nullptr);
  const std::string out_name = (capture_dir / "background.stdout").string(), err_name = err_path_.string(),
                    dir = work_dir.string();
  int fds[2];
  if (::pipe(fds) != 0) throw std::runtime_error("pipe failed");
  // A CLI that stops reading must not kill the test with SIGPIPE.
  ::signal(SIGPIPE, SIG_IGN);
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    ::signal(SIGPIPE, SIG_DFL);
    ::signal(SIGINT, SIG_DFL);
    ::signal(SIGTERM, SIG_DFL);
    const int out = ::open(out_name.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err = ::open(err_name.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (out < 0 || err < 0 || ::dup2(fds[0], 0) < 0 || ::dup2(out, 1) < 0 || ::dup2(err, 2) < 0 ||
        ::chdir(dir.c_str()) != 0)
      ::_exit(125);
    ::close(fds[0]);
    ::close(fds[1]);
    ::execv(argv[0], argv.data());
    ::_exit(126);
  }
  ::close(fds[0]);
  stdin_fd_ = fds[1];
}

BackgroundCli::~BackgroundCli() {
  close_input();
  if (!waited_ && pid_ > 0) {
    ::kill(pid_, SIGKILL);
    wait();
  }
}

bool BackgroundCli::feed(const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(stdin_fd_, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

void BackgroundCli::close_input() {
  if (stdin_fd_ >= 0) ::close(stdin_fd_);
  stdin_fd_ = -1;
}

void BackgroundCli::signal(int sig) {
  if (pid_ > 0 && !waited_) ::kill(pid_, sig);
}

int BackgroundCli::wait() {
  if (!waited_) {
    while (::waitpid(pid_, &status_, 0) < 0)
      if (errno != EINTR) throw std::runtime_error("waitpid failed");
    waited_ = true;
    signaled_ = WIFSIGNALED(status_);
  }
  return WIFEXITED(status_) ? WEXITSTATUS(status_) : 128 + WTERMSIG(status_);
}

std::string BackgroundCli::err() const { return precept::testing::read_file(err_path_); }

bool wait_until(const std::function<bool()>& predicate, double seconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    if (predicate()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return predicate();
}

}  // namespace precept::reliability
