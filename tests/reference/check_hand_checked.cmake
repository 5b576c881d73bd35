# Runs w1-reference on cases/hand_checked.csv and compares with the hand-computed
# expectations: results and summary byte for byte; rejects on line and column only,
# because the reason column is free text.
# Invoked by CTest: cmake -DREFERENCE=... -DCASES=... -DWORK=... -P check_hand_checked.cmake
file(MAKE_DIRECTORY "${WORK}")
execute_process(
  COMMAND "${REFERENCE}" "${CASES}/hand_checked.csv"
          --results "${WORK}/results.csv" --rejects "${WORK}/rejects.csv"
          --summary "${WORK}/summary.csv"
  RESULT_VARIABLE exit_code)
if(NOT exit_code EQUAL 0)
  message(FATAL_ERROR "w1-reference exited with ${exit_code}")
endif()

foreach(pair "results.csv;hand_checked.expected.csv" "summary.csv;hand_checked.expected_summary.csv")
  list(GET pair 0 actual)
  list(GET pair 1 expected)
  execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files "${WORK}/${actual}" "${CASES}/${expected}"
                  RESULT_VARIABLE differs)
  if(differs)
    message(FATAL_ERROR "${WORK}/${actual} differs from ${CASES}/${expected}")
  endif()
endforeach()

file(STRINGS "${WORK}/rejects.csv" reject_lines)
set(actual_keys "")
foreach(line IN LISTS reject_lines)
  string(REGEX MATCH "^[^,]*,[^,]*" key "${line}")
  list(APPEND actual_keys "${key}")
endforeach()
file(STRINGS "${CASES}/hand_checked.expected_rejects.csv" expected_keys)
if(NOT actual_keys STREQUAL expected_keys)
  message(FATAL_ERROR "rejects differ:\n  actual:   ${actual_keys}\n  expected: ${expected_keys}")
endif()
