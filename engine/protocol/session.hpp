// Key distillation per block (docs/protocol.md, docs/security.md): Alice and Bob as two
// sessions that share nothing but protocol messages. Each session is a message-driven state
// machine (no I/O of its own), so one thread can pump both through an in-process channel and a
// network transport can carry the same messages between two machines.
//
// Per block: Alice picks a mother code and puncturing from her QBER estimate and sends her
// syndrome; Bob decodes; on failure Alice reveals further punctured bits (blind reconciliation)
// up to a bounded number of rounds; then a verification hash with a fresh key, the final length
// from the security bound, and Toeplitz privacy amplification with a fresh seed from Alice.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/decoding/syndrome_decoder.hpp"
#include "engine/protocol/channel.hpp"
#include "engine/protocol/code_family.hpp"
#include "engine/protocol/security.hpp"
#include "engine/random/random_source.hpp"

namespace qkdpp::engine {

// Nonzero block statuses (SPEC section 6 `status`; listed in docs/protocol.md).
enum class BlockStatus : std::uint8_t {
  kAccepted = 0,
  kDecodingFailed = 1,      // not decoded after the last blind round
  kVerificationFailed = 2,  // tags differ: Bob's word is not Alice's
  kQberAboveThreshold = 3,  // measured QBER above the abort threshold
  kNoSecretKey = 4,         // the security bound leaves no key
  kProtocolError = 5,       // malformed or unexpected message
  kInterrupted = 6,         // in flight when the network connection dropped (two-machine runs)
  kAuthenticationKey = 7,   // accepted, its key replenishes the authentication pool, not output
};
std::string to_string(BlockStatus status);

struct ProtocolConfig {
  std::shared_ptr<const CodeFamily> family;
  // Bob's decoder; its rule must match the thresholds the family was loaded with
  // (CodeFamily::bundled's default file is the default rule's).
  DecoderConfig decoder =
      default_decoder_config(kernels::MinSumPrecision::kInt8, kDefaultCheckRule);
  std::size_t max_iterations = 100;  // last decoding round (no punctured bit left to reveal)
  // Rounds that can still be followed by a blind round may stop earlier (a frame that has not
  // converged by then rarely does, and revealing is cheaper than iterating). With the stall limit
  // below ending hopeless rounds, a cap of 100 rather than 50 costs no iterations on average and
  // lowers f at 8-10 % on 2^20 bits (1.087 -> 1.084, 1.077 -> 1.073, every 10 % block keeping a
  // key; docs/protocol.md); 2^16-bit blocks decode the same.
  std::size_t round_iterations = 100;
  // ... and end sooner once this many iterations pass without progress, a fall of the unsatisfied
  // checks by 1/16 (kernels::IterationLimit::stall; 0: never; unset: default_round_stall).
  std::optional<std::size_t> round_stall;
  // Blind reconciliation: each further round reveals this fraction of the leak the block is
  // expected to need, N h2(estimate) for frames of N bits: punctured bits while any remain, then
  // 1 / h2(estimate) times as many key bits, which tell Bob h2(q) each (the same information;
  // FamilyCode::revealed_key_position order); at most max_blind_rounds rounds follow the
  // first. 1 % per round: 0.08 % of the frame at 1 % QBER, 0.47 % at 10 % (a fixed 0.5 % of the
  // frame, an earlier rule, moved f in steps of 0.07 at 1 %). With first rounds at the measured
  // median thresholds, 1 % steps lower f by 0.002-0.009 against 2 % (docs/protocol.md); 32 rounds
  // reveal up to 32 % of the expected leak, as 16 of 2 % did.
  double reveal_fraction = 0.01;
  std::size_t max_blind_rounds = 32;
  // The first round keeps at least this many blind rounds' worth of punctured bits, so that an
  // estimate below the block's QBER is rescued by revealing punctured bits (each worth about a
  // syndrome bit) rather than key bits (each worth h2(q), 0.2 bits at 3 %). 4 rather than 1 since
  // the codes rebuilt for box-plus: the demo job's drifting QBER gives f 1.30 instead of 1.37
  // (docs/protocol.md "First-round reserve"). 8 with 1 % steps: the same 8 % of the leak as 4 of
  // 2 %; 4 lost 1 of 60 2^16-bit blocks at 1.5 % (a rate-0.88 code with 325 punctured bits).
  std::size_t reserve_rounds = 8;
  // ... and this many when the QBER has held still (QberEstimator::steady: the last measured
  // blocks within binomial noise of each other). Small reserves lower steady-state f by up to 0.03
  // (2^20 at 1.5 %), but under a drift that the estimates trail (4 blocks in flight in `qkdpp
  // run`) the demo job's f rises from 1.110 to 1.127 with 2 instead of 8 (docs/protocol.md
  // "First-round reserve"). Equal to reserve_rounds: one reserve for every block.
  std::size_t steady_reserve_rounds = 2;
  // Blind rounds continue the previous decoding (check messages kept) instead of restarting.
  bool resume_decoding = true;
  // First puncturing (CodeFamily::first_round): the leak at the rate-adapted code's measured median
  // threshold (or, for codes without one, at the mother code's threshold efficiency) times
  // (1 + optimism): positive is more cautious (more leak, fewer rounds), negative closer to
  // capacity. -0.01 with 1 % steps: f up to 0.008 lower than 0 for 15-25 % more decoder
  // iterations (docs/protocol.md "First round at the median thresholds").
  double optimism = 0.0;
  double abort_qber = 0.11;
  // Start-up (docs/protocol.md "Start-up sample"): while no block has been measured (and after a
  // decoding failure), Alice discloses this many key bits at random positions of the block and Bob
  // counts the errors among them; the first round then starts from an upper bound of the sampled
  // QBER (startup_qber_bound). The sampled bits stay in the key and count in leak_EC. Unset:
  // default_startup_sample of the block length; 0: no sample, the first block assumes initial_qber
  // instead.
  std::optional<std::size_t> startup_sample_bits;
  // QBER assumed before any block was measured when there is no start-up sample (the lowest-rate
  // code for the defaults).
  double initial_qber = 0.11;
  unsigned tag_bits = 64;  // verification tag: 64 or 128
  SecurityParameters security;
};

// The stall limit of rounds that a blind round can follow, by frame length: 3 from 2^18 bits, 4
// below, where the counts are noisier. Measured (docs/protocol.md "Stall limit"): on 2^20-bit
// frames 2 saved 42-58 % of the iterations at 1-3 % and 10 % QBER for f within 0.003 with reveal
// steps of 0.5 % of the frame, but cost 0.005-0.011 with the finer leak-relative steps, where 3
// costs 10-22 % more iterations than 2; on 2^16-bit frames 4 saves 20-41 % at 1-5 % for f within
// 0.004-0.011.
std::size_t default_round_stall(std::size_t frame_bits) noexcept;
// The stall limit such rounds run with under `config`: round_stall, or default_round_stall of its
// family's frame length when unset.
std::size_t effective_round_stall(const ProtocolConfig& config) noexcept;

// The start-up sample for blocks of n key bits: 8 ceil(sqrt(n)) bits (7776 of the 2^20-bit
// family's 943 719, 1944 of the 2^16-bit family's 58 983). The sample costs its size in leak and
// narrows the estimate's margin as 1 / sqrt(size): near the best sum of the two at 1-10 % QBER
// (docs/protocol.md "Start-up sample").
std::size_t default_startup_sample(std::size_t key_bits) noexcept;
// The start-up sample size under `config`: startup_sample_bits, or the default for its family.
std::size_t effective_startup_sample(const ProtocolConfig& config) noexcept;
// The QBER the first round assumes after `errors` of `sample` bits differed: (e + 2 sqrt(e) + 2)
// / sample, about two standard deviations above the sampled rate, within [QberEstimator::kMinimum,
// 0.49].
double startup_qber_bound(std::size_t errors, std::size_t sample) noexcept;

struct BlockResult {
  std::uint64_t index = 0;
  BlockStatus status = BlockStatus::kProtocolError;
  std::size_t key_bits = 0;                   // n: raw key bits of the block
  double qber = 0.0;                          // measured after verification (0 when unknown)
  double qber_estimate = 0.0;                 // what the code choice used
  std::string code;                           // mother code
  std::size_t punctured = 0;                  // first round
  Shortening shortening = Shortening::kRing;  // first round's layout (docs/protocol.md)
  std::size_t revealed = 0;                   // blind-round reveals: punctured, then key bits
  std::size_t rounds = 0;                     // decoding rounds run
  std::size_t decoder_iterations = 0;
  std::size_t reserve_rounds = 0;  // the first round's reserve (ProtocolConfig::reserve_rounds)
  std::size_t sample_bits = 0;     // start-up QBER sample (ProtocolConfig::startup_sample_bits)
  std::uint64_t leak_ec_bits = 0;  // start-up sample + syndrome net of punctured bits + revealed
  std::uint64_t verify_bits = 0;   // verification tag
  double efficiency = 0.0;         // leak_ec / (n h2(qber)), when accepted
  KeyLength length;                // the bound's terms (accepted blocks)
  kernels::BitVector final_key;    // empty unless accepted
  kernels::BitVector pa_seed;      // Toeplitz seed (Alice's side keeps it for audits)
  std::string detail;              // human-readable reason for a nonzero status
  double decode_seconds = 0.0;     // Bob: time in the decoder
  double amplify_seconds = 0.0;    // time in Toeplitz hashing
};

// The QBER estimate for the next block (docs/protocol.md): the initial value until a block is
// measured, then the larger of the last two measured QBERs (never below 0.1 %, so a block without
// errors cannot drive it to 0); after a decoding failure it grows by a quarter plus 0.2 % (capped
// at the abort threshold) until a block is measured again. Without an initial value (blocks
// start with a sample instead) there is no estimate until a block is measured, and a decoding
// failure clears it: the next block measures its QBER from a sample again.
class QberEstimator {
 public:
  static constexpr double kMinimum = 0.001;
  // Measurements steady() looks at.
  static constexpr std::size_t kSteadyBlocks = 4;
  // `block_bits`: key bits per block, for steady()'s binomial noise (0: never steady).
  QberEstimator(std::optional<double> initial, double cap, std::size_t block_bits = 0)
      : estimate_(initial), cap_(cap), sampling_(!initial), block_bits_(block_bits) {}
  // The estimator a protocol configuration starts with: no initial value when blocks start with
  // a sample (effective_startup_sample > 0), initial_qber otherwise.
  explicit QberEstimator(const ProtocolConfig& config);
  std::optional<double> estimate() const noexcept { return estimate_; }
  // Whether the QBER has held still: the last kSteadyBlocks blocks were measured (no decoding
  // failure since) and lie within 5 binomial standard deviations sqrt(q (1 - q) / n) of each other
  // (q their mean): a drift or jump of more than that in 4 blocks is not steady.
  bool steady() const noexcept;
  void measured(double qber) noexcept;
  void decoding_failed() noexcept;
  // The update for a finished block, by its status: measured for the verified statuses
  // (accepted, QBER above threshold, no secret key), growth after a decoding failure, nothing
  // otherwise. Alice's session and the pipeline both update through this.
  void record(const BlockResult& block) noexcept;
  void record(BlockStatus status, double qber) noexcept;

