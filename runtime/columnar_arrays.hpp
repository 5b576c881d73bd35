// Arrow C Data Interface arrays that Precept produces (a columnar batch's
// results): built in C++ containers, then handed over as ArrowSchema and
// ArrowArray structs whose release callbacks free them, as the specification's
// ownership rules say (the consumer calls the parent's release; a child it has
// moved out, its release set to null, is left to it).
#pragma once

#include <precept/arrow.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace precept {

// A buffer of bytes kept in 8-byte words, so that every buffer is aligned as
// Arrow asks (at least 8 bytes). Never empty once exported: a consumer gets a
// valid pointer even for a buffer of no bytes.
class OwnedBuffer {
 public:
  std::uint8_t* data() { return reinterpret_cast<std::uint8_t*>(words_.data()); }
  const std::uint8_t* data() const { return reinterpret_cast<const std::uint8_t*>(words_.data()); }
  std::size_t size() const { return size_; }
  // Grows (new bytes are zero) or shrinks to `bytes`.
  void resize(std::size_t bytes) {
    words_.resize(bytes / 8 + 1);
    size_ = bytes;
  }
  void append(const void* bytes, std::size_t count) {
    if (count == 0) return;
    const std::size_t at = size_;
    if (at + count >= words_.size() * 8) words_.resize(std::max(words_.size() * 2, (at + count) / 8 + 1));
    std::memcpy(data() + at, bytes, count);
    size_ = at + count;
  }

 private:
  std::vector<std::uint64_t> words_ = std::vector<std::uint64_t>(1);
  std::size_t size_ = 0;
};

struct OwnedArray {
  std::int64_t length = 0;
  std::int64_t null_count = 0;
  // In the order the format prescribes; a validity bitmap of an array with no
  // nulls may be left out (validity_absent), which exports a null pointer.
  std::vector<OwnedBuffer> buffers;
  bool validity_absent = false;
  std::vector<OwnedArray> children;
  std::unique_ptr<OwnedArray> dictionary;
};

struct OwnedSchema {
  std::string format;
  std::string name;
  std::int64_t flags = 0;
  std::vector<OwnedSchema> children;
  std::unique_ptr<OwnedSchema> dictionary;
};

// Move `array` (or `schema`) into `*out`, which the consumer then owns and
// frees with its release callback. On std::bad_alloc, *out is not written and
// nothing leaks.
void export_array(OwnedArray&& array, ArrowArray* out);
void export_schema(OwnedSchema&& schema, ArrowSchema* out);

}  // namespace precept
