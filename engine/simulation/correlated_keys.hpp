// Simulated raw keys: Alice uniform random, Bob = Alice through a binary symmetric channel whose
// crossover probability follows a QberProfile. Produced in consecutive chunks, so any length
// streams in bounded memory, and the output depends only on (seed, length, profile), not on the
// chunk sizes used to draw it.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/simulation/qber_profile.hpp"
#include "kernels/bits/bit_vector.hpp"
#include "kernels/random/xoshiro256.hpp"

namespace qkdpp::engine {

class CorrelatedKeySource {
 public:
  // Along a drift, the QBER is held constant over steps of this many bits (evaluated at the
  // step's midpoint); steps and ends of ramps are honoured exactly.
  static constexpr std::uint64_t kRampStepBits = std::uint64_t{1} << 16;

  CorrelatedKeySource(std::uint64_t total_bits, QberProfile profile, std::uint64_t seed);

  // Draws the next min(bits, remaining()) bits of both keys into `alice` and `bob`. `bits` must be
  // a multiple of 64 unless it reaches the end. Returns false when nothing is left.
  bool next(std::uint64_t bits, kernels::BitVector& alice, kernels::BitVector& bob);

  std::uint64_t position() const noexcept { return position_; }
  std::uint64_t remaining() const noexcept { return total_bits_ - position_; }
  std::uint64_t total_bits() const noexcept { return total_bits_; }
  // Bits where Bob differs from Alice so far.
  std::uint64_t errors() const noexcept { return errors_; }
  const QberProfile& profile() const noexcept { return profile_; }

 private:
  // Starts sampling errors for the constant-QBER piece that begins at `start`.
  void enter_piece(std::uint64_t start);
  std::uint64_t geometric_gap() noexcept;

  std::uint64_t total_bits_;
  QberProfile profile_;
  std::vector<std::uint64_t> breakpoints_;  // step/ramp boundaries, in bits
  kernels::Xoshiro256StarStar key_rng_;
  kernels::Xoshiro256StarStar error_rng_;
  std::uint64_t position_ = 0;
  std::uint64_t errors_ = 0;
  // Current constant-QBER piece [.., piece_end_) and the next error position inside it.
  std::uint64_t piece_end_ = 0;
  double piece_log1m_q_ = 0;  // log(1 - q) of the piece; 0 when q == 0
  std::uint64_t next_error_ = 0;
};

}  // namespace qkdpp::engine
