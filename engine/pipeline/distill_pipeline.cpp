// The TBB pipeline of the batch job.
#include "engine/pipeline/distill_pipeline.hpp"

#include <tbb/enumerable_thread_specific.h>
#include <tbb/global_control.h>
#include <tbb/info.h>
#include <tbb/parallel_pipeline.h>
#include <tbb/task_arena.h>

#include <atomic>
#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <tuple>
#include <utility>

#include "engine/core/entropy.hpp"
#include "engine/core/error.hpp"

namespace qkdpp::engine {

namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

struct Block {
  std::uint64_t index = 0, start_bit = 0;
  std::optional<double> qber_estimate;  // none: a start-up sample (AliceSession::begin_block)
  bool steady = false;                  // QberEstimator::steady: the smaller reserve
  kernels::BitVector alice, bob;
  BlockResult result;
  double distill_seconds = 0.0;
  bool beyond_end = false;  // two-machine run: the peer ended before this block
};

struct Worker {
  AliceSession alice;
  BobSession bob;
  std::unique_ptr<Channel> a, b;
  explicit Worker(const ProtocolConfig& c) : alice(c, std::make_unique<SystemRandom>()), bob(c) {
    auto [x, y] = make_in_process_channel();
    a = std::move(x);
    b = std::move(y);
  }
};

// Distills one block (its key slices read, its estimate set) into b.result on a pipeline thread.
using DistillFn = std::function<void(Block& b)>;

// The pipeline shared by batch and two-party runs; `read_alice` / `read_bob` say which slices the
// read stage loads.
PipelineSummary run_blocks(io::BlockSource& input, io::KeyFileWriter& output,
                           const PipelineOptions& options, bool read_alice, bool read_bob,
                           const DistillFn& distill) {
  const ProtocolConfig& protocol = options.protocol;
  if (!protocol.family) throw InputError("pipeline: no code family");
  const std::uint64_t n = protocol.family->key_bits();
  const std::uint64_t blocks = input.blocks(n).value_or(UINT64_MAX);  // streams: unknown
  if (blocks == 0) {
    throw InputError(input.name() + ": " + std::to_string(input.unused_tail_bits(n)) +
                     " key bits, not one block of " + std::to_string(n) + " to process");
  }
  if (options.max_in_flight == 0) throw InputError("pipeline: max_in_flight must be positive");
  const std::vector<io::BlockRecord>& resumed = output.resumed_records();
  const std::uint64_t first_block = resumed.size();
  if (const auto at = input.position(); at && *at != std::max(first_block, options.discard_until)) {
    throw InputError(input.name() + ": the stream is at block " + std::to_string(*at) +
                     ", not where the run continues (" +
                     std::to_string(std::max(first_block, options.discard_until)) + ")");
  }
  if (first_block > blocks) {
    throw InputError(output.partial_path().string() + ": the resumed run has " +
                     std::to_string(first_block) + " blocks but the input only " +
                     std::to_string(blocks));
  }

  PipelineSummary summary;
  const std::size_t threads = options.threads == 0
                                  ? static_cast<std::size_t>(tbb::info::default_concurrency())
                                  : options.threads;
  summary.threads = threads;

  // QBER estimates: estimates[k] is the estimator's value after blocks 0..k-1 were recorded.
  QberEstimator estimator(protocol);
  // (estimate, steady) pairs: estimates[k - estimates_base].
  std::deque<std::pair<std::optional<double>, bool>> estimates{
      {estimator.estimate(), estimator.steady()}};
  std::uint64_t estimates_base = 0;
  std::mutex estimates_mutex;
  double qber_sum = 0.0, leak = 0.0, shannon = 0.0;
  // A written block: the estimator (in block order) and the summary.
  const auto account = [&](const io::BlockRecord& rec) {
    estimator.record(static_cast<BlockStatus>(rec.status), rec.qber);
    {
      std::lock_guard lock(estimates_mutex);
      estimates.push_back({estimator.estimate(), estimator.steady()});
      while (estimates.size() > options.max_in_flight + 1) {
        estimates.pop_front();
        ++estimates_base;
      }
    }
    ++summary.blocks;
    ++summary.statuses[to_string(static_cast<BlockStatus>(rec.status))];
    summary.input_bits += n;
    if (rec.status == static_cast<std::uint8_t>(BlockStatus::kAccepted)) {
      ++summary.accepted;
      summary.final_bits += rec.final_bits;
    }
    if (rec.efficiency > 0.0) {  // verified, so the QBER was measured
      ++summary.verified;
      qber_sum += rec.qber;
      leak += static_cast<double>(rec.leak_ec_bits);
      shannon += static_cast<double>(n) * binary_entropy(rec.qber);
    }
  };
  for (const io::BlockRecord& rec : resumed) {
    if (rec.index != summary.blocks || rec.start_bit != rec.index * n || rec.bits != n) {
      throw InputError(output.partial_path().string() + ": resumed block " +
                       std::to_string(rec.index) + " does not match this input's block layout");
    }
    account(rec);
  }
  summary.resumed_blocks = first_block;
  std::uint64_t next = first_block;
  std::atomic<bool> stop_reading{false};
  for (; next < std::min(options.discard_until, blocks); ++next) {
    io::BlockRecord rec;
    rec.index = next;
    rec.start_bit = next * n;
    rec.bits = n;
    rec.status = static_cast<std::uint8_t>(BlockStatus::kInterrupted);
    output.append(rec, kernels::BitVector(), kernels::BitVector());
    account(rec);
  }

  const auto t0 = Clock::now();

  // The blocks in flight live here rather than in the pipeline's items, so that a pipeline
  // cancelled by an exception (a dropped connection) frees them too.
  std::vector<Block> slots(options.max_in_flight + 1);
  bool input_ended = false;
  // Blocks [next, end) through the pipeline.
  const auto run_until = [&](std::uint64_t end) {
    tbb::parallel_pipeline(
        options.max_in_flight,
        tbb::make_filter<
            void, Block*>(tbb::filter_mode::serial_in_order, [&](tbb::flow_control& fc) -> Block* {
          if (next >= end || stop_reading) {
            fc.stop();
            return nullptr;
          }
          const auto start = Clock::now();
          // Tokens bound the blocks in flight, so this slot's previous block has left.
          Block* b = &slots[next % slots.size()];
          *b = Block();
          b->index = next;
          b->start_bit = next * n;
          {
            // Tokens bound the blocks in flight, so block next - max_in_flight has been written;
            // and block 0 ran alone, so every later block has its measurement.
            std::lock_guard lock(estimates_mutex);
            const std::uint64_t k = std::max<std::uint64_t>(
                next >= options.max_in_flight ? next - options.max_in_flight + 1 : 0,
                std::min<std::uint64_t>(next, 1));
            if (k < estimates_base || k - estimates_base >= estimates.size()) {
              throw std::logic_error("pipeline: QBER estimate of block " + std::to_string(k) +
                                     " not available");
            }
            std::tie(b->qber_estimate, b->steady) = estimates[k - estimates_base];
          }
          if (!input.read(next, n, read_alice ? &b->alice : nullptr,
                          read_bob ? &b->bob : nullptr)) {
            input_ended = true;
            fc.stop();
            return nullptr;
          }
          ++next;
          summary.read_seconds += since(start);
          return b;
        }) & tbb::make_filter<Block*, Block*>(tbb::filter_mode::parallel, [&](Block* b) {
          const auto start = Clock::now();
          distill(*b);
          if (b->beyond_end) {  // the peer ended the run before this block
            stop_reading = true;
            input.request_stop();
          }
          b->alice = kernels::BitVector();
          b->bob = kernels::BitVector();
          b->distill_seconds = since(start);
          return b;
        }) & tbb::make_filter<Block*, void>(tbb::filter_mode::serial_in_order, [&](Block* b) {
          if (b->beyond_end) return;
          const auto start = Clock::now();
          const BlockResult& r = b->result;
          io::BlockRecord rec;
          rec.index = b->index;
          rec.start_bit = b->start_bit;
          rec.bits = n;
          rec.qber = r.qber;
          rec.leak_ec_bits = r.leak_ec_bits;
          rec.verify_bits = r.verify_bits;
          rec.final_bits = r.final_key.size();
          rec.status = static_cast<std::uint8_t>(r.status);
          const bool divert = r.status == BlockStatus::kAccepted && options.divert_every != 0 &&
                              options.divert &&
                              b->index % options.divert_every == options.divert_every - 1;
          if (divert) {
            options.divert(r.final_key);
            rec.status = static_cast<std::uint8_t>(BlockStatus::kAuthenticationKey);
            rec.final_bits = 0;
          }
          rec.efficiency = r.efficiency;
          rec.qber_estimate = r.qber_estimate;
          rec.rounds = static_cast<std::uint32_t>(r.rounds);
          output.append(rec, divert ? kernels::BitVector() : r.final_key, r.pa_seed);
          account(rec);
          summary.processed_bits += n;
          summary.distill_seconds += b->distill_seconds;
          summary.decode_seconds += r.decode_seconds;
          summary.amplify_seconds += r.amplify_seconds;
          summary.write_seconds += since(start);
          if (options.progress) options.progress(summary.blocks, summary.processed_bits);
        }));
  };
  tbb::task_arena arena(static_cast<int>(threads));
  arena.execute([&] {
    // A fresh run's first block goes alone: the blocks in flight behind it then start from its
    // measured QBER rather than the conservative initial estimate (which cost the 48-block demo
    // job 0.1 in f with four blocks in flight).
    if (next == 0) run_until(1);
    if (!input_ended) run_until(blocks);
  });
  summary.seconds = since(t0);
  summary.unused_tail_bits = input.unused_tail_bits(n);
  if (summary.blocks == 0) {
    throw InputError(input.name() + ": the input ended before one whole block of " +
                     std::to_string(n) + " bits");
  }
  summary.mean_qber = summary.verified ? qber_sum / static_cast<double>(summary.verified) : 0.0;
  summary.efficiency = shannon > 0 ? leak / shannon : 0.0;
  return summary;
}

}  // namespace

