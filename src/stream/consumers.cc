// StreamRegistry: registered consumers (enhanced fan-out) and waiting for records.
#include <algorithm>

#include "common/clock.h"
#include "stream/registry_internal.h"
#include "stream/sequence_number.h"
#include "stream/tags.h"

namespace runnel::stream {
namespace {

StreamError ConsumerNotFound(const StreamMeta& m, std::string_view name) {
  StreamError e;
  e.code = StreamErrc::kConsumerNotFound;
  e.value = m.Arn() + "/consumer/" + std::string(name);
  e.account = m.account;
  e.stream = m.name;
  return e;
}

StreamRegistry::ConsumerInfo InfoOf(const StreamMeta& m, const ConsumerMeta& c, int64_t now) {
  StreamRegistry::ConsumerInfo info;
  info.meta = c;
  info.meta.status = c.StatusAt(now);
  info.stream_arn = m.Arn();
  info.arn = c.Arn(info.stream_arn);
  return info;
}

// Drops consumers whose deletion is complete.
void PruneGone(StreamMeta& m, int64_t now) {
  std::erase_if(m.consumers,
                [&](const ConsumerMeta& c) { return c.StatusAt(now) == ConsumerStatus::kGone; });
}

}  // namespace

StreamResult<StreamRegistry::ConsumerInfo> StreamRegistry::RegisterConsumer(
    std::string_view account, std::string_view stream, std::string_view name,
    std::map<std::string, std::string> tags) {
  ConsumerInfo info;
  auto r = UpdateStream(account, stream, Require::kAny, [&](StreamMeta& m) -> StreamResult<void> {
    const int64_t now = Clock::NowMs();
    // The consumer's tags obey a stream's rules (characters, at most 50), checked before
    // anything changes.
    TagMap checked;
    if (auto t = AddTags(checked, tags, TagOwner{m.name, m.account}); !t) return t;
    if (m.status != StreamStatus::kActive && m.status != StreamStatus::kUpdating) {
      StreamError e;
      e.code = StreamErrc::kStreamNotActive;
      e.stream = m.name;
      e.account = m.account;
      e.other = std::string(StatusName(m.status));
      return MakeUnexpected(e);
    }
    PruneGone(m, now);
    size_t creating = 0;
    for (const auto& c : m.consumers) {
      if (c.name == name) {
        StreamError e;
        e.code = StreamErrc::kConsumerExists;
        e.value = std::string(name);
        e.stream = m.name;
        e.account = m.account;
        return MakeUnexpected(e);
      }
      creating += c.StatusAt(now) == ConsumerStatus::kCreating ? 1 : 0;
    }
    auto limit = [&](size_t n, const char* which) {
      StreamError e;
      e.code = StreamErrc::kConsumerLimit;
      e.stream = m.name;
      e.account = m.account;
      e.n1 = static_cast<int64_t>(n);
      e.value = which;
      return MakeUnexpected(e);
    };
    if (m.consumers.size() >= options_.consumer_limit) return limit(options_.consumer_limit, "total");
    if (creating >= kMaxCreatingConsumers) return limit(kMaxCreatingConsumers, "creating");
    ConsumerMeta c;
    c.name = std::string(name);
    c.created_ms = now;
    c.status = options_.transition_ms > 0 ? ConsumerStatus::kCreating : ConsumerStatus::kActive;
    c.transition_at_ms = now + options_.transition_ms;
    c.tags = std::move(tags);
    m.consumers.push_back(c);
    info = InfoOf(m, c, now);
    return {};
  });
  if (!r) return MakeUnexpected(r.error());
  return info;
}

StreamResult<StreamRegistry::ConsumerInfo> StreamRegistry::DescribeConsumer(
    std::string_view account, std::string_view stream, std::string_view name) const {
  auto s = Find(account, stream);
  if (!s) return MakeUnexpected(NotFound(account, stream));
  std::shared_lock sl(s->mu);
  const int64_t now = Clock::NowMs();
  if (s->meta.StatusAt(now) == StreamStatus::kDeleting) {
    return MakeUnexpected(NotFound(account, stream));
  }
  for (const auto& c : s->meta.consumers) {
    if (c.name == name && c.StatusAt(now) != ConsumerStatus::kGone) {
      return InfoOf(s->meta, c, now);
    }
  }
  return MakeUnexpected(ConsumerNotFound(s->meta, name));
}

StreamResult<StreamRegistry::ConsumerInfo> StreamRegistry::DeregisterConsumer(
    std::string_view account, std::string_view stream, std::string_view name) {
  ConsumerInfo info;
  auto r = UpdateStream(account, stream, Require::kAny, [&](StreamMeta& m) -> StreamResult<void> {
    const int64_t now = Clock::NowMs();
    PruneGone(m, now);
    auto it = std::find_if(m.consumers.begin(), m.consumers.end(),
                           [&](const ConsumerMeta& c) { return c.name == name; });
    if (it == m.consumers.end()) return MakeUnexpected(ConsumerNotFound(m, name));
    info = InfoOf(m, *it, now);
    if (it->StatusAt(now) == ConsumerStatus::kDeleting) return {};  // already on its way
    if (options_.transition_ms <= 0) {
      m.consumers.erase(it);
    } else {
      it->status = ConsumerStatus::kDeleting;
      it->transition_at_ms = now + options_.transition_ms;
    }
    info.meta.status = ConsumerStatus::kDeleting;
    return {};
  });
  if (!r) return MakeUnexpected(r.error());
  subscriptions_.EndConsumer(info.arn);
  return info;
}

StreamResult<std::vector<StreamRegistry::ConsumerInfo>> StreamRegistry::ListConsumers(
    std::string_view account, std::string_view stream) const {
  auto s = Find(account, stream);
  if (!s) return MakeUnexpected(NotFound(account, stream));
  std::shared_lock sl(s->mu);
  const int64_t now = Clock::NowMs();
  if (s->meta.StatusAt(now) == StreamStatus::kDeleting) {
    return MakeUnexpected(NotFound(account, stream));
  }
  std::vector<ConsumerInfo> out;
  for (const auto& c : s->meta.consumers) {
    if (c.StatusAt(now) != ConsumerStatus::kGone) out.push_back(InfoOf(s->meta, c, now));
  }
  return out;
}

uint64_t StreamRegistry::WaitForRecords(std::string_view account, std::string_view iterator,
                                        ShardWaiters::Clock::time_point deadline,
                                        ShardWaiters::Callback done) {
  auto pos = iterators_.Decode(iterator, Clock::NowMs(), nullptr);
  std::shared_ptr<Stream> s;
  if (pos && pos->account == account) s = Find(pos->account, pos->stream_name);
  if (s) {
    std::shared_lock sl(s->mu);
    int p = s->PositionOfLocked(pos->shard_index);
    // A closed shard gets no more records: its end is reported without waiting.
    if (p >= 0 && s->meta.created_ms == pos->stream_creation_ms && s->meta.shards[p].open()) {
      const std::shared_ptr<storage::Log>& log = s->logs[p];
      const uint64_t offset = std::max(pos->next_offset, log->StartOffset().value());
      // Registered under the stream's lock: a reshard that closes this shard publishes
      // under the exclusive lock and then wakes the shard's waiters, this one included.
      return waiters_->Wait(log, offset, deadline, std::move(done));
    }
  }
  // Nothing to wait for: let the caller's GetRecords answer (error or shard end).
  waiters_->Post(std::move(done), true);
  return 0;
}

void StreamRegistry::WakeClosedShardWaitersLocked(const Stream& s) {
  for (size_t p = 0; p < s.meta.shards.size(); ++p) {
    if (!s.meta.shards[p].open() && p < s.logs.size()) waiters_->WakeAll(s.logs[p].get());
  }
}

StreamResult<std::string> StreamRegistry::SequenceBefore(std::string_view account,
                                                         std::string_view iterator) const {
  auto pos = iterators_.Decode(iterator, Clock::NowMs(), nullptr);
  StreamError invalid;
  invalid.code = StreamErrc::kIteratorInvalid;
  if (!pos || pos->account != account) return MakeUnexpected(invalid);
  auto s = Find(pos->account, pos->stream_name);
  if (!s) return MakeUnexpected(NotFound(pos->account, pos->stream_name));
  std::shared_lock sl(s->mu);
  int p = s->PositionOfLocked(pos->shard_index);
  if (p < 0) return MakeUnexpected(invalid);
  const ShardMeta& shard = s->meta.shards[p];
  const storage::Log& log = *s->logs[p];
  // Counter c names the record at offset c - 1; AFTER_SEQUENCE_NUMBER c resumes at offset c.
  SequenceFields f{ShardCreationSeconds(shard), shard.index, pos->next_offset,
                   ShardCreationSeconds(shard)};
  if (pos->next_offset > log.StartOffset().value()) {
    if (auto ts = log.TimestampAt(storage::Offset(pos->next_offset - 1))) f.arrival_s = *ts / 1000;
  }
  return EncodeSequenceNumber(f);
}

}  // namespace runnel::stream
