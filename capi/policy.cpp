// The C API's policies: load, save, describe (libprecept_eval).
#include "handles.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace precept::capi {

PolicyData::PolicyData(Policy compiled)
    : policy(std::move(compiled)), field_names(policy.field_names()), output_names(policy.output_names()) {
  info.name = policy.name().c_str();
  info.place = policy.place().c_str();
  info.year = policy.year();
  info.source_file = policy.source_file().c_str();
  info.field_count = field_names.size();
  info.output_count = output_names.size();
  describe_schema(*this);
  // A layered program's source_file names its whole chain ("county.pol
  // (extends province.pol, ...)"): explanations name the first file's lines,
  // by its name alone, as `precept explain` does.
  const std::string& source = policy.source_file();
  explain_file = source.substr(0, source.find(" (extends "));
  if (const auto slash = explain_file.rfind('/'); slash != std::string::npos) explain_file.erase(0, slash + 1);
}

std::size_t check_field(const PolicyData& data, std::size_t index) {
  if (index >= data.field_names.size())
    fail(PRECEPT_USAGE, "field index " + std::to_string(index) + " is out of range: the policy's record has " +
                            std::to_string(data.field_names.size()) + " fields");
  return index;
}

std::size_t check_output(const PolicyData& data, std::size_t index) {
  if (index >= data.output_names.size())
    fail(PRECEPT_USAGE, "output index " + std::to_string(index) + " is out of range: the policy has " +
                            std::to_string(data.output_names.size()) + " outputs");
  return index;
}

precept_status deliver(CompileResult&& compiled, precept_policy** policy, precept_diagnostics** diagnostics,
                       precept_error** error) {
  require(policy, "policy");
  // Everything that can fail to allocate is made before anything is handed out.
  std::unique_ptr<precept_diagnostics> kept;
  if (diagnostics != nullptr) kept.reset(new precept_diagnostics{std::move(compiled.diagnostics)});
  const std::vector<Diagnostic>& list = kept ? kept->list : compiled.diagnostics;
  std::unique_ptr<precept_policy> made;
  if (compiled.ok()) made.reset(new precept_policy{std::make_shared<const PolicyData>(std::move(*compiled.policy))});
  if (diagnostics != nullptr) *diagnostics = kept.release();
  if (made) {
    *policy = made.release();
    return PRECEPT_OK;
  }
  *policy = nullptr;
  for (const Diagnostic& diagnostic : list)
    if (diagnostic.severity == Severity::Error) return report_diagnostic(error, PRECEPT_POLICY_ERRORS, diagnostic);
  return report(error, PRECEPT_POLICY_ERRORS, "the policy has errors");
}

namespace {

const PolicyData& data_of(const precept_policy* policy) { return *require(policy, "policy")->data; }

// Writes `bytes` to `path` through a temporary file beside it, renamed over
// `path` once written and flushed: a reader never sees half a program.
void write_atomically(const std::string& path, const std::string& bytes) {
  std::string temporary = path + ".XXXXXX";
  const int fd = ::mkstemp(temporary.data());
  if (fd < 0) fail(PRECEPT_WRITE_FAILED, "cannot write `" + path + "`: " + std::strerror(errno));
  const auto give_up = [&](const char* what) {
    const std::string reason = std::strerror(errno);
    ::close(fd);
    ::unlink(temporary.c_str());
    fail(PRECEPT_WRITE_FAILED, std::string("cannot write `") + path + "` (" + what + "): " + reason);
  };
  std::size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) give_up("write");
    written += static_cast<std::size_t>(n);
  }
  // mkstemp makes the file private; a .pcb is as readable as any output.
  const mode_t mask = ::umask(0);
  ::umask(mask);
  if (::fchmod(fd, 0666 & ~mask) != 0) give_up("permissions");
  if (::fsync(fd) != 0) give_up("flush");
  if (::close(fd) != 0) {
    const std::string reason = std::strerror(errno);
    ::unlink(temporary.c_str());
    fail(PRECEPT_WRITE_FAILED, "cannot write `" + path + "`: " + reason);
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    const std::string reason = std::strerror(errno);
    ::unlink(temporary.c_str());
    fail(PRECEPT_WRITE_FAILED, "cannot write `" + path + "`: " + reason);
  }
}

// The index a name was found at, or PRECEPT_USAGE saying it was not.
std::size_t found(std::optional<std::size_t> index, const std::string& message, const std::string& field) {
  if (!index) fail(PRECEPT_USAGE, message, field);
  return *index;
}

}  // namespace
}  // namespace precept::capi

using precept::capi::check_field;
using precept::capi::check_output;
using precept::capi::data_of;
using precept::capi::fail;
using precept::capi::require;

