// SubscribeToShard (kinesis-api-actions.md §8, kinesis-wire.md §8): an event stream of the
// shard's records for a registered consumer, pushed as soon as they are durable.
//
// A Subscription is a small state machine with at most one thing outstanding at a time:
// either a Write (the next event waits for its callback: back-pressure) or a wait in the
// stream layer's ShardWaiters (woken by the put path, or at the keep-alive deadline). Each
// event carries at most 10000 records and 2 MiB of record bytes (kMaxEventBytes). It ends
// after 5 minutes, at the shard's end (after the ChildShards event), when replaced or its
// consumer goes (exception frame), or when the client disconnects (everything released).
//
// Threads: the work of an event (GetRecords, JSON/CBOR, framing) runs on the connection's
// I/O thread, never on the waiters' single thread: a wake-up only posts an empty Write,
// whose callback runs on the connection's thread (api::ResponseStream). So N subscribers
// are served by all I/O threads in parallel, and a slow one holds nothing but its own
// pending event: it reads no more of the log until that event has been taken by the socket
// or by HTTP/2 flow control, then continues from where it stopped.
//
// Payloads are JSON, or CBOR when the request was CBOR (kinesis-wire.md §4, §8.2).
#include <fmt/format.h>

#include <cctype>
#include <chrono>
#include <mutex>

#include "api/action.h"
#include "api/actions/actions.h"
#include "api/actions/stream_consumers.h"
#include "api/cbor_transcode.h"
#include "api/event_stream.h"
#include "api/records_json.h"
#include "api/shapes.h"
#include "common/clock.h"
#include "common/json_writer.h"

namespace runnel::api {
namespace {

constexpr std::string_view kStartingPositionTypeValues[] = {
    "AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER", "TRIM_HORIZON", "LATEST", "AT_TIMESTAMP"};
constexpr FieldSpec kStartingPositionMembers[] = {
    {.name = "Type", .type = FieldType::kString, .required = true,
     .enum_values = kStartingPositionTypeValues},
    Renamed(kSequenceNumberForOrdering, "SequenceNumber"),
    kTimestamp};
constexpr FieldSpec kStartingPosition{.name = "StartingPosition", .type = FieldType::kStructure,
                                      .required = true, .members = kStartingPositionMembers};
constexpr FieldSpec kFields[] = {Required(kConsumerArn), Required(kShardId), kStartingPosition,
                                 kStreamId};

constexpr int64_t kLifetimeMs = 5 * 60 * 1000;
constexpr auto kKeepAlive = std::chrono::seconds(3);
constexpr uint32_t kMaxRecordsPerEvent = 10000;
// Record bytes per event: one second of the 2 MiB/s per shard per consumer that AWS documents
// for enhanced fan-out (no event size is documented). A single larger record (up to 10 MiB)
// still goes alone. Bounds what a stalled subscriber holds (its pending event, ~2.7 MiB of
// JSON) and keeps events small for clients whose decoders copy the buffer on every chunk
// (botocore's EventStreamBuffer is quadratic in the event size). The rate itself is not
// throttled, as Runnel enforces no throughput quota anywhere.
constexpr size_t kMaxEventBytes = 2u << 20;

class Subscription : public std::enable_shared_from_this<Subscription> {
 public:
  Subscription(stream::StreamRegistry& registry, std::string account, std::string consumer_arn,
               std::string shard_id, std::string iterator, PayloadEncoding encoding)
      : registry_(registry),
        encoding_(encoding),
        account_(std::move(account)),
        consumer_arn_(std::move(consumer_arn)),
        shard_id_(std::move(shard_id)),
        iterator_(std::move(iterator)),
        end_ms_(Clock::NowMs() + kLifetimeMs) {}

  void set_slot(uint64_t id) { slot_ = id; }

  void Start(std::shared_ptr<ResponseStream> out) {
    {
      std::lock_guard l(mu_);
      out_ = out;
    }
    std::weak_ptr<Subscription> weak = weak_from_this();
    out->OnClose([weak] {
      if (auto self = weak.lock()) self->Stop(/*client_gone=*/true, {});
    });
    auto self = shared_from_this();
    out->Write(InitialResponseFrame(encoding_), [self](bool ok) {
      if (!ok) return self->Stop(true, {});
      self->Pump(/*force_event=*/true);
    });
  }

  // Replaced by a newer subscription, or its consumer is gone (Subscriptions callback).
  void End(stream::SubscriptionEnd why) { Stop(false, why); }

 private:
  void Stop(bool client_gone, std::optional<stream::SubscriptionEnd> why) {
    uint64_t wait = 0;
    {
      std::lock_guard l(mu_);
      if (client_gone) client_gone_ = true;
      if (why && !ended_) ended_ = why;
      wait = wait_id_;
    }
    if (wait) registry_.waiters().Cancel(wait);  // the wait's callback runs Pump, which ends
    if (client_gone) Release();
  }

