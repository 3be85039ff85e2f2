#include "cli/push_consumer.h"

#include <simdjson.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdio>
#include <deque>
#include <memory>
#include <thread>

#include "cli/cli_common.h"
#include "cli/event_stream_call.h"
#include "cli/shard_traversal.h"

namespace runnel::cli {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using SteadyClock = std::chrono::steady_clock;

KinesisResult<StreamConsumer> EnsureStreamConsumer(KinesisClient& client, std::string_view stream_arn,
                                                   std::string_view name,
                                                   std::chrono::milliseconds wait, bool* registered) {
  *registered = false;
  const auto deadline = SteadyClock::now() + wait;
  std::string last_status = "absent";
  for (;;) {
    auto d = client.DescribeStreamConsumer(stream_arn, name);
    if (d.ok()) {
      if (d->status == "ACTIVE") return d;
      last_status = d->status;  // CREATING: wait; DELETING: wait until gone, then register
    } else if (d.error().type == "ResourceNotFoundException") {
      auto r = client.RegisterStreamConsumer(stream_arn, name);
      if (r.ok()) {
        *registered = true;
        if (r->status == "ACTIVE") return r;
        last_status = r->status;
      } else if (r.error().type == "LimitExceededException" &&
                 r.error().message.find("CREATING") != std::string::npos) {
        last_status = "waiting to register (too many consumers CREATING)";
      } else if (r.error().type != "ResourceInUseException") {  // InUse: registered meanwhile
        return MakeUnexpected(r.error());
      }
    } else {
      return MakeUnexpected(d.error());
    }
    if (SteadyClock::now() >= deadline) {
      return MakeUnexpected(ServiceError{"Timeout",
                                         "consumer " + std::string(name) + " is still " + last_status +
                                             " after " + std::to_string(wait.count() / 1000) + " s",
                                         0});
    }
    if (g_stop_requested.load()) {
      return MakeUnexpected(ServiceError{"Interrupted", "stopped while waiting for the consumer", 0});
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

namespace {

bool IsRetryableSubscribeError(const ServiceError& e) {
  return e.type == "ResourceInUseException" || e.type == "LimitExceededException" ||
         e.type == "InternalFailureException" || e.type == "InternalFailure" ||
         e.type == "ProvisionedThroughputExceededException" || e.type == "ConnectionError" ||
         e.type == "SubscriptionEnded" || e.http_status >= 500;
}

// One run of `consume --consumer`: the shards, their subscriptions, the io_context.
class PushSession {
 public:
  PushSession(KinesisClient& client, const PushOptions& options, const Consumer::RecordSink& sink,
              const Consumer::PageDone& event_done, std::string consumer_arn, tcp::endpoint endpoint)
      : client_(client),
        options_(options),
        sink_(sink),
        event_done_(event_done),
        consumer_arn_(std::move(consumer_arn)),
        endpoint_(endpoint),
        traversal_(client, options.consume.stream),
        stop_timer_(ioc_) {}

  KinesisResult<void> Run(PushStats* stats) {
    auto initial = traversal_.SelectInitial(options_.consume.shard, options_.consume.start);
    if (!initial.ok()) return MakeUnexpected(initial.error());
    for (ShardStart& s : *initial) AddShard(std::move(s));
    CheckStop();
    ioc_.run();
    stats->consume.records = records_;
    stats->consume.shards_read = traversal_.shards_started();
    stats->consume.interrupted = interrupted_;
    stats->subscriptions = subscriptions_;
    if (fatal_) return MakeUnexpected(*fatal_);
    return {};
  }

 private:
  struct Shard {
    std::string id;
    StartingPosition start;
    std::string continuation;    // the last ContinuationSequenceNumber received
    std::string last_delivered;  // sequence number of the last record handed to the sink
    std::shared_ptr<EventStreamCall> call;
    std::unique_ptr<asio::steady_timer> retry_timer;
    SteadyClock::time_point started;
    int failures = 0;        // consecutive, reset by an event
    int in_use_failures = 0; // ResourceInUseException in a row, reset by a clean end
    bool caught_up = false;
    bool done = false;
  };

  bool LimitReached() const {
    return options_.consume.max_records > 0 && records_ >= options_.consume.max_records;
  }

  void AddShard(ShardStart start) {
    auto s = std::make_unique<Shard>();
    s->id = std::move(start.shard_id);
    s->start = std::move(start.start);
    s->retry_timer = std::make_unique<asio::steady_timer>(ioc_);
    shards_.push_back(std::move(s));
    Subscribe(*shards_.back());
  }

  std::string Request(const Shard& s) const {
    StartingPosition pos = s.start;
    if (!s.continuation.empty()) pos = {IteratorType::kAfterSequenceNumber, s.continuation, 0};
    std::string body = SubscribeToShardBody(consumer_arn_, s.id, pos);
    std::string req = "POST / HTTP/1.1\r\nHost: " + client_.options().endpoint.HostHeader() + "\r\n";
    for (const auto& [name, value] : client_.SignedHeaders("SubscribeToShard", body)) {
      req += name + ": " + value + "\r\n";
    }
    req += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
    req += body;
    return req;
  }

  void Subscribe(Shard& s) {
    if (stopping_) return;
    s.started = SteadyClock::now();
    s.call = std::make_shared<EventStreamCall>(ioc_, endpoint_, options_.idle_timeout);
    EventStreamCall::Handlers h;
    h.on_rejected = [this, &s](int status, const std::string& body) {
      Retry(s, ParseServiceError(status, body));
    };
    h.on_message = [this, &s](EventMessage& m) { OnMessage(s, m); };
    h.on_end = [this, &s](const std::string& error) { OnEnd(s, error); };
    s.call->Start(Request(s), std::move(h));
  }

  void OnMessage(Shard& s, EventMessage& m) {
    std::string_view type = m.Header(":message-type");
    if (type == "exception") {
      ServiceError e{std::string(m.Header(":exception-type")), m.payload, 400};
      simdjson::dom::element doc;
      std::string_view text;
      if (parser_.parse(m.payload).get(doc) == simdjson::SUCCESS &&
          (doc["message"].get_string().get(text) == simdjson::SUCCESS ||
           doc["Message"].get_string().get(text) == simdjson::SUCCESS)) {
        e.message = std::string(text);
      }
      s.call->Cancel();
      return Retry(s, e);
    }
    if (type == "error") {
      ServiceError e{std::string(m.Header(":error-code")), std::string(m.Header(":error-message")), 500};
      s.call->Cancel();
      return Retry(s, e);
    }
    if (type != "event") return;
    std::string_view event_type = m.Header(":event-type");
    if (event_type == "initial-response") {
      ++subscriptions_;
      return;
    }
    if (event_type != "SubscribeToShardEvent") return;  // unknown events are skipped
    auto ev = ParseSubscribeToShardEvent(parser_, m.payload);
    if (!ev.ok()) {
      s.call->Cancel();
      return Fatal(ev.error());
    }
    OnEvent(s, *ev);
  }

  void OnEvent(Shard& s, SubscribeToShardEvent& ev) {
    s.failures = 0;
    for (const Record& r : ev.records) {
      if (LimitReached()) break;
      // A renewed subscription starts after the continuation; never print a record twice.
      if (!s.last_delivered.empty() && CompareSequenceNumbers(r.sequence_number, s.last_delivered) <= 0) {
        continue;
      }
      sink_(s.id, r);
      s.last_delivered = r.sequence_number;
      ++records_;
    }
    if (event_done_) event_done_();
    if (LimitReached()) return StopAll();
    if (ev.continuation_sequence_number) {
      if (!ev.continuation_sequence_number->empty()) s.continuation = *ev.continuation_sequence_number;
      s.caught_up = ev.millis_behind_latest == 0;
    } else {
      // The shard's end: its children follow once all their parents are done.
      s.done = true;
      s.call->Cancel();
      auto children = traversal_.OnShardEnd(s.id, std::move(ev.child_shards));
      if (!children.ok()) return Fatal(children.error());
      for (ShardStart& c : *children) AddShard(std::move(c));
    }
    bool all_done = true, all_caught_up = true;
    for (const auto& sh : shards_) {
      if (sh->done) continue;
      all_done = false;
      all_caught_up = all_caught_up && sh->caught_up;
    }
    if (traversal_.has_pending_children()) return;
    if (all_done || (!options_.consume.follow && all_caught_up)) StopAll();
  }

  void OnEnd(Shard& s, const std::string& error) {
    if (stopping_ || s.done) return;
    if (!error.empty()) return Retry(s, ServiceError{"ConnectionError", error, 0});
    // A clean end: the subscription's time is up (5 minutes). Renew it at once, unless it
    // ended suspiciously fast (then as a failure, with backoff).
    s.in_use_failures = 0;
    if (SteadyClock::now() - s.started < std::chrono::seconds(1)) {
      return Retry(s, ServiceError{"SubscriptionEnded", "the subscription ended at once", 0});
    }
    Subscribe(s);
  }

  void Retry(Shard& s, const ServiceError& e) {
    if (stopping_) return;
    const bool in_use = e.type == "ResourceInUseException";
    int& n = in_use ? s.in_use_failures : s.failures;
    if (!IsRetryableSubscribeError(e) || ++n > options_.max_retries) {
      ServiceError fatal = e;
      fatal.message = "shard " + s.id + ": " + e.message;
      return Fatal(fatal);
    }
    int64_t delay = options_.backoff_base.count() << std::min(n - 1, 16);
    delay = std::min<int64_t>(delay, options_.backoff_cap.count());
    std::fprintf(stderr, "warning: shard %s: %s: %s; subscribing again in %lld ms (%d of %d)\n",
                 s.id.c_str(), e.type.c_str(), e.message.c_str(), static_cast<long long>(delay), n,
                 options_.max_retries);
    s.retry_timer->expires_after(std::chrono::milliseconds(delay));
    s.retry_timer->async_wait([this, &s](const boost::system::error_code& ec) {
      if (!ec) Subscribe(s);
    });
  }

  void Fatal(const ServiceError& e) {
    if (!fatal_) fatal_ = e;
    StopAll();
  }

  void StopAll() {
    if (stopping_) return;
    stopping_ = true;
    for (auto& s : shards_) {
      if (s->call) s->call->Cancel();
      s->retry_timer->cancel();
    }
    stop_timer_.cancel();
  }

  // SIGINT/SIGTERM: checked every 50 ms.
  void CheckStop() {
    if (stopping_) return;
    if (g_stop_requested.load()) {
      interrupted_ = true;
      return StopAll();
    }
    stop_timer_.expires_after(std::chrono::milliseconds(50));
    stop_timer_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) CheckStop();
    });
  }

  KinesisClient& client_;
  const PushOptions& options_;
  const Consumer::RecordSink& sink_;
  const Consumer::PageDone& event_done_;
  const std::string consumer_arn_;
  const tcp::endpoint endpoint_;
  asio::io_context ioc_;
  ShardTraversal traversal_;
  asio::steady_timer stop_timer_;
  std::deque<std::unique_ptr<Shard>> shards_;  // stable addresses: handlers hold Shard&
  simdjson::dom::parser parser_;
  int64_t records_ = 0;
  int64_t subscriptions_ = 0;
  bool stopping_ = false;
  bool interrupted_ = false;
  std::optional<ServiceError> fatal_;
};

}  // namespace

PushConsumer::PushConsumer(KinesisClient& client, PushOptions options, Consumer::RecordSink sink,
                           Consumer::PageDone event_done)
    : client_(client), options_(std::move(options)), sink_(std::move(sink)), event_done_(std::move(event_done)) {}

KinesisResult<PushStats> PushConsumer::Run() {
  const Endpoint& ep = client_.options().endpoint;
  if (ep.scheme != "http") {
    return MakeUnexpected(ServiceError{"InvalidArgumentException",
                                       "consume --consumer supports http:// endpoints only", 0});
  }
  tcp::endpoint endpoint;
  try {
    asio::io_context ioc;
    tcp::resolver resolver(ioc);
    endpoint = resolver.resolve(ep.host, std::to_string(ep.port)).begin()->endpoint();
  } catch (const std::exception& e) {
    return MakeUnexpected(ServiceError{"ConnectionError", "cannot resolve " + ep.host + ": " + e.what(), 0});
  }
  auto summary = client_.DescribeStreamSummary(options_.consume.stream);
  if (!summary.ok()) return MakeUnexpected(summary.error());
  PushStats stats;
  auto consumer = EnsureStreamConsumer(client_, summary->stream_arn, options_.consumer_name,
                                       options_.active_wait, &stats.registered);
  if (!consumer.ok()) return MakeUnexpected(consumer.error());
  stats.consumer_arn = consumer->arn;

  PushSession session(client_, options_, sink_, event_done_, consumer->arn, endpoint);
  auto r = session.Run(&stats);
  if (g_stop_requested.load()) stats.consume.interrupted = true;
  if (options_.deregister) {
    auto d = client_.DeregisterStreamConsumer(consumer->arn);
    if (!d.ok()) {
      std::fprintf(stderr, "warning: DeregisterStreamConsumer %s: %s: %s\n", consumer->arn.c_str(),
                   d.error().type.c_str(), d.error().message.c_str());
    }
  }
  if (!r.ok()) return MakeUnexpected(r.error());
  return stats;
}

}  // namespace runnel::cli
