// A family of mother codes of one frame length for the protocol: per code the frame layouts
// (puncturing candidates in untainted order; key and shortened positions for either shortening,
// docs/codes.md "Which columns to shorten") and the measured thresholds, and the choice of code,
// puncturing and shortening for a QBER estimate.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "engine/codes/code_io.hpp"
#include "engine/codes/parity_check_matrix.hpp"
#include "engine/decoding/syndrome_decoder.hpp"

namespace qkdpp::engine {

// Where a block's blind rounds stand: the first `still_punctured` puncture candidates are still
// unknown to Bob, and `key_revealed` key bits have been revealed after them.
struct RevealState {
  std::size_t still_punctured = 0;
  std::size_t key_revealed = 0;
};

// Only the quasi-cyclic form is kept (the expanded matrix of a 2^20-bit code is about 40 MB and
// no protocol step needs it after the layout is computed).
struct FamilyCode {
  std::string name;
  QuasiCyclicCode qc;
  // QBER where the fast decoder's frame error rate reaches 10 % at the mother rate (measured,
  // datasets/codes/thresholds.txt or thresholds-boxplus.txt by the decoder rule), or an f = 1.25
  // estimate when not measured.
  double threshold_qber = 0.0;
  // Ring shortening's key positions: ascending, frame_bits - modulated_bits of them.
  std::vector<std::uint32_t> key_positions;
  std::vector<std::uint32_t> puncture_candidates;  // untainted greedy order
  std::vector<std::uint32_t> always_shortened;     // ascending
  // Random shortening's columns in the order drawn (a fixed seeded shuffle of key_positions,
  // modulated_bits of them): a frame with p punctured bits shortens the first d - p.
  std::vector<std::uint32_t> random_shortening_order;
  // Median thresholds of the rate-adapted code by punctured fraction of the candidates (measured
  // for the decoder's rule, datasets/codes/adapted-thresholds*.txt and
  // adapted-random-thresholds*.txt), ascending; empty when not measured. By shortening:
  std::vector<AdaptedThreshold> adapted, adapted_random;
  const std::vector<AdaptedThreshold>& adapted_for(Shortening s) const noexcept {
    return s == Shortening::kRing ? adapted : adapted_random;
  }

