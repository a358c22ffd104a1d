// Protograph EXIT analysis (Liva and Chiani, "Protograph LDPC codes design based on EXIT
// analysis", Globecom 2007) of a base matrix on the BSC, with the Gaussian approximation of
// messages: mutual information passes through the J function (Brannstrom, Rasmussen, Grant 2005
// fit), and the BSC(p) enters as a Gaussian channel of equal capacity, J(sigma_ch) = 1 - h2(p).
// The approximation is coarse for the two-point BSC density in the first iterations, so its
// thresholds rank profiles rather than predict FER; docs/codes.md lists both.
#pragma once

#include <cstddef>

#include "engine/codes/parity_check_matrix.hpp"

namespace qkdpp::engine {

// J(sigma): mutual information of a consistent Gaussian LLR of standard deviation sigma; and its
// inverse.
double exit_j(double sigma) noexcept;
double exit_j_inverse(double info) noexcept;

// True when protograph EXIT on the base matrix of `code` converges (every column's a-posteriori
// information above 1 - 1e-5) within `max_iterations` at crossover probability `qber`.
bool pexit_converges(const QuasiCyclicCode& code, double qber, std::size_t max_iterations = 400);

// Largest QBER (to `tolerance`) at which pexit_converges holds: the code's PEXIT threshold.
double pexit_threshold(const QuasiCyclicCode& code, double tolerance = 1e-4,
                       std::size_t max_iterations = 400);

}  // namespace qkdpp::engine
