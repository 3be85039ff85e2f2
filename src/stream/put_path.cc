// StreamRegistry::PutRecords: routing, batching per shard, sequence numbers, group commit.
#include <spdlog/spdlog.h>

#include <atomic>
#include <cstring>
#include <mutex>
#include <utility>

#include "common/clock.h"
#include "storage/record_batch.h"
#include "stream/record_codec.h"
#include "stream/registry_internal.h"
#include "stream/sequence_number.h"

namespace runnel::stream {
namespace {

// Per-thread scratch, reused across requests so the hot path does not allocate per record.
struct PutScratch {
  std::vector<storage::BatchBuilder> builders;  // one per touched shard
  std::vector<int> slot_of_position;            // shard position -> builder slot, or -1
  std::vector<int> position_of_slot;
  std::vector<int> slot_of_entry;
  std::vector<size_t> slot_records;  // per builder slot: records and payload bytes
  std::vector<size_t> slot_bytes;
  std::vector<int64_t> last_entry_of_slot;  // the slot's previous entry (sequence numbers)
};
thread_local PutScratch t_scratch;

// Counts down the shards of one request; the last durable one answers.
struct PendingPut {
  std::atomic<int> remaining{0};
  std::mutex mu;
  std::optional<StreamError> error;  // REQUIRES: mu
  PutOutcome outcome;
  PutCallback done;

