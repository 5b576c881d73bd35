// The printable report's style (report/page.cpp), inline in the page: on
// screen a sheet of paper; printed, A4 pages whose tables repeat their header
// row on every page and never split a row, each place's publicity list
// starting on a page of its own.
#pragma once

#include <string_view>

namespace precept {

inline constexpr std::string_view kReportStylesheet = R"(
@page { size: A4; margin: 14mm 12mm 16mm 12mm; }
html { color: #111; background: #e8e8e8;
  font-family: "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei",
    "Microsoft YaHei", "PingFang SC", "SimSun", "DejaVu Sans", sans-serif; font-size: 10pt; line-height: 1.4; }
body { margin: 0; }
.sheet { background: #fff; max-width: 186mm; margin: 8mm auto; padding: 10mm 12mm; box-shadow: 0 1px 4px #999; }
h1 { font-size: 17pt; margin: 0 0 3pt; }
h2 { font-size: 12.5pt; margin: 14pt 0 6pt; padding-bottom: 2pt; border-bottom: 1.5px solid #333;
  break-after: avoid; page-break-after: avoid; }
p { margin: 4pt 0; }
.meta { color: #333; }
table { border-collapse: collapse; width: 100%; margin: 4pt 0 8pt; }
th, td { border: 0.75px solid #666; padding: 2pt 4pt; vertical-align: top; text-align: left; }
th { background: #ececec; font-weight: bold; }
td.k { white-space: nowrap; }
th.n { text-align: right; }
td.n { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
tr.total td { font-weight: bold; border-top: 1.5px solid #333; }
table.figures { font-size: 8pt; }
table.figures td, table.figures th { padding: 1.5pt 3pt; }
thead { display: table-header-group; }
tr, figure, .signature { break-inside: avoid; page-break-inside: avoid; }
figure { margin: 6pt 0 10pt; }
figcaption { font-weight: bold; margin-bottom: 2pt; }
svg { display: block; max-width: 100%; height: auto; }
svg text { font-size: 11px; fill: #111; }
svg .bar { fill: #4a78a8; }
svg .axis { stroke: #666; stroke-width: 1; }
svg .mark { stroke: #b03030; stroke-width: 1.5; stroke-dasharray: 4 3; }
.warning { border-left: 3pt solid #b03030; padding-left: 6pt; }
.publicity { break-before: page; page-break-before: always; }
.publicity h2 { text-align: center; font-size: 15pt; border: none; }
.publicity table { font-size: 8.5pt; }
.publicity td, .publicity th { padding: 2pt 3pt; }
.publicity th { white-space: nowrap; }
.signature { margin-top: 16pt; text-align: right; }
@media print {
  html { background: #fff; }
  .sheet { max-width: none; margin: 0; padding: 0; box-shadow: none; }
  .sheet + .sheet { break-before: page; page-break-before: always; }
}
)";

}  // namespace precept
