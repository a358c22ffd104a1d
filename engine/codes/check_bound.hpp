// Gallager's bound on syndrome reconciliation from a code's check degrees, whatever the decoder
// (Gallager, "Low-density parity-check codes", 1963; in the form of Burshtein, Krivelevich,
// Litsyn and Miller, "Upper bounds on the rate of LDPC codes", IEEE Trans. IT 2002). A syndrome
// bit of a check of degree d is the parity of d independent error bits of probability q, so it is
// 1 with probability p_d = (1 - (1 - 2q)^d) / 2 and carries at most h2(p_d) bits about the error
// pattern; decoding needs the M syndrome bits to carry its n h2(q) bits. Hence
//   f = M / (n h2(q)) >= 1 / mean_j h2(p_dj)   (the mean over the M checks),
// which exceeds 1 by much when the checks are light against 1/q: the high-rate codes' wall
// (docs/codes.md, "Gallager's check-degree bound").
#pragma once

#include <cstddef>
#include <map>

namespace qkdpp::engine {

// The lower bound on the efficiency f at crossover probability qber in (0, 0.5) for checks with
// these degrees (degree -> number of checks; degree 0 rows carry nothing). std::invalid_argument
// for qber outside (0, 0.5) or no check of positive degree.
double check_degree_efficiency_bound(const std::map<std::size_t, std::size_t>& row_degrees,
                                     double qber);

// The largest QBER at which M checks of these degrees can still carry the error pattern of `cols`
// bits (M mean_j h2(p_dj) >= cols h2(q)): no decoder of such a code succeeds above it, however
// long the code. To 1e-7; 0 when it fails everywhere (e.g. more columns than checks can serve).
double check_degree_threshold_bound(const std::map<std::size_t, std::size_t>& row_degrees,
                                    std::size_t cols);

}  // namespace qkdpp::engine
