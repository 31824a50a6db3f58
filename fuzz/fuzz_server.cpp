// fuzz_server.cpp: the pushdown server's request handling — the raw HTTP request (request line,
// headers, query, body) through cpp-httplib's parser, the server's routes (auth, probe, manifest,
// health, status mapping), the request body parser and the checks of segments against the
// objects of a small in-memory store. Model loading and the blocks (LibTorch) are not in here:
// the pushdown handler stops where the real server would look up its model.
// Any 500 answer (an exception that escaped a handler) aborts, so libFuzzer keeps the input.
#include <httplib.h>

#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>

#include "common/error.hpp"
#include "fuzz/fuzz_common.hpp"
#include "real_exec/dataset.hpp"
#include "real_exec/object_store.hpp"
#include "real_exec/protocol.hpp"
#include "real_exec/pushdown_routes.hpp"
#include "real_exec/request_objects.hpp"

namespace {

using namespace tiersplit::real_exec;

/// An object store in memory: the objects a request can name, and one that is not a sample.
class MemoryStore : public ObjectStore {
 public:
  MemoryStore() {
    SampleObject o;
    o.count = 4;
    o.channels = 3;
    o.height = o.width = 4;
    o.pixels.assign(4 * 3 * 4 * 4, '\x7f');
    o.labels = {0, 1, 2, 3};
    o.ids = {10, 11, 12, 13};
    objects_["ds/target-train/000000.safetensors"] = encode_sample_object(o);
    objects_["ds/junk"] = "not a sample object";
    objects_["ds/manifest.json"] = R"({"format": "tiersplit-dataset/1", "resolution": 4})";
  }
  std::string get(const std::string& name) override {
    auto it = objects_.find(name);
    if (it == objects_.end())
      throw StoreError(StoreError::Kind::kNotFound, "no object '" + name + "'");
    return it->second;
  }
  void put(const std::string&, const std::string&) override {}
  std::vector<std::string> list(const std::string&) override { return {}; }
  std::string url() const override { return "memory://fuzz"; }

 private:
  std::map<std::string, std::string> objects_;
};

/// The fuzz input as the bytes a client sent; what the server writes back is kept.
class InputStream : public httplib::Stream {
 public:
  InputStream(const char* data, std::size_t size) : data_(data), size_(size) {}
  bool is_readable() const override { return true; }
  bool is_writable() const override { return true; }
  ssize_t read(char* ptr, std::size_t n) override {
    n = std::min(n, size_ - pos_);
    std::memcpy(ptr, data_ + pos_, n);
    pos_ += n;
    return static_cast<ssize_t>(n);
  }
  ssize_t write(const char* ptr, std::size_t n) override {
    if (written_.size() < 64) written_.append(ptr, std::min<std::size_t>(n, 64));
    return static_cast<ssize_t>(n);
  }
  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    ip = "127.0.0.1";
    port = 50000;
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    ip = "127.0.0.1";
    port = 8470;
  }
  socket_t socket() const override { return 0; }
  const std::string& written() const { return written_; }

 private:
  const char* data_;
  std::size_t size_, pos_ = 0;
  std::string written_;
};

/// cpp-httplib's server, fed from a stream instead of a socket (as its own fuzzer does).
class FuzzServer : public httplib::Server {
 public:
  void serve(httplib::Stream& s) {
    bool closed = false;
    process_request(s, true, closed, nullptr);
  }
};

FuzzServer& server() {
  static MemoryStore store;
  static FuzzServer http;
  static std::once_flag once;
  std::call_once(once, [] {
    Routes r;
    r.token = "secret";
    r.max_request_bytes = 4096;
    r.max_response_bytes = 1 << 16;
    r.store = &store;
    r.link = [] { return std::string("none"); };
    r.pushdown = [](const httplib::Request& req, httplib::Response&) {
      PushdownRequest p;
      try {
        p = parse_pushdown_request(req.body);
      } catch (const tiersplit::Error& e) {
        throw HttpError{400, e.what()};
      }
      if (p.model != "alexnet") throw HttpError{404, "unknown model '" + p.model + "'"};
      RequestObjects objects = read_request_objects(p, store, 16);
      return std::make_shared<std::string>(std::to_string(objects.samples));
    };
    r.health = [] { return nlohmann::json{{"status", "ok"}}; };
    install_pushdown_routes(http, r);
  });
  return http;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
  InputStream in(reinterpret_cast<const char*>(data), size);
  server().serve(in);
  if (in.written().rfind("HTTP/1.1 500", 0) == 0) {
    std::fprintf(stderr, "fuzz: the server answered 500 (an exception escaped a handler)\n");
    std::abort();
  }
  return 0;
}
