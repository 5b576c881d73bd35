# w1-fast (bench/w1_fast.cpp) must write exactly the oracle's three files: on
# generated registers with every kind of bad row (quoted newlines, blank lines,
# short and long rows, bad numbers), with LF and with CRLF line ends, and on the
# hand-checked cases. Invoked by CTest:
#   cmake -DREFERENCE=... -DFAST=... -DGENERATOR=... -DCASES=... -DWORK=... -P check_fast.cmake
file(MAKE_DIRECTORY "${WORK}")
set(inputs "${CASES}/hand_checked.csv")
foreach(name lf crlf bom)
  set(flags "")
  if(NOT name STREQUAL "lf")
    set(flags "--${name}")
  endif()
  execute_process(COMMAND "${GENERATOR}" --rows 6000 --seed 7 --bad-rows 120 ${flags} -o "${WORK}/${name}.csv"
                  RESULT_VARIABLE failed ERROR_QUIET)
  if(failed)
    message(FATAL_ERROR "precept-gen failed for ${name}")
  endif()
  list(APPEND inputs "${WORK}/${name}.csv")
endforeach()
foreach(input IN LISTS inputs)
  foreach(tool REFERENCE FAST)
    execute_process(COMMAND "${${tool}}" "${input}" --results "${WORK}/${tool}.results.csv"
                            --rejects "${WORK}/${tool}.rejects.csv" --summary "${WORK}/${tool}.summary.csv"
                    RESULT_VARIABLE exit_code ERROR_QUIET)
    if(NOT exit_code EQUAL 0)
      message(FATAL_ERROR "${${tool}} exited with ${exit_code} on ${input}")
    endif()
  endforeach()
  foreach(file results rejects summary)
    execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files "${WORK}/REFERENCE.${file}.csv" "${WORK}/FAST.${file}.csv"
                    RESULT_VARIABLE differs)
    if(differs)
      message(FATAL_ERROR "w1-fast's ${file} differ from w1-reference's on ${input} (see ${WORK})")
    endif()
  endforeach()
endforeach()
