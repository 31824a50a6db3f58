// fixtures.cpp: helpers of fixtures.hpp that need a port or HTTP.
#include "real_exec/fixtures.hpp"

#include <httplib.h>

#include "common/free_port.hpp"

namespace tiersplit::testing {

int free_port() {
  return free_tcp_port();
}

bool wait_for_server(int port, double seconds) {
  auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < until) {
    httplib::Client c("127.0.0.1", port);
    c.set_connection_timeout(1, 0);
    auto r = c.Get("/v1/health");
    if (r && r->status == 200) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

}  // namespace tiersplit::testing