PipelineSummary run_pipeline(const io::RawKeyReader& input, io::KeyFileWriter& output,
                             const PipelineOptions& options) {
  const auto source = io::file_block_source(input, true, true);
  return run_pipeline(*source, output, options);
}

PipelineSummary run_pipeline(io::BlockSource& input, io::KeyFileWriter& output,
                             const PipelineOptions& options) {
  tbb::enumerable_thread_specific<std::unique_ptr<Worker>> workers;
  return run_blocks(input, output, options, true, true, [&](Block& b) {
    auto& slot = workers.local();
    if (!slot) slot = std::make_unique<Worker>(options.protocol);
    Worker& w = *slot;
    if (options.seed != 0) {
      w.alice.set_random(std::make_unique<SeededRandom>(options.seed, b.index + 1));
    }
    auto [alice, bob] =
        run_block(w.alice, w.bob, *w.a, *w.b, b.index, b.alice, b.bob, b.qber_estimate, b.steady);
    b.result = std::move(alice);
    b.result.decode_seconds = bob.decode_seconds;
    b.result.amplify_seconds += bob.amplify_seconds;
  });
}

PipelineSummary run_party_pipeline(net::Role role, io::BlockSource& input,
                                   io::KeyFileWriter& output, const PipelineOptions& options,
                                   net::Link& link) {
  const bool alice = role == net::Role::kAlice;
  tbb::enumerable_thread_specific<std::unique_ptr<AliceSession>> alices;
  tbb::enumerable_thread_specific<std::unique_ptr<BobSession>> bobs;
  return run_blocks(input, output, options, alice, !alice, [&](Block& b) {
    const std::unique_ptr<Channel> ch = link.open_block(b.index);
    // Pumps one session until its block is over.
    const auto pump = [&](auto& session) {
      while (!session.finished()) {
        for (const Message& reply : session.handle(ch->receive())) ch->send(reply);
      }
    };
    try {
      if (alice) {
        auto& a = alices.local();
        if (!a)
          a = std::make_unique<AliceSession>(options.protocol, std::make_unique<SystemRandom>());
        if (options.seed != 0) {
          a->set_random(std::make_unique<SeededRandom>(options.seed, b.index + 1));
        }
        for (const Message& m : a->begin_block(b.index, b.alice, b.qber_estimate, b.steady)) {
          ch->send(m);
        }
        pump(*a);
        b.result = a->result();
        // Bob confirms how the block ended for him; Alice keeps a key only if he accepted too
        // (a rejected amplify message, say, leaves him without it).
        const Message done = ch->receive();
        if (done.type != MessageType::kBlockDone) {
          // The confirmation itself was lost to a failed authentication: neither side can know
          // what the other wrote, so drop the connection and let the resumption discard the block.
          throw LinkError("block " + std::to_string(b.index) +
                          ": Bob's confirmation failed authentication");
        }
        PayloadReader r(done.payload, "block-done message");
        const auto bob_status = static_cast<BlockStatus>(r.u8());
        if (b.result.status == BlockStatus::kAccepted && bob_status != BlockStatus::kAccepted) {
          b.result.status = BlockStatus::kProtocolError;
          b.result.final_key = kernels::BitVector();
          b.result.detail = "Bob did not accept the block: " + to_string(bob_status);
        }
      } else {
        auto& s = bobs.local();
        if (!s) s = std::make_unique<BobSession>(options.protocol);
        s->begin_block(b.index, b.bob);
        pump(*s);
        b.result = s->result();
        Message done;
        done.type = MessageType::kBlockDone;
        done.block = b.index;
        done.payload = {static_cast<std::uint8_t>(b.result.status)};
        ch->send(done);
      }
    } catch (const net::PeerEnded&) {
      b.beyond_end = true;
    } catch (const std::exception& e) {
      // The other blocks in flight must not wait out their timeouts for a peer that will never
      // answer this run: give the connection up now (the caller may reconnect).
      link.close_block(b.index);
      link.fail(std::string("this side failed: ") + e.what());
      throw;
    }
    link.close_block(b.index);
  });
}

}  // namespace qkdpp::engine
