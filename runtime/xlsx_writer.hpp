// `run`'s tables (results, rejects, summary) as .xlsx workbooks that Excel
// and WPS open right: a bold, frozen header row; money, decimals and counts
// as number cells (money shown `0.00`), dates as date cells, text as string
// cells (so a text that looks like a formula is text, never run). Written
// with libxlsxwriter (Debian's) from the CSV `run` wrote, so the two say the
// same: the CSV's `'` guarding a formula-looking text is taken off again.
#pragma once

#include <precept/run.hpp>

#include "program.hpp"

#include <cstdio>
#include <string>
#include <vector>

namespace precept {

// How each column of a table becomes cells.
enum class CellKind { Text, Integer, Money, Decimal, Date, Boolean, Number };

// The columns of the results of `program`.
std::vector<CellKind> result_cell_kinds(const Program& program);

// Writes the CSV table read from `csv` (header first) as a workbook to `out`,
// a column of each kind in `kinds` (columns past it: Number when the cell is
// one, else Text); "" or why it could not be written.
std::string write_xlsx_table(std::FILE* csv, const std::vector<CellKind>& kinds, const std::string& sheet_name,
                             std::FILE* out);

}  // namespace precept
