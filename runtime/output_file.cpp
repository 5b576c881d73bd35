#include <precept/output_file.hpp>

#include <precept/text.hpp>  // file_kind

#include <fmt/format.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <new>
#include <random>
#include <fcntl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

namespace precept {

namespace fs = std::filesystem;

namespace {

// The temporary files of this process, for a signal handler to remove: fixed
// storage, since a handler may neither allocate nor lock. Each is a name in a
// folder held open, so that removing it needs no path (unlinkat is
// async-signal-safe, and the folder cannot be swapped under it). A library
// may write outputs from several threads: a slot is claimed with an atomic
// exchange (lock-free, so a handler may read it), and only a slot whose name
// is complete is ever removed.
constexpr int kMaxTemporaries = 64;
enum SlotState : int { kFree = 0, kClaimed = 1, kNamed = 2 };
struct Temporary {
  std::atomic<int> state{kFree};
  int folder = -1;
  char name[256] = {};
};
static_assert(std::atomic<int>::is_always_lock_free);
Temporary g_temporaries[kMaxTemporaries];

// While a temporary file is created and registered, or outputs are published,
// a signal only is noted, and raised again when that step is done: so it never
// leaves a file unregistered, nor half of a set of outputs renamed. A count,
// not a flag: several threads may be in such a step at once, and the signal
// waits for the last.
std::atomic<int> g_holding_signals{0};
volatile std::sig_atomic_t g_held_signal = 0;

void remove_temporaries() {
  for (Temporary& t : g_temporaries)
    if (t.state.load() == kNamed) ::unlinkat(t.folder, t.name, 0);
}

extern "C" void remove_temporaries_and_die(int signal_number) {
  if (g_holding_signals.load() > 0) {
    g_held_signal = signal_number;
    return;
  }
  remove_temporaries();
  // Die of the same signal, so the exit status still says what happened (130, 141, 143).
  std::signal(signal_number, SIG_DFL);
  std::raise(signal_number);
}

class HoldSignals {
 public:
  HoldSignals() { ++g_holding_signals; }
  ~HoldSignals() {
    if (--g_holding_signals > 0) return;
    if (const int held = g_held_signal) {
      g_held_signal = 0;
      std::raise(held);
    }
  }
  HoldSignals(const HoldSignals&) = delete;
  HoldSignals& operator=(const HoldSignals&) = delete;
};

constexpr const char* kOutOfMemoryText =
    "out of memory: the command needed more memory than the system gave it, and stopped; no output file was "
    "left behind. Free memory or raise the limit (ulimit -v), run with fewer threads (-j), or split the register\n";

std::terminate_handler g_default_terminate = nullptr;
int g_out_of_memory_exit_status = 1;

// A std::bad_alloc that escapes a thread (a worker of `run`, say) ends in
// std::terminate: it must still clean up and say what happened, not abort.
// Anything else is a bug: cleaned up too, then reported as it always was.
[[noreturn]] void on_terminate() {
  remove_temporaries();
  bool out_of_memory = false;
  if (const std::exception_ptr error = std::current_exception()) {
    try {
      std::rethrow_exception(error);
    } catch (const std::bad_alloc&) {
      out_of_memory = true;
    } catch (...) {
    }
  }
  if (out_of_memory) {
    const ssize_t ignored = ::write(STDERR_FILENO, kOutOfMemoryText, std::strlen(kOutOfMemoryText));
    (void)ignored;
    ::_exit(g_out_of_memory_exit_status);
  }
  if (g_default_terminate) g_default_terminate();
  std::abort();
}

// 16 hex digits nobody can guess: another user cannot plant a link at the name
// in advance, and O_EXCL|O_NOFOLLOW refuses one planted anyway.
std::string random_suffix() {
  std::array<unsigned char, 8> bytes{};
  if (::getrandom(bytes.data(), bytes.size(), 0) != static_cast<ssize_t>(bytes.size())) {
    std::random_device device;
    for (auto& b : bytes) b = static_cast<unsigned char>(device());
  }
  std::string hex;
  for (const unsigned char b : bytes) hex += fmt::format("{:02x}", b);
  return hex;
}

// The final name cut short enough that a suffix still makes a legal name (255 bytes).
std::string name_stem(const std::string& base) { return base.substr(0, 200); }

std::string system_error(int error) { return std::strerror(error); }

// Moves `from` to `to` unless `to` exists; where the file system cannot say
// (RENAME_NOREPLACE unsupported) the random name makes a clash unlikely.
int rename_no_replace(int folder, const char* from, const char* to) {
  if (::renameat2(folder, from, folder, to, RENAME_NOREPLACE) == 0) return 0;
  if (errno != EINVAL && errno != ENOSYS) return -1;
  return ::renameat(folder, from, folder, to);
}

}  // namespace

const char* out_of_memory_message() { return kOutOfMemoryText; }

// Here, in the evaluation library, because outputs are refused by it too; the
// policy reader (compiler/policy_file.cpp) names refused inputs with it.
std::string file_kind(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a named pipe (FIFO)";
  if (S_ISCHR(mode)) return "a device";
  if (S_ISBLK(mode)) return "a disk device";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISLNK(mode)) return "a symbolic link";
  return "a special file";
}