  std::size_t rows() const noexcept { return qc.rows(); }
  std::size_t cols() const noexcept { return qc.cols(); }
  double rate() const noexcept {
    return 1.0 - static_cast<double>(qc.base_rows) / static_cast<double>(qc.base_cols);
  }
  // The shortened columns of a frame whose first `punctured` candidates are punctured (ring: the
  // other candidates, then always_shortened; random: the first d - punctured of
  // random_shortening_order).
  std::vector<std::uint32_t> shortened(std::size_t punctured, Shortening s) const;
  // Random shortening's part of that: the first d - punctured of random_shortening_order.
  std::span<const std::uint32_t> randomly_shortened(std::size_t punctured) const noexcept;
  // That frame's key positions, ascending (frame_bits - modulated_bits of them; key bit i is
  // column keys[i]): every column neither punctured nor shortened. Ring shortening's are
  // key_positions; random shortening's are computed into `storage`, which the result views.
  std::span<const std::uint32_t> key_positions_for(std::size_t punctured, Shortening s,
                                                   std::vector<std::uint32_t>& storage) const;
  // Blind rounds after the punctured bits are exhausted reveal key bits, in this order: the k-th
  // revealed is keys[(k * reveal_stride) mod key bits] of the block's key positions, a
  // permutation spreading the reveals over the frame (reveal_stride is coprime with the key bit
  // count).
  std::size_t reveal_stride = 1;
  std::uint32_t revealed_key_position(std::span<const std::uint32_t> keys,
                                      std::size_t k) const noexcept {
    return keys[(k * reveal_stride) % keys.size()];
  }
  // Bits a block's blind rounds can still reveal.
  std::size_t reveal_left(const RevealState& state) const noexcept;
  // The columns of the next blind round, at most `step`: the last still-punctured candidates
  // while any remain, then the block's key positions `keys` in revealed_key_position order (one
  // kind per round); advances `state`. Alice and Bob both call it, so they agree on every revealed
  // column.
  void next_reveal(RevealState& state, std::size_t step, std::span<const std::uint32_t> keys,
                   std::vector<std::uint32_t>& columns) const;
  // Effective rate with the first p candidates punctured and every other modulated bit shortened:
  // (N - M - (d - p)) / (N - d).
  double effective_rate(std::size_t punctured) const noexcept;
  // Its inverse: the punctured bits that give effective rate `rate`, rounded, unclipped (may fall
  // outside [0, candidates]): p = R (N - d) - N + M + d.
  double punctured_for_rate(double rate) const noexcept;
  // The most candidates that can be punctured with the shortening's median thresholds
  // (adapted_for(s)) at or above `qber` (log-linear between the measured fractions); nullopt when
  // even the least measured fraction's threshold is below `qber` or nothing is measured.
  std::optional<std::size_t> punctured_at_median(double qber,
                                                 Shortening s = Shortening::kRing) const noexcept;
};

// The mother code, number of punctured bits and shortening of a block's first decoding round.
struct FirstRound {
  std::size_t code = 0;
  std::size_t punctured = 0;
  Shortening shortening = Shortening::kRing;
};

// Modulated (punctured or shortened) fraction of a frame in the protocol's layout.
inline constexpr double kModulatedFraction = 0.10;

class CodeFamily {
 public:
  // Loads quasi-cyclic code files of one length N; d = floor(modulated_fraction N) bits of each
  // frame are punctured or shortened. `thresholds` maps code names (file stems) to measured
  // threshold QBERs, `adapted` and `adapted_random` to the rate-adapted codes' median
  // thresholds with ring and random shortening. InputError for unreadable files or lengths that
  // differ.
  static CodeFamily load(
      const std::vector<std::filesystem::path>& files,
      const std::map<std::string, double>& thresholds,
      double modulated_fraction = kModulatedFraction,
      const std::map<std::string, std::vector<AdaptedThreshold>>& adapted = {},
      const std::map<std::string, std::vector<AdaptedThreshold>>& adapted_random = {});
  // The bundled family qkdpp-n<log2_n>-r*.qc of `directory` (datasets/codes), with the
  // thresholds of `thresholds` ("name qber" lines; thresholds_file() of the decoder's rule) and
  // the adapted thresholds of `adapted` (ring shortening) and `adapted_random` when present (by
  // default adapted_thresholds_file(thresholds, shortening); empty: none).
  static CodeFamily bundled(const std::filesystem::path& directory, unsigned log2_n,
                            const std::string& thresholds = thresholds_file(kDefaultCheckRule),
                            const std::optional<std::string>& adapted = std::nullopt,
                            const std::optional<std::string>& adapted_random = std::nullopt);

  std::size_t frame_bits() const noexcept { return frame_bits_; }
  std::size_t modulated_bits() const noexcept { return modulated_bits_; }
  std::size_t key_bits() const noexcept { return frame_bits_ - modulated_bits_; }
  const std::vector<FamilyCode>& codes() const noexcept { return codes_; }  // by rate, ascending
  // Index of the code by name; InputError if absent.
  std::size_t index_of(const std::string& name) const;
  // The highest-rate code whose threshold is at least `qber` (the lowest-rate code if none).
  std::size_t choose(double qber) const noexcept;
  // First round for a QBER estimate. With adapted thresholds: each measured code and shortening
  // punctured as far as its median threshold stays at or above q (punctured_at_median), its leak
  // then scaled by 1 + optimism; among those that keep at least `reserve` punctured bits (left for
  // blind rounds to reveal), the one of highest rate at the median (ring shortening on a tie).
  // Otherwise, or when none qualifies (ring shortening): each code used at the rate where it keeps
  // its mother threshold efficiency, R = 1 - f_c h2(q) (1 + optimism) with f_c = (1 - R0) /
  // h2(q_c), and among those with the reserve the one that punctures least; choose(q) with the rate
  // clipped when none has it.
  FirstRound first_round(double qber, double optimism = 0.0,
                         std::size_t reserve = 0) const noexcept;

 private:
  std::size_t frame_bits_ = 0, modulated_bits_ = 0;
  std::vector<FamilyCode> codes_;
};

}  // namespace qkdpp::engine
