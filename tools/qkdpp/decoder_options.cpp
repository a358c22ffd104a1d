// Command-line options of reconciliation: Bob's decoder and its per-round limits, Alice's first
// round (shared by `qkdpp run` and `qkdpp distill`; the precision also by `qkdpp fer`).
#include "engine/core/error.hpp"
#include "tools/qkdpp/commands.hpp"

namespace qkdpp::tools {

engine::CheckRule DecoderCliOptions::check_rule() const { return engine::parse_check_rule(rule); }

kernels::MinSumPrecision parse_precision(const std::string& text) {
  if (text == "8") return kernels::MinSumPrecision::kInt8;
  if (text == "16") return kernels::MinSumPrecision::kInt16;
  throw InputError("--precision: '" + text + "' is not 8 or 16");
}

engine::DecoderConfig DecoderCliOptions::resolve() const {
  return engine::default_decoder_config(parse_precision(precision), check_rule());
}

void DecoderCliOptions::configure(engine::ProtocolConfig& config) const {
  config.decoder = resolve();
  if (round_iter == 0) throw InputError("--round-iter must be positive");
  config.round_iterations = round_iter;
  config.round_stall = round_stall;
  if (!(optimism > -1.0 && optimism <= 1.0)) {
    throw InputError("--optimism must be in (-1, 1], got " + std::to_string(optimism));
  }
  config.optimism = optimism;
  config.reserve_rounds = reserve;
  config.steady_reserve_rounds = steady_reserve;
  if (initial_qber) {
    if (!(*initial_qber > 0.0 && *initial_qber < 0.5)) {
      throw InputError("--initial-qber must lie in (0, 0.5)");
    }
    if (startup_sample.value_or(0) > 0) {
      throw InputError("--initial-qber replaces the start-up sample: leave out --startup-sample");
    }
    config.initial_qber = *initial_qber;
    config.startup_sample_bits = 0;
  } else {
    config.startup_sample_bits = startup_sample;
  }
}

engine::CodeFamily DecoderCliOptions::family(unsigned log2_n) const {
  if (shortening != "auto" && shortening != "ring") {
    throw InputError("--shortening: '" + shortening + "' is not auto or ring");
  }
  const std::string thresholds = engine::thresholds_file(check_rule());
  return engine::CodeFamily::bundled(
      default_code_dir(), log2_n, thresholds, std::nullopt,
      shortening == "ring" ? std::optional<std::string>("") : std::nullopt);
}

void add_decoder_options(CLI::App* cmd, DecoderCliOptions& out) {
  cmd->add_option("--precision", out.precision, "Decoder messages: 8 or 16 bits")
      ->capture_default_str();
  cmd->add_option("--rule", out.rule,
                  "Decoder check rule: boxplus (approximate sum-product, as efficient as BP: "
                  "0.03-0.22 lower f than min-sum at 1.1-1.2x its decoding speed) or min-sum; "
                  "docs/decoders.md")
      ->capture_default_str();
  cmd->add_option("--round-iter", out.round_iter,
                  "Decoder iterations of a blind round that another round can follow: fewer is "
                  "faster and costs efficiency (docs/pipeline.md)")
      ->capture_default_str();
  cmd->add_option("--round-stall", out.round_stall,
                  "End such a round early once this many iterations pass without the unsatisfied "
                  "checks falling by 1/16 (0: never; default 3 for 2^20-bit frames, 4 for "
                  "2^16; docs/protocol.md)");
  cmd->add_option("--shortening", out.shortening,
                  "Alice's first-round frame layouts: auto (per block, ring or random shortening, "
                  "whichever the measured thresholds favour: lower f, more iterations) or ring "
                  "(the ring layout only: faster at 2.5-4 % QBER); docs/protocol.md")
      ->capture_default_str();
  cmd->add_option("--optimism", out.optimism,
                  "First-round leak: at the adapted code's measured median threshold (or the "
                  "mother code's threshold efficiency) times (1 + optimism); positive is more "
                  "cautious (faster: fewer blind rounds and iterations, more leak), negative "
                  "closer to capacity; docs/pipeline.md")
      ->capture_default_str();
  cmd->add_option("--reserve", out.reserve,
                  "Blind rounds' worth of punctured bits the first round keeps in reserve "
                  "(docs/protocol.md \"First-round reserve\")")
      ->capture_default_str();
  cmd->add_option("--steady-reserve", out.steady_reserve,
                  "The reserve while the QBER holds still (the last 4 blocks within binomial "
                  "noise); equal to --reserve for one reserve for every block")
      ->capture_default_str();
  cmd->add_option("--startup-sample", out.startup_sample,
                  "Bits Alice discloses of a block that starts without a QBER estimate (the "
                  "first, and one after a decoding failure) so that its first round starts from "
                  "a measured QBER (default 8 sqrt(block bits): 7776 for qkdpp-n20, 1944 for "
                  "qkdpp-n16; counted in the leak; 0: assume --initial-qber); docs/protocol.md");
  cmd->add_option("--initial-qber", out.initial_qber,
                  "QBER the first block assumes instead of a start-up sample (with "
                  "--startup-sample 0 it is 0.11, for run the --abort-qber value)");
}

}  // namespace qkdpp::tools
