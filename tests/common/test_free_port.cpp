// test_free_port.cpp: the port free_tcp_port hands out can be listened on at once.
#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/free_port.hpp"

TEST_CASE("a free TCP port on 127.0.0.1 can be bound and listened on") {
  const int port = tiersplit::free_tcp_port();
  CHECK(port > 0);
  CHECK(port <= 65535);
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  CHECK(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  CHECK(listen(fd, 1) == 0);
  close(fd);
}
