// Internal interface between MinSumDecoder and its per-SIMD-level layer loops.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/ldpc/min_sum_decoder.hpp"

namespace qkdpp::kernels::detail {

// Posteriors, syndrome signs and scratch are 16-bit; check messages are M = int8_t or int16_t.
using Posterior = std::int16_t;

// Widest vector any level uses, in bytes: per-block storage is padded to a multiple of its lanes.
inline constexpr std::size_t kMinSumVectorBytes = 64;
inline constexpr std::size_t kMinSumLanes = kMinSumVectorBytes / sizeof(Posterior);
// AVX2's lanes: the vector levels run from this many checks per layer (SSE4.1 too, as before the
// AVX-512 level), the AVX-512 one from kMinSumLanes.
inline constexpr std::size_t kMinSumAvx2Lanes = 16;
// Vectors of consecutive checks the SIMD layer loop updates together (instruction-level
// parallelism); the scratch holds that many vectors per block of a layer, plus one.
inline constexpr std::size_t kMinSumChunkVectors = 2;

// Where block k of the current layer reads the posteriors of the next chunk of checks: its
// column's storage and the offset (i0 + shift) mod z, advanced chunk by chunk.
struct MinSumCursor {
  Posterior* column;
  std::size_t offset;
};

template <class M>
struct MinSumView {
  std::size_t z = 0;
  std::size_t stride = 0;  // elements per block in posterior, messages and syndrome (>= z)
  std::size_t layers = 0;
  const std::uint32_t* layer_ptr = nullptr;
  const std::uint32_t* block_col = nullptr;
  const std::uint32_t* block_shift = nullptr;
  Posterior* posterior = nullptr;       // block column c at c * stride; [z, stride) unused
  M* messages = nullptr;                // block b at b * stride; padding lanes are scratch
  const Posterior* syndrome = nullptr;  // layer r at r * stride: 0 or -1, 0 in the padding
  Posterior* scratch = nullptr;     // (kMinSumChunkVectors max layer degree + 1) * kMinSumLanes, x3
  MinSumCursor* cursors = nullptr;  // max layer degree entries (SIMD levels only)
  Posterior saturation = 0;         // S: posteriors stay in [-S, S]
  Posterior message_limit = 0;      // |R| <= message_limit, representable in M
  // The check rule g (MinSumVariant): normalised m - (m >> parameter), offset
  // max(m - parameter, 0), or scaled-offset max(round(m factor / 2^15) - parameter, 0).
  MinSumVariant rule = MinSumVariant::kOffset;
  Posterior factor = 0;  // Q15 scale factor in [1, 32767] (scaled-offset only)
  // No value can reach S: |channel| + (max column degree) * message_limit <= S, and since every
  // posterior is its channel value plus its column's current messages, no clamp ever binds.
  bool exact = false;
  int parameter = 0;  // offset, or normalisation shift
  // Offset rule only: the offset of each block's messages (by its column's degree), or null for
  // `parameter` everywhere.
  const Posterior* block_offset = nullptr;
  // Box-plus rule only: the extra resolution bits h and the correction constant C at that
  // resolution (MinSumDecoder's header). `scratch` then holds three times the vectors
  // (prefixes and the chain's inputs too).
  int boxplus_shift = 0;
  Posterior boxplus_correction = 0;
  // Box-plus rule: every chain value fits in 8 bits (boxplus_shift = 1, message_limit <= 127 and
  // C <= 63), so the vector loops may run the chain on bytes (same integers).
  bool narrow_chain = false;
};

// The box-plus rule's pairwise magnitude step on nonnegative 16-bit values (a, b < 2^14):
// min(a, b) + c(a + b) - c(|a - b|), floored at 0, c(u) = max(C - (u >> 2), 0). Shared by the
// scalar reference and the tests; the vector loops spell the same operations.
inline int boxplus_magnitude(int a, int b, int correction) noexcept {
  const auto c = [correction](int u) {
    const int v = correction - (u >> 2);
    return v > 0 ? v : 0;
  };
  const int m = (a < b ? a : b) + c(a + b) - c(a > b ? a - b : b - a);
  return m > 0 ? m : 0;
}

template <class M>
struct MinSumFns {
  // One pass over all layers; returns the checks whose hard-decision parity (of the posteriors
  // as their layer read them) differed from the syndrome bit: a running measure of progress for
  // IterationLimit::stall, not a convergence test (later layers change the posteriors).
  std::size_t (*iterate)(const MinSumView<M>&) noexcept;
  bool (*satisfied)(const MinSumView<M>&) noexcept;  // hard decision's syndrome == target
};

struct MinSumKernels {
  MinSumFns<std::int8_t> m8;
  MinSumFns<std::int16_t> m16;
};

// The scalar reference (min_sum_decoder.cpp).
extern const MinSumKernels kMinSumReference;

namespace sse41 {
extern const MinSumKernels kMinSum;
}
namespace avx2 {
extern const MinSumKernels kMinSum;
}
namespace avx512 {
extern const MinSumKernels kMinSum;
}

}  // namespace qkdpp::kernels::detail
