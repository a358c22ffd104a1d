// Construction of quasi-cyclic LDPC codes for syndrome reconciliation on the BSC.
//
// Base matrix (protograph) = information part | parity part. The parity part is a dual-diagonal
// ring of degree-2 columns (column K+j joins base rows j and j+1, the last closes the ring), as in
// DVB-S2/5G-NR style codes; the information part has a few high-degree columns and degree-3
// columns, with rows chosen greedily to keep check degrees concentrated. Shift exponents are drawn
// per entry from a seeded generator, rejecting values that close 4-cycles and, where possible,
// 6-cycles (Fossorier's condition on alternating exponent sums), so the output depends only on the
// options and the seed.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/codes/parity_check_matrix.hpp"

namespace qkdpp::engine {

struct CodegenOptions {
  double rate = 0.5;            // design rate 1 - base_rows / base_cols (rounded)
  std::size_t base_cols = 128;  // protograph columns
  std::size_t z = 512;          // lifting size (a multiple of 32: the AVX2 int8 lane count)
  std::size_t high_degree = 0;  // degree of the heavy information columns (0: from the rate table)
  double high_fraction = -1;    // their share of all base columns (< 0: from the rate table)
  // Several heavy column classes {degree, share of all base columns}; when not empty it replaces
  // high_degree/high_fraction. The information columns left over get low_degree.
  std::vector<std::pair<std::size_t, double>> heavy;
  std::size_t low_degree = 3;
  std::uint64_t seed = 1;
  std::size_t shift_candidates = 2000;  // random exponents tried per entry
};

struct CodegenReport {
  std::size_t four_cycle_free_entries =
      0;                              // entries placed without closing a 4-cycle (all of them)
  std::size_t six_cycle_entries = 0;  // entries that had to close some 6-cycle
  std::string profile;                // "deg:count" of base columns
  // H has full rank M. The lifted parity ring is one cycle through all M checks, so its rows sum
  // to zero and it has rank M - 1; the rows of H then sum to the parity of each information
  // column's degree (a lifted base entry is a permutation), so H has full rank exactly when some
  // information column has odd degree, and rank M - 1 otherwise (a test checks both by
  // elimination).
  bool full_rank = false;
};

// Throws InputError for options outside what the construction supports (rate outside [0.3, 0.97],
// z not a multiple of 32, fewer than 8 base columns, no 4-cycle-free exponent found).
QuasiCyclicCode generate_qc_code(const CodegenOptions& options, CodegenReport* report = nullptr);

// The heavy-column degree and share the construction uses for a rate (DVB-S2-like profiles).
std::pair<std::size_t, double> default_high_degree_profile(double rate);

struct OptimizedProfile {
  std::size_t high_degree = 0;
  double high_fraction = 0;
  double threshold = 0;   // PEXIT threshold QBER of the chosen base matrix
  double efficiency = 0;  // f* = (1 - R) / h2(threshold)
};

// Grid search over the heavy-column degree (4 .. 32) and share (2 .. 25 % of base columns) for the
// base matrix with the lowest PEXIT efficiency f* on the BSC (engine/codes/pexit.hpp); the other
// options (rate, base_cols, seed) are kept. Runs the grid in parallel over TBB.
OptimizedProfile optimize_profile(const CodegenOptions& options);

}  // namespace qkdpp::engine
