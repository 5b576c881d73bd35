/* The producer half of arrow_test.h: record batches built from plain C arrays. */
#include "arrow_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ bookkeeping */

/* Every node's private data, kept until the next reset (not freed by its
 * release), so that a second release of a node is seen rather than a crash. */
#define MAX_ALLOCATIONS 8
typedef struct node {
  int released;
  int is_schema;
  void* allocations[MAX_ALLOCATIONS];
  int n_allocations;
  int64_t n_children;
  void** children; /* struct ArrowSchema* or struct ArrowArray* */
  void* dictionary;
  struct node* next;
} node;

static node* nodes = NULL;
static long made = 0, released = 0, misreleased = 0;

void ptest_tracking_reset(void) {
  while (nodes) {
    node* next = nodes->next;
    free(nodes);
    nodes = next;
  }
  made = released = misreleased = 0;
}
long ptest_tracking_made(void) { return made; }
long ptest_tracking_released(void) { return released; }
long ptest_tracking_misreleased(void) { return misreleased; }

static void* xcalloc(size_t count, size_t size) {
  void* p = calloc(count ? count : 1, size ? size : 1);
  if (!p) abort();
  return p;
}

static node* new_node(int is_schema) {
  node* n = (node*)xcalloc(1, sizeof(node));
  n->is_schema = is_schema;
  n->next = nodes;
  nodes = n;
  ++made;
  return n;
}

static void* own(node* n, size_t bytes) {
  void* p;
  if (n->n_allocations == MAX_ALLOCATIONS) abort();
  /* zeroed; malloc's alignment (16 bytes on the platforms we build on) meets
   * the 8 the specification requires */
  if (bytes == 0) bytes = 8;
  p = malloc(bytes);
  if (!p) abort();
  memset(p, 0, bytes);
  n->allocations[n->n_allocations++] = p;
  return p;
}

static char* own_string(node* n, const char* text) {
  char* copy = (char*)own(n, strlen(text) + 1);
  strcpy(copy, text);
  return copy;
}

static void release_node(node* n) {
  int64_t i;
  int a;
  if (n->released) {
    ++misreleased;
    return;
  }
  for (i = 0; i < n->n_children; ++i) {
    if (n->is_schema) {
      struct ArrowSchema* child = (struct ArrowSchema*)n->children[i];
      if (child->release) child->release(child);
      free(child);
    } else {
      struct ArrowArray* child = (struct ArrowArray*)n->children[i];
      if (child->release) child->release(child);
      free(child);
    }
  }
  if (n->dictionary) {
    if (n->is_schema) {
      struct ArrowSchema* d = (struct ArrowSchema*)n->dictionary;
      if (d->release) d->release(d);
      free(d);
    } else {
      struct ArrowArray* d = (struct ArrowArray*)n->dictionary;
      if (d->release) d->release(d);
      free(d);
    }
  }
  free(n->children);
  for (a = 0; a < n->n_allocations; ++a) free(n->allocations[a]);
  n->n_allocations = 0;
  n->released = 1;
  ++released;
}

static void release_schema(struct ArrowSchema* schema) {
  node* n = (node*)schema->private_data;
  release_node(n);
  schema->release = NULL;
}

static void release_array(struct ArrowArray* array) {
  node* n = (node*)array->private_data;
  release_node(n);
  array->release = NULL;
}

/* ------------------------------------------------------------ nodes */

static struct ArrowSchema* make_schema(const char* format, const char* name, int64_t n_children) {
  struct ArrowSchema* s = (struct ArrowSchema*)xcalloc(1, sizeof(struct ArrowSchema));
  node* n = new_node(1);
  s->format = own_string(n, format);
  s->name = name ? own_string(n, name) : NULL;
  s->metadata = NULL;
  s->flags = ARROW_FLAG_NULLABLE;
  s->n_children = n_children;
  n->n_children = n_children;
  n->children = (void**)xcalloc((size_t)n_children, sizeof(void*));
  s->children = (struct ArrowSchema**)n->children;
  s->dictionary = NULL;
  s->release = release_schema;
  s->private_data = n;
  return s;
}

