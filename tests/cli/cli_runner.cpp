#include "cli_runner.hpp"

#include "files.hpp"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <stdexcept>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace precept::testing {

CliSandbox::CliSandbox() {
  std::string pattern = (fs::temp_directory_path() / "precept-cli-XXXXXX").string();
  if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed for " + pattern);
  root_ = pattern;
  work_ = root_ / "work";
  fs::create_directory(work_);
}

CliSandbox::~CliSandbox() {
  std::error_code ignored;
  fs::remove_all(root_, ignored);
}

CliRun CliSandbox::run(const std::vector<std::string>& args, const CliOptions& options) const {
  const fs::path out_path = root_ / "stdout", err_path = root_ / "stderr", in_path = root_ / "stdin";
  if (options.input) write_file(in_path, *options.input);
  const std::string in_name = options.input ? in_path.string() : "/dev/null";

  // Everything the child needs is built before fork(): after it, only
  // async-signal-safe calls are allowed.
  std::vector<std::string> argv_text{PRECEPT_CLI};
  argv_text.insert(argv_text.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& arg : argv_text) argv.push_back(arg.data());
  argv.push_back(nullptr);
  const std::string out_name = out_path.string(), err_name = err_path.string(), dir = work_.string();

  int go[2] = {-1, -1};
  if (options.before_start && ::pipe(go) != 0) throw std::runtime_error("pipe failed");
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    if (go[0] >= 0) {
      char byte = 0;
      ::close(go[1]);
      if (::read(go[0], &byte, 1) != 1) ::_exit(125);
      ::close(go[0]);
    }
    const int in = ::open(in_name.c_str(), O_RDONLY);
    const int out = ::open(out_name.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err = ::open(err_name.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (in < 0 || out < 0 || err < 0 || ::dup2(in, 0) < 0 || ::dup2(out, 1) < 0 ||
        ::dup2(err, 2) < 0 || ::chdir(dir.c_str()) != 0)
      ::_exit(125);
    if (options.file_size_limit) {
      // Writes past the limit then fail with EFBIG instead of killing the process.
      const rlimit limit{options.file_size_limit, options.file_size_limit};
      ::setrlimit(RLIMIT_FSIZE, &limit);
      ::signal(SIGXFSZ, SIG_IGN);
    }
    if (options.address_space_limit && kAddressSpaceCanBeLimited) {
      // Allocations past the limit fail (std::bad_alloc), as on a machine out of memory.
      const rlimit limit{options.address_space_limit, options.address_space_limit};
      if (::setrlimit(RLIMIT_AS, &limit) != 0) ::_exit(125);
    }
    if (options.hang_guard_seconds) ::alarm(options.hang_guard_seconds);
    ::execv(argv[0], argv.data());
    ::_exit(126);
  }
  if (go[0] >= 0) {
    ::close(go[0]);
    options.before_start(pid);
    const char byte = 1;
    const bool started = ::write(go[1], &byte, 1) == 1;
    ::close(go[1]);
    if (!started) throw std::runtime_error("cannot start the CLI");
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) throw std::runtime_error("waitpid failed");
  }
  CliRun result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.out = read_file(out_path);
  result.err = read_file(err_path);
  return result;
}

std::set<std::string> CliSandbox::files() const {
  std::set<std::string> names;
  for (const auto& entry : fs::recursive_directory_iterator(work_))
    names.insert(fs::relative(entry.path(), work_).string());
  return names;
}

}  // namespace precept::testing
