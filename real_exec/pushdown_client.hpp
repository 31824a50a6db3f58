// pushdown_client.hpp: the trainer's side of the pushdown API (retries with backoff, timings).
#pragma once

#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "real_exec/protocol.hpp"
#include "real_exec/safetensors.hpp"

namespace httplib {
class Client;
}

namespace tiersplit::real_exec {

/// The server answered with an error that retrying cannot fix (4xx), or retries ran out.
class PushdownError : public Error {
 public:
  PushdownError(int status, const std::string& message) : Error(message), status_(status) {}
  int status() const { return status_; }  ///< HTTP status, 0 when no answer came

 private:
  int status_;
};

/// Retrying transport failures, 500/502/503/504 and 429: exponential backoff from
/// `initial_backoff_s`, doubling up to `max_backoff_s`, for at most `max_total_s` per request.
struct RetryPolicy {
  double initial_backoff_s = 0.05;
  double max_backoff_s = 2.0;
  double max_total_s = 60.0;
};

/// What one pushdown took [s]: server-side parts from the response headers, client-side wall.
struct PushdownTimings {
  double queue_s = 0, read_s = 0, decode_s = 0, compute_s = 0, serialize_s = 0, server_s = 0;
  double compute_cpu_s = 0;  ///< the blocks' CPU time on the server's thread (0: not sent)
  std::vector<double> block_s;
  double elapsed_s = 0;   ///< request sent to body received (last attempt)
  double transfer_s = 0;  ///< elapsed minus server time: network and (de)serialisation on wire
  int64_t bytes = 0;      ///< response body
  int attempts = 0;
  std::string link;  ///< how the server shapes its sends ("none", "pacer 100Mbit ...")
};

struct PushdownReply {
  TensorFile tensors;  ///< features (F32, or U8 samples for split 0), labels I64, ids I64
  PushdownTimings timings;
};

/// A thread-safe client of one pushdown server ("http://HOST:PORT"); keeps connections alive.
class PushdownClient {
 public:
  PushdownClient(const std::string& url, std::string token = "", RetryPolicy retry = {});
  ~PushdownClient();
  PushdownReply pushdown(const PushdownRequest& request);
  nlohmann::json manifest(const std::string& dataset);
  nlohmann::json health();
  /// GET /v1/probe?bytes=N (link calibration): `elapsed_s` from request sent to body received,
  /// `bytes` the body's size (N plus a small safetensors header).
  PushdownTimings probe(int64_t bytes);
  const std::string& url() const { return url_; }

 private:
  struct Answer {
    int status = 0;
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
    double elapsed_s = 0;
    int attempts = 0;
  };
  Answer call(const std::string& method, const std::string& path, const std::string& body);
  std::unique_ptr<httplib::Client> acquire();
  void release(std::unique_ptr<httplib::Client> c);

  std::string url_, host_;
  int port_ = 0;
  std::string token_;
  RetryPolicy retry_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<httplib::Client>> pool_;
};

}  // namespace tiersplit::real_exec
