// Subcommands of the `qkdpp` program; each registers its options and callback on the app.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "engine/decoding/syndrome_decoder.hpp"
#include "engine/protocol/code_family.hpp"
#include "engine/protocol/security.hpp"
#include "engine/protocol/session.hpp"

namespace qkdpp::tools {

void register_simulate_command(CLI::App& app);
void register_toeplitz_command(CLI::App& app);
void register_codes_command(CLI::App& app);
void register_codegen_command(CLI::App& app);
void register_fer_command(CLI::App& app);
void register_distill_command(CLI::App& app);
void register_run_command(CLI::App& app);

// The security-model options shared by `run` and `distill` (--security, --phase-error,
// --vacuum-fraction, --single-photon-fraction, --single-photon-phase-error, --epsilon-sec), bound
// to `out`; a model's parameters start unset so that validate() refuses a model without them.
struct SecurityCliOptions {
  std::string model = "bb84-finite";
  engine::SecurityParameters parameters;
  // The parsed, validated parameters (InputError naming what is missing or wrong).
  engine::SecurityParameters resolve() const;
};
void add_security_options(CLI::App* cmd, SecurityCliOptions& out);

// --precision "8" or "16" (InputError naming the value otherwise); `run`, `distill` and `fer`.
kernels::MinSumPrecision parse_precision(const std::string& text);

// Reconciliation options shared by `run` and `distill`: Bob's decoder (--precision, --rule,
// --round-iter, --round-stall) and Alice's first round (--shortening, --optimism).
struct DecoderCliOptions {
  std::string precision = "8";
  std::string rule = to_string(engine::kDefaultCheckRule);
  std::size_t round_iter = engine::ProtocolConfig{}.round_iterations;
  std::optional<std::size_t> round_stall;               // unset: engine::default_round_stall
  std::string shortening = "auto";                      // Alice's first-round layouts: auto or ring
  double optimism = engine::ProtocolConfig{}.optimism;  // Alice's first-round leak margin
  std::size_t reserve = engine::ProtocolConfig{}.reserve_rounds;  // punctured bits kept back
  std::size_t steady_reserve = engine::ProtocolConfig{}.steady_reserve_rounds;  // ... QBER still
  std::optional<std::size_t> startup_sample;  // unset: engine::default_startup_sample
  std::optional<double> initial_qber;         // set: no start-up sample, assume this QBER
  engine::CheckRule check_rule() const;       // InputError for an unknown rule
  // The protocol's decoder settings (InputError naming a bad value).
  engine::DecoderConfig resolve() const;
  // Those and the per-round iteration limits, into a protocol configuration.
  void configure(engine::ProtocolConfig& config) const;
  // The bundled family of 2^log2_n-bit codes with the thresholds measured for the rule (without
  // the random-shortening ones under --shortening ring; InputError for another value).
  engine::CodeFamily family(unsigned log2_n) const;
};
void add_decoder_options(CLI::App* cmd, DecoderCliOptions& out);

// The bundled codes: $QKDPP_DATA_DIR/codes, or datasets/codes of the source tree.
std::filesystem::path default_code_dir();

// `qkdpp simulate --bits BITS --qber QBER --seed SEED -o OUTPUT` as a function.
void write_simulated_raw_file(const std::string& output, const std::string& bits,
                              const std::string& qber, std::uint64_t seed, bool quiet);

// Parses a bit count written as an integer, in scientific notation ("1e10") or as a power of two
// ("2^20"); throws InputError unless it is a non-negative integer that fits in 64 bits.
std::uint64_t parse_bit_count(const std::string& text, const std::string& option);

}  // namespace qkdpp::tools
