// pushdown_client.cpp: HTTP calls to the pushdown server with bounded exponential backoff.
#include "real_exec/pushdown_client.hpp"

#include <httplib.h>

#include <chrono>
#include <sstream>
#include <thread>

#include "common/strings.hpp"
#include "real_exec/http_client.hpp"

namespace tiersplit::real_exec {

namespace {

// Per-call socket timeouts [s]: long enough for a large response over a slow shaped link.
constexpr int kConnectTimeoutS = 5;
constexpr int kReadTimeoutS = 300;

/// A timing value the server sent in header `key` [ms], in seconds; anything but a number >= 0
/// is refused, naming the header and the value.
double ms_to_s(const std::string& value, const char* key) {
  return parse_non_negative(value, std::string("the server's header ") + key) / 1e3;
}

/// Header `key`'s timing in seconds; 0 when the server did not send it.
double header_ms(const std::vector<std::pair<std::string, std::string>>& h, const char* key) {
  for (const auto& [k, v] : h)
    if (strcasecmp(k.c_str(), key) == 0) return ms_to_s(v, key);
  return 0;
}

std::string header_value(const std::vector<std::pair<std::string, std::string>>& h,
                         const char* key) {
  for (const auto& [k, v] : h) {
    if (strcasecmp(k.c_str(), key) == 0) return v;
  }
  return "";
}

std::string error_message(const std::string& body) {
  try {
    auto j = nlohmann::json::parse(body);
    if (j.contains("error")) return j.at("error").get<std::string>();
  } catch (const std::exception&) {
  }
  return body.substr(0, 200);
}

}  // namespace

PushdownClient::PushdownClient(const std::string& url, std::string token, RetryPolicy retry)
    : url_(url), token_(std::move(token)), retry_(retry) {
  ignore_sigpipe();
  std::string rest = url;
  if (rest.rfind("http://", 0) == 0) rest = rest.substr(7);
  while (!rest.empty() && rest.back() == '/') rest.pop_back();
  auto colon = rest.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    fail("server URL '", url, "' must look like http://HOST:PORT");
  }
  host_ = rest.substr(0, colon);
  try {
    std::size_t used = 0;
    port_ = std::stoi(rest.substr(colon + 1), &used);
    if (used != rest.size() - colon - 1 || port_ <= 0 || port_ > 65535) throw std::out_of_range("");
  } catch (const std::exception&) {
    fail("server URL '", url, "': port is not a number in 1..65535");
  }
}

PushdownClient::~PushdownClient() = default;

std::unique_ptr<httplib::Client> PushdownClient::acquire() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!pool_.empty()) {
      auto c = std::move(pool_.back());
      pool_.pop_back();
      return c;
    }
  }
  return make_http_client(host_, port_, kConnectTimeoutS, kReadTimeoutS);
}

void PushdownClient::release(std::unique_ptr<httplib::Client> c) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (pool_.size() < 32) pool_.push_back(std::move(c));
}

PushdownClient::Answer PushdownClient::call(const std::string& method, const std::string& path,
                                            const std::string& body) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  double backoff = retry_.initial_backoff_s;
  std::string last_problem;
  int last_status = 0;
  for (int attempt = 1;; ++attempt) {
    httplib::Headers h;
    if (!token_.empty()) h.emplace("Authorization", "Bearer " + token_);
    auto c = acquire();
    auto t0 = Clock::now();
    httplib::Result res = method == "POST" ? c->Post(path.c_str(), h, body, "application/json")
                                           : c->Get(path.c_str(), h);
    double elapsed = std::chrono::duration<double>(Clock::now() - t0).count();
    if (res) {
      int status = res->status;
      bool retryable =
          status == 502 || status == 503 || status == 504 || status == 429 || status == 500;
      if (!retryable) {
        Answer a;
        a.status = status;
        a.body = std::move(res->body);
        for (const auto& [k, v] : res->headers) a.headers.emplace_back(k, v);
        a.elapsed_s = elapsed;
        a.attempts = attempt;
        release(std::move(c));
        return a;
      }
      last_status = status;
      last_problem = "HTTP " + std::to_string(status) + ": " + error_message(res->body);
      release(std::move(c));
    } else {
      last_status = 0;
      last_problem = httplib::to_string(res.error());  // connection dropped: do not reuse it
    }
    double spent = std::chrono::duration<double>(Clock::now() - start).count();
    if (spent + backoff > retry_.max_total_s) {
      throw PushdownError(last_status, "server " + url_ + " " + method + " " + path.substr(0, 40) +
                                           " failed after " + std::to_string(attempt) +
                                           " attempt(s): " + last_problem);
    }
    std::this_thread::sleep_for(std::chrono::duration<double>(backoff));
    backoff = std::min(backoff * 2, retry_.max_backoff_s);
  }
}

