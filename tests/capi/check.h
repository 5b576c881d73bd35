/* The C tests' one way of checking: EXPECT counts a failed condition and
 * names it; checks_done() reports and gives the exit status. */
#ifndef PRECEPT_TESTS_CAPI_CHECK_H
#define PRECEPT_TESTS_CAPI_CHECK_H

#include <stdio.h>

static int failures = 0;

#define EXPECT(condition)                                                   \
  do {                                                                      \
    if (!(condition)) {                                                     \
      fprintf(stderr, "%s:%d: failed: %s\n", __FILE__, __LINE__, #condition); \
      ++failures;                                                           \
    }                                                                       \
  } while (0)

static int checks_done(void) {
  if (failures) {
    fprintf(stderr, "%d checks failed\n", failures);
    return 1;
  }
  printf("every check passed\n");
  return 0;
}

#endif
