// Binary entropy and its inverse, used for efficiencies and code operating points.
#pragma once

namespace qkdpp {

// h2(p) = -p log2 p - (1-p) log2 (1-p), with h2(0) = h2(1) = 0.
double binary_entropy(double p) noexcept;

// The p in [0, 0.5] with h2(p) = h, for h in [0, 1] (bisection to double precision).
double inverse_binary_entropy(double h) noexcept;

}  // namespace qkdpp
