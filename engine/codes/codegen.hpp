// Construction of quasi-cyclic LDPC codes for syndrome reconciliation on the BSC.
//
// Base matrix (protograph) = information part | parity part. The parity part is a dual-diagonal
// ring of degree-2 columns (column K+j joins base rows j and j+1, the last closes the ring), as in
// DVB-S2/5G-NR style codes; the information part has classes of high-degree columns and
// degree-3 (low_degree) columns, with rows chosen greedily to keep check degrees concentrated.
// Shift exponents are drawn per entry from a seeded generator, rejecting values that close 4-cycles
// and, where possible, 6-cycles (Fossorier's condition on alternating exponent sums), so the output
// depends only on the options and the seed.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/codes/parity_check_matrix.hpp"

namespace qkdpp::engine {

// A class of heavy information columns: column degree and share of all base columns.
using HeavyClass = std::pair<std::size_t, double>;

struct CodegenOptions {
  double rate = 0.5;            // design rate 1 - base_rows / base_cols (rounded)
  std::size_t base_cols = 128;  // protograph columns
  std::size_t z = 512;          // lifting size (a multiple of 32: the AVX2 int8 lane count)
  // Heavy information columns (empty: default_profile(rate)); the information columns left over
  // get low_degree.
  std::vector<HeavyClass> heavy;
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

// The heavy classes the construction uses for a rate: the winners of tools/search_profiles.py
// (simulated 8-bit min-sum decoding of 2^16-bit codes, docs/codes.md) at the family's rates;
// the nearest tabulated rate wins.
std::vector<HeavyClass> default_profile(double rate);

struct OptimizedProfile {
  std::size_t high_degree = 0;
  double high_fraction = 0;
  double threshold = 0;   // PEXIT threshold QBER of the chosen base matrix
  double efficiency = 0;  // f* = (1 - R) / h2(threshold)
};

// Grid search over one heavy class, degree (4 .. 32) and share (2 .. 25 % of base columns), for
// the base matrix with the lowest PEXIT efficiency f* on the BSC (engine/codes/pexit.hpp); the
// other options (rate, base_cols, seed, low_degree) are kept. Runs the grid in parallel over TBB.
// PEXIT's Gaussian approximation ranks profiles poorly at high rates (docs/codes.md).
OptimizedProfile optimize_profile(const CodegenOptions& options);

}  // namespace qkdpp::engine
