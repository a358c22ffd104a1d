// Rate adaptation of a mother code (SPEC section 3): punctured bits (random, unknown to Bob,
// disclosed by nothing) raise the rate, shortened bits (known to both, fixed values) lower it.
// With p punctured and t shortened of N bits and M checks:
//   R_eff = (N - M - t) / (N - p - t),   syndrome leak = M - p bits.
// Positions: untainted puncturing (Elkouss, Martinez-Mateo, Martin, "Untainted puncturing for
// irregular LDPC codes", ITW 2012): a column is punctured only if none of its checks already has
// a punctured neighbour, lowest degree first, so each punctured bit is recoverable in one step;
// shortened positions are spread pseudo-randomly over the remaining columns from a seed both
// parties share. Also LDPC4QKD-style rate adaption by merging check rows.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "engine/codes/parity_check_matrix.hpp"

namespace qkdpp::engine {

struct RateAdaptation {
  std::vector<std::uint32_t> punctured;  // column indices, ascending
  std::vector<std::uint32_t> shortened;  // column indices, ascending, disjoint from punctured
  std::size_t n = 0;                     // mother code length N
  std::size_t m = 0;                     // mother code checks M

  // Key bits carried by one frame: N - p - t.
  std::size_t key_bits() const noexcept { return n - punctured.size() - shortened.size(); }
  double effective_rate() const noexcept;
  // Bits the syndrome discloses about the key: M - p.
  std::size_t syndrome_leak_bits() const noexcept { return m - punctured.size(); }
};

// Puncturing/shortening for a target effective rate with a fixed modulation budget d = p + t
// (Elkouss et al.'s rate-compatible protocol): t = N R0 - (N - d) R_target, p = d - t, rounded.
// `max_fraction` bounds d / N (default 10 %). Throws InputError when the target needs more than the
// budget (choose another mother code) or untainted puncturing runs out of candidates.
RateAdaptation adapt_rate(const ParityCheckMatrix& h, double target_rate, std::uint64_t seed,
                          double max_fraction = 0.10);

// Untainted puncturing in its greedy order (lowest degree first): up to `max_count` columns, fewer
// when no more column is untainted. Every prefix is itself an untainted set.
std::vector<std::uint32_t> untainted_puncturing_order(const ParityCheckMatrix& h,
                                                      std::size_t max_count);

// The same order computed on the quasi-cyclic form, without expanding it (identical result: a
// column's checks are the rows (r z + (j - e) mod z) of its block column's entries (r, e)).
std::vector<std::uint32_t> untainted_puncturing_order(const QuasiCyclicCode& qc,
                                                      std::size_t max_count);

// Untainted puncturing of exactly `count` columns, ascending (InputError if impossible).
std::vector<std::uint32_t> untainted_puncturing(const ParityCheckMatrix& h, std::size_t count);

// `count` of `columns` drawn by a partial Fisher-Yates shuffle seeded with `seed`, in the order
// drawn: the first k of a longer draw with the same seed are the draw of k.
// std::invalid_argument if count exceeds the columns.
std::vector<std::uint32_t> seeded_order(std::vector<std::uint32_t> columns, std::size_t count,
                                        std::uint64_t seed);
// The same draw, ascending (how shortened positions are chosen).
std::vector<std::uint32_t> seeded_draw(std::vector<std::uint32_t> columns, std::size_t count,
                                       std::uint64_t seed);

// Applies the first `count` LDPC4QKD row merges (rowA := rowA XOR rowB, rowB removed; indices refer
// to the mother matrix's rows). The result has M - count rows, in the mother's order. InputError on
// a row index out of range or merged away already.
ParityCheckMatrix merge_rows(const ParityCheckMatrix& h,
                             const std::vector<std::pair<std::uint32_t, std::uint32_t>>& merges,
                             std::size_t count);

}  // namespace qkdpp::engine
