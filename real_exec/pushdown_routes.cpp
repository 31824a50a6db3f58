// pushdown_routes.cpp: the pushdown server's HTTP face — auth, routes, status mapping, probe,
// manifest, health.
#include "real_exec/pushdown_routes.hpp"

#include <httplib.h>

#include <cstdio>
#include <thread>

#include "common/error.hpp"
#include "common/strings.hpp"
#include "real_exec/dataset.hpp"
#include "real_exec/object_store.hpp"
#include "real_exec/pacer.hpp"
#include "real_exec/protocol.hpp"
#include "real_exec/safetensors.hpp"

namespace tiersplit::real_exec {

namespace {

// Bytes per chunk handed to the socket when a pacer shapes the response.
constexpr int64_t kPacedChunkBytes = 16 * 1024;

/// JSON text of `j`; bytes that are not UTF-8 (a request can echo any) become U+FFFD instead of
/// throwing.
std::string dump(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string json_error(const std::string& message) {
  return dump(nlohmann::json{{"error", message}});
}

}  // namespace

void Refusals::count(int status) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++counts_[status];
}

int64_t Refusals::total() const {
  std::lock_guard<std::mutex> lock(mutex_);
  int64_t n = 0;
  for (const auto& [status, count] : counts_) n += count;
  return n;
}

std::map<int, int64_t> Refusals::by_status() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return counts_;
}

namespace {

void count_refused(const Routes& r, int status) {
  if (r.refused) r.refused->count(status);
}

/// Sends `body` as the response: at once, or in paced chunks when the pacer shapes sends. The
/// body (and what its owner holds with it: the request's memory reservation) lives until sent.
void send_body(Pacer* pacer, httplib::Response& res, std::shared_ptr<std::string> body) {
  if (!pacer) {
    res.set_content_provider(
        body->size(), "application/octet-stream",
        [body](size_t offset, size_t length, httplib::DataSink& sink) {
          return sink.write(body->data() + offset, length);
        });
    return;
  }
  auto first = std::make_shared<bool>(true);
  res.set_content_provider(
      body->size(), "application/octet-stream",
      [body, pacer, first](size_t offset, size_t length, httplib::DataSink& sink) {
        if (*first) {
          std::this_thread::sleep_for(pacer->delay());
          *first = false;
        }
        size_t chunk = std::min<size_t>(length, kPacedChunkBytes);
        pacer->wait_for_send(static_cast<int64_t>(chunk));
        return sink.write(body->data() + offset, chunk);
      });
}

/// Requires "Authorization: Bearer TOKEN" (compared in constant time) except for health.
void install_auth(httplib::Server& http, const Routes& r) {
  http.set_pre_routing_handler([r](const httplib::Request& req, httplib::Response& res) {
    if (r.token.empty() || req.path == "/v1/health")
      return httplib::Server::HandlerResponse::Unhandled;
    std::string auth = req.get_header_value("Authorization");
    std::string expect = "Bearer " + r.token;
    unsigned diff = auth.size() != expect.size();
    for (std::size_t i = 0; i < std::min(auth.size(), expect.size()); ++i)
      diff |= auth[i] ^ expect[i];
    if (diff == 0) return httplib::Server::HandlerResponse::Unhandled;
    res.status = 401;
    res.set_header("WWW-Authenticate", "Bearer");
    res.set_content(json_error(auth.empty() ? "missing bearer token" : "wrong bearer token"),
                    "application/json");
    count_refused(r, 401);
    return httplib::Server::HandlerResponse::Handled;
  });
}

/// Every failure as a JSON {"error": ...}; an escaped exception is a 500 naming it.
void install_error_handlers(httplib::Server& http, const Routes& r) {
  http.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    std::string msg = res.status == 413   ? "request body too large"
                      : res.status == 404 ? "no such endpoint " + req.method + " " + req.path
                                          : "HTTP " + std::to_string(res.status);
    res.set_content(json_error(msg), "application/json");
  });
  http.set_exception_handler(
      [r](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
        res.status = 500;
        std::string msg = "internal error";
        try {
          std::rethrow_exception(ep);
        } catch (const std::exception& e) {
          msg = std::string("internal error: ") + e.what();
        } catch (...) {
        }
        count_refused(r, 500);
        res.set_content(json_error(msg), "application/json");
      });
}

void install_pushdown(httplib::Server& http, const Routes& r) {
  http.Post("/v1/pushdown", [r](const httplib::Request& req, httplib::Response& res) {
    try {
      send_body(r.pacer, res, r.pushdown(req, res));
    } catch (const HttpError& e) {
      count_refused(r, e.status);
      res.status = e.status;
      if (e.retry_after_s > 0)
        res.set_header("Retry-After", std::to_string(static_cast<int>(e.retry_after_s + 0.5)));
      res.set_content(json_error(e.message), "application/json");
    }
  });
}

void install_manifest(httplib::Server& http, const Routes& r) {
  http.Get(R"(/v1/datasets/([^/]+)/manifest)",
           [r](const httplib::Request& req, httplib::Response& res) {
             std::string name = req.matches[1];
             try {
               check_object_name(name + "/manifest.json");
               res.set_content(dump(load_manifest(*r.store, name)), "application/json");
             } catch (const StoreError& e) {
               res.status = e.kind() == StoreError::Kind::kNotFound      ? 404
                            : e.kind() == StoreError::Kind::kUnavailable ? 503
                                                                         : 502;
               if (res.status == 503) res.set_header("Retry-After", "1");
               res.set_content(json_error(e.what()), "application/json");
             } catch (const Error& e) {
               res.status = 400;
               res.set_content(json_error(e.what()), "application/json");
             }
           });
}

/// Link calibration (`tiersplit calibrate`): N bytes as a one-tensor safetensors document, sent
/// like a pushdown response (same path, same pacer); no store, no model.
void install_probe(httplib::Server& http, const Routes& r) {
  http.Get("/v1/probe", [r](const httplib::Request& req, httplib::Response& res) {
    int64_t bytes = -1;
    try {
      bytes = parse_whole_number(req.get_param_value("bytes"), 0, r.max_response_bytes, "bytes");
    } catch (const Error&) {
    }
    if (bytes < 0) {
      res.status = 400;
      res.set_content(json_error("probe needs ?bytes=N with 0 <= N <= --max-response (" +
                                 std::to_string(r.max_response_bytes) + ")"),
                      "application/json");
      return;
    }
    TensorFile f;
    f.add("probe", RawTensor{"U8", {bytes}, std::string(static_cast<std::size_t>(bytes), '\x5a')});
    res.set_header(header::kTotalMs, format_ms(0));
    res.set_header(header::kLink, r.link());
    send_body(r.pacer, res, std::make_shared<std::string>(encode_safetensors(f)));
  });
}

}  // namespace

std::string format_ms(double seconds) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", seconds * 1e3);
  return buf;
}

void install_pushdown_routes(httplib::Server& http, const Routes& r) {
  http.set_payload_max_length(static_cast<size_t>(r.max_request_bytes));
  install_auth(http, r);
  install_error_handlers(http, r);
  install_pushdown(http, r);
  install_manifest(http, r);
  install_probe(http, r);
  http.Get("/v1/health", [r](const httplib::Request&, httplib::Response& res) {
    res.set_content(dump(r.health()), "application/json");
  });
}

}  // namespace tiersplit::real_exec
