// The C API's handles and its one way of turning C++ failures into statuses.
// Shared by capi/*.cpp; not installed. Built on <precept/...> alone.
#pragma once

#include <precept/precept.h>
#include <precept/precept.hpp>

#include <cstdint>
#include <memory>
#include <new>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace precept::capi {

// A failure the C API itself detects (a NULL pointer, an index out of range),
// thrown inside a guarded call and turned into its status there.
struct Failure {
  precept_status status;
  std::string message;
  std::string field;
};
[[noreturn]] void fail(precept_status status, std::string message, std::string field = {});

// Throws PRECEPT_USAGE when `pointer` is NULL, naming the argument.
template <class T>
T* require(T* pointer, const char* argument) {
  if (pointer == nullptr) fail(PRECEPT_USAGE, std::string("`") + argument + "` is NULL");
  return pointer;
}

// Stores a new error in *error (when error is not NULL); returns its status.
// Never throws: without memory for the error, *error is a shared static one
// that says so (precept_error_free knows not to free it).
precept_status report(precept_error** error, precept_error&& made) noexcept;
precept_status report(precept_error** error, precept_status status, const std::string& message,
                      const std::string& field = {}) noexcept;
precept_status report_diagnostic(precept_error** error, precept_status status, const Diagnostic& diagnostic) noexcept;
precept_status report_rejection(precept_error** error, const Outcome& outcome) noexcept;

// Called in a catch block: the exception being handled as a status and an
// error (a usage error's message prefixed with the call's name).
precept_status report_current_exception(const char* call, precept_error** error) noexcept;

// Runs one C call's body: every exception becomes a status and an error.
// *error is NULL unless it fails.
template <class Body>
precept_status catch_all(const char* call, precept_error** error, Body&& body) noexcept {
  if (error != nullptr) *error = nullptr;
  try {
    return body();
  } catch (...) {
    return report_current_exception(call, error);
  }
}
#define PRECEPT_C_CALL(...) ::precept::capi::catch_all(__func__, error, [&]() -> precept_status __VA_ARGS__)

// Copies `text` into memory the caller frees with precept_free().
char* copy_out(const std::string& text);

// What the C views of a policy need, built once and shared by the policy's
// handle and every evaluator and record made from it (so a policy may be freed
// before them).
struct PolicyData {
  explicit PolicyData(Policy compiled);
  Policy policy;
  std::vector<std::string> field_names;
  std::vector<std::string> output_names;
  precept_policy_info info{};
  // The C views of the schema: members as arrays of C strings.
  std::vector<std::vector<const char*>> field_members, output_members;
  std::vector<precept_field_info> fields;
  std::vector<precept_output_info> outputs;
  // The policy's own file as `precept explain` names it in text explanations
  // (the first of a layered chain, without its folder).
  std::string explain_file;
};

// Hands a compile's or load's result to the C caller: the policy (when it
// compiled), the diagnostics (when asked for), the first error otherwise.
precept_status deliver(CompileResult&& compiled, precept_policy** policy, precept_diagnostics** diagnostics,
                       precept_error** error);

// Fills PolicyData's C views of the policy's schema (capi/schema.cpp).
void describe_schema(PolicyData& data);

// The index, or PRECEPT_USAGE saying it is out of range.
std::size_t check_field(const PolicyData& data, std::size_t index);
std::size_t check_output(const PolicyData& data, std::size_t index);

}  // namespace precept::capi

struct precept_error {
  precept_status status = PRECEPT_OK;
  std::string message, file, kind, field, declaration, hint;
  std::uint32_t line = 0, column = 0;
};

struct precept_diagnostics {
  std::vector<precept::Diagnostic> list;
};

struct precept_policy {
  std::shared_ptr<const precept::capi::PolicyData> data;
};
