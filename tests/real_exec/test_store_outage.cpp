// test_store_outage.cpp: Swift stopped in the middle of an epoch. The server answers 503 while it
// is away and the trainer retries; when it comes back the epoch finishes with every sample once.
// When it does not come back, the trainer stops at its deadline with one clear error. Swift sits
// behind a TCP relay that the test cuts (the shared Swift of the other tests keeps running).
// clang-format off
#include "support/doctest_torch.hpp"  // first: LibTorch, then doctest (glog's CHECK macros)
// clang-format on

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <future>
#include <mutex>
#include <thread>

#include "real_exec/fixtures.hpp"
#include "real_exec/pushdown_client.hpp"
#include "real_exec/pushdown_server.hpp"
#include "real_exec/trainer.hpp"

using namespace tiersplit;
using namespace tiersplit::real_exec;
using namespace tiersplit::testing;

namespace {

/// A TCP relay 127.0.0.1:port() -> 127.0.0.1:target that can be cut (listener closed, every
/// open connection reset) and restored on the same port.
class Relay {
 public:
  explicit Relay(int target) : target_(target), port_(free_port()) { open(); }
  ~Relay() {
    cut();
    for (auto& t : pumps_) t.join();
    for (int fd : open_) ::close(fd);
  }
  int port() const { return port_; }

  void cut() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (listener_ >= 0) ::shutdown(listener_, SHUT_RDWR);
    if (acceptor_.joinable()) acceptor_.join();
    if (listener_ >= 0) ::close(listener_);
    listener_ = -1;
    for (int fd : open_) ::shutdown(fd, SHUT_RDWR);
  }
  void open() {
    std::lock_guard<std::mutex> lock(mutex_);
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a = address(port_);
    REQUIRE(::bind(listener_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    ::listen(listener_, 64);
    acceptor_ = std::thread([this, fd = listener_] { accept_loop(fd); });
  }

 private:
  static sockaddr_in address(int port) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
  }
  void accept_loop(int listener) {
    for (;;) {
      int client = ::accept(listener, nullptr, nullptr);
      if (client < 0) return;
      int server = ::socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in a = address(target_);
      if (::connect(server, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        ::close(client);
        ::close(server);
        continue;
      }
      std::lock_guard<std::mutex> lock(pumps_mutex_);
      open_.push_back(client);
      open_.push_back(server);
      pumps_.emplace_back([client, server] { pump(client, server); });
    }
  }
  static void pump(int a, int b) {
    pollfd fds[2] = {{a, POLLIN, 0}, {b, POLLIN, 0}};
    char buf[65536];
    while (::poll(fds, 2, -1) > 0) {
      for (int i = 0; i < 2; ++i) {
        if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
        if (n <= 0 || ::write(fds[1 - i].fd, buf, static_cast<size_t>(n)) != n) {
          ::shutdown(a, SHUT_RDWR);
          ::shutdown(b, SHUT_RDWR);
          return;
        }
      }
    }
  }

  int target_, port_;
  int listener_ = -1;
  std::mutex mutex_, pumps_mutex_;
  std::thread acceptor_;
  std::vector<std::thread> pumps_;
  std::vector<int> open_;  // every relayed connection's two sockets, closed at the end
};

struct OutageSetup {
  Relay relay{18080};
  std::unique_ptr<PushdownServer> server;
  std::string url;
  OutageSetup() {
    ServerOptions so;
    so.store = "swift://127.0.0.1:" + std::to_string(relay.port()) + "/tiersplit-test";
    so.listen = "127.0.0.1:0";
    server = std::make_unique<PushdownServer>(so);
    url = "http://127.0.0.1:" + std::to_string(server->start());
  }
  TrainOptions job(double retry_s) const {
    TrainOptions o;
    o.server = url;
    o.dataset = "outage";
    o.model = "resnet18";
    o.split = 2;
    o.batch = 10;
    o.storage_batch = 10;
    o.epochs = 2;
    o.prefetch = 0;
    o.eval_samples = -1;
    o.heap_reserve_mib = 0;
    o.retry = RetryPolicy{0.05, 0.2, retry_s};
    return o;
  }
};

/// The small data set in the shared Swift, once per test process.
void import_outage_dataset() {
  static const bool done = [] {
    auto o = small_import(kSwiftStore);
    o.name = "outage";
    import_fashion_mnist(o);
    return true;
  }();
  (void)done;
}

}  // namespace

TEST_CASE("swift stopped mid-epoch: 503 while away, retried, every sample once when it returns") {
  import_outage_dataset();
  OutageSetup s;
  PushdownClient watch(s.url);
  auto run = std::async(std::launch::async, [&] { return run_training(s.job(60)); });
  while (watch.health().at("served").get<int64_t>() < 3)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  s.relay.cut();
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  const int64_t refused = watch.health().at("refused").get<int64_t>();
  s.relay.open();
  nlohmann::json r = run.get();
  CHECK(refused > 0);
  CHECK(r.at("samples_exact") == true);
  CHECK(r.at("iterations").size() == 20);
  int64_t retried = 0;
  for (const auto& it : r.at("iterations")) retried += it.at("attempts").get<int64_t>() > 1;
  CHECK(retried >= 1);
}

TEST_CASE("swift stopped for good: the trainer gives up at its deadline with one clear error") {
  import_outage_dataset();
  OutageSetup s;
  s.relay.cut();
  try {
    run_training(s.job(1.0));
    FAIL("expected the trainer to give up");
  } catch (const PushdownError& e) {
    CHECK(e.status() == 503);
    CHECK(std::string(e.what()).find("Swift") != std::string::npos);
  }
}
