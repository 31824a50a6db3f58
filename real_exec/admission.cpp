// admission.cpp: MemoryAdmission (a counting budget with bounded waiting).
#include "real_exec/admission.hpp"

#include <algorithm>

namespace tiersplit::real_exec {

MemoryAdmission::Ticket& MemoryAdmission::Ticket::operator=(Ticket&& o) noexcept {
  if (this != &o) {
    release();
    owner_ = o.owner_;
    bytes_ = o.bytes_;
    o.owner_ = nullptr;
  }
  return *this;
}

void MemoryAdmission::Ticket::release() {
  if (owner_) owner_->release(bytes_);
  owner_ = nullptr;
}

MemoryAdmission::Outcome MemoryAdmission::acquire(int64_t bytes, std::chrono::milliseconds max_wait,
                                                  Ticket& ticket) {
  if (bytes > budget_) return Outcome::kNeverFits;
  std::unique_lock<std::mutex> lock(mutex_);
  bool ok = released_.wait_for(lock, max_wait, [&] { return in_use_ + bytes <= budget_; });
  if (!ok) return Outcome::kBusy;
  in_use_ += bytes;
  ++active_;
  peak_ = std::max(peak_, in_use_);
  ticket = Ticket(this, bytes);
  return Outcome::kAdmitted;
}

void MemoryAdmission::release(int64_t bytes) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    in_use_ -= bytes;
    --active_;
  }
  released_.notify_all();
}

int64_t MemoryAdmission::in_use() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return in_use_;
}
int64_t MemoryAdmission::peak_in_use() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return peak_;
}
int64_t MemoryAdmission::active() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return active_;
}

ComputeSlots::Slot ComputeSlots::acquire() {
  if (slots_ <= 0) return Slot(nullptr);
  std::unique_lock<std::mutex> lock(mutex_);
  const uint64_t ticket = next_ticket_++;
  freed_.wait(lock, [&] { return busy_ < slots_ && served_ == ticket; });
  ++served_;
  ++busy_;
  lock.unlock();
  freed_.notify_all();  // the next ticket may take another free slot
  return Slot(this);
}

int ComputeSlots::waiting() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return static_cast<int>(next_ticket_ - served_);
}

void ComputeSlots::release() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    --busy_;
  }
  freed_.notify_all();  // only the next ticket's waiter goes on
}

}  // namespace tiersplit::real_exec
