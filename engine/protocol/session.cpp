// Alice's and Bob's per-block state machines.
#include "engine/protocol/session.hpp"

#include <algorithm>
#include <bit>
#include <chrono>
#include <cmath>
#include <numeric>

#include "engine/codes/rate_adaptation.hpp"
#include "engine/core/entropy.hpp"
#include "engine/core/error.hpp"
#include "engine/privacy/toeplitz_hashing.hpp"
#include "engine/verification/verification_hash.hpp"

namespace qkdpp::engine {

using kernels::BitVector;

std::size_t default_round_stall(std::size_t frame_bits) noexcept {
  return frame_bits >= (std::size_t{1} << 18) ? 3 : 4;
}

std::size_t effective_round_stall(const ProtocolConfig& config) noexcept {
  return config.round_stall.value_or(default_round_stall(config.family->frame_bits()));
}

std::string to_string(BlockStatus status) {
  switch (status) {
    case BlockStatus::kAccepted:
      return "accepted";
    case BlockStatus::kDecodingFailed:
      return "decoding failed";
    case BlockStatus::kVerificationFailed:
      return "verification failed";
    case BlockStatus::kQberAboveThreshold:
      return "QBER above threshold";
    case BlockStatus::kNoSecretKey:
      return "no secret key";
    case BlockStatus::kProtocolError:
      return "protocol error";
    case BlockStatus::kInterrupted:
      return "interrupted";
    case BlockStatus::kAuthenticationKey:
      return "key to the authentication pool";
  }
  return "unknown";
}

std::size_t default_startup_sample(std::size_t key_bits) noexcept {
  return 8 * static_cast<std::size_t>(std::ceil(std::sqrt(static_cast<double>(key_bits))));
}

std::size_t effective_startup_sample(const ProtocolConfig& config) noexcept {
  if (config.startup_sample_bits) return *config.startup_sample_bits;
  return config.family ? default_startup_sample(config.family->key_bits()) : 0;
}

double startup_qber_bound(std::size_t errors, std::size_t sample) noexcept {
  const double e = static_cast<double>(errors);
  return std::clamp((e + 2.0 * std::sqrt(e) + 2.0) / static_cast<double>(sample),
                    QberEstimator::kMinimum, 0.49);
}

QberEstimator::QberEstimator(const ProtocolConfig& config)
    : QberEstimator(
          effective_startup_sample(config) > 0 ? std::nullopt : std::optional(config.initial_qber),
          config.abort_qber, config.family ? config.family->key_bits() : 0) {}

void QberEstimator::measured(double qber) noexcept {
  qber = std::max(qber, kMinimum);
  estimate_ = recent_.empty() ? qber : std::max(qber, recent_.back());
  recent_.push_back(qber);
  if (recent_.size() > kSteadyBlocks) recent_.pop_front();
}

bool QberEstimator::steady() const noexcept {
  if (block_bits_ == 0 || recent_.size() < kSteadyBlocks) return false;
  double sum = 0.0;
  for (const double q : recent_) sum += q;
  const double mean = sum / static_cast<double>(recent_.size());
  const auto [low, high] = std::minmax_element(recent_.begin(), recent_.end());
  return *high - *low <= 5.0 * std::sqrt(mean * (1.0 - mean) / static_cast<double>(block_bits_));
}

void QberEstimator::record(const BlockResult& block) noexcept { record(block.status, block.qber); }

void QberEstimator::record(BlockStatus status, double qber) noexcept {
  switch (status) {
    case BlockStatus::kAccepted:
    case BlockStatus::kQberAboveThreshold:
    case BlockStatus::kNoSecretKey:
    case BlockStatus::kAuthenticationKey:
      measured(qber);
      break;
    case BlockStatus::kDecodingFailed:
      decoding_failed();
      break;
    case BlockStatus::kVerificationFailed:
    case BlockStatus::kProtocolError:
    case BlockStatus::kInterrupted:
      break;
  }
}

void QberEstimator::decoding_failed() noexcept {
  if (sampling_) {
    estimate_.reset();
  } else {
    estimate_ = std::min(cap_, *estimate_ * 1.25 + 0.002);
  }
  recent_.clear();
}

namespace {

// The largest start-up sample either side accepts: a quarter of the block.
std::size_t max_startup_sample(std::size_t key_bits) noexcept { return key_bits / 4; }

void check_config(const ProtocolConfig& c) {
  if (!c.family || c.family->codes().empty()) throw InputError("protocol: no code family");
  if (c.tag_bits != 64 && c.tag_bits != 128)
    throw InputError("protocol: tag bits must be 64 or 128");
  if (!(c.abort_qber > 0.0 && c.abort_qber < 0.5)) {
    throw InputError("protocol: abort QBER must lie in (0, 0.5)");
  }
  if (!(c.initial_qber > 0.0 && c.initial_qber < 0.5)) {
    throw InputError("protocol: initial QBER must lie in (0, 0.5)");
  }
  if (effective_startup_sample(c) > max_startup_sample(c.family->key_bits())) {
    throw InputError("protocol: a start-up sample of " +
                     std::to_string(effective_startup_sample(c)) + " bits is more than a quarter " +
                     "of the block's " + std::to_string(c.family->key_bits()));
  }
  if (!(c.reveal_fraction > 0.0 && c.reveal_fraction <= 1.0)) {
    throw InputError("protocol: reveal fraction must lie in (0, 1]");
  }
  if (c.max_iterations == 0) throw InputError("protocol: max iterations must be positive");
  c.security.validate();
}

Message make(MessageType type, std::uint64_t block, PayloadWriter& w, std::uint64_t disclosed) {
  Message m;
  m.type = type;
  m.block = block;
  m.payload = w.take();
  m.disclosed_bits = disclosed;
  return m;
}

Message abort_message(std::uint64_t block, BlockStatus status) {
  PayloadWriter w;
  w.u8(static_cast<std::uint8_t>(status));
  return make(MessageType::kAbort, block, w, 0);
}

BlockStatus parse_abort(const Message& m) {
  PayloadReader r(m.payload, "abort message");
  const std::uint8_t s = r.u8();
  r.finish();
  if (s < 1 || s > 5) throw InputError("abort message: unknown status " + std::to_string(s));
  return static_cast<BlockStatus>(s);
}

std::size_t reveal_step(const ProtocolConfig& c, double qber_estimate) {
  const double n = static_cast<double>(c.family->frame_bits());
  return std::max<std::size_t>(
      1,
      static_cast<std::size_t>(std::ceil(c.reveal_fraction * n * binary_entropy(qber_estimate))));
}

// The start-up sample's key positions, sorted: `count` of the block's drawn with `seed` (Alice's
// fresh randomness, sent to Bob).
std::vector<std::uint32_t> sample_positions(std::size_t key_bits, std::size_t count,
                                            std::uint64_t seed) {
  std::vector<std::uint32_t> all(key_bits);
  std::iota(all.begin(), all.end(), 0u);
  return seeded_draw(std::move(all), count, seed);
}

// Bits of `frame` at `positions`, assembled a word at a time.
BitVector gather(const BitVector& frame, std::span<const std::uint32_t> positions) {
  BitVector out(positions.size());
  const std::span<kernels::Word> words = out.words();
  for (std::size_t w = 0; w < words.size(); ++w) {
    const std::size_t i0 = w * kernels::kWordBits;
    const std::size_t end = std::min(positions.size(), i0 + kernels::kWordBits);
    kernels::Word acc = 0;
    for (std::size_t i = i0; i < end; ++i) {
      acc |= static_cast<kernels::Word>(frame.get(positions[i])) << (i - i0);
    }
    words[w] = acc;
  }
  return out;
}

// ORs bit i of `bits` into `frame` at positions[i], branch-free (key bits are random, so a branch
// per bit mispredicts half the time). The positions are distinct and within the frame.
void scatter(const BitVector& bits, std::span<const std::uint32_t> positions, BitVector& frame) {
  const std::span<const kernels::Word> in = bits.words();
  const std::span<kernels::Word> out = frame.words();
  for (std::size_t i = 0; i < positions.size(); ++i) {
    const kernels::Word bit = (in[i / kernels::kWordBits] >> (i % kernels::kWordBits)) & 1u;
    const std::uint32_t p = positions[i];
    out[p / kernels::kWordBits] |= bit << (p % kernels::kWordBits);
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Alice

AliceSession::AliceSession(ProtocolConfig config, std::unique_ptr<RandomSource> random)
    : config_(std::move(config)), random_(std::move(random)), estimator_(config_) {
  check_config(config_);
  if (!random_) throw InputError("protocol: Alice needs a random source");
}

std::vector<Message> AliceSession::begin_block(std::uint64_t index, const BitVector& key) {
  return begin_block(index, key, estimator_.estimate(), estimator_.steady());
}

void AliceSession::set_random(std::unique_ptr<RandomSource> random) {
  if (!random) throw InputError("protocol: Alice needs a random source");
  random_ = std::move(random);
}

std::vector<Message> AliceSession::begin_block(std::uint64_t index, const BitVector& key,
                                               std::optional<double> qber_estimate, bool steady) {
  const CodeFamily& family = *config_.family;
  if (qber_estimate && !(*qber_estimate > 0.0 && *qber_estimate < 0.5)) {
    throw InputError("block " + std::to_string(index) + ": QBER estimate outside (0, 0.5)");
  }
  if (key.size() != family.key_bits()) {
    throw InputError("block " + std::to_string(index) + ": " + std::to_string(key.size()) +
                     " key bits, the code family takes " + std::to_string(family.key_bits()));
  }
  result_ = BlockResult{};
  result_.index = index;
  result_.key_bits = key.size();
  finished_ = false;
  key_ = key;
  result_.reserve_rounds = steady ? config_.steady_reserve_rounds : config_.reserve_rounds;
  const std::size_t sample = effective_startup_sample(config_);
  if (qber_estimate || sample == 0) {
    result_.qber_estimate = qber_estimate.value_or(config_.initial_qber);
    return first_round();
  }
  // No estimate yet: disclose `sample` key bits at fresh random positions; Bob counts the errors.
  const std::uint64_t seed = random_->next_u64();
  result_.sample_bits = sample;
  result_.leak_ec_bits = sample;
  wait_ = Wait::kSample;
  PayloadWriter w;
  w.u64(seed).bits(gather(key, sample_positions(key.size(), sample, seed)));
  return {make(MessageType::kSample, index, w, sample)};
}

std::vector<Message> AliceSession::first_round() {
  const CodeFamily& family = *config_.family;
  wait_ = Wait::kDecode;
  // Keep punctured bits for reserve_rounds blind rounds, so a failed first round can be rescued
  // (fully shortened first rounds cost 4 of 48 demo blocks when the QBER drifted upwards).
  reveal_step_ = reveal_step(config_, result_.qber_estimate);
  const FirstRound first = family.first_round(result_.qber_estimate, config_.optimism,
                                              result_.reserve_rounds * reveal_step_);
  code_ = first.code;
  const FamilyCode& c = family.codes()[code_];
  result_.code = c.name;
  const std::size_t p0 = first.punctured;
  reveal_ = {p0, 0};
  result_.punctured = p0;
  result_.shortening = first.shortening;
  key_positions_ = c.key_positions_for(p0, first.shortening, key_position_storage_);

  frame_ = BitVector(family.frame_bits());
  scatter(key_, key_positions_, frame_);
  scatter(random_->random_bits(p0), std::span(c.puncture_candidates).first(p0), frame_);
  const BitVector syndrome = c.qc.syndrome(frame_);
  result_.leak_ec_bits += c.rows() - p0;
  PayloadWriter w;
  w.u32(static_cast<std::uint32_t>(code_)).u32(static_cast<std::uint32_t>(p0));
  w.u8(static_cast<std::uint8_t>(first.shortening)).f64(result_.qber_estimate).bits(syndrome);
  return {make(MessageType::kSyndrome, result_.index, w, c.rows() - p0)};
}

std::vector<Message> AliceSession::finish(BlockStatus status, std::string detail) {
  result_.status = status;
  result_.detail = std::move(detail);
  result_.final_key = BitVector();
  result_.pa_seed = BitVector();
  close();
  return {abort_message(result_.index, status)};
}

void AliceSession::close() noexcept {
  finished_ = true;
  estimator_.record(result_);
}

std::vector<Message> AliceSession::handle(const Message& m) {
  if (finished_) return {};
  if (m.block != result_.index) {
    return finish(BlockStatus::kProtocolError, "message for block " + std::to_string(m.block) +
                                                   " during block " +
                                                   std::to_string(result_.index));
  }
  try {
    if (m.type == MessageType::kAbort) {
      result_.status = parse_abort(m);
      result_.detail = "Bob aborted";
      close();
      return {};
    }
    if (m.type == MessageType::kSampleOutcome && wait_ == Wait::kSample) {
      PayloadReader r(m.payload, "sample-outcome message");
      const std::uint32_t errors = r.u32();
      r.finish();
      if (errors > result_.sample_bits) {
        return finish(BlockStatus::kProtocolError, "Bob counted more errors than the sample has");
      }
      const double sampled = static_cast<double>(errors) / static_cast<double>(result_.sample_bits);
      if (sampled > config_.abort_qber) {
        result_.qber = sampled;  // the estimator's measurement: the sample's
        return finish(BlockStatus::kQberAboveThreshold,
                      "sampled QBER " + std::to_string(sampled) + " above the abort threshold");
      }
      result_.qber_estimate = startup_qber_bound(errors, result_.sample_bits);
      return first_round();
    }
    if (m.type == MessageType::kDecodeOutcome && wait_ == Wait::kDecode) {
      PayloadReader r(m.payload, "decode-outcome message");
      const bool ok = r.u8() != 0;
      const std::uint32_t iterations = r.u32();
      r.finish();
      ++result_.rounds;
      result_.decoder_iterations += iterations;
      if (!ok) {
        const FamilyCode& c = config_.family->codes()[code_];
        if (result_.rounds > config_.max_blind_rounds || c.reveal_left(reveal_) == 0) {
          return finish(BlockStatus::kDecodingFailed,
                        "not decoded after " + std::to_string(result_.rounds) + " rounds");
        }
        // Punctured bits first; once they are all known, key bits (each one counted as leak).
        // A key bit tells Bob only h2(q) bits (he holds a noisy copy), so a key-bit round reveals
        // step / h2(q_est) of them: the information of a punctured round.
        const std::size_t step =
            reveal_.still_punctured > 0
                ? reveal_step_
                : static_cast<std::size_t>(std::ceil(static_cast<double>(reveal_step_) /
                                                     binary_entropy(result_.qber_estimate)));
        c.next_reveal(reveal_, step, key_positions_, reveal_columns_);
        const std::size_t revealed = reveal_columns_.size();
        result_.revealed += revealed;
        result_.leak_ec_bits += revealed;
        PayloadWriter w;
        w.bits(gather(frame_, reveal_columns_));
        return {make(MessageType::kReveal, result_.index, w, revealed)};
      }
      const VerificationKey vk = VerificationKey::draw(*random_, config_.tag_bits);
      const VerificationTag tag = verification_tag(key_, vk);
      result_.verify_bits = config_.tag_bits;
      wait_ = Wait::kVerify;
      PayloadWriter w;
      w.u8(static_cast<std::uint8_t>(config_.tag_bits));
      w.u64(vk.key[0]).u64(vk.key[1]).u64(tag.value[0]).u64(tag.value[1]);
      return {make(MessageType::kVerify, result_.index, w, config_.tag_bits)};
    }
    if (m.type == MessageType::kVerifyOutcome && wait_ == Wait::kVerify) {
      PayloadReader r(m.payload, "verify-outcome message");
      const bool equal = r.u8() != 0;
      const std::uint64_t corrected = r.u64();
      r.finish();
      if (!equal) return finish(BlockStatus::kVerificationFailed, "verification tags differ");
      if (corrected > result_.key_bits) {
        return finish(BlockStatus::kProtocolError, "Bob corrected more bits than the block has");
      }
      const double n = static_cast<double>(result_.key_bits);
      result_.qber = static_cast<double>(corrected) / n;
      if (result_.qber > 0.0) {
        result_.efficiency =
            static_cast<double>(result_.leak_ec_bits) / (n * binary_entropy(result_.qber));
      }
      if (result_.qber > config_.abort_qber) {
        return finish(BlockStatus::kQberAboveThreshold,
                      "measured QBER " + std::to_string(result_.qber));
      }
      result_.length =
          final_key_length(config_.security, result_.key_bits, result_.qber,
                           static_cast<double>(result_.leak_ec_bits + result_.verify_bits),
                           verification_epsilon(result_.key_bits, config_.tag_bits));
      if (result_.length.bits == 0) {
        return finish(BlockStatus::kNoSecretKey, "the security bound leaves no key");
      }
      const std::size_t ell = result_.length.bits;
      result_.pa_seed = random_->random_bits(result_.key_bits + ell - 1);
      const auto t0 = std::chrono::steady_clock::now();
      result_.final_key = toeplitz_hash(result_.pa_seed, key_, ell);
      result_.amplify_seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      result_.status = BlockStatus::kAccepted;
      close();
      PayloadWriter w;
      w.u64(ell).bits(result_.pa_seed);
      return {make(MessageType::kAmplify, result_.index, w, 0)};
    }
    return finish(BlockStatus::kProtocolError, "unexpected " + to_string(m.type) + " message");
  } catch (const InputError& e) {
    return finish(BlockStatus::kProtocolError, e.what());
  }
}

// ---------------------------------------------------------------------------------------------
// Bob

BobSession::BobSession(ProtocolConfig config) : config_(std::move(config)) {
  check_config(config_);
  decoders_.resize(config_.family->codes().size());
}

void BobSession::begin_block(std::uint64_t index, const BitVector& key) {
  if (key.size() != config_.family->key_bits()) {
    throw InputError("block " + std::to_string(index) + ": " + std::to_string(key.size()) +
                     " key bits, the code family takes " +
                     std::to_string(config_.family->key_bits()));
  }
  result_ = BlockResult{};
  result_.index = index;
  result_.key_bits = key.size();
  key_ = key;
  finished_ = false;
  decoded_ = false;
}

std::vector<Message> BobSession::fail(std::string detail) {
  result_.status = BlockStatus::kProtocolError;
  result_.detail = std::move(detail);
  result_.final_key = BitVector();
  finished_ = true;
  return {abort_message(result_.index, BlockStatus::kProtocolError)};
}

void BobSession::use_decoder(std::size_t code) {
  const auto it = std::find(decoder_use_.begin(), decoder_use_.end(), code);
  if (it != decoder_use_.end()) decoder_use_.erase(it);
  decoder_use_.push_back(code);
  if (!decoders_[code]) {
    if (decoder_use_.size() > kMaxDecoders) {
      decoders_[decoder_use_.front()].reset();  // least recently used
      decoder_use_.erase(decoder_use_.begin());
    }
    decoders_[code] =
        std::make_unique<SyndromeDecoder>(config_.family->codes()[code].qc, config_.decoder);
  }
}

std::vector<Message> BobSession::decode_round(std::span<const std::uint32_t> revealed) {
  SyndromeDecoder& decoder = *decoders_[code_];
  // Bob knows whether Alice can still reveal: rounds left (and bits left: punctured, then key).
  const bool last = result_.rounds >= config_.max_blind_rounds ||
                    config_.family->codes()[code_].reveal_left(reveal_) == 0;
  const kernels::IterationLimit iterations =
      last ? kernels::IterationLimit(config_.max_iterations)
           : kernels::IterationLimit(std::min(config_.round_iterations, config_.max_iterations),
                                     effective_round_stall(config_));
  const auto t0 = std::chrono::steady_clock::now();
  const auto r = revealed.empty() || !config_.resume_decoding
                     ? decoder.decode(llr_, syndrome_, word_, iterations)
                     : decoder.resume(revealed, llr_, syndrome_, word_, iterations);
  result_.decode_seconds +=
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ++result_.rounds;
  result_.decoder_iterations += r.iterations;
  decoded_ = r.converged;
  PayloadWriter w;
  w.u8(r.converged ? 1 : 0).u32(static_cast<std::uint32_t>(r.iterations));
  return {make(MessageType::kDecodeOutcome, result_.index, w, 0)};
}

std::vector<Message> BobSession::handle(const Message& m) {
  if (finished_) return {};
  if (m.block != result_.index) {
    return fail("message for block " + std::to_string(m.block) + " during block " +
                std::to_string(result_.index));
  }
  const CodeFamily& family = *config_.family;
  try {
    switch (m.type) {
      case MessageType::kSample: {
        if (result_.sample_bits != 0 || !result_.code.empty()) {
          return fail("unexpected sample message");
        }
        PayloadReader r(m.payload, "sample message");
        const std::uint64_t seed = r.u64();
        const BitVector values = r.bits(max_startup_sample(result_.key_bits));
        r.finish();
        if (values.size() == 0) return fail("sample message: no bits");
        const std::size_t errors = hamming_distance(
            values, gather(key_, sample_positions(result_.key_bits, values.size(), seed)));
        result_.sample_bits = values.size();
        result_.leak_ec_bits = values.size();
        PayloadWriter w;
        w.u32(static_cast<std::uint32_t>(errors));
        return {make(MessageType::kSampleOutcome, result_.index, w, 0)};
      }
      case MessageType::kSyndrome: {
        if (result_.rounds != 0) return fail("second syndrome message");
        PayloadReader r(m.payload, "syndrome message");
        const std::uint32_t code = r.u32();
        const std::uint32_t p0 = r.u32();
        const std::uint8_t shortening = r.u8();
        const double q = r.f64();
        if (code >= family.codes().size()) return fail("syndrome message: unknown code");
        const FamilyCode& c = family.codes()[code];
        syndrome_ = r.bits(c.rows());
        r.finish();
        if (syndrome_.size() != c.rows()) return fail("syndrome message: wrong syndrome length");
        if (p0 > c.puncture_candidates.size()) return fail("syndrome message: bad puncturing");
        if (shortening > static_cast<std::uint8_t>(Shortening::kRandom)) {
          return fail("syndrome message: unknown shortening " + std::to_string(shortening));
        }
        if (!(q > 0.0 && q < 0.5)) return fail("syndrome message: bad QBER estimate");
        code_ = code;
        reveal_ = {p0, 0};
        result_.code = c.name;
        result_.punctured = p0;
        result_.shortening = static_cast<Shortening>(shortening);
        result_.qber_estimate = q;
        key_positions_ = c.key_positions_for(p0, result_.shortening, key_position_storage_);
        result_.leak_ec_bits = result_.sample_bits + (c.rows() - p0);
        use_decoder(code);
        llr_.assign(family.frame_bits(), kKnownLlr);  // shortened bits are known zeros
        // +magnitude for a 0, -magnitude for a 1: the key bit xored into the float's sign bit
        // (branch-free; key bits are random).
        const auto magnitude = std::bit_cast<std::uint32_t>(kernels::bsc_llr(false, q));
        const std::span<const kernels::Word> key_words = key_.words();
        float* const llr = llr_.data();
        for (std::size_t i = 0; i < key_positions_.size(); ++i) {
          const auto bit = static_cast<std::uint32_t>(
              (key_words[i / kernels::kWordBits] >> (i % kernels::kWordBits)) & 1u);
          llr[key_positions_[i]] = std::bit_cast<float>(magnitude ^ (bit << 31));
        }
        for (std::size_t j = 0; j < p0; ++j) llr_[c.puncture_candidates[j]] = 0.0f;
        return decode_round({});
      }
      case MessageType::kReveal: {
        if (decoded_ || result_.rounds == 0) return fail("unexpected reveal message");
        const FamilyCode& c = family.codes()[code_];
        PayloadReader r(m.payload, "reveal message");
        const BitVector values = r.bits(c.reveal_left(reveal_));
        r.finish();
        if (values.size() == 0) return fail("reveal message: no bits");
        const std::size_t step = values.size();
        c.next_reveal(reveal_, step, key_positions_, reveal_columns_);
        if (reveal_columns_.size() != step) return fail("reveal message: more bits than the round");
        for (std::size_t j = 0; j < step; ++j)
          llr_[reveal_columns_[j]] = values.get(j) ? -kKnownLlr : kKnownLlr;
        result_.revealed += step;
        result_.leak_ec_bits += step;
        return decode_round(reveal_columns_);
      }
      case MessageType::kVerify: {
        if (!decoded_) return fail("verify message before decoding succeeded");
        PayloadReader r(m.payload, "verify message");
        VerificationKey vk;
        vk.tag_bits = r.u8();
        vk.key = {r.u64(), r.u64()};
        VerificationTag alice_tag;
        alice_tag.bits = vk.tag_bits;
        alice_tag.value = {r.u64(), r.u64()};
        r.finish();
        if (vk.tag_bits != 64 && vk.tag_bits != 128) return fail("verify message: bad tag size");
        const BitVector corrected = gather(word_, key_positions_);
        const bool equal = verification_tag(corrected, vk) == alice_tag;
        const std::size_t flips = hamming_distance(corrected, key_);
        result_.verify_bits = vk.tag_bits;
        result_.qber = static_cast<double>(flips) / static_cast<double>(result_.key_bits);
        key_ = corrected;  // Bob's reconciled key from here on
        PayloadWriter w;
        w.u8(equal ? 1 : 0).u64(flips);
        return {make(MessageType::kVerifyOutcome, result_.index, w, 0)};
      }
      case MessageType::kAmplify: {
        if (result_.verify_bits == 0) return fail("amplify message before verification");
        PayloadReader r(m.payload, "amplify message");
        const std::uint64_t ell = r.u64();
        if (ell == 0 || ell > result_.key_bits) return fail("amplify message: bad final length");
        result_.pa_seed = r.bits(result_.key_bits + ell - 1);
        r.finish();
        if (result_.pa_seed.size() != result_.key_bits + ell - 1) {
          return fail("amplify message: seed of the wrong length");
        }
        const auto t0 = std::chrono::steady_clock::now();
        result_.final_key = toeplitz_hash(result_.pa_seed, key_, ell);
        result_.amplify_seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        result_.length.bits = ell;
        if (result_.qber > 0.0) {
          result_.efficiency =
              static_cast<double>(result_.leak_ec_bits) /
              (static_cast<double>(result_.key_bits) * binary_entropy(result_.qber));
        }
        result_.status = BlockStatus::kAccepted;
        finished_ = true;
        return {};
      }
      case MessageType::kAbort: {
        result_.status = parse_abort(m);
        result_.detail = "Alice aborted";
        result_.final_key = BitVector();
        finished_ = true;
        return {};
      }
      default:
        return fail("unexpected " + to_string(m.type) + " message");
    }
  } catch (const InputError& e) {
    return fail(e.what());
  }
}

std::pair<BlockResult, BlockResult> run_block(AliceSession& alice, BobSession& bob,
                                              Channel& alice_end, Channel& bob_end,
                                              std::uint64_t index, const BitVector& alice_key,
                                              const BitVector& bob_key,
                                              std::optional<double> qber_estimate, bool steady) {
  bob.begin_block(index, bob_key);
  for (const Message& m : alice.begin_block(index, alice_key, qber_estimate, steady)) {
    alice_end.send(m);
  }
  for (;;) {
    bool moved = false;
    while (auto m = bob_end.try_receive()) {
      moved = true;
      for (const Message& reply : bob.handle(*m)) bob_end.send(reply);
    }
    while (auto m = alice_end.try_receive()) {
      moved = true;
      for (const Message& reply : alice.handle(*m)) alice_end.send(reply);
    }
    if (!moved) break;
  }
  if (!alice.finished() || !bob.finished()) {
    throw InputError("block " + std::to_string(index) + ": the protocol stalled");
  }
  if (alice.result().status == BlockStatus::kAccepted &&
      (bob.result().status != BlockStatus::kAccepted ||
       bob.result().final_key != alice.result().final_key)) {
    throw std::logic_error("block " + std::to_string(index) +
                           ": Alice and Bob disagree after verification");
  }
  return {alice.result(), bob.result()};
}

std::pair<BlockResult, BlockResult> run_block(AliceSession& alice, BobSession& bob,
                                              Channel& alice_end, Channel& bob_end,
                                              std::uint64_t index, const BitVector& alice_key,
                                              const BitVector& bob_key) {
  return run_block(alice, bob, alice_end, bob_end, index, alice_key, bob_key,
                   alice.estimator().estimate(), alice.estimator().steady());
}

}  // namespace qkdpp::engine
