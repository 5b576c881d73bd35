// Lowering: checked AST -> bytecode program. Straight-line code over batches:
// conditions narrow the selection of rows instead of jumping, so every policy
// terminates and every instruction runs once per batch.
#pragma once

#include "ast.hpp"
#include "checker.hpp"
#include "program.hpp"

#include <string>
#include <string_view>

namespace precept {

Program lower_policy(const ast::PolicyFile& file, const CheckedPolicy& checked, std::string_view source,
                     const std::string& file_name);

}  // namespace precept
