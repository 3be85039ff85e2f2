// StreamRegistry::GetShardIterator and GetRecords.
#include <fmt/format.h>

#include "common/clock.h"
#include "stream/record_codec.h"
#include "stream/registry_internal.h"
#include "stream/sequence_number.h"
#include "stream/sequence_run.h"

namespace runnel::stream {
namespace {

StreamError ShardNotFound(std::string_view shard, std::string_view account,
                          std::string_view name) {
  StreamError e;
  e.code = StreamErrc::kShardNotFound;
  e.shard = std::string(shard);
  e.account = std::string(account);
  e.stream = std::string(name);
  return e;
}


}  // namespace

StreamResult<std::string> StreamRegistry::GetShardIterator(const GetShardIteratorRequest& req) {
  const int64_t now = Clock::NowMs();
  auto s = Find(req.account, req.stream);
  if (!s) return MakeUnexpected(NotFound(req.account, req.stream));
  std::shared_lock sl(s->mu);
  const StreamMeta& m = s->meta;
  StreamStatus st = m.StatusAt(now);
  if (st != StreamStatus::kActive && st != StreamStatus::kUpdating) {
    return MakeUnexpected(NotFound(req.account, req.stream));
  }

  // Type / argument combination (AWS checks this before the shard exists).
  const bool seq_type = req.type == IteratorType::kAtSequenceNumber ||
                        req.type == IteratorType::kAfterSequenceNumber;
  auto type_name = [&] {
    switch (req.type) {
      case IteratorType::kAtSequenceNumber: return "AT_SEQUENCE_NUMBER";
      case IteratorType::kAfterSequenceNumber: return "AFTER_SEQUENCE_NUMBER";
      case IteratorType::kTrimHorizon: return "TRIM_HORIZON";
      case IteratorType::kLatest: return "LATEST";
      case IteratorType::kAtTimestamp: return "AT_TIMESTAMP";
    }
    return "";
  };
  if ((seq_type && !req.starting_sequence_number) ||
      (!seq_type && req.type != IteratorType::kAtTimestamp && req.starting_sequence_number)) {
    StreamError e;
    e.code = StreamErrc::kIteratorTypeMismatch;
    e.value = type_name();
    e.n1 = req.starting_sequence_number ? 1 : 0;
    return MakeUnexpected(e);
  }
  if (req.type == IteratorType::kAtTimestamp && !req.timestamp_ms) {
    StreamError e;
    e.code = StreamErrc::kTimestampMissing;
    return MakeUnexpected(e);
  }

  auto index = ShardIndexOf(req.shard_id);
  int pos = index ? s->PositionOfLocked(*index) : -1;
  if (pos < 0) return MakeUnexpected(ShardNotFound(req.shard_id, req.account, req.stream));
  const ShardMeta& shard = m.shards[pos];
  const storage::Log& log = *s->logs[pos];
  const uint64_t end = VisibleEnd(log).value();
  const int64_t horizon_ms = m.HorizonMs(now);

  auto trim_horizon = [&]() -> StreamResult<uint64_t> {
    auto o = log.FindByTimestamp(horizon_ms);
    if (!o) {
      StreamError e;
      e.code = StreamErrc::kInternal;
      e.value = o.error().detail;
      return MakeUnexpected(e);
    }
    return std::min(o->value(), end);
  };

  uint64_t position = 0;
  switch (req.type) {
    case IteratorType::kTrimHorizon: {
      auto t = trim_horizon();
      if (!t) return MakeUnexpected(t.error());
      position = *t;
      break;
    }
    case IteratorType::kLatest:
      position = end;
      break;
    case IteratorType::kAtTimestamp: {
      if (*req.timestamp_ms > now) {
        StreamError e;
        e.code = StreamErrc::kTimestampInFuture;
        e.n1 = *req.timestamp_ms;
        e.n2 = now;
        return MakeUnexpected(e);
      }
      auto o = log.FindByTimestamp(std::max(*req.timestamp_ms, horizon_ms));
      if (!o) {
        StreamError e;
        e.code = StreamErrc::kInternal;
        e.value = o.error().detail;
        return MakeUnexpected(e);
      }
      position = std::min(o->value(), end);
      break;
    }
    case IteratorType::kAtSequenceNumber:
    case IteratorType::kAfterSequenceNumber: {
      std::string_view seq = *req.starting_sequence_number;
      auto f = DecodeSequenceNumber(seq);
      auto invalid = [&](bool other_stream) {
        StreamError e;
        e.code = StreamErrc::kSequenceInvalid;
        e.value = std::string(seq);
        e.shard = ShardIdOf(shard.index);
        e.stream = std::string(req.stream);
        e.account = std::string(req.account);
        e.n1 = other_stream ? 1 : 0;
        return MakeUnexpected(e);
      };
      if (!f) return invalid(false);
      if (f->shard_index != shard.index) {
        StreamError e;
        e.code = StreamErrc::kSequenceWrongShard;
        e.shard = ShardIdOf(f->shard_index);
        e.other = ShardIdOf(shard.index);
        return MakeUnexpected(e);
      }
      if (f->shard_creation_s != ShardCreationSeconds(shard)) return invalid(true);
      uint64_t counter = f->counter;
      if (counter == kEndingCounter) {
        if (shard.open()) return invalid(false);
        position = log.EndOffset().value();
      } else {
        if (counter > log.EndOffset().value()) return invalid(false);
        // Record `counter` lives at offset counter - 1; counter 0 is the shard's start.
        position = req.type == IteratorType::kAtSequenceNumber
                       ? (counter == 0 ? 0 : counter - 1)
                       : counter;
      }
      break;
    }
  }

  IteratorPosition p;
  p.account = m.account;
  p.stream_name = m.name;
  p.stream_creation_ms = m.created_ms;
  p.shard_index = shard.index;
  p.next_offset = position;
  p.issued_ms = now;
  return iterators_.Encode(p);
}

StreamResult<void> StreamRegistry::GetRecords(std::string_view account,
                                              std::string_view iterator, uint32_t limit,
                                              GetRecordsOutput* out, size_t max_bytes) {
  const int64_t now = Clock::NowMs();
  IteratorPosition expired;
  auto pos = iterators_.Decode(iterator, now, &expired);
  if (!pos) {
    StreamError e;
    if (pos.error() == IteratorError::kExpired) {
      e.code = StreamErrc::kIteratorExpired;
      e.n1 = expired.issued_ms;
      e.n2 = now;
    } else {
      e.code = StreamErrc::kIteratorInvalid;
    }
    return MakeUnexpected(e);
  }
  if (pos->account != account) {
    StreamError e;
    e.code = StreamErrc::kIteratorInvalid;
    return MakeUnexpected(e);
  }
  auto s = Find(pos->account, pos->stream_name);
  if (!s) return MakeUnexpected(NotFound(pos->account, pos->stream_name));
  std::shared_lock sl(s->mu);
  const StreamMeta& m = s->meta;
  if (m.created_ms != pos->stream_creation_ms) {
    return MakeUnexpected(NotFound(pos->account, pos->stream_name));
  }
  StreamStatus st = m.StatusAt(now);
  if (st != StreamStatus::kActive && st != StreamStatus::kUpdating) {
    return MakeUnexpected(NotFound(pos->account, pos->stream_name));
  }
  int p = s->PositionOfLocked(pos->shard_index);
  if (p < 0) {
    return MakeUnexpected(ShardNotFound(ShardIdOf(pos->shard_index), m.account, m.name));
  }
  const ShardMeta& shard = m.shards[p];
  std::shared_ptr<storage::Log> log = s->logs[p];
  const uint64_t end = VisibleEnd(*log).value();
  const int64_t horizon_ms = m.HorizonMs(now);
  uint64_t from = std::max(pos->next_offset, log->StartOffset().value());

  // out->records is not cleared: its elements (a GetRecordsOutput is normally reused, e.g.
  // thread-local) are overwritten in place, field by field, and the surplus dropped at the
  // end. A fresh OutRecord per record zeroed its 64-byte sequence buffer and was then copied
  // into the vector.
  std::vector<OutRecord>& records = out->records;
  size_t count = 0;
  out->child_shards.clear();
  out->next_iterator.reset();
  out->millis_behind_latest = 0;
  out->tail_arrival_ms = 0;

  static thread_local std::vector<storage::RecordView> views;
  uint64_t next = from;
  int64_t next_ts = storage::kUnknownTimestamp;  // of the record at `next`, when Read saw it
  if (from < end) {
    storage::ReadOptions ro;
    ro.max_records = limit;
    ro.max_bytes = max_bytes;
    ro.upto = storage::Offset(end);
    auto r = log->Read(storage::Offset(from), ro, out->buffer, views, &next_ts);
    if (!r) {
      records.clear();
      StreamError e;
      e.code = StreamErrc::kInternal;
      e.value = r.error().detail;
      return MakeUnexpected(e);
    }
    next = r->value();
    // Elements past the current size are made once (zeroed) and reused by later calls.
    if (records.size() < views.size()) records.resize(views.size());
    SequenceRun seq(ShardCreationSeconds(shard), shard.index);
    for (const auto& v : views) {
      if (v.timestamp_ms < horizon_ms) continue;  // past retention: never served
      DecodedRecord d;
      if (!DecodeRecordPayload(v.payload, &d)) continue;
      // Every field is set: the element may hold an earlier call's record.
      OutRecord& rec = records[count++];
      rec.sequence.shard_index = shard.index;
      rec.sequence.sequence_length = static_cast<uint8_t>(
          seq.Encode(v.offset.value() + 1, v.timestamp_ms / 1000, rec.sequence.sequence));
      rec.arrival_ms = v.timestamp_ms;
      rec.partition_key = d.partition_key;
      rec.data = d.data;
      rec.encrypted = (d.flags & kRecordFlagEncrypted) != 0;
    }
  }
  records.resize(count);  // only ever shrinks here

  if (next < end) {
    if (next_ts == storage::kUnknownTimestamp) {
      auto ts = log->TimestampAt(storage::Offset(next));
      next_ts = ts ? *ts : now;
    }
    out->millis_behind_latest = std::max<int64_t>(0, now - next_ts);
  } else if (shard.open()) {
    out->tail_arrival_ms = log->LastTimestampMs();
  }

  if (!shard.open() && next >= log->EndOffset().value()) {
    // Shard end: no next iterator, and the children instead.
    for (const auto& c : m.shards) {
      if ((c.parent && *c.parent == shard.index) ||
          (c.adjacent_parent && *c.adjacent_parent == shard.index)) {
        ChildShard child;
        child.shard_id = ShardIdOf(c.index);
        if (c.parent) child.parents.push_back(ShardIdOf(*c.parent));
        if (c.adjacent_parent) child.parents.push_back(ShardIdOf(*c.adjacent_parent));
        child.range = c.range;
        out->child_shards.push_back(std::move(child));
      }
    }
    if (!out->child_shards.empty()) return {};
  }

  IteratorPosition np = *pos;
  np.next_offset = next;
  np.issued_ms = now;
  out->next_iterator = iterators_.Encode(np);
  return {};
}

}  // namespace runnel::stream
