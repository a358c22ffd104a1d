// Internal interface between MinSumDecoder and its per-SIMD-level layer loops.
#pragma once

#include <cstddef>
#include <cstdint>

namespace qkdpp::kernels::detail {

// Widest vector any level uses, in bytes: per-block storage is padded to it.
inline constexpr std::size_t kMinSumVectorBytes = 32;

// Where block k of the current layer reads the posteriors of the next chunk of checks: its
// column's storage and the offset (i0 + shift) mod z, advanced chunk by chunk.
template <class T>
struct MinSumCursor {
  T* column;
  std::size_t offset;
};

template <class T>
struct MinSumView {
  std::size_t z = 0;
  std::size_t stride = 0;  // elements per block in posterior, messages and syndrome (>= z)
  std::size_t layers = 0;
  const std::uint32_t* layer_ptr = nullptr;
  const std::uint32_t* block_col = nullptr;
  const std::uint32_t* block_shift = nullptr;
  T* posterior = nullptr;       // block column c at c * stride; entries [z, stride) unused
  T* messages = nullptr;        // block b (edge block) at b * stride; padding lanes are scratch
  const T* syndrome = nullptr;  // layer r at r * stride: 0 or -1 per check, 0 in the padding
  T* scratch = nullptr;         // (max layer degree + 1) vectors
  MinSumCursor<T>* cursors = nullptr;  // max layer degree entries (SIMD levels only)
  T saturation = 0;             // S: every value stays in [-S, S]
  bool offset = false;          // offset (true) or normalised (false) min-sum
  int parameter = 0;            // offset, or normalisation shift
  T message_limit = 0;          // |R| <= message_limit <= S
};

template <class T>
struct MinSumFns {
  void (*iterate)(const MinSumView<T>&) noexcept;      // one pass over all layers
  bool (*satisfied)(const MinSumView<T>&) noexcept;  // hard decision's syndrome == target
};

struct MinSumKernels {
  MinSumFns<std::int8_t> i8;
  MinSumFns<std::int16_t> i16;
};

// The scalar reference (min_sum_decoder.cpp).
extern const MinSumKernels kMinSumReference;

namespace sse41 {
extern const MinSumKernels kMinSum;
}
namespace avx2 {
extern const MinSumKernels kMinSum;
}

}  // namespace qkdpp::kernels::detail
