// Lowering: checked AST -> bytecode program. Straight-line code over batches:
// conditions narrow the selection of rows instead of jumping, so every policy
// terminates and every instruction runs once per batch.
#pragma once

#include "ast.hpp"
#include "checker.hpp"
#include "diagnostics.hpp"
#include "program.hpp"

#include <cstddef>
#include <string>
#include <string_view>

namespace precept {

// Decision tables with at least this many rows are indexed when their tested
// cells are plain literals and their outputs constants (see lower.cpp). Below
// it, a few rows of straight-line code cost less than a hash lookup.
inline constexpr std::size_t kIndexedTableMinRows = 8;

// `layers`: the sink that read a layered policy's files, so that notes about
// lines in a parent name its file and quote its text (null for one file).
Program lower_policy(const ast::PolicyFile& file, const CheckedPolicy& checked, std::string_view source,
                     const std::string& file_name, const DiagnosticSink* layers = nullptr);

}  // namespace precept
