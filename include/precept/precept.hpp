// Precept: a policy language and rule engine for precision poverty alleviation.
// The whole public API.
#pragma once

#include <precept/columnar.hpp>
#include <precept/diagnostic.hpp>
#include <precept/diff.hpp>
#include <precept/evaluator.hpp>
#include <precept/explain.hpp>
#include <precept/language.hpp>
#include <precept/output_file.hpp>
#include <precept/policy.hpp>
#include <precept/report.hpp>
#include <precept/run.hpp>
#include <precept/schema.hpp>
#include <precept/source_format.hpp>
#include <precept/test.hpp>
#include <precept/text.hpp>
#include <precept/version.hpp>
