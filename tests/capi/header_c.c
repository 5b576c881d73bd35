/* precept/precept.h on its own, as strict C99 (-std=c99 -pedantic -Werror):
 * it needs nothing included before it. */
#include <precept/precept.h>

int precept_header_compiles_as_c(void);
int precept_header_compiles_as_c(void) { return PRECEPT_OK; }
