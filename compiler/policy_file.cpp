#include "policy_file.hpp"

#include "serialize.hpp"

#include <precept/source_format.hpp>

#include <fmt/format.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace precept {

std::string policy_too_large(std::size_t size, bool exact, std::size_t limit) {
  return fmt::format("the policy is {}{} bytes; at most {} are accepted", exact ? "" : "more than ", size, limit);
}

namespace {

constexpr std::string_view kProgramMagic = "PCPT";

// "no such file or directory": strerror's words, to follow "cannot read `x`: ".
std::string system_error_text(int error) {
  std::string text = std::strerror(error);
  if (!text.empty()) text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  return text;
}

bool is_policy_name(const std::filesystem::path& path) { return path.extension() == ".pol"; }

// Reads at most limit + 1 bytes; the limit is the program's once the first
// bytes say it is one. False, with errno, when a read fails.
bool read_bounded(int fd, PolicyRead use, std::string& text, std::size_t& limit) {
  char buffer[65536];
  while (text.size() <= limit) {
    const std::size_t want = std::min(sizeof buffer, limit + 1 - text.size());
    const ssize_t n = ::read(fd, buffer, want);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    if (n == 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
    if (use == PolicyRead::SourceOrProgram && text.size() >= kProgramMagic.size() &&
        text.compare(0, kProgramMagic.size(), kProgramMagic) == 0)
      limit = kMaxProgramBytes;
  }
  return true;
}

// A regular file's limit, from its first bytes: a compiled program's is larger.
std::size_t regular_file_limit(int fd, const struct stat& status, PolicyRead use) {
  char magic[kProgramMagic.size()];
  if (use == PolicyRead::SourceOrProgram && S_ISREG(status.st_mode) &&
      ::pread(fd, magic, sizeof magic, 0) == static_cast<ssize_t>(sizeof magic) &&
      std::string_view(magic, sizeof magic) == kProgramMagic)
    return kMaxProgramBytes;
  return kMaxSourceBytes;
}

}  // namespace

PolicyFileText read_policy_file(const std::string& path, PolicyRead use) {
  namespace fs = std::filesystem;
  PolicyFileText result;
  const bool standard_input = path == "-" && use != PolicyRead::Parent;
  if (use == PolicyRead::Parent) {
    std::error_code ec;
    const fs::path real = fs::canonical(path, ec);
    if (!is_policy_name(path) || (!ec && !is_policy_name(real))) {
      result.problem = ec || real == fs::path(path).lexically_normal()
                           ? "it is not a policy file (.pol)"
                           : fmt::format("it is a link to `{}`, which is not a policy file (.pol)", real.string());
      result.hint = "a parent policy is a .pol file";
      return result;
    }
  }
  // O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused below.
  const int fd = standard_input ? STDIN_FILENO : ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) {
    result.problem = system_error_text(errno);
    return result;
  }
  struct stat status {};
  if (::fstat(fd, &status) != 0) {
    result.problem = system_error_text(errno);
  } else if (!standard_input && !S_ISREG(status.st_mode)) {
    result.problem = fmt::format("it is {}, not a policy file", file_kind(status.st_mode));
    result.hint = use == PolicyRead::Parent ? "a parent policy must be a regular .pol file" : "give the path of a .pol file";
  } else if (std::size_t limit = regular_file_limit(fd, status, use);
             S_ISREG(status.st_mode) && static_cast<std::uintmax_t>(status.st_size) > limit) {
    // Refused from its size, without reading a byte of it.
    result.problem = policy_too_large(static_cast<std::size_t>(status.st_size), true, limit);
    result.hint = "is this really a policy file?";
  } else {
    if (!standard_input) ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    std::string text;
    if (!read_bounded(fd, use, text, limit)) {
      result.problem = system_error_text(errno);
    } else if (text.size() > limit) {
      // A regular file's size is known; a stream's only that it goes on.
      const bool sized = S_ISREG(status.st_mode) && static_cast<std::uintmax_t>(status.st_size) > limit;
      result.problem = policy_too_large(sized ? static_cast<std::size_t>(status.st_size) : limit, sized, limit);
      result.hint = "is this really a policy file?";
    } else {
      result.text = std::move(text);
    }
  }
  if (!standard_input) ::close(fd);
  return result;
}

PolicySource read_policy_source(const std::string& path) {
  PolicyFileText file = read_policy_file(path, PolicyRead::Source);
  if (!file.text) return {std::nullopt, file.problem, false};
  // Told by its magic number, or by a damaged program's first bytes: either way not text to lay out.
  if (looks_like_program(*file.text) || file.text->starts_with("PCPT")) return {std::nullopt, "", true};
  return {std::move(file.text), "", false};
}

}  // namespace precept
