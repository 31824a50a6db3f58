// free_port.hpp: a TCP port on 127.0.0.1 that nothing listens on (a rendezvous, a test server).
#pragma once

namespace tiersplit {

/// A port the kernel just handed out for 127.0.0.1 (bound, then released: another process may
/// take it before the caller binds it). Throws Error when no socket can be bound.
int free_tcp_port();

}  // namespace tiersplit
