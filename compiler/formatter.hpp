// The formatter's interface is public: <precept/source_format.hpp>
// (format_policy, FormatOptions, FormatResult); its implementation is formatter.cpp.
#pragma once

#include <precept/source_format.hpp>