 private:
  std::optional<double> estimate_;
  double cap_;
  bool sampling_;  // no initial value: unknown estimates are measured from a sample
  std::size_t block_bits_;
  // The last kSteadyBlocks measurements since the last decoding failure (back: the last one).
  std::deque<double> recent_;
};

class AliceSession {
 public:
  // `random` supplies punctured bits, hash keys and seeds: cryptographic in a real run.
  AliceSession(ProtocolConfig config, std::unique_ptr<RandomSource> random);
  // Starts block `index` with Alice's key bits (family().key_bits() of them) from this session's
  // own QBER estimate; returns the messages to send.
  std::vector<Message> begin_block(std::uint64_t index, const kernels::BitVector& key);
  // The same with the QBER estimate given by the caller (a pipeline that keeps one estimator for
  // blocks distilled in parallel); none: measured first from a start-up sample of the block
  // (ProtocolConfig::startup_sample_bits; without one, initial_qber). `steady`: the estimator
  // found the QBER steady (QberEstimator::steady), so the first round keeps the smaller reserve.
  std::vector<Message> begin_block(std::uint64_t index, const kernels::BitVector& key,
                                   std::optional<double> qber_estimate, bool steady = false);
  // Replaces the random source (for example a per-block seeded stream, for reproducible runs).
  void set_random(std::unique_ptr<RandomSource> random);
  // Handles Bob's reply; returns the messages to send.
  std::vector<Message> handle(const Message& m);
  bool finished() const noexcept { return finished_; }
  const BlockResult& result() const noexcept { return result_; }
  QberEstimator& estimator() noexcept { return estimator_; }

