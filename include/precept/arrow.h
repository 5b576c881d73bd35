/* The Arrow C Data Interface: the two C structs through which columnar data
 * crosses between libraries in one process without a copy, written from the
 * public specification (https://arrow.apache.org/docs/format/CDataInterface.html).
 * Precept's columnar calls (precept/columnar.hpp, and the C API) take and give
 * record batches as these structs; no Arrow library is needed to use them.
 *
 * The definitions are ABI-stable and identical in every project that carries
 * them, so they sit behind the specification's guard: a program that already
 * included Arrow's own definition (or another project's copy) compiles with
 * this header too, and the structs are the same type.
 *
 * C99; usable from C and C++. */
#ifndef PRECEPT_ARROW_H
#define PRECEPT_ARROW_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef ARROW_C_DATA_INTERFACE
#define ARROW_C_DATA_INTERFACE

/* ArrowSchema.flags bits. */
#define ARROW_FLAG_DICTIONARY_ORDERED 1 /* a dictionary's index order is meaningful */
#define ARROW_FLAG_NULLABLE 2           /* the field may hold nulls */
#define ARROW_FLAG_MAP_KEYS_SORTED 4    /* a map's keys are sorted within each entry */

/* The type of an array (or of a record batch: a struct type whose children are
 * its columns). */
struct ArrowSchema {
  /* The type as a format string: "b" bool, "l" int64, "tdD" date32, "u" utf8,
   * "+s" struct, "+l" list, "d:38,2" decimal128 with scale 2, ... For a
   * dictionary-encoded array, the type of its indices. */
  const char* format;
  const char* name;     /* the field's name (UTF-8), or NULL */
  const char* metadata; /* binary key-value metadata, or NULL */
  int64_t flags;        /* ARROW_FLAG_* */
  int64_t n_children;
  struct ArrowSchema** children;  /* n_children pointers */
  struct ArrowSchema* dictionary; /* the values' type when dictionary-encoded, else NULL */
  /* Frees what the producer allocated for this schema and its children, then
   * sets release to NULL. NULL means the struct is released (moved or freed). */
  void (*release)(struct ArrowSchema*);
  void* private_data; /* the producer's own */
};

/* The data of an array, laid out as its ArrowSchema's format says. */
struct ArrowArray {
  int64_t length;     /* logical length (elements), from `offset` */
  int64_t null_count; /* nulls, or -1 if not computed */
  int64_t offset;     /* logical offset into the buffers, in elements */
  int64_t n_buffers;  /* as the format requires (e.g. 2 for int64: validity, values) */
  int64_t n_children;
  /* n_buffers pointers; the first is the validity bitmap (bit i set: element i
   * is valid, least significant bit first), which may be NULL when there are
   * no nulls. */
  const void** buffers;
  struct ArrowArray** children;  /* n_children pointers */
  struct ArrowArray* dictionary; /* the values when dictionary-encoded, else NULL */
  /* As ArrowSchema.release, for the array's buffers and children. */
  void (*release)(struct ArrowArray*);
  void* private_data;
};

#endif /* ARROW_C_DATA_INTERFACE */

#ifdef __cplusplus
}
#endif

#endif /* PRECEPT_ARROW_H */
