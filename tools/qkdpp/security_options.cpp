// Command-line options of the security models (shared by `qkdpp run` and `qkdpp distill`).
#include "tools/qkdpp/commands.hpp"

namespace qkdpp::tools {

engine::SecurityParameters SecurityCliOptions::resolve() const {
  engine::SecurityParameters p = parameters;
  p.model = engine::parse_security_model(model);
  p.validate();
  return p;
}

void add_security_options(CLI::App* cmd, SecurityCliOptions& out) {
  cmd->add_option("--security", out.model,
                  "Security model: bb84-finite, decoy-bb84 or fixed-phase-error")
      ->capture_default_str();
  cmd->add_option("--phase-error", out.parameters.phase_error,
                  "fixed-phase-error: the phase-error rate bound");
  cmd->add_option("--vacuum-fraction", out.parameters.vacuum_fraction,
                  "decoy-bb84: lower bound on vacuum detections, as a fraction of the block");
  cmd->add_option(
      "--single-photon-fraction", out.parameters.single_photon_fraction,
      "decoy-bb84: lower bound on single-photon detections, as a fraction of the block");
  cmd->add_option("--single-photon-phase-error", out.parameters.single_photon_phase_error,
                  "decoy-bb84: upper bound on the single-photon phase-error rate");
  cmd->add_option("--epsilon-sec", out.parameters.epsilon_sec, "Secrecy parameter epsilon_sec")
      ->capture_default_str();
}

}  // namespace qkdpp::tools