static struct ArrowArray* make_array(int64_t length, int64_t offset, int64_t n_buffers, int64_t n_children) {
  struct ArrowArray* a = (struct ArrowArray*)xcalloc(1, sizeof(struct ArrowArray));
  node* n = new_node(0);
  a->length = length;
  a->null_count = 0;
  a->offset = offset;
  a->n_buffers = n_buffers;
  a->n_children = n_children;
  a->buffers = (const void**)own(n, (size_t)n_buffers * sizeof(void*));
  n->n_children = n_children;
  n->children = (void**)xcalloc((size_t)n_children, sizeof(void*));
  a->children = (struct ArrowArray**)n->children;
  a->dictionary = NULL;
  a->release = release_array;
  a->private_data = n;
  return a;
}

static void* array_own(struct ArrowArray* a, size_t bytes) { return own((node*)a->private_data, bytes); }

static void set_bit(uint8_t* bits, int64_t i, int value) {
  if (value) bits[i >> 3] = (uint8_t)(bits[i >> 3] | (1u << (i & 7)));
  else bits[i >> 3] = (uint8_t)(bits[i >> 3] & ~(1u << (i & 7)));
}

/* ------------------------------------------------------------ the batch */

#define MAX_COLUMNS 64
struct ptest_batch {
  int64_t rows, parent_offset, child_offset;
  int64_t n_columns;
  struct ArrowSchema* schemas[MAX_COLUMNS];
  struct ArrowArray* arrays[MAX_COLUMNS];
};

ptest_batch* ptest_batch_new(int64_t rows, int64_t parent_offset, int64_t child_offset) {
  ptest_batch* b = (ptest_batch*)xcalloc(1, sizeof(ptest_batch));
  b->rows = rows;
  b->parent_offset = parent_offset;
  b->child_offset = child_offset;
  return b;
}

/* Elements before the batch's first row in a column's buffers. */
static int64_t lead(const ptest_batch* b) { return b->parent_offset + b->child_offset; }

static void add(ptest_batch* b, struct ArrowSchema* s, struct ArrowArray* a) {
  if (b->n_columns == MAX_COLUMNS) abort();
  b->schemas[b->n_columns] = s;
  b->arrays[b->n_columns] = a;
  ++b->n_columns;
}

/* A column's array: its length counts from its own offset, so it covers the
 * batch's parent offset and rows. Validity: bit set per valid row; the
 * leading elements are null. */
static struct ArrowArray* column_array(const ptest_batch* b, int64_t n_buffers, int64_t n_children,
                                       const uint8_t* valid) {
  struct ArrowArray* a = make_array(b->parent_offset + b->rows, b->child_offset, n_buffers, n_children);
  if (valid) {
    int64_t r, nulls = 0;
    uint8_t* bits = (uint8_t*)array_own(a, (size_t)(lead(b) + b->rows + 7) / 8);
    for (r = 0; r < b->rows; ++r) {
      set_bit(bits, lead(b) + r, valid[r] != 0);
      if (!valid[r]) ++nulls;
    }
    /* null_count counts the array's own elements: the leading parent_offset ones are null too. */
    a->null_count = nulls + b->parent_offset;
    a->buffers[0] = bits;
  }
  return a;
}

void ptest_add_bool(ptest_batch* b, const char* name, const int64_t* values, const uint8_t* valid) {
  struct ArrowArray* a = column_array(b, 2, 0, valid);
  uint8_t* bits = (uint8_t*)array_own(a, (size_t)(lead(b) + b->rows + 7) / 8);
  int64_t r;
  memset(bits, 0xFF, (size_t)(lead(b) + 7) / 8); /* leading elements: true */
  for (r = 0; r < b->rows; ++r) set_bit(bits, lead(b) + r, values[r] != 0);
  a->buffers[1] = bits;
  add(b, make_schema("b", name, 0), a);
}

static int width_of(const char* format) {
  if (strcmp(format, "c") == 0) return 1;
  if (strcmp(format, "s") == 0) return 2;
  if (strcmp(format, "i") == 0 || strcmp(format, "tdD") == 0) return 4;
  return 8;
}

/* Fixed-width integers of `width` bytes: the leading elements hold -1
 * (all bits set), which no test reads as a valid value. */
