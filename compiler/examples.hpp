// Policy examples (`example "..." given ... expect ...`): checked against the
// record and the policy's names, and turned into ExampleDefs that `precept test`
// runs (explain/explain.hpp).
#pragma once

#include "ast.hpp"
#include "checker.hpp"
#include "diagnostics.hpp"
#include "program.hpp"

#include <vector>

namespace precept {

// Checks every example of `file` (given names are fields, expected names are
// outputs, rules, lets, decides or tables; every value a literal of the right
// type) and appends the runnable form to `out`. Reports problems into `sink`.
void check_examples(const ast::PolicyFile& file, const CheckedPolicy& checked, DiagnosticSink& sink,
                    std::vector<ExampleDef>& out);

}  // namespace precept
