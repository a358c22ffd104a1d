// `qkdpp distill`: the key distillation protocol on simulated raw keys (Alice and Bob through the
// in-process channel, one block after another), with per-block records and a summary: the tool
// for measuring efficiency and block failure rates of the code family and the protocol settings.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>

#include "engine/core/entropy.hpp"
#include "engine/core/error.hpp"
#include "engine/protocol/session.hpp"
#include "engine/simulation/correlated_keys.hpp"
#include "kernels/dispatch/simd_level.hpp"
#include "tools/qkdpp/commands.hpp"

namespace qkdpp::tools {

namespace {

struct DistillOptions {
  unsigned family = 20;
  std::string qber = "0.03";
  std::size_t blocks = 10;
  std::uint64_t seed = 1;
  DecoderCliOptions decoder;
  SecurityCliOptions security;
  double reveal = engine::ProtocolConfig{}.reveal_fraction;
  std::size_t rounds = engine::ProtocolConfig{}.max_blind_rounds;
  std::size_t max_iter = 100;
  bool restart = false;
  bool verbose = false;
  bool json = false;
};

void run_distill(const DistillOptions& opt) {
  if (opt.family != 16 && opt.family != 20) throw InputError("--family must be 16 or 20");
  if (opt.blocks == 0) throw InputError("--blocks must be positive");
  engine::ProtocolConfig config;
  opt.decoder.configure(config);
  config.family = std::make_shared<const engine::CodeFamily>(opt.decoder.family(opt.family));
  config.reveal_fraction = opt.reveal;
  config.max_blind_rounds = opt.rounds;
  config.max_iterations = opt.max_iter;
  config.resume_decoding = !opt.restart;
  config.security = opt.security.resolve();

  const std::size_t n = config.family->key_bits();
  const engine::QberProfile profile = engine::QberProfile::parse(opt.qber);
  // The whole simulated stream (whole 64-bit words), cut into blocks of n bits.
  const std::size_t total = n * opt.blocks;
  engine::CorrelatedKeySource source((total + 63) / 64 * 64, profile, opt.seed);
  kernels::BitVector alice_stream, bob_stream;
  source.next((total + 63) / 64 * 64, alice_stream, bob_stream);
  engine::AliceSession alice(config, std::make_unique<engine::SeededRandom>(opt.seed, 1));
  engine::BobSession bob(config);
  auto [alice_end, bob_end] = engine::make_in_process_channel();

  std::map<std::string, std::size_t> statuses;
  std::size_t accepted = 0, verified = 0, final_bits = 0, rounds = 0, iterations = 0;
  std::size_t sampled_blocks = 0, sampled_bits = 0;  // start-up samples
  double leak = 0, shannon = 0, qber_sum = 0;
  nlohmann::json records = nlohmann::json::array();
  kernels::BitVector a_key, b_key;
  const auto t0 = std::chrono::steady_clock::now();
  if (!opt.json) {
    std::printf("# family 2^%u: %zu key bits per block of %zu, %zu codes; security %s\n",
                opt.family, n, config.family->frame_bits(), config.family->codes().size(),
                opt.security.model.c_str());
  }
  if (opt.verbose && !opt.json) {
    std::printf("%6s %-16s %7s %7s %6s %-6s %5s %8s %7s %9s  %s\n", "block", "code", "q_est",
                "qber", "punct", "short", "rnds", "leak", "f", "final", "status");
  }
  for (std::size_t b = 0; b < opt.blocks; ++b) {
    a_key = alice_stream.slice(b * n, n);
    b_key = bob_stream.slice(b * n, n);
    const engine::BlockResult a =
        engine::run_block(alice, bob, *alice_end, *bob_end, b, a_key, b_key).first;
    ++statuses[engine::to_string(a.status)];
    rounds += a.rounds;
    iterations += a.decoder_iterations;
    sampled_blocks += a.sample_bits > 0 ? 1 : 0;
    sampled_bits += a.sample_bits;
    if (a.status == engine::BlockStatus::kAccepted) {
      ++accepted;
      final_bits += a.final_key.size();
    }
    if (a.efficiency > 0.0) {  // verified: the QBER is measured, whatever the bound said
      ++verified;
      leak += static_cast<double>(a.leak_ec_bits);
      shannon += static_cast<double>(n) * binary_entropy(a.qber);
      qber_sum += a.qber;
    }
    if (opt.verbose && !opt.json) {
      std::printf("%6zu %-16s %7.4f %7.4f %6zu %-6s %5zu %8llu %7.3f %9zu  %s\n", b, a.code.c_str(),
                  a.qber_estimate, a.qber, a.punctured, engine::to_string(a.shortening), a.rounds,
                  static_cast<unsigned long long>(a.leak_ec_bits), a.efficiency, a.final_key.size(),
                  engine::to_string(a.status).c_str());
    }
    records.push_back({{"index", b},
                       {"code", a.code},
                       {"qber_estimate", a.qber_estimate},
                       {"qber", a.qber},
                       {"punctured", a.punctured},
                       {"shortening", engine::to_string(a.shortening)},
                       {"sample_bits", a.sample_bits},
                       {"reserve_rounds", a.reserve_rounds},
                       {"revealed", a.revealed},
                       {"rounds", a.rounds},
                       {"decoder_iterations", a.decoder_iterations},
                       {"leak_ec_bits", a.leak_ec_bits},
                       {"verify_bits", a.verify_bits},
                       {"efficiency", a.efficiency},
                       {"final_bits", a.final_key.size()},
                       {"status", static_cast<int>(a.status)},
                       {"status_text", engine::to_string(a.status)}});
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double input_bits = static_cast<double>(n * opt.blocks);
  const double f = shannon > 0 ? leak / shannon : 0.0;
  nlohmann::json summary = {
      {"blocks", opt.blocks},
      {"rule", engine::to_string(opt.decoder.check_rule())},
      {"simd", kernels::to_string(kernels::active_simd_level())},
      {"accepted", accepted},
      {"statuses", statuses},
      {"block_failure_rate", 1.0 - static_cast<double>(accepted) / static_cast<double>(opt.blocks)},
      {"verified", verified},
      {"mean_qber", verified ? qber_sum / static_cast<double>(verified) : 0.0},
      {"efficiency", f},
      {"mean_rounds", static_cast<double>(rounds) / static_cast<double>(opt.blocks)},
      {"mean_iterations", static_cast<double>(iterations) / static_cast<double>(opt.blocks)},
      {"sampled_blocks", sampled_blocks},
      {"sample_bits", sampled_bits},
      {"final_bits", final_bits},
      {"secret_fraction", static_cast<double>(final_bits) / input_bits},
      {"seconds", seconds},
      {"mbps", input_bits / seconds / 1e6},
      {"alice_sent_bits", alice_end->sent().wire_bits},
      {"bob_sent_bits", bob_end->sent().wire_bits},
      {"disclosed_bits", alice_end->sent().disclosed_bits}};
  if (opt.json) {
    std::cout << nlohmann::json{{"summary", summary}, {"blocks", records}}.dump(2) << "\n";
    return;
  }
  std::printf("blocks %zu, accepted %zu (failure rate %.4f):", opt.blocks, accepted,
              summary["block_failure_rate"].get<double>());
  for (const auto& [s, count] : statuses) std::printf(" %s %zu;", s.c_str(), count);
  std::printf(
      "\nmean QBER %.4f, efficiency f %.4f (leak / sum n h2(QBER) over the %zu verified blocks), "
      "mean decoding rounds %.2f, iterations %.1f; start-up samples %zu blocks, %zu bits\n",
      summary["mean_qber"].get<double>(), f, verified, summary["mean_rounds"].get<double>(),
      summary["mean_iterations"].get<double>(), sampled_blocks, sampled_bits);
  std::printf("final key %zu bits, secret fraction %.4f, %.2f Mbit/s of input key (1 thread)\n",
              final_bits, summary["secret_fraction"].get<double>(), summary["mbps"].get<double>());
}

}  // namespace

void register_distill_command(CLI::App& app) {
  auto opt = std::make_shared<DistillOptions>();
  CLI::App* cmd = app.add_subcommand(
      "distill", "Run the key distillation protocol on simulated raw keys (efficiency study)");
  cmd->add_option("--family", opt->family, "Bundled code family: 16 or 20 (log2 of frame bits)")
      ->capture_default_str();
  cmd->add_option("--qber", opt->qber, "QBER profile of the simulated keys (as for simulate)")
      ->capture_default_str();
  cmd->add_option("--blocks", opt->blocks, "Blocks to run")->capture_default_str();
  cmd->add_option("--seed", opt->seed, "Seed of keys and of Alice's randomness")
      ->capture_default_str();
  add_decoder_options(cmd, opt->decoder);
  add_security_options(cmd, opt->security);
  cmd->add_option("--reveal", opt->reveal,
                  "Bits revealed per blind round, as a fraction of the expected leak N h2(QBER "
                  "estimate)")
      ->capture_default_str();
  cmd->add_option("--rounds", opt->rounds, "Blind rounds after the first")->capture_default_str();
  cmd->add_option("--max-iter", opt->max_iter, "Decoder iterations per round")
      ->capture_default_str();
  cmd->add_flag("--restart", opt->restart, "Blind rounds decode afresh instead of resuming");
  cmd->add_flag("-v,--verbose", opt->verbose, "One line per block");
  cmd->add_flag("--json", opt->json, "Print per-block records and the summary as JSON");
  cmd->callback([opt] { run_distill(*opt); });
}

}  // namespace qkdpp::tools