static void* int_buffer(struct ArrowArray* a, const ptest_batch* b, int width, const int64_t* values) {
  uint8_t* data = (uint8_t*)array_own(a, (size_t)(lead(b) + b->rows) * (size_t)width);
  int64_t r;
  memset(data, 0xFF, (size_t)lead(b) * (size_t)width);
  for (r = 0; r < b->rows; ++r) {
    uint8_t* at = data + (size_t)(lead(b) + r) * (size_t)width;
    int64_t v = values[r];
    switch (width) {
      case 1: { int8_t x = (int8_t)v; memcpy(at, &x, 1); break; }
      case 2: { int16_t x = (int16_t)v; memcpy(at, &x, 2); break; }
      case 4: { int32_t x = (int32_t)v; memcpy(at, &x, 4); break; }
      default: memcpy(at, &v, 8); break;
    }
  }
  return data;
}

void ptest_add_int(ptest_batch* b, const char* name, const char* format, const int64_t* values,
                   const uint8_t* valid) {
  struct ArrowArray* a = column_array(b, 2, 0, valid);
  a->buffers[1] = int_buffer(a, b, width_of(format), values);
  add(b, make_schema(format, name, 0), a);
}

void ptest_add_decimal(ptest_batch* b, const char* name, int precision, int scale, const int64_t* unscaled,
                       const uint8_t* valid) {
  struct ArrowArray* a = column_array(b, 2, 0, valid);
  uint8_t* data = (uint8_t*)array_own(a, (size_t)(lead(b) + b->rows) * 16);
  char format[32];
  int64_t r;
  memset(data, 0x7F, (size_t)lead(b) * 16);
  for (r = 0; r < b->rows; ++r) {
    /* two's complement, little-endian: the low word, then the sign extension */
    uint64_t words[2];
    words[0] = (uint64_t)unscaled[r];
    words[1] = unscaled[r] < 0 ? ~(uint64_t)0 : 0;
    memcpy(data + (size_t)(lead(b) + r) * 16, words, 16);
  }
  a->buffers[1] = data;
  sprintf(format, "d:%d,%d", precision, scale);
  add(b, make_schema(format, name, 0), a);
}

/* Texts (a "u" or "U" array of `count` elements after `leading` ones, which
 * are "#garbage#"): offsets and bytes into the array's buffers 1 and 2. */
static void text_buffers(struct ArrowArray* a, int64_t leading, int64_t count, const char* const* values,
                         const uint8_t* valid, int large) {
  static const char* const garbage = "#garbage#";
  size_t bytes = 0, at = 0;
  int64_t i;
  char* data;
  uint8_t* offsets = (uint8_t*)array_own(a, (size_t)(leading + count + 1) * (large ? 8 : 4));
  for (i = 0; i < leading + count; ++i) {
    const char* v = i < leading ? garbage : values[i - leading];
    if (i >= leading && valid && !valid[i - leading]) v = "";
    bytes += strlen(v);
  }
  data = (char*)array_own(a, bytes);
  for (i = 0; i <= leading + count; ++i) {
    if (large) {
      int64_t o = (int64_t)at;
      memcpy(offsets + (size_t)i * 8, &o, 8);
    } else {
      int32_t o = (int32_t)at;
      memcpy(offsets + (size_t)i * 4, &o, 4);
    }
    if (i < leading + count) {
      const char* v = i < leading ? garbage : values[i - leading];
      if (i >= leading && valid && !valid[i - leading]) v = "";
      memcpy(data + at, v, strlen(v));
      at += strlen(v);
    }
  }
  a->buffers[1] = offsets;
  a->buffers[2] = data;
}

void ptest_add_text(ptest_batch* b, const char* name, const char* format, const char* const* values,
                    const uint8_t* valid) {
  struct ArrowArray* a = column_array(b, 3, 0, valid);
  text_buffers(a, lead(b), b->rows, values, valid, strcmp(format, "U") == 0);
  add(b, make_schema(format, name, 0), a);
}

/* A "u" dictionary of `entries` texts (no offset, no nulls). */
static void attach_dictionary(struct ArrowSchema* s, struct ArrowArray* a, const char* const* dictionary,
                              int64_t entries) {
  struct ArrowArray* d = make_array(entries, 0, 3, 0);
  text_buffers(d, 0, entries, dictionary, NULL, 0);
  a->dictionary = d;
  ((node*)a->private_data)->dictionary = d;
  s->dictionary = make_schema("u", NULL, 0);
  ((node*)s->private_data)->dictionary = s->dictionary;
}

