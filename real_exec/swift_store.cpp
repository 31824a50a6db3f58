// swift_store.cpp: OpenStack Swift backend over its REST API (tempauth v1 token, keep-alive pool).
#include <httplib.h>

#include <cstdlib>
#include <mutex>

#include "real_exec/http_client.hpp"
#include "real_exec/object_store.hpp"
#include "real_exec/protocol.hpp"

namespace tiersplit::real_exec {

namespace {

// Timeouts for every Swift call [s]: a store that is down fails fast, a slow GET still completes.
constexpr int kConnectTimeoutS = 3;
constexpr int kReadTimeoutS = 60;

std::string env_or(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

/// Percent-encodes an object name for a URL path ('/' kept).
std::string encode_path(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '/' || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

class SwiftStore : public ObjectStore {
 public:
  SwiftStore(std::string host, int port, std::string container)
      : host_(std::move(host)),
        port_(port),
        container_(std::move(container)),
        user_(env_or("TIERSPLIT_SWIFT_USER", "test:tester")),
        key_(env_or("TIERSPLIT_SWIFT_KEY", "testing")) {
    ignore_sigpipe();
  }

  std::string get(const std::string& name) override {
    check_object_name(name);
    auto res = call("GET", object_path(name), "");
    if (res.status == 404) {
      throw StoreError(StoreError::Kind::kNotFound, "object '" + name + "' not found in " + url());
    }
    check(res, "GET " + name);
    return std::move(res.body);
  }

  void put(const std::string& name, const std::string& data) override {
    check_object_name(name);
    ensure_container();
    auto res = call("PUT", object_path(name), data);
    check(res, "PUT " + name);
  }

  std::vector<std::string> list(const std::string& prefix) override {
    std::vector<std::string> out;
    std::string marker;
    for (;;) {
      std::string q = container_path() + "?format=plain&limit=10000&prefix=" + encode_path(prefix) +
                      "&marker=" + encode_path(marker);
      auto res = call("GET", q, "");
      if (res.status == 404) return out;  // no container yet: nothing stored
      check(res, "list " + prefix);
      std::size_t before = out.size();
      std::size_t pos = 0;
      while (pos < res.body.size()) {
        auto nl = res.body.find('\n', pos);
        if (nl == std::string::npos) nl = res.body.size();
        if (nl > pos) out.push_back(res.body.substr(pos, nl - pos));
        pos = nl + 1;
      }
      if (out.size() == before || out.size() - before < 10000) break;
      marker = out.back();
    }
    return out;
  }

  std::string url() const override {
    return "swift://" + host_ + ":" + std::to_string(port_) + "/" + container_;
  }

 private:
  struct Result {
    int status = 0;
    std::string body;
  };

  std::string container_path() { return storage_path() + "/" + encode_path(container_); }
  std::string object_path(const std::string& name) {
    return container_path() + "/" + encode_path(name);
  }
  std::string storage_path() {
    std::lock_guard<std::mutex> lock(auth_mutex_);
    if (storage_path_.empty()) authenticate_locked();
    return storage_path_;
  }

  [[noreturn]] void unavailable(const std::string& what) {
    throw StoreError(StoreError::Kind::kUnavailable,
                     "Swift at " + host_ + ":" + std::to_string(port_) + " unavailable (" + what +
                         "); is it running? (scripts/swift-aio.sh)");
  }

  std::unique_ptr<httplib::Client> make_client() {
    return make_http_client(host_, port_, kConnectTimeoutS, kReadTimeoutS);
  }

  void authenticate_locked() {
    auto c = make_client();
    httplib::Headers h{{"X-Auth-User", user_}, {"X-Auth-Key", key_}};
    auto res = c->Get("/auth/v1.0", h);
    if (!res) unavailable("auth: " + httplib::to_string(res.error()));
    if (res->status == 401 || res->status == 403) {
      throw StoreError(StoreError::Kind::kDenied, "Swift tempauth refused user '" + user_ +
                                                      "' (set TIERSPLIT_SWIFT_USER/_KEY)");
    }
    if (res->status / 100 != 2) unavailable("auth: HTTP " + std::to_string(res->status));
    token_ = res->get_header_value("X-Auth-Token");
    std::string storage_url = res->get_header_value("X-Storage-Url");
    // Keep only the path (/v1/AUTH_test): the host we were given is the one to use.
    auto p = storage_url.find("/v1/");
    if (token_.empty() || p == std::string::npos) unavailable("auth: no token or storage URL");
    storage_path_ = storage_url.substr(p);
  }

  std::unique_ptr<httplib::Client> acquire() {
    std::lock_guard<std::mutex> lock(pool_mutex_);
    if (pool_.empty()) return make_client();
    auto c = std::move(pool_.back());
    pool_.pop_back();
    return c;
  }
  void release(std::unique_ptr<httplib::Client> c) {
    std::lock_guard<std::mutex> lock(pool_mutex_);
    if (pool_.size() < 16) pool_.push_back(std::move(c));
  }

  Result call(const std::string& method, const std::string& path, const std::string& body) {
    for (int attempt = 0; attempt < 2; ++attempt) {
      std::string token;
      {
        std::lock_guard<std::mutex> lock(auth_mutex_);
        if (token_.empty()) authenticate_locked();
        token = token_;
      }
      httplib::Headers h{{"X-Auth-Token", token}};
      auto c = acquire();
      httplib::Result res = method == "GET" ? c->Get(path.c_str(), h)
                            : method == "PUT"
                                ? c->Put(path.c_str(), h, body, "application/octet-stream")
                                : c->Delete(path.c_str(), h);
      if (!res) {
        // A pooled keep-alive connection may have been closed by the server: one fresh retry.
        if (attempt == 0) continue;
        if (res.error() == httplib::Error::Read) {
          throw StoreError(StoreError::Kind::kTimeout,
                           "Swift at " + host_ + ":" + std::to_string(port_) +
                               " did not answer within " + std::to_string(kReadTimeoutS) + " s");
        }
        unavailable(httplib::to_string(res.error()));
      }
      int status = res->status;
      Result r{status, std::move(res->body)};
      release(std::move(c));
      if (status == 401 && attempt == 0) {  // token expired: authenticate again
        std::lock_guard<std::mutex> lock(auth_mutex_);
        token_.clear();
        continue;
      }
      return r;
    }
    unavailable("retries exhausted");
  }

  void check(const Result& r, const std::string& what) {
    if (r.status / 100 == 2) return;
    if (r.status == 401 || r.status == 403) {
      throw StoreError(StoreError::Kind::kDenied,
                       what + ": Swift answered HTTP " + std::to_string(r.status));
    }
    if (r.status >= 500) unavailable(what + ": HTTP " + std::to_string(r.status));
    throw StoreError(StoreError::Kind::kInvalid,
                     what + ": Swift answered HTTP " + std::to_string(r.status));
  }

  void ensure_container() {
    std::call_once(container_once_, [&] {
      auto res = call("PUT", container_path(), "");
      check(res, "create container " + container_);
    });
  }

  std::string host_;
  int port_;
  std::string container_;
  std::string user_, key_;
  std::mutex auth_mutex_;
  std::string token_, storage_path_;
  std::mutex pool_mutex_;
  std::vector<std::unique_ptr<httplib::Client>> pool_;
  std::once_flag container_once_;
};

}  // namespace

std::unique_ptr<ObjectStore> open_swift_store(const std::string& host, int port,
                                              const std::string& container) {
  if (container.empty()) fail("swift store needs a container: swift://HOST:PORT/CONTAINER");
  return std::make_unique<SwiftStore>(host, port, container);
}

}  // namespace tiersplit::real_exec
