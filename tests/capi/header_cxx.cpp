// precept/precept.h on its own from C++ (-pedantic -Werror): the same
// declarations, with C linkage.
#include <precept/precept.h>

int precept_header_compiles_as_cxx();
int precept_header_compiles_as_cxx() { return precept_status_name(PRECEPT_OK)[0] == 'o' ? 0 : 1; }