void ptest_add_dictionary(ptest_batch* b, const char* name, const char* index_format, const int64_t* indices,
                          const uint8_t* valid, const char* const* dictionary, int64_t entries) {
  struct ArrowArray* a = column_array(b, 2, 0, valid);
  struct ArrowSchema* s = make_schema(index_format, name, 0);
  int width = width_of(index_format);
  uint8_t* data;
  a->buffers[1] = int_buffer(a, b, width, indices);
  /* leading elements: index 0, a valid entry (the -1 of int_buffer would be out of range) */
  data = (uint8_t*)a->buffers[1];
  memset(data, 0, (size_t)lead(b) * (size_t)width);
  attach_dictionary(s, a, dictionary, entries);
  add(b, s, a);
}

/* The list array of a "+l" column: int32 offsets over its items; the leading
 * elements are empty lists. */
static struct ArrowArray* list_array(const ptest_batch* b, const int64_t* counts, const uint8_t* valid,
                                     int64_t* total) {
  struct ArrowArray* a = column_array(b, 2, 1, valid);
  int32_t* offsets = (int32_t*)array_own(a, (size_t)(lead(b) + b->rows + 1) * 4);
  int64_t r, at = 0;
  for (r = 0; r <= lead(b); ++r) offsets[r] = 0;
  for (r = 0; r < b->rows; ++r) {
    if (!valid || valid[r]) at += counts[r];
    offsets[lead(b) + r + 1] = (int32_t)at;
  }
  a->buffers[1] = offsets;
  *total = at;
  return a;
}

void ptest_add_text_list(ptest_batch* b, const char* name, const int64_t* counts, const char* const* items,
                         const uint8_t* item_valid, const uint8_t* valid) {
  int64_t total = 0;
  struct ArrowArray* a = list_array(b, counts, valid, &total);
  struct ArrowSchema* s = make_schema("+l", name, 1);
  struct ArrowArray* child = make_array(total, 0, 3, 0);
  struct ArrowSchema* child_schema = make_schema("u", "item", 0);
  if (item_valid) {
    int64_t i, nulls = 0;
    uint8_t* bits = (uint8_t*)array_own(child, (size_t)(total + 7) / 8);
    for (i = 0; i < total; ++i) {
      set_bit(bits, i, item_valid[i] != 0);
      if (!item_valid[i]) ++nulls;
    }
    child->buffers[0] = bits;
    child->null_count = nulls;
  }
  text_buffers(child, 0, total, items, item_valid, 0);
  a->children[0] = child;
  s->children[0] = child_schema;
  add(b, s, a);
}

void ptest_add_dictionary_list(ptest_batch* b, const char* name, const int64_t* counts, const int64_t* indices,
                               const uint8_t* valid, const char* const* dictionary, int64_t entries) {
  int64_t total = 0, i;
  struct ArrowArray* a = list_array(b, counts, valid, &total);
  struct ArrowSchema* s = make_schema("+l", name, 1);
  struct ArrowArray* child = make_array(total, 0, 2, 0);
  struct ArrowSchema* child_schema = make_schema("i", "item", 0);
  int32_t* data = (int32_t*)array_own(child, (size_t)total * 4);
  for (i = 0; i < total; ++i) data[i] = (int32_t)indices[i];
  child->buffers[1] = data;
  attach_dictionary(child_schema, child, dictionary, entries);
  a->children[0] = child;
  s->children[0] = child_schema;
  add(b, s, a);
}

void ptest_batch_finish(ptest_batch* b, struct ArrowSchema* schema, struct ArrowArray* array) {
  struct ArrowSchema* s = make_schema("+s", NULL, b->n_columns);
  struct ArrowArray* a = make_array(b->rows, b->parent_offset, 1, b->n_columns);
  int64_t c;
  s->flags = 0;
  for (c = 0; c < b->n_columns; ++c) {
    s->children[c] = b->schemas[c];
    a->children[c] = b->arrays[c];
  }
  /* The top-level structs are the caller's (moved, as the specification
   * moves a struct: a plain copy, then the source is forgotten). */
  *schema = *s;
  *array = *a;
  free(s);
  free(a);
  free(b);
}
