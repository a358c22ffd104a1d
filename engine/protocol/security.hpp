// Final key length from a finite-key security bound (docs/security.md): the three models the
// protocol supports, their parameters, and the epsilon budget recorded per block.
#pragma once

#include <cstddef>
#include <string>

namespace qkdpp::engine {

enum class SecurityModel {
  kBb84Finite,       // Tomamichel, Lim, Gisin, Renner, Nat. Commun. 3, 634 (2012)
  kDecoyBb84,        // Lim, Curty, Walenta, Xu, Zbinden, PRA 89, 022307 (2014)
  kFixedPhaseError,  // a phase-error bound supplied by the system's own parameter estimation
};

// "bb84-finite", "decoy-bb84", "fixed-phase-error"; InputError otherwise.
SecurityModel parse_security_model(const std::string& name);
std::string to_string(SecurityModel model);

struct SecurityParameters {
  SecurityModel model = SecurityModel::kBb84Finite;
  double epsilon_sec = 1e-10;  // secrecy parameter of the final key
  // bb84-finite: bits of the parameter-estimation sample k behind the phase-error estimate; 0
  // means k = n (the block's own exactly measured QBER stands for the other basis' error rate).
  std::size_t sample_bits = 0;
  // Model parameters are unset (negative) by default, and validate() refuses a model whose
  // parameters were not given: an optimistic default would silently weaken the key.
  // fixed-phase-error: the phase-error rate bound e_ph.
  double phase_error = -1.0;
  // decoy-bb84, per block, as fractions of the block's sifted key bits n (from the hardware's
  // decoy analysis): lower bounds on vacuum (s_Z0 / n) and single-photon (s_Z1 / n) detections,
  // and the upper bound phi_Z on the single-photon phase-error rate.
  double vacuum_fraction = -1.0;
  double single_photon_fraction = -1.0;
  double single_photon_phase_error = -1.0;

  // InputError naming the parameter when one is out of range.
  void validate() const;
};

// The length and the terms it came from, for the output records.
struct KeyLength {
  std::size_t bits = 0;      // floor of the bound, 0 when negative
  double bound = 0.0;        // the bound before flooring (may be negative)
  double phase_error = 0.0;  // the phase-error rate used (Q + mu, phi_Z or e_ph)
  double statistical = 0.0;  // mu (bb84-finite), 0 otherwise
  double epsilon_cor = 0.0;  // as given
  double epsilon_sec = 0.0;  // as configured
};

// Final length of a block of n key bits with measured QBER `qber`, `disclosed_bits` of
// error-correction and verification traffic (leak_EC + tag), and the verification hash's
// collision bound epsilon_cor:
//   bb84-finite:        n (1 - h2(Q + mu)) - disclosed - log2(2 / (eps_sec^2 eps_cor)),
//                       mu = sqrt((n + k) / (n k) * (k + 1) / k * ln(2 / eps_sec))
//   decoy-bb84:         s_Z0 + s_Z1 (1 - h2(phi_Z)) - disclosed - 6 log2(21 / eps_sec)
//                       - log2(2 / eps_cor)
//   fixed-phase-error:  n (1 - h2(e_ph)) - disclosed - log2(2 / (eps_sec^2 eps_cor))
// h2 is taken as 1 above a phase-error rate of 1/2.
KeyLength final_key_length(const SecurityParameters& p, std::size_t n, double qber,
                           double disclosed_bits, double epsilon_cor);

}  // namespace qkdpp::engine
