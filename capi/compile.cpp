// The C API's compile calls: the only ones that need the compiler, so they
// are in libprecept and not in libprecept_eval.
#include "handles.hpp"

using precept::capi::require;

extern "C" {

precept_status precept_compile(const char* source, size_t length, const char* file_name, precept_policy** policy,
                               precept_diagnostics** diagnostics, precept_error** error) {
  return PRECEPT_C_CALL({
    if (length != 0) require(source, "source");
    const std::string_view text(source ? source : "", source ? length : 0);
    precept::CompileOptions options;
    options.base_directory = ".";  // a parent it `extends` is found from the current directory
    return precept::capi::deliver(precept::compile(text, file_name ? file_name : "<policy>", options), policy,
                                  diagnostics, error);
  });
}

precept_status precept_compile_file(const char* path, precept_policy** policy, precept_diagnostics** diagnostics,
                                    precept_error** error) {
  return PRECEPT_C_CALL({
    return precept::capi::deliver(precept::open_policy(require(path, "path")), policy, diagnostics, error);
  });
}

}  // extern "C"
