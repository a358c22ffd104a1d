// The streaming job: raw key blocks from a qkdpp-raw file through the key distillation protocol
// to a qkdpp-keys file, as a oneTBB parallel_pipeline (docs/pipeline.md):
//   read Alice's and Bob's slices (serial, in order) -> distill: reconciliation, verification and
//   privacy amplification of one block by a thread's own Alice/Bob session pair (parallel) ->
//   write the records and keys (serial, in order).
// At most `max_in_flight` blocks are in the pipeline, so memory does not grow with the input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "engine/io/block_source.hpp"
#include "engine/io/key_file.hpp"
#include "engine/io/raw_key_file.hpp"
#include "engine/net/link.hpp"
#include "engine/protocol/session.hpp"

namespace qkdpp::engine {

struct PipelineOptions {
  ProtocolConfig protocol;
  std::size_t threads = 0;  // arena size; 0 = all cores
  // Blocks in flight. Block k's QBER estimate comes from the blocks up to k - max_in_flight,
  // which have always left the pipeline by then, and from block 0 at least (a fresh run distils
  // its first block alone, so later ones do not all start from the initial estimate): results
  // do not depend on the thread count.
  std::size_t max_in_flight = 4;
  // Seeded per-block randomness for Alice (reproducible runs, tests); 0 = the system CSPRNG.
  std::uint64_t seed = 0;
  // Two-machine resumption: blocks from the resumed ones up to this index are recorded as
  // interrupted (status 6, no key) without being distilled: they may have been in flight when
  // the connection dropped, so their messages may have been disclosed (docs/network.md).
  std::uint64_t discard_until = 0;
  // Two-machine runs with authentication: every `divert_every`-th block (index % divert_every ==
  // divert_every - 1), if accepted, gives its final key to `divert` (the key pool) instead of the
  // output, with status 7. 0 = never. The rule depends on the block index alone, so both sides
  // divert the same blocks whatever happened before (reconnections, resumption).
  std::uint64_t divert_every = 0;
  std::function<void(const kernels::BitVector& key)> divert;
  // Called from the writing stage after each block (progress display): blocks in the output so
  // far, and key bits this run has distilled.
  std::function<void(std::uint64_t blocks_done, std::uint64_t processed_bits)> progress;
};

// Counts cover the whole output, blocks taken over from an interrupted run included; throughput
// and stage times cover this run's blocks (processed_bits).
struct PipelineSummary {
  std::uint64_t blocks = 0, accepted = 0;
  std::uint64_t resumed_blocks = 0;  // taken over from the output's journal
  std::uint64_t processed_bits = 0;  // key bits distilled by this run
  std::uint64_t verified = 0;        // reconciled and verified (accepted, or no key from the bound)
  std::map<std::string, std::uint64_t> statuses;  // by to_string(BlockStatus)
  std::uint64_t input_bits = 0;                   // key bits in the blocks processed
  std::uint64_t unused_tail_bits = 0;             // after the last whole block
  std::uint64_t final_bits = 0;
  double mean_qber = 0.0;   // over verified blocks
  double efficiency = 0.0;  // total leak_EC / sum n h2(QBER), verified blocks
  double seconds = 0.0;
  // Busy time per stage, summed over threads (the distill stage split into decoding and
  // amplification as measured inside the sessions).
  double read_seconds = 0.0, distill_seconds = 0.0, decode_seconds = 0.0, amplify_seconds = 0.0,
         write_seconds = 0.0;
  std::size_t threads = 0;
};

// Runs the whole input (both parties must be present and equally long). A writer that resumed an
// interrupted run (KeyFileWriter::resumed_records) continues after its blocks, with the QBER
// estimator replayed over them, so the output equals an uninterrupted run's. Throws InputError for
// bad input, IoError for write failures; the writer is left uncommitted then.
PipelineSummary run_pipeline(const io::RawKeyReader& input, io::KeyFileWriter& output,
                             const PipelineOptions& options);
// The same from any block source (a live stream: the run ends with the stream).
PipelineSummary run_pipeline(io::BlockSource& input, io::KeyFileWriter& output,
                             const PipelineOptions& options);

// One party of a two-machine run (docs/network.md): the same pipeline with only this party's
// session, reading only its own key (alice/key or bob/key), its messages carried by `link`.
// Alice's output equals a batch run's on the same input (with the same --seed), and so does
// Bob's, block for block. IoError when the link fails (timeouts, a lost connection).
// `input` must provide this party's key. With streams the two inputs may end at different blocks:
// the run ends at the first end (the side that ends says so in its bye, Link::finish).
PipelineSummary run_party_pipeline(net::Role role, io::BlockSource& input,
                                   io::KeyFileWriter& output, const PipelineOptions& options,
                                   net::Link& link);

}  // namespace qkdpp::engine
