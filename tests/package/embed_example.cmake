# The embedding example (examples/embed) run as a developer would, its output
# checked against what the policy says and against the CLI:
#   - the values it prints for households whose results the W1 policy fixes
#     (computed by hand from policies/xijiang_2015.pol);
#   - its summary table is the one `precept run --by village` prints;
#   - its Markdown diff report is tests/diff/golden/xijiang_2015_2016.md (the
#     CLI's golden file for the same diff);
#   - precept-embed-eval (precept_eval alone) evaluates the .pcb the example
#     wrote, and refuses bytes that are not a program.
#
#   cmake -DEMBED=... -DEMBED_EVAL=... -DCLI=... -DPROJECT_DIR=... -DWORK_DIR=... -P embed_example.cmake
cmake_minimum_required(VERSION 3.20)

file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")

# Run from the source tree with "." so that the reports name the bundled files
# as the CLI's golden file does (policies/xijiang_2015.pol).
execute_process(COMMAND "${EMBED}" . "${WORK_DIR}"
  WORKING_DIRECTORY "${PROJECT_DIR}"
  OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
file(WRITE "${WORK_DIR}/embed.out" "${out}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "precept-embed exited ${rc}\n${err}\n${out}")
endif()

set(failures "")
function(expect text)
  string(FIND "${out}" "${text}" at)
  if(at EQUAL -1)
    set(failures "${failures}\n  missing: ${text}" PARENT_SCOPE)
  endif()
endfunction()

# Compile: an error with its place and hint; the policy's shape.
expect("diagnostic: broken.pol:3:15: unknown name `membrs` (did you mean `members`?)")
expect("compile broken.pol: 1 error")
expect("compiled: 西江镇精准识别与帮扶 (2015), 20 fields, 7 outputs")
# Table analysis: the gap, the household that shows it, and that household rejected by the table.
expect("table analysis: line 7: table `housing` has no row for some households")
expect("e.g. a household with house = safe, members = 3")
expect("safe house, 3 members: rejected (no_table_row): no row of table `housing` applies to this household (policy line 7) [table housing at aid.pol:7]")
# Layers: the town's 2016 line overrides the parents', and names where it comes from.
expect("layers: policies/xijiang_town_2016.pol (extends policies/xijiang_town_2015.pol, policies/jiangxi.pol, policies/national.pol), 4 files")
expect("poverty_line = 2855 yuan")
expect("from policies/xijiang_town_2016.pol:11")
# The .pcb: loaded; half of it refused.
expect("loaded; a truncated copy: 1 error")
# One household at a time: 6157.78 / 4 = 1539.445, rounded half to even;
# illness + D-grade house + one worker: 3000 + 18000 + 2000 yuan.
expect("360733-0000001: household_id=360733-0000001 per_capita=1539.44 poor=true category=ordinary main_cause=illness measures=medical_aid;housing_renovation;industry_support total_assistance=23000.00")
expect("360733-0000002: household_id=360733-0000002 per_capita=7325.28 poor=false category=none main_cause=none measures= total_assistance=0.00")
expect("360733-0000020: household_id=360733-0000020 per_capita=1794.00 poor=true category=wubao main_cause=lack_labor measures= total_assistance=0.00")
expect("360733-0000596: rejected (bound_failed): `members` must be at least 1, found `0` [column members]")
expect("360733-0000597: rejected (value_unreadable): ")
expect("360733-0000599: rejected (unknown_field): ")
expect("[column membres]")
# The same record with extra names allowed: 5000 / 3, poor for want of funds.
expect("360733-0000599 (extra fields allowed): household_id=360733-0000599 per_capita=1666.67 poor=true category=ordinary main_cause=lack_funds measures=industry_support total_assistance=2000.00")
# Batches on two threads: every 97th generated household (0, 97, ..., 582) has no members.
expect("batch: 600 records: 593 evaluated (")
expect(", 7 rejected; the threads agree")
# Typed values: the same household as fen and member indexes, the same rejection.
expect("schema: 20 fields; members: int where >= 1; house: house_grade {safe, c, d}; measures: enum_list")
expect("typed: 360733-0000001 per_capita=153944 fen poor=true category=ordinary measures=medical_aid;housing_renovation;industry_support total_assistance=2300000 fen")
expect("typed: members 0: rejected (bound_failed): `members` must be at least 1, found `0`")
expect("typed batch: 6 records, 0 rejected, 4 poor")
expect("typed misuse: field `net_income` is money, not int: set it with set_money")
# Explain: text and JSON, the same reasons.
expect("explain: total_assistance = 23000.00")
expect("  rule poor = true (line 53): per_capita 1539.44 < poverty_line 2736.00")
expect("  poor = true — rule poor \"identified as a poor household\" (xijiang_2015.pol:53)")
expect("explain json: {\"id\":\"360733-0000001\"")
expect("\"compared\":[\"per_capita 1539.44 < poverty_line 2736.00\"]")
# The register: every row accounted for.
expect("run: 2000 rows, 1989 results, 11 rejected")
# The policy's examples.
expect("test: 10 of 10 examples passed; coverage 25 of 25")
expect("test json: {\"policy\":\"policies/xijiang_2015.pol\"")
# fmt: aligned fields, a blank line between declarations; a syntax error refused.
expect("fmt:\npolicy \"p\" year 2016\n\nrecord r {\n  members: int\n  income:  money\n}\n\nlet per_capita: money = income / members\n\noutput per_capita\n")
expect("fmt q.pol: ")
# diff: the 2016 line, and whom the edits move; witnesses without data.
expect("diff: 西江镇精准识别与帮扶 (2015) -> 西江镇精准识别与帮扶 (2016): 8 edits")
expect("  poverty_line: 2736.00 yuan -> 2855.00 yuan")
expect("impact: 1989 compared, 348 changed, 3 newly identified, 0 no longer")
expect("witness: per_capita: same for every household")
expect("witness: poor: differs (false -> true)")
# The evaluation-only part, from the .pcb file it wrote.
expect("eval-only: 西江镇精准识别与帮扶 (2015) from a .pcb: household_id = 360733-0000001, per_capita = 1539.44, poor = true")

# The summary is the CLI's, line for line.
execute_process(COMMAND "${CLI}" run policies/xijiang_2015.pol examples/data/xijiang_sample.csv
                        -o "${WORK_DIR}/results.csv" --by village
  WORKING_DIRECTORY "${PROJECT_DIR}"
  OUTPUT_VARIABLE cli_out ERROR_VARIABLE cli_err RESULT_VARIABLE cli_rc)
if(NOT cli_rc EQUAL 0)
  message(FATAL_ERROR "precept run exited ${cli_rc}\n${cli_err}")
endif()
string(FIND "${cli_out}" "county " table_start)
string(FIND "${cli_out}" "rows read:" table_end)
if(table_start EQUAL -1 OR table_end EQUAL -1)
  message(FATAL_ERROR "precept run printed no summary table:\n${cli_out}")
endif()
math(EXPR table_length "${table_end} - ${table_start}")
string(SUBSTRING "${cli_out}" ${table_start} ${table_length} cli_table)
expect("${cli_table}")

# The Markdown report is the CLI's golden file.
file(READ "${WORK_DIR}/xijiang_2015_2016.md" report)
file(READ "${PROJECT_DIR}/tests/diff/golden/xijiang_2015_2016.md" golden)
if(NOT report STREQUAL golden)
  set(failures "${failures}\n  ${WORK_DIR}/xijiang_2015_2016.md differs from tests/diff/golden/xijiang_2015_2016.md")
endif()

# precept_eval alone: the program the example wrote evaluates.
execute_process(COMMAND "${EMBED_EVAL}" "${WORK_DIR}/w1.pcb" members=1 net_income=90000 wubao=1 labor_count=0
                        deposits=0 owns_car=0 owns_town_house=0 public_employee=0 house=safe dibao=0
                        ill_members=0 disabled_members=0 students=0 disaster_loss=0 safe_water=1 remote=0
  OUTPUT_VARIABLE eval_out ERROR_VARIABLE eval_err RESULT_VARIABLE eval_rc)
# The policy's first example: a wubao household is poor whatever its income.
if(NOT eval_rc EQUAL 0 OR NOT eval_out MATCHES "poor = true, category = wubao, main_cause = lack_labor")
  set(failures "${failures}\n  precept-embed-eval exited ${eval_rc}: ${eval_out}${eval_err}")
endif()
# Bytes that are not a compiled program are refused before anything runs.
execute_process(COMMAND "${EMBED_EVAL}" "${WORK_DIR}/xijiang_2015_2016.md"
  OUTPUT_VARIABLE refused_out ERROR_VARIABLE refused_err RESULT_VARIABLE refused_rc)
if(NOT refused_rc EQUAL 3 OR refused_err STREQUAL "" OR NOT refused_out STREQUAL "")
  set(failures "${failures}\n  precept-embed-eval on a Markdown file exited ${refused_rc}: ${refused_out}${refused_err}")
endif()

if(failures)
  message(FATAL_ERROR "precept-embed (output in ${WORK_DIR}/embed.out):${failures}")
endif()
message(STATUS "precept-embed: every check passed")
