// pushdown_routes.hpp: the pushdown server's HTTP face — auth, routes, status mapping, probe,
// manifest, health — apart from the LibTorch work, so that it can be fuzzed on its own.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace tiersplit::real_exec {

class ObjectStore;
class Pacer;

/// A refused request: the HTTP status it maps to, and Retry-After [s] when > 0.
struct HttpError {
  int status;
  std::string message;
  double retry_after_s = 0;
};

/// Refused requests by HTTP status (GET /v1/health shows both the total and the split).
class Refusals {
 public:
  void count(int status);
  int64_t total() const;
  std::map<int, int64_t> by_status() const;

 private:
  mutable std::mutex mutex_;
  std::map<int, int64_t> counts_;
};

/// What the routes need from the server around them.
struct Routes {
  std::string token;                       ///< bearer token required when not empty
  int64_t max_request_bytes = 1 << 20;     ///< request body cap [B]
  int64_t max_response_bytes = 512 << 20;  ///< probe cap [B]
  ObjectStore* store = nullptr;            ///< for dataset manifests
  Pacer* pacer = nullptr;                  ///< shapes sends when set
  std::function<std::string()> link;  ///< how sends are shaped, for the X-Tiersplit-Link header
  /// POST /v1/pushdown: fills the response headers and returns the body; throws HttpError.
  std::function<std::shared_ptr<std::string>(const httplib::Request&, httplib::Response&)> pushdown;
  std::function<nlohmann::json()> health;  ///< GET /v1/health's document
  Refusals* refused = nullptr;             ///< counts refused requests when set
};

/// Installs every route on `http` (which must outlive nothing: `routes` is copied).
void install_pushdown_routes(httplib::Server& http, const Routes& routes);

/// Per-request server timings for the response headers [ms, three decimals].
std::string format_ms(double seconds);

}  // namespace tiersplit::real_exec