 private:
  std::vector<Message> finish(BlockStatus status, std::string detail);
  void close() noexcept;  // the block is over: finished, and the estimator updated
  // The first round from result_.qber_estimate: code, frame and the syndrome message.
  std::vector<Message> first_round();
  ProtocolConfig config_;
  std::unique_ptr<RandomSource> random_;
  QberEstimator estimator_;
  BlockResult result_;
  bool finished_ = true;
  enum class Wait { kSample, kDecode, kVerify } wait_ = Wait::kDecode;
  kernels::BitVector key_;
  kernels::BitVector frame_;  // Alice's frame: key, punctured random bits, shortened zeros
  std::size_t code_ = 0;
  std::span<const std::uint32_t> key_positions_;     // this block's (FamilyCode::key_positions_for)
  std::vector<std::uint32_t> key_position_storage_;  // what they view for random shortening
  RevealState reveal_;
  std::size_t reveal_step_ = 0;                // bits per blind round, this block
  std::vector<std::uint32_t> reveal_columns_;  // the current blind round's columns
};

class BobSession {
 public:
  explicit BobSession(ProtocolConfig config);
  // Starts block `index` with Bob's noisy key bits; Bob then waits for Alice's syndrome.
  void begin_block(std::uint64_t index, const kernels::BitVector& key);
  std::vector<Message> handle(const Message& m);
  bool finished() const noexcept { return finished_; }
  const BlockResult& result() const noexcept { return result_; }