PushdownReply PushdownClient::pushdown(const PushdownRequest& request) {
  Answer a = call("POST", "/v1/pushdown", to_json(request).dump());
  if (a.status != 200) {
    throw PushdownError(a.status, "server " + url_ + " refused pushdown (HTTP " +
                                      std::to_string(a.status) + "): " + error_message(a.body));
  }
  PushdownReply r;
  r.tensors = decode_safetensors(a.body, "pushdown response from " + url_);
  auto& t = r.timings;
  t.queue_s = header_ms(a.headers, header::kQueueMs);
  t.read_s = header_ms(a.headers, header::kReadMs);
  t.decode_s = header_ms(a.headers, header::kDecodeMs);
  t.compute_s = header_ms(a.headers, header::kComputeMs);
  t.compute_cpu_s = header_ms(a.headers, header::kComputeCpuMs);
  t.serialize_s = header_ms(a.headers, header::kSerializeMs);
  t.server_s = header_ms(a.headers, header::kTotalMs);
  std::stringstream ss(header_value(a.headers, header::kBlockMs));
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (!item.empty()) t.block_s.push_back(ms_to_s(item, header::kBlockMs));
  }
  t.elapsed_s = a.elapsed_s;
  t.transfer_s = std::max(0.0, a.elapsed_s - t.server_s);
  t.bytes = static_cast<int64_t>(a.body.size());
  t.attempts = a.attempts;
  t.link = header_value(a.headers, header::kLink);
  return r;
}

nlohmann::json PushdownClient::manifest(const std::string& dataset) {
  Answer a = call("GET", "/v1/datasets/" + dataset + "/manifest", "");
  if (a.status != 200) {
    throw PushdownError(a.status, "server " + url_ + ": no manifest for dataset '" + dataset +
                                      "' (HTTP " + std::to_string(a.status) +
                                      "): " + error_message(a.body));
  }
  return nlohmann::json::parse(a.body);
}

PushdownTimings PushdownClient::probe(int64_t bytes) {
  Answer a = call("GET", "/v1/probe?bytes=" + std::to_string(bytes), "");
  if (a.status != 200) {
    throw PushdownError(a.status, "server " + url_ + " probe: HTTP " + std::to_string(a.status) +
                                      ": " + error_message(a.body));
  }
  PushdownTimings t;
  t.elapsed_s = a.elapsed_s;
  t.transfer_s = a.elapsed_s;
  t.bytes = static_cast<int64_t>(a.body.size());
  t.attempts = a.attempts;
  t.link = header_value(a.headers, header::kLink);
  return t;
}

nlohmann::json PushdownClient::health() {
  Answer a = call("GET", "/v1/health", "");
  if (a.status != 200) {
    throw PushdownError(a.status, "server " + url_ + " health: HTTP " + std::to_string(a.status) +
                                      ": " + error_message(a.body));
  }
  return nlohmann::json::parse(a.body);
}

}  // namespace tiersplit::real_exec
