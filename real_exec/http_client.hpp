// http_client.hpp: one way to open a keep-alive cpp-httplib client with explicit timeouts.
#pragma once

#include <httplib.h>

#include <memory>
#include <string>

namespace tiersplit::real_exec {

/// A keep-alive client to host:port; `connect_timeout_s` bounds connecting, `io_timeout_s` each
/// read and write (large responses stream within it, it is not a whole-request deadline).
inline std::unique_ptr<httplib::Client> make_http_client(const std::string& host, int port,
                                                         int connect_timeout_s, int io_timeout_s) {
  auto c = std::make_unique<httplib::Client>(host, port);
  c->set_connection_timeout(connect_timeout_s, 0);
  c->set_read_timeout(io_timeout_s, 0);
  c->set_write_timeout(io_timeout_s, 0);
  c->set_keep_alive(true);
  c->set_tcp_nodelay(true);  // small requests must not wait for a delayed ACK (Nagle)
  return c;
}

}  // namespace tiersplit::real_exec