 private:
  // First round (`revealed` empty) or a blind round after these columns became known.
  std::vector<Message> decode_round(std::span<const std::uint32_t> revealed);
  std::vector<Message> fail(std::string detail);
  ProtocolConfig config_;
  // Makes decoders_[code] ready, built on first use; at most kMaxDecoders are kept (the least
  // recently used one is freed), so memory does not grow with the family or the QBER's wander.
  void use_decoder(std::size_t code);
  static constexpr std::size_t kMaxDecoders = 3;
  std::vector<std::unique_ptr<SyndromeDecoder>> decoders_;  // per family code, on first use
  std::vector<std::size_t> decoder_use_;                    // codes with a decoder, oldest first
  BlockResult result_;
  bool finished_ = true;
  kernels::BitVector key_, syndrome_, word_;
  std::vector<float> llr_;
  std::size_t code_ = 0;
  std::span<const std::uint32_t> key_positions_;     // this block's (FamilyCode::key_positions_for)
  std::vector<std::uint32_t> key_position_storage_;  // what they view for random shortening
  RevealState reveal_;
  std::vector<std::uint32_t> reveal_columns_;  // the current blind round's columns
  bool decoded_ = false;
};

// Runs one block through an in-process channel on the calling thread: Alice's and Bob's results.
// The channel endpoints count the traffic (a: Alice's, b: Bob's). Alice starts from
// `qber_estimate` as AliceSession::begin_block takes it (none: a start-up sample). Throws
// InputError if the exchange stalls, std::logic_error if Alice accepted a block whose final key
// Bob does not share.
std::pair<BlockResult, BlockResult> run_block(
    AliceSession& alice, BobSession& bob, Channel& alice_end, Channel& bob_end, std::uint64_t index,
    const kernels::BitVector& alice_key, const kernels::BitVector& bob_key,
    std::optional<double> qber_estimate, bool steady = false);
// The same from Alice's own estimate (her session's estimator).
std::pair<BlockResult, BlockResult> run_block(AliceSession& alice, BobSession& bob,
                                              Channel& alice_end, Channel& bob_end,
                                              std::uint64_t index,
                                              const kernels::BitVector& alice_key,
                                              const kernels::BitVector& bob_key);

}  // namespace qkdpp::engine
