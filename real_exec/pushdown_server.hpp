// pushdown_server.hpp: the storage-tier HTTP server that runs frozen blocks [0,s) next to a store.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace tiersplit::real_exec {

struct ServerOptions {
  std::string store;                               ///< store URL (dir://PATH, swift://HOST:PORT/C)
  std::string listen = "127.0.0.1:8470";           ///< HOST:PORT; port 0 picks a free one
  bool allow_remote = false;                       ///< bind to a non-loopback address
  std::string token;                               ///< bearer token required when not empty
  int64_t memory_budget_bytes = int64_t{2} << 30;  ///< admission budget [B]
  double admission_wait_s = 2.0;        ///< how long a request waits for memory before 503
  int64_t max_request_bytes = 1 << 20;  ///< request body cap [B]
  int64_t max_response_bytes = int64_t{512} << 20;  ///< response body cap [B]
  int64_t max_samples = 8192;                       ///< samples per request cap
  int threads = 0;       ///< LibTorch intra-op threads (0: LibTorch's default)
  int http_threads = 8;  ///< concurrent requests being served
  /// Requests running their blocks at once (admission.hpp, ComputeSlots); the others wait for a
  /// slot (counted in the queue time). 0: as many as are served.
  int compute_slots = 0;
  /// [B] tensors of at least this size come from the server's pool of mapped blocks, bounded by
  /// the budget plus the loaded weights (tensor_pool.hpp); 0: from the malloc heap, unbounded
  int64_t tensor_pool_min_bytes = int64_t{1} << 20;
  std::vector<std::string> models;             ///< zoo models clients may use (empty: all)
  std::map<std::string, std::string> weights;  ///< registered weights: name -> file
  double pace_bytes_per_second = 0;  ///< > 0: token-bucket pacer on sends (testbed fallback)
  double pace_delay_s = 0;           ///< added once per response by the pacer
  std::string link_note;             ///< how the link is shaped outside the server (testbed)
};

/// The pushdown server (see docs/real-exec.md, "Pushdown API"). start() binds and serves on a
/// background thread; stop() closes it. Used by `tiersplit serve` and in-process by tests.
class PushdownServer {
 public:
  explicit PushdownServer(ServerOptions options);
  ~PushdownServer();
  PushdownServer(const PushdownServer&) = delete;
  PushdownServer& operator=(const PushdownServer&) = delete;

  /// Binds (throws tiersplit::Error if it cannot) and starts serving; returns the port.
  int start();
  void stop();
  /// Blocks until the server stops.
  void wait();
  /// A one-line description of how sends are shaped ("none" or "pacer 100 Mbps, 1 ms").
  std::string link() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Splits "HOST:PORT"; throws tiersplit::Error on anything else.
std::pair<std::string, int> parse_listen_address(const std::string& text);

}  // namespace tiersplit::real_exec