  void Release() {
    bool first;
    {
      std::lock_guard l(mu_);
      first = !released_;
      released_ = true;
    }
    if (first) registry_.subscriptions().Release(consumer_arn_, shard_id_, slot_);
  }

  void Finish(std::optional<std::string> exception_frame) {
    std::shared_ptr<ResponseStream> out;
    {
      std::lock_guard l(mu_);
      out = std::move(out_);
    }
    Release();
    if (!out) return;
    if (exception_frame) {
      out->Write(std::move(*exception_frame), [out](bool) { out->Finish(); });
    } else {
      out->Finish();
    }
  }

  void Pump(bool force_event) {
    std::optional<stream::SubscriptionEnd> ended;
    bool gone;
    {
      std::lock_guard l(mu_);
      wait_id_ = 0;
      waiting_ = false;
      gone = client_gone_ || !out_;
      ended = ended_;
    }
    if (gone) return Release();  // (Release takes mu_)
    if (ended) {
      if (*ended == stream::SubscriptionEnd::kReplaced) {
        return Finish(ExceptionFrame(
            "ResourceInUseException",
            fmt::format("Another subscription to shard {} was started for consumer {}.",
                        shard_id_, consumer_arn_),
            encoding_));
      }
      return Finish(ExceptionFrame(
          "ResourceNotFoundException",
          fmt::format("Consumer {} under account {} is no longer registered.", consumer_arn_,
                      account_),
          encoding_));
    }
    if (Clock::NowMs() >= end_ms_) return Finish(std::nullopt);  // normal end after 5 min

    auto r = registry_.GetRecords(account_, iterator_, kMaxRecordsPerEvent, &buf_, kMaxEventBytes);
    if (!r) {
      ApiError e = ToApiError(r.error());
      std::string type = e.type == "InternalFailure" ? "InternalFailureException" : e.type;
      return Finish(ExceptionFrame(type, e.message, encoding_));
    }
    const auto now = std::chrono::steady_clock::now();
    const bool shard_end = !buf_.next_iterator;
    if (!force_event && buf_.records.empty() && !shard_end && now < last_event_ + kKeepAlive) {
      return Wait(std::min(last_event_ + kKeepAlive,
                           now + std::chrono::milliseconds(std::max<int64_t>(
                                     0, end_ms_ - Clock::NowMs()))));
    }
    // An event: records (possibly none: keep-alive), position, and children at shard end.
    if (continuation_.empty()) {
      auto before = registry_.SequenceBefore(account_, iterator_);
      if (before) continuation_ = std::move(*before);
    }
    if (!buf_.records.empty()) {
      continuation_ = std::string(buf_.records.back().sequence.sequence_number());
    }
    if (buf_.next_iterator) iterator_ = std::move(*buf_.next_iterator);
    std::string payload;
    payload.reserve(EstimateRecordsJson(buf_.records));
    JsonWriter w(payload);
    w.BeginObject();
    WriteRecords(w, buf_.records);
    if (!shard_end) w.Member("ContinuationSequenceNumber", continuation_);
    w.Member("MillisBehindLatest", buf_.millis_behind_latest);
    WriteChildShards(w, buf_.child_shards);
    w.EndObject();
    last_event_ = now;
    std::shared_ptr<ResponseStream> out;
    {
      std::lock_guard l(mu_);
      out = out_;
    }
    if (!out) return;
    auto self = shared_from_this();
    out->Write(EventFrameFromJson("SubscribeToShardEvent", payload, encoding_),
               [self, shard_end](bool ok) {
      if (!ok) return self->Stop(true, {});
      if (shard_end) return self->Finish(std::nullopt);
      self->Pump(false);
    });
  }

  // On the waiters' thread: records arrived, the keep-alive deadline passed, or Stop
  // cancelled the wait. Moves to the connection's thread (an empty Write only runs its
  // callback there) before doing anything.
  void Woken() {
    std::shared_ptr<ResponseStream> out;
    {
      std::lock_guard l(mu_);
      wait_id_ = 0;
      waiting_ = false;
      out = out_;
    }
    if (!out) return Release();
    auto self = shared_from_this();
    out->Write(std::string(), [self](bool ok) {
      if (!ok) return self->Stop(true, {});
      self->Pump(false);
    });
  }

  void Wait(std::chrono::steady_clock::time_point deadline) {
    {
      std::lock_guard l(mu_);
      waiting_ = true;
    }
    auto self = shared_from_this();
    uint64_t id = registry_.WaitForRecords(account_, iterator_, deadline,
                                           [self](bool) { self->Woken(); });
    bool cancel = false;
    {
      std::lock_guard l(mu_);
      if (waiting_) {  // not already woken
        wait_id_ = id;
        cancel = client_gone_ || ended_.has_value();
      }
    }
    if (cancel && id) registry_.waiters().Cancel(id);
  }

