// The C API's statuses, errors, diagnostics, memory and version.
#include "handles.hpp"

#include <cstdlib>
#include <cstring>

namespace precept::capi {
namespace {

// Handed out when there is no memory left to describe a failure (even an
// out-of-memory one): never freed.
precept_error& out_of_memory_error() {
  static precept_error error = [] {
    precept_error made;
    made.status = PRECEPT_OUT_OF_MEMORY;
    made.message = "out of memory: an allocation failed";
    return made;
  }();
  return error;
}

}  // namespace

void fail(precept_status status, std::string message, std::string field) {
  throw Failure{status, std::move(message), std::move(field)};
}

precept_status report(precept_error** error, precept_error&& made) noexcept {
  const precept_status status = made.status;
  if (error == nullptr) return status;
  *error = new (std::nothrow) precept_error(std::move(made));
  if (*error == nullptr) *error = &out_of_memory_error();
  return status;
}

namespace {

// A new error of `status`, filled by `fill`, into *error; without memory for
// it, the static out-of-memory error.
template <class Fill>
precept_status report_with(precept_error** error, precept_status status, Fill&& fill) noexcept {
  if (error == nullptr) return status;
  try {
    precept_error made;
    made.status = status;
    fill(made);
    return report(error, std::move(made));
  } catch (...) {
    *error = &out_of_memory_error();
    return status;
  }
}

}  // namespace

precept_status report(precept_error** error, precept_status status, const std::string& message,
                      const std::string& field) noexcept {
  return report_with(error, status, [&](precept_error& made) {
    made.message = message;
    made.field = field;
  });
}

precept_status report_diagnostic(precept_error** error, precept_status status, const Diagnostic& diagnostic) noexcept {
  return report_with(error, status, [&](precept_error& made) {
    made.message = diagnostic.message;
    made.file = diagnostic.file;
    made.line = diagnostic.line;
    made.column = diagnostic.column;
    made.hint = diagnostic.hint;
  });
}

precept_status report_rejection(precept_error** error, const Outcome& outcome) noexcept {
  return report_with(error, PRECEPT_REJECTED, [&](precept_error& made) {
    made.message = outcome.error;
    made.kind = reject_kind_name(outcome.kind);
    made.field = outcome.column;
    made.declaration = outcome.declaration;
    made.file = outcome.policy_file;
    made.line = outcome.policy_line;
  });
}

precept_status report_current_exception(const char* call, precept_error** error) noexcept {
  const std::string prefix = call != nullptr ? std::string(call) + ": " : std::string();
  try {
    throw;
  } catch (const Failure& failure) {
    return report(error, failure.status, failure.status == PRECEPT_USAGE ? prefix + failure.message : failure.message,
                  failure.field);
  } catch (const ColumnarError& bad_batch) {
    return report(error, PRECEPT_BAD_INPUT, bad_batch.what(), bad_batch.column());
  } catch (const std::bad_alloc&) {
    return report(error, PRECEPT_OUT_OF_MEMORY, out_of_memory_error().message);
  } catch (const std::invalid_argument& wrong) {
    // The C++ API's programming errors (a setter of the wrong kind, a member
    // out of range) are the caller's: usage.
    return report(error, PRECEPT_USAGE, prefix + wrong.what());
  } catch (const std::exception& unexpected) {
    return report(error, PRECEPT_INTERNAL_ERROR, prefix + unexpected.what());
  } catch (...) {
    return report(error, PRECEPT_INTERNAL_ERROR, prefix + "an exception that is not a std::exception");
  }
}

char* copy_out(const std::string& text) {
  char* memory = static_cast<char*>(std::malloc(text.size() + 1));
  if (memory == nullptr) throw std::bad_alloc();
  std::memcpy(memory, text.data(), text.size());
  memory[text.size()] = '\0';
  return memory;
}

}  // namespace precept::capi

using precept::capi::require;

extern "C" {

const char* precept_status_name(precept_status status) {
  switch (status) {
    case PRECEPT_OK: return "ok";
    case PRECEPT_POLICY_ERRORS: return "policy_errors";
    case PRECEPT_USAGE: return "usage";
    case PRECEPT_BAD_INPUT: return "bad_input";
    case PRECEPT_WRITE_FAILED: return "write_failed";
    case PRECEPT_OUT_OF_MEMORY: return "out_of_memory";
    case PRECEPT_REJECTED: return "rejected";
    case PRECEPT_INTERNAL_ERROR: return "internal_error";
  }
  return "unknown";
}

precept_status precept_error_status(const precept_error* error) { return error ? error->status : PRECEPT_OK; }
const char* precept_error_message(const precept_error* error) { return error ? error->message.c_str() : ""; }
const char* precept_error_file(const precept_error* error) { return error ? error->file.c_str() : ""; }
uint32_t precept_error_line(const precept_error* error) { return error ? error->line : 0; }
uint32_t precept_error_column(const precept_error* error) { return error ? error->column : 0; }
const char* precept_error_kind(const precept_error* error) { return error ? error->kind.c_str() : ""; }
const char* precept_error_field(const precept_error* error) { return error ? error->field.c_str() : ""; }
const char* precept_error_declaration(const precept_error* error) { return error ? error->declaration.c_str() : ""; }
const char* precept_error_hint(const precept_error* error) { return error ? error->hint.c_str() : ""; }

void precept_error_free(precept_error* error) {
  if (error != &precept::capi::out_of_memory_error()) delete error;
}

void precept_free(void* memory) { std::free(memory); }

const char* precept_version(void) { return precept::kVersion; }
unsigned precept_bytecode_format_version(void) { return precept::kBytecodeFormatVersion; }

precept_status precept_diagnostics_count(const precept_diagnostics* diagnostics, size_t* count,
                                         precept_error** error) {
  return PRECEPT_C_CALL({
    *require(count, "count") = require(diagnostics, "diagnostics")->list.size();
    return PRECEPT_OK;
  });
}

precept_status precept_diagnostics_get(const precept_diagnostics* diagnostics, size_t index,
                                       precept_diagnostic* diagnostic, precept_error** error) {
  return PRECEPT_C_CALL({
    const auto& list = require(diagnostics, "diagnostics")->list;
    require(diagnostic, "diagnostic");
    if (index >= list.size())
      precept::capi::fail(PRECEPT_USAGE, "diagnostic " + std::to_string(index) + " is out of range: there are " +
                                             std::to_string(list.size()));
    const precept::Diagnostic& d = list[index];
    diagnostic->severity = d.severity == precept::Severity::Error     ? PRECEPT_SEVERITY_ERROR
                           : d.severity == precept::Severity::Warning ? PRECEPT_SEVERITY_WARNING
                                                                      : PRECEPT_SEVERITY_NOTE;
    diagnostic->file = d.file.c_str();
    diagnostic->line = d.line;
    diagnostic->column = d.column;
    diagnostic->message = d.message.c_str();
    diagnostic->hint = d.hint.c_str();
    return PRECEPT_OK;
  });
}

precept_status precept_diagnostics_render(const precept_diagnostics* diagnostics, char** text,
                                          precept_error** error) {
  return PRECEPT_C_CALL({
    const std::string rendered = precept::render(require(diagnostics, "diagnostics")->list);
    *require(text, "text") = precept::capi::copy_out(rendered);
    return PRECEPT_OK;
  });
}

void precept_diagnostics_free(precept_diagnostics* diagnostics) { delete diagnostics; }

}  // extern "C"