extern "C" {

precept_status precept_load(const void* bytes, size_t length, const char* file_name, precept_policy** policy,
                            precept_diagnostics** diagnostics, precept_error** error) {
  return PRECEPT_C_CALL({
    if (bytes == nullptr && length != 0) require(bytes, "bytes");
    const std::string_view program(static_cast<const char*>(bytes), bytes ? length : 0);
    return precept::capi::deliver(precept::load_policy(program, file_name ? file_name : "<program>"), policy,
                                  diagnostics, error);
  });
}

precept_status precept_load_file(const char* path, precept_policy** policy, precept_diagnostics** diagnostics,
                                 precept_error** error) {
  return PRECEPT_C_CALL({
    require(path, "path");
    std::string bytes;
    errno = 0;
    std::FILE* file = std::fopen(path, "rb");
    if (file != nullptr) {
      char chunk[65536];
      std::size_t n;
      while ((n = std::fread(chunk, 1, sizeof chunk, file)) > 0) bytes.append(chunk, n);
      const bool failed = std::ferror(file) != 0;
      std::fclose(file);
      if (failed) file = nullptr;
    }
    if (file == nullptr) {
      // As `precept run` says it of a file it cannot read: a policy error.
      precept::CompileResult unreadable;
      precept::Diagnostic diagnostic;
      diagnostic.file = path;
      diagnostic.message = std::string("cannot read the file: ") + (errno ? std::strerror(errno) : "read error");
      diagnostic.hint = "check the path";
      unreadable.diagnostics.push_back(std::move(diagnostic));
      return precept::capi::deliver(std::move(unreadable), policy, diagnostics, error);
    }
    return precept::capi::deliver(precept::load_policy(bytes, path), policy, diagnostics, error);
  });
}

precept_status precept_policy_save(const precept_policy* policy, void** bytes, size_t* length,
                                   precept_error** error) {
  return PRECEPT_C_CALL({
    const std::string program = data_of(policy).policy.serialize();
    require(bytes, "bytes");
    require(length, "length");
    *bytes = precept::capi::copy_out(program);
    *length = program.size();
    return PRECEPT_OK;
  });
}

precept_status precept_policy_save_file(const precept_policy* policy, const char* path, precept_error** error) {
  return PRECEPT_C_CALL({
    const precept::capi::PolicyData& data = data_of(policy);
    precept::capi::write_atomically(require(path, "path"), data.policy.serialize());
    return PRECEPT_OK;
  });
}

void precept_policy_free(precept_policy* policy) { delete policy; }

precept_status precept_policy_describe(const precept_policy* policy, precept_policy_info* info,
                                       precept_error** error) {
  return PRECEPT_C_CALL({
    *require(info, "info") = data_of(policy).info;
    return PRECEPT_OK;
  });
}

precept_status precept_policy_field(const precept_policy* policy, size_t index, precept_field_info* info,
                                    precept_error** error) {
  return PRECEPT_C_CALL({
    const precept::capi::PolicyData& data = data_of(policy);
    *require(info, "info") = data.fields[check_field(data, index)];
    return PRECEPT_OK;
  });
}

precept_status precept_policy_output(const precept_policy* policy, size_t index, precept_output_info* info,
                                     precept_error** error) {
  return PRECEPT_C_CALL({
    const precept::capi::PolicyData& data = data_of(policy);
    *require(info, "info") = data.outputs[check_output(data, index)];
    return PRECEPT_OK;
  });
}

precept_status precept_policy_field_index(const precept_policy* policy, const char* name, size_t* index,
                                          precept_error** error) {
  return PRECEPT_C_CALL({
    const precept::Schema& schema = data_of(policy).policy.schema();
    require(name, "name");
    require(index, "index");
    *index = precept::capi::found(schema.field_index(name),
                                  std::string("the policy's record has no field `") + name + "`", name);
    return PRECEPT_OK;
  });
}

precept_status precept_policy_output_index(const precept_policy* policy, const char* name, size_t* index,
                                           precept_error** error) {
  return PRECEPT_C_CALL({
    const precept::Schema& schema = data_of(policy).policy.schema();
    require(name, "name");
    require(index, "index");
    *index = precept::capi::found(schema.output_index(name), std::string("the policy has no output `") + name + "`", {});
    return PRECEPT_OK;
  });
}

precept_status precept_policy_disassemble(const precept_policy* policy, char** text, precept_error** error) {
  return PRECEPT_C_CALL({
    const std::string listing = data_of(policy).policy.disassemble();
    *require(text, "text") = precept::capi::copy_out(listing);
    return PRECEPT_OK;
  });
}

}  // extern "C"