  stream::StreamRegistry& registry_;
  const PayloadEncoding encoding_;
  const std::string account_, consumer_arn_, shard_id_;
  std::string iterator_;      // position of the next record to send
  std::string continuation_;  // sequence number of the last record sent
  const int64_t end_ms_;
  uint64_t slot_ = 0;
  stream::GetRecordsOutput buf_;
  std::chrono::steady_clock::time_point last_event_{};

  std::mutex mu_;
  std::shared_ptr<ResponseStream> out_;                 // REQUIRES: mu_
  bool client_gone_ = false;                            // REQUIRES: mu_
  bool released_ = false;                               // REQUIRES: mu_
  bool waiting_ = false;                                // REQUIRES: mu_
  uint64_t wait_id_ = 0;                                // REQUIRES: mu_
  std::optional<stream::SubscriptionEnd> ended_;        // REQUIRES: mu_
};

std::optional<stream::IteratorType> ParseType(std::string_view t) {
  if (t == "AT_SEQUENCE_NUMBER") return stream::IteratorType::kAtSequenceNumber;
  if (t == "AFTER_SEQUENCE_NUMBER") return stream::IteratorType::kAfterSequenceNumber;
  if (t == "TRIM_HORIZON") return stream::IteratorType::kTrimHorizon;
  if (t == "LATEST") return stream::IteratorType::kLatest;
  if (t == "AT_TIMESTAMP") return stream::IteratorType::kAtTimestamp;
  return std::nullopt;
}

// CBOR payloads for a CBOR request (media type compared without parameters).
PayloadEncoding EncodingOf(std::string_view content_type) {
  std::string_view media = content_type.substr(0, content_type.find(';'));
  while (!media.empty() && media.back() == ' ') media.remove_suffix(1);
  if (media.size() != kCborContentType.size()) return PayloadEncoding::kJson;
  for (size_t i = 0; i < media.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(media[i])) != kCborContentType[i]) {
      return PayloadEncoding::kJson;
    }
  }
  return PayloadEncoding::kCbor;
}

void Handle(ActionContext& ctx) {
  auto target = ResolveConsumer(ctx);
  if (!target) return;
  auto consumer = LookUpConsumer(ctx, *target);
  if (!consumer) return;
  if (consumer->meta.status != stream::ConsumerStatus::kActive) {
    stream::StreamError e;
    e.code = stream::StreamErrc::kConsumerNotActive;
    e.value = consumer->arn;
    e.account = ctx.account;
    e.other = std::string(stream::ConsumerStatusName(consumer->meta.status));
    return ctx.Fail(e);
  }

  // StartingPosition: GetShardIterator's rules.
  simdjson::dom::object pos = *ctx.Object("StartingPosition");
  std::string_view type_name;  // validated: present and one of the enum values
  if (pos["Type"].get(type_name) != simdjson::SUCCESS) type_name = "LATEST";
  stream::GetShardIteratorRequest req;
  req.account = ctx.account;
  req.stream = target->stream;
  std::string_view shard_id = *ctx.String("ShardId");
  req.shard_id = shard_id;
  req.type = ParseType(type_name).value_or(stream::IteratorType::kLatest);
  std::string_view seq;
  if (pos["SequenceNumber"].get(seq) == simdjson::SUCCESS) req.starting_sequence_number = seq;
  simdjson::dom::element ts;
  if (pos["Timestamp"].get(ts) == simdjson::SUCCESS && ts.is_number()) {
    req.timestamp_ms = TimestampMsValue(ts);
  }
  auto iterator = ctx.registry.GetShardIterator(req);
  if (!iterator) return ctx.Fail(iterator.error());

  auto sub = std::make_shared<Subscription>(ctx.registry, ctx.account, consumer->arn,
                                            std::string(shard_id), std::move(*iterator),
                                            EncodingOf(ctx.request.content_type));
  std::weak_ptr<Subscription> weak = sub;
  auto slot = ctx.registry.subscriptions().Acquire(
      consumer->arn, shard_id, Clock::NowMs(), [weak](stream::SubscriptionEnd why) {
        if (auto s = weak.lock()) s->End(why);
      });
  if (!slot) return ctx.Fail(slot.error());
  sub->set_slot(*slot);

  ApiResponse resp;
  resp.content_type = "application/vnd.amazon.eventstream";
  resp.stream_body = [sub](std::shared_ptr<ResponseStream> out) { sub->Start(std::move(out)); };
  ctx.respond(std::move(resp));
}

}  // namespace

const ActionDef kSubscribeToShardAction{"SubscribeToShard", kFields, Handle};

}  // namespace runnel::api
