// admission.hpp: admission control of pushdown requests against a server memory budget.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace tiersplit::real_exec {

/// Grants memory reservations while their sum stays within a budget. A request that can never
/// fit (more than the whole budget) is refused at once; one that does not fit now waits up to a
/// deadline and is then told to retry. Reservations are released by Ticket's destructor.
class MemoryAdmission {
 public:
  enum class Outcome { kAdmitted, kBusy, kNeverFits };

  class Ticket {
   public:
    Ticket() = default;
    Ticket(MemoryAdmission* owner, int64_t bytes) : owner_(owner), bytes_(bytes) {}
    Ticket(Ticket&& o) noexcept : owner_(o.owner_), bytes_(o.bytes_) { o.owner_ = nullptr; }
    Ticket& operator=(Ticket&& o) noexcept;
    Ticket(const Ticket&) = delete;
    Ticket& operator=(const Ticket&) = delete;
    ~Ticket() { release(); }
    void release();

   private:
    MemoryAdmission* owner_ = nullptr;
    int64_t bytes_ = 0;
  };

  explicit MemoryAdmission(int64_t budget_bytes) : budget_(budget_bytes) {}

  /// Reserves `bytes`, waiting at most `max_wait` for others to release; `ticket` holds the
  /// reservation when the outcome is kAdmitted.
  Outcome acquire(int64_t bytes, std::chrono::milliseconds max_wait, Ticket& ticket);

  int64_t budget() const { return budget_; }
  int64_t in_use() const;
  int64_t peak_in_use() const;
  int64_t active() const;

 private:
  void release(int64_t bytes);
  const int64_t budget_;
  mutable std::mutex mutex_;
  std::condition_variable released_;
  int64_t in_use_ = 0, peak_ = 0, active_ = 0;
};

/// At most `slots` holders at once (0: no limit): the server's pushdown slots, so that requests
/// on a tier with fewer cores than requests in flight run their blocks one after the other
/// instead of time-sharing the cores (and thrashing their caches), as the simulator's storage
/// node runs one pushdown per slot. Waiters get a slot in the order they asked (a worker whose
/// piece came first is not passed by later ones, which would hold up a synchronous step).
class ComputeSlots {
 public:
  explicit ComputeSlots(int slots) : slots_(slots) {}
  class Slot {
   public:
    explicit Slot(ComputeSlots* owner) : owner_(owner) {}
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    ~Slot() {
      if (owner_ != nullptr) owner_->release();
    }

   private:
    ComputeSlots* owner_;
  };
  /// Waits for a free slot, after every earlier waiter; the slot is free again when the
  /// returned Slot goes away.
  Slot acquire();
  int slots() const { return slots_; }
  /// Callers waiting for a slot now.
  int waiting() const;

 private:
  void release();
  const int slots_;
  mutable std::mutex mutex_;
  std::condition_variable freed_;
  int busy_ = 0;
  uint64_t next_ticket_ = 0, served_ = 0;  // tickets handed out / granted, in order
};

}  // namespace tiersplit::real_exec