void install_output_cleanup(int out_of_memory_exit_status) {
  g_out_of_memory_exit_status = out_of_memory_exit_status;
  for (const int s : {SIGINT, SIGTERM, SIGHUP}) std::signal(s, remove_temporaries_and_die);
  // A pipe closed early (`precept run ... | head -1`) ends the run as Ctrl-C
  // does. Where SIGPIPE was ignored by whoever started us, a write fails with
  // EPIPE instead, and the run fails and cleans up by itself.
  if (std::signal(SIGPIPE, remove_temporaries_and_die) == SIG_IGN) std::signal(SIGPIPE, SIG_IGN);
  g_default_terminate = std::set_terminate(on_terminate);
}

OutputFile::OutputFile(std::string path, std::string role) : path_(std::move(path)), role_(std::move(role)) {
  // /dev/stdout is standard output whatever it leads to: a file the shell
  // opened (`> results.csv`) is written as `-` writes it, not reopened.
  if (path_.empty() || path_ == "-" || path_ == "/dev/stdout") {
    stream_ = stdout;
    return;
  }
  const fs::path where(path_);
  base_ = where.filename().string();
  const fs::path folder = where.has_parent_path() ? where.parent_path() : fs::path(".");
  if (base_.empty() || base_ == "." || base_ == "..") {
    error_ = fmt::format("`{}` is a directory; name a file", path_);
    return;
  }
  folder_ = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (folder_ < 0) {
    error_ = fmt::format("cannot create a file in `{}`: {}", folder.string(), system_error(errno));
    return;
  }
  struct stat status {};
  if (::fstatat(folder_, base_.c_str(), &status, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno != ENOENT) {
      error_ = fmt::format("cannot write `{}`: {}", path_, system_error(errno));
      return;
    }
    create_temporary(base_);
    return;
  }
  if (S_ISLNK(status.st_mode)) {
    struct stat target {};
    // A link to standard output (/dev/stdout) or a device: written in place.
    if (::fstatat(folder_, base_.c_str(), &target, 0) == 0 && (S_ISCHR(target.st_mode) || S_ISFIFO(target.st_mode))) {
      open_in_place(base_);
      return;
    }
    std::error_code ignored;
    const fs::path leads_to = fs::read_symlink(path_, ignored);
    error_ = fmt::format(
        "`{}` is a symbolic link{}; outputs are never written through a link, which anyone able to write to "
        "its folder could have put there: name the file itself, or remove the link",
        path_, leads_to.empty() ? "" : fmt::format(" to `{}`", leads_to.string()));
    return;
  }
  if (S_ISCHR(status.st_mode) || S_ISFIFO(status.st_mode)) {
    open_in_place(base_);
    return;
  }
  if (!S_ISREG(status.st_mode)) {
    error_ = fmt::format("`{}` is {}; outputs are written to files", path_, file_kind(status.st_mode));
    return;
  }
  if (create_temporary(base_)) {
    // The file replaced keeps its permissions (a 0600 policy stays 0600), set
    // on the new file's descriptor: no path, so no link, is followed.
    ::fchmod(::fileno(stream_), status.st_mode & 0777);
  }
}

