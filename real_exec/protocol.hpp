// protocol.hpp: the pushdown HTTP API shared by server and client (request JSON, timing headers).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace tiersplit::real_exec {

/// Samples [first, first + count) of one object (count -1: to the end of the object).
struct Segment {
  std::string object;
  int64_t first = 0;
  int64_t count = -1;
};

/// Body of POST /v1/pushdown (JSON). See docs/real-exec.md, "Pushdown API".
struct PushdownRequest {
  std::string tenant = "default";    ///< who asks (statistics only)
  std::string model;                 ///< a zoo model the server has registered
  std::string weights = "random:1";  ///< a weights name registered on the server, or random:SEED
  int64_t num_classes = 10;          ///< classifier width of the model (for building it)
  int64_t resolution = 32;           ///< input side [px]; must match the stored samples
  int64_t split = 0;                 ///< run blocks [0, split) on the server
  int64_t freeze = -1;               ///< the job's freeze index (-1: model default); split <= it
  int64_t storage_batch = 16;        ///< server-side mini-batch [samples]
  std::vector<Segment> segments;     ///< samples to process, in response order
};

nlohmann::json to_json(const PushdownRequest& r);
/// Parses and checks a request body; a malformed one throws tiersplit::Error naming the field.
PushdownRequest parse_pushdown_request(const std::string& body);

/// Ignores SIGPIPE process-wide (idempotent). cpp-httplib writes to sockets without
/// MSG_NOSIGNAL: without this, a peer closing mid-transfer would kill the process instead of
/// failing that one write. Called by every HTTP client and server in real_exec.
void ignore_sigpipe();

/// Response headers with per-request server timings [ms] (block times comma separated).
namespace header {
inline constexpr const char* kQueueMs = "X-Tiersplit-Queue-Ms";      // admission wait
inline constexpr const char* kReadMs = "X-Tiersplit-Read-Ms";        // object store reads
inline constexpr const char* kDecodeMs = "X-Tiersplit-Decode-Ms";    // parse, gather, normalise
inline constexpr const char* kComputeMs = "X-Tiersplit-Compute-Ms";  // blocks [0, s), total
// The same blocks' CPU time on the server's thread (less than Compute-Ms: the core ran others too)
inline constexpr const char* kComputeCpuMs = "X-Tiersplit-Compute-Cpu-Ms";
inline constexpr const char* kBlockMs = "X-Tiersplit-Block-Ms";  // per block, "1.2,0.8,..."
inline constexpr const char* kSerializeMs = "X-Tiersplit-Serialize-Ms";
inline constexpr const char* kTotalMs = "X-Tiersplit-Total-Ms";  // receipt to first byte
inline constexpr const char* kSamples = "X-Tiersplit-Samples";
inline constexpr const char* kLink = "X-Tiersplit-Link";  // how sends are shaped
}  // namespace header

}  // namespace tiersplit::real_exec