  void Finish(std::optional<StreamError> err) {
    if (err) {
      std::lock_guard l(mu);
      if (!error) error = std::move(err);
    }
    if (remaining.fetch_sub(1) == 1) {
      if (error) {
        done(MakeUnexpected(std::move(*error)));
      } else {
        done(std::move(outcome));
      }
    }
  }
};

StreamError Err(StreamErrc code, std::string_view account, std::string_view name) {
  StreamError e;
  e.code = code;
  e.account = std::string(account);
  e.stream = std::string(name);
  return e;
}

}  // namespace

void StreamRegistry::PutRecords(std::string_view account, std::string_view name,
                                std::span<const PutEntry> entries,
                                std::optional<std::string_view> sequence_for_ordering,
                                PutCallback done) {
  const int64_t now = Clock::NowMs();
  auto s = Find(account, name);
  if (!s) return done(MakeUnexpected(NotFound(account, name)));

  auto pending = std::make_shared<PendingPut>();
  pending->done = std::move(done);
  PutScratch& sc = t_scratch;
  std::vector<std::pair<std::shared_ptr<storage::Log>, storage::Offset>> to_sync;
  {
    std::shared_lock sl(s->mu);
    StreamStatus st = s->meta.StatusAt(now);
    if (st != StreamStatus::kActive && st != StreamStatus::kUpdating) {
      return pending->done(MakeUnexpected(NotFound(account, name)));
    }
    const StreamMeta& m = s->meta;
    const size_t limit = size_t{m.max_record_size_kib} * 1024;
    for (size_t i = 0; i < entries.size(); ++i) {
      size_t size = entries[i].partition_key.size() + entries[i].data.size();
      if (size > limit) {
        StreamError e = Err(StreamErrc::kRecordTooLarge, account, name);
        e.n1 = static_cast<int64_t>(size);
        e.n2 = static_cast<int64_t>(limit);
        e.index = entries.size() == 1 ? -1 : static_cast<int64_t>(i);
        return pending->done(MakeUnexpected(std::move(e)));
      }
    }

    // Route every entry to the open shard whose range holds its hash key.
    sc.slot_of_position.assign(m.shards.size(), -1);
    sc.position_of_slot.clear();
    sc.slot_of_entry.resize(entries.size());
    for (size_t i = 0; i < entries.size(); ++i) {
      HashKey hk = entries[i].explicit_hash_key ? *entries[i].explicit_hash_key
                                                : HashOfPartitionKey(entries[i].partition_key);
      int pos = -1;
      for (size_t p = 0; p < m.shards.size(); ++p) {
        if (m.shards[p].open() && m.shards[p].range.Contains(hk)) {
          pos = static_cast<int>(p);
          break;
        }
      }
      if (pos < 0) {  // cannot happen while open shards cover the space
        StreamError e = Err(StreamErrc::kInternal, account, name);
        e.value = "no open shard covers a hash key";
        return pending->done(MakeUnexpected(std::move(e)));
      }
      if (sc.slot_of_position[pos] < 0) {
        sc.slot_of_position[pos] = static_cast<int>(sc.position_of_slot.size());
        sc.position_of_slot.push_back(pos);
      }
      sc.slot_of_entry[i] = sc.slot_of_position[pos];
    }

    if (sequence_for_ordering) {
      // The new number must be greater than the given one; ours always are within a shard,
      // so only numbers that do not parse or lie in the future are rejected.
      auto f = DecodeSequenceNumber(*sequence_for_ordering);
      bool bad = !f || f->arrival_s > now / 1000 + 1 || f->shard_creation_s > now / 1000 + 1;
      if (!bad && sc.position_of_slot.size() == 1) {
        const ShardMeta& target = m.shards[sc.position_of_slot[0]];
        const auto& log = *s->logs[sc.position_of_slot[0]];
        if (f->shard_index == target.index && f->counter != kEndingCounter &&
            f->counter > log.EndOffset().value()) {
          bad = true;
        }
      }
      if (bad) {
        StreamError e = Err(StreamErrc::kOrderingSequenceInvalid, account, name);
        e.value = std::string(*sequence_for_ordering);
        return pending->done(MakeUnexpected(std::move(e)));
      }
    }

    // One batch per touched shard, records in request order, each built in one allocation
    // (kept across requests); each record is copied in once, from the decoded request data.
    const size_t slots = sc.position_of_slot.size();
    if (sc.builders.size() < slots) sc.builders.resize(slots);
    sc.slot_records.assign(slots, 0);
    sc.slot_bytes.assign(slots, 0);
    for (size_t i = 0; i < entries.size(); ++i) {
      int slot = sc.slot_of_entry[i];
      ++sc.slot_records[slot];
      sc.slot_bytes[slot] +=
          kRecordHeaderBytes + entries[i].partition_key.size() + entries[i].data.size();
    }
    for (size_t k = 0; k < slots; ++k) {
      sc.builders[k].Clear();
      sc.builders[k].Reserve(sc.slot_records[k], sc.slot_bytes[k]);
    }
    const uint8_t flags = m.encryption_type == "KMS" ? kRecordFlagEncrypted : 0;
    for (size_t i = 0; i < entries.size(); ++i) {
      const auto& e = entries[i];
      char header[kRecordHeaderBytes];
      EncodeRecordHeader(flags, e.partition_key, header);
      sc.builders[sc.slot_of_entry[i]].Add(now, std::string_view(header, sizeof(header)),
                                           e.partition_key, e.data);
    }

    pending->outcome.entries.resize(entries.size());
    pending->outcome.encrypted = flags != 0;
    std::vector<uint64_t> base(slots);
    for (size_t k = 0; k < slots; ++k) {
      auto& log = s->logs[sc.position_of_slot[k]];
      auto off = log->Append(sc.builders[k]);
      if (!off) {
        spdlog::error("append to stream '{}' {}: {}", m.name,
                      ShardIdOf(m.shards[sc.position_of_slot[k]].index), off.error().detail);
        StreamError e = Err(StreamErrc::kInternal, account, name);
        e.value = off.error().detail;
        // Records of earlier slots may be in the log already; the whole call fails and the
        // client retries (at-least-once, as with AWS).
        return pending->done(MakeUnexpected(std::move(e)));
      }
      base[k] = off->value();
      to_sync.emplace_back(log, storage::Offset(base[k] + sc.builders[k].record_count()));
    }

    // Sequence numbers: counter = offset + 1, arrival = now. Within a slot only the counter
    // changes, by one per record: each number after the slot's first is the previous one
    // incremented (IncrementSequenceCounter), not encoded afresh.
    std::vector<uint64_t> next(base);
    sc.last_entry_of_slot.assign(slots, -1);
    for (size_t i = 0; i < entries.size(); ++i) {
      int slot = sc.slot_of_entry[i];
      const ShardMeta& sh = m.shards[sc.position_of_slot[slot]];
      uint64_t offset = next[slot]++;
      auto& out = pending->outcome.entries[i];
      out.shard_index = sh.index;
      const int64_t prev = std::exchange(sc.last_entry_of_slot[slot], static_cast<int64_t>(i));
      if (prev >= 0 && offset + 1 < kEndingCounter) {
        const auto& p = pending->outcome.entries[prev];
        std::memcpy(out.sequence, p.sequence, sizeof(out.sequence));
        out.sequence_length = p.sequence_length;
        if (IncrementSequenceCounter(out.sequence, out.sequence_length)) continue;
      }
      SequenceFields f{ShardCreationSeconds(sh), sh.index, offset + 1, now / 1000};
      out.sequence_length = static_cast<uint8_t>(EncodeSequenceNumberTo(f, out.sequence));
    }
  }

  pending->remaining = static_cast<int>(to_sync.size());
  for (auto& [log, end] : to_sync) {
    committer_->WhenDurable(log, end, [pending, raw = log.get(),
                                       waiters = std::weak_ptr<ShardWaiters>(waiters_)](
                                          storage::StorageResult<void> r) {
      if (r) {
        // The new records are visible now: wake long polls and idle subscriptions.
        if (auto w = waiters.lock()) w->Notify(raw);
        return pending->Finish(std::nullopt);
      }
      StreamError e;
      e.code = StreamErrc::kInternal;
      e.value = r.error().detail;
      pending->Finish(std::move(e));
    });
  }
}

}  // namespace runnel::stream