// A terminal, a pipe or a device: renaming over it would replace the device
// or the link itself, so it is written where it is.
bool OutputFile::open_in_place(const std::string& base) {
  const int fd = ::openat(folder_, base.c_str(), O_WRONLY | O_NOCTTY | O_CLOEXEC);
  struct stat status {};
  if (fd < 0 || ::fstat(fd, &status) != 0 || !(S_ISCHR(status.st_mode) || S_ISFIFO(status.st_mode))) {
    error_ = fmt::format("cannot write `{}`: {}", path_, fd < 0 ? system_error(errno) : "it changed while it was opened");
    if (fd >= 0) ::close(fd);
    return false;
  }
  stream_ = ::fdopen(fd, "wb");
  if (!stream_) {
    error_ = fmt::format("cannot write `{}`: {}", path_, system_error(errno));
    ::close(fd);
  }
  return stream_ != nullptr;
}

bool OutputFile::create_temporary(const std::string& base) {
  const std::string stem = name_stem(base);
  aside_ = stem + ".old-" + random_suffix();
  const HoldSignals hold;
  for (int i = 0; i < kMaxTemporaries && slot_ < 0; ++i) {
    int expected = kFree;
    if (g_temporaries[i].state.compare_exchange_strong(expected, kClaimed)) slot_ = i;
  }
  if (slot_ < 0) {
    error_ = fmt::format("cannot write `{}`: too many outputs at once", path_);
    return false;
  }
  int fd = -1;
  for (int attempt = 0; attempt < 100 && fd < 0; ++attempt) {
    temp_ = stem + ".partial-" + random_suffix();
    fd = ::openat(folder_, temp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (fd < 0 && errno != EEXIST) break;
  }
  if (fd < 0) {
    error_ = fmt::format("cannot create a file beside `{}`: {}", path_, system_error(errno));
    temp_.clear();
    g_temporaries[slot_].state.store(kFree);
    slot_ = -1;
    return false;
  }
  Temporary& entry = g_temporaries[slot_];
  entry.folder = folder_;
  std::memcpy(entry.name, temp_.c_str(), temp_.size() + 1);
  entry.state.store(kNamed);
  stream_ = ::fdopen(fd, "wb");
  if (!stream_) {
    error_ = fmt::format("cannot write `{}`: {}", path_, system_error(errno));
    ::close(fd);
    return false;
  }
  return true;
}

OutputFile::~OutputFile() {
  if (stream_ && stream_ != stdout) std::fclose(stream_);
  if (!temp_.empty() && !published_) ::unlinkat(folder_, temp_.c_str(), 0);
  if (slot_ >= 0) g_temporaries[slot_].state.store(kFree);
  if (folder_ >= 0) ::close(folder_);
}

std::string OutputFile::name() const {
  return is_stdout() || path_.empty() ? role_ : fmt::format("{} (`{}`)", role_, path_);
}

bool OutputFile::finish() {
  if (!stream_) return false;
  bool ok = std::fflush(stream_) == 0 && !std::ferror(stream_);
  if (stream_ == stdout) return ok;
  if (!temp_.empty()) ok = ok && ::fsync(::fileno(stream_)) == 0;
  ok = std::fclose(stream_) == 0 && ok;
  stream_ = nullptr;
  return ok;
}

void OutputFile::write_behind() {
#if defined(__linux__)
  if (temp_.empty() || !stream_ || std::fflush(stream_) != 0) return;
  ::sync_file_range(::fileno(stream_), 0, 0, SYNC_FILE_RANGE_WRITE);
#endif
}

bool publish(const std::vector<OutputFile*>& outputs, std::string& error) {
  std::vector<OutputFile*> files;
  for (OutputFile* out : outputs)
    if (!out->temp_.empty() && !out->published_) files.push_back(out);
  std::vector<char> moved_aside(files.size(), 0), placed(files.size(), 0);
  const HoldSignals hold;
  bool ok = true;
  // One output is renamed over its old self in one step. With more, the old
  // ones go first, so that no moment pairs an old file with a new one.
  if (files.size() > 1)
    for (std::size_t i = 0; i < files.size() && ok; ++i) {
      const OutputFile& f = *files[i];
      struct stat status {};
      if (::fstatat(f.folder_, f.base_.c_str(), &status, AT_SYMLINK_NOFOLLOW) != 0) continue;
      ok = rename_no_replace(f.folder_, f.base_.c_str(), f.aside_.c_str()) == 0;
      if (!ok) error = fmt::format("writing {} failed: the old file could not be moved aside: {}", f.name(), system_error(errno));
      moved_aside[i] = ok;
    }
  for (std::size_t i = 0; i < files.size() && ok; ++i) {
    const OutputFile& f = *files[i];
    ok = ::renameat(f.folder_, f.temp_.c_str(), f.folder_, f.base_.c_str()) == 0;
    if (!ok) error = fmt::format("writing {} failed: it could not be put in place: {}", f.name(), system_error(errno));
    placed[i] = ok;
  }
  for (std::size_t i = 0; i < files.size(); ++i) {
    OutputFile& f = *files[i];
    if (!ok && placed[i]) ::unlinkat(f.folder_, f.base_.c_str(), 0);
    if (moved_aside[i]) {
      if (ok) ::unlinkat(f.folder_, f.aside_.c_str(), 0);
      else ::renameat(f.folder_, f.aside_.c_str(), f.folder_, f.base_.c_str());
    }
    if (placed[i]) {
      f.published_ = true;
      g_temporaries[f.slot_].state.store(kFree);
      f.slot_ = -1;
    }
    // The renames themselves on the disk, as the files' contents already are.
    if (ok) ::fsync(f.folder_);
  }
  return ok;
}

std::string clashing_files(const std::vector<NamedFile>& inputs, const std::vector<NamedFile>& outputs) {
  struct Identity {
    bool exists = false;
    struct stat status {};
  };
  auto identify = [](const std::string& path) {
    Identity id;
    id.exists = !path.empty() && path != "-" && ::stat(path.c_str(), &id.status) == 0;
    return id;
  };
  // A terminal or /dev/null may well be named twice.
  auto same = [](const Identity& a, const Identity& b) {
    return a.exists && b.exists && a.status.st_dev == b.status.st_dev && a.status.st_ino == b.status.st_ino &&
           !S_ISCHR(a.status.st_mode);
  };
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    const NamedFile& out = outputs[i];
    if (out.path.empty() || out.path == "-") continue;
    const Identity out_id = identify(out.path);
    for (const NamedFile& in : inputs)
      if (same(out_id, identify(in.path)))
        return fmt::format("{} `{}` is {} (`{}`): writing it would destroy {}; give {} a file of its own", out.role,
                           out.path, in.role, in.path, in.role, out.role);
    for (std::size_t j = 0; j < i; ++j) {
      const NamedFile& other = outputs[j];
      if (other.path.empty() || other.path == "-") continue;
      const Identity other_id = identify(other.path);
      // Files yet to be made are compared by their absolute paths, links in the folders resolved.
      std::error_code ignored;
      auto where = [&](const std::string& path) { return fs::weakly_canonical(fs::absolute(path, ignored), ignored); };
      const bool clash = out_id.exists || other_id.exists ? same(out_id, other_id) : where(out.path) == where(other.path);
      if (clash)
        return fmt::format("{} and {} name the same file `{}`; give each its own", other.role, out.role, out.path);
    }
  }
  return {};
}

}  // namespace precept
