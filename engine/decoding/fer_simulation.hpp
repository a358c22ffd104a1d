// Monte-Carlo frame-error-rate simulation of syndrome decoding over the BSC, in the spirit of
// AFF3CT's simulator: frames of uniform keys through a BSC(q), Alice's syndrome, Bob's decoding.
// Frames are independent and seeded by (seed, point, frame index), so results do not depend on the
// thread count.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "engine/codes/parity_check_matrix.hpp"
#include "engine/decoding/syndrome_decoder.hpp"

namespace qkdpp::engine {

struct FerOptions {
  std::size_t max_frames = 1000;       // stop a point after this many frames
  std::size_t max_frame_errors = 100;  // ... or after this many frame errors
  std::size_t max_iterations = 200;
  std::uint64_t seed = 1;
  std::size_t batch = 16;  // frames decoded in parallel between stopping checks
  DecoderConfig decoder;
  // Rate adaptation (SPEC section 3): columns Bob learns nothing of (channel LLR 0) and columns
  // both parties fix to zero (known to the decoder); every other column carries a key bit through
  // the BSC. Both empty: the mother code. Disjoint, each column below N.
  std::vector<std::uint32_t> punctured, shortened;
};

struct FerPoint {
  double qber = 0;
  std::size_t frames = 0;
  std::size_t frame_errors = 0;  // not converged, or converged to a word other than Alice's
  std::size_t bit_errors = 0;    // over all frames
  double mean_iterations = 0;
  // f = (M - p) / ((N - p - s) h2(qber)), SPEC section 3: the mother code's M / (N h2(qber))
  // without rate adaptation.
  double efficiency = 0;
  double seconds = 0;         // wall time of the point
  double decode_seconds = 0;  // time inside the decoder, summed over threads
  double fer() const noexcept {
    return frames ? static_cast<double>(frame_errors) / static_cast<double>(frames) : 0;
  }
};

// One point per QBER; parallel over the caller's TBB arena. `qc` (optional) is h's quasi-cyclic
// form, which the min-sum decoder vectorises over. std::invalid_argument for a rate adaptation
// whose columns overlap or lie outside the code.
std::vector<FerPoint> simulate_fer(const ParityCheckMatrix& h, const QuasiCyclicCode* qc,
                                   const std::vector<double>& qbers, const FerOptions& options);

}  // namespace qkdpp::engine
