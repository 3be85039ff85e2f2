// fanout: one producer paced at --rate records/s and N readers of every record of one shard:
// - polling consumers, each with its own iterator (a pause of --poll-pause-ms after an empty
//   GetRecords; with --wait-ms N, long polling through x-runnel-wait-ms instead), or
// - with --push, subscribers: N registered consumers (bench-sub-<i>), one SubscribeToShard
//   each (EventStreamCall, all on the generator's io_context), from TRIM_HORIZON; the producer
//   starts once every subscription has delivered its first event.
// Each record's data starts with its index and the producer's send time, so every reader
// measures end-to-end latency and checks exactly-once, in-order delivery.
//
// The producer keeps one request in flight (so the stream order is the index order): at each
// step it sends every record that is due, as PutRecord when one is due, else PutRecords. All
// records use one partition key, so they land in one shard.
#include <fmt/format.h>
#include <simdjson.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <random>
#include <thread>

#include "cli/bench/bench.h"
#include "cli/bench/load_connection_factory.h"
#include "cli/cli_common.h"
#include "cli/event_stream_call.h"
#include "cli/push_consumer.h"
#include "common/base64.h"

namespace runnel::cli::bench {
namespace {

using Clock = std::chrono::steady_clock;

int64_t NowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now().time_since_epoch()).count();
}

// Checks one delivered record (its index and send time) against what the reader expects.
struct Tally {
  Histogram e2e_us;
  uint64_t next_index = 0;  // the index this reader expects next
  uint64_t received = 0, missing = 0, duplicates = 0;

  // Returns false if `decoded` is not a fan-out record.
  bool Record(std::string_view decoded, int64_t now_us) {
    if (decoded.size() < 16) return false;
    uint64_t index;
    int64_t sent_us;
    std::memcpy(&index, decoded.data(), 8);
    std::memcpy(&sent_us, decoded.data() + 8, 8);
    ++received;
    e2e_us.Record(static_cast<uint64_t>(std::max<int64_t>(0, now_us - sent_us)));
    if (index == next_index) {
      ++next_index;
    } else if (index > next_index) {
      missing += index - next_index;
      next_index = index + 1;
    } else {
      ++duplicates;
    }
    return true;
  }
};

struct Consumer {
  std::shared_ptr<BenchConnection> conn;
  std::shared_ptr<boost::asio::steady_timer> timer;
  simdjson::dom::parser parser;
  std::string iterator, body, head, decoded, json_copy;
  Clock::time_point sent;
  Tally tally;
  uint64_t errors = 0, requests = 0;
  bool finished = false;
  std::string first_error;
};

// A push subscriber. Its state is touched only on its call's strand.
struct Subscriber {
  boost::asio::any_io_executor strand;
  std::string consumer_arn;
  std::shared_ptr<EventStreamCall> call;
  std::shared_ptr<boost::asio::steady_timer> timer;  // on `strand`
  std::string request, continuation, decoded;
  simdjson::dom::parser parser;
  Tally tally;
  uint64_t errors = 0;
  bool ready = false;     // got its first SubscribeToShardEvent
  bool finished = false;
  std::string first_error;
};

class Fanout {
 public:
  Fanout(BenchContext& ctx, const std::string& stream, uint64_t total, int size)
      : ctx_(ctx), stream_(stream), total_(total), size_(std::max(size, 16)) {
    if (ctx.options.wait_ms > 0) wait_header_ = fmt::format("x-runnel-wait-ms: {}\r\n", ctx.options.wait_ms);
    std::mt19937_64 rng(std::random_device{}());
    AppendRandomBytes(rng, size_, padding_);
  }

  // Polling consumers (one iterator each) or, when `subscriber_arns` is not empty, push
  // subscribers of `shard_id`.
  void Run(std::vector<std::string> iterators, std::vector<std::string> subscriber_arns,
           const std::string& shard_id, BenchResult& result) {
    boost::asio::io_context ioc;
    ioc_ = &ioc;
    LoadConnectionFactory connections(ioc, ctx_);  // HTTP/1.1 or h2c (--http2)
    producer_ = connections.Make();
    producer_strand_ = boost::asio::make_strand(ioc);
    producer_timer_ = std::make_shared<boost::asio::steady_timer>(producer_strand_);
    consumers_ = std::vector<Consumer>(iterators.size());
    for (size_t i = 0; i < consumers_.size(); ++i) {
      Consumer& c = consumers_[i];
      c.conn = connections.Make();
      c.timer = std::make_shared<boost::asio::steady_timer>(ioc);
      c.iterator = std::move(iterators[i]);
      Poll(c);
    }
    shard_id_ = shard_id;
    subscribers_ = std::vector<Subscriber>(subscriber_arns.size());
    for (size_t i = 0; i < subscribers_.size(); ++i) {
      subscribers_[i].strand = boost::asio::make_strand(ioc);
      subscribers_[i].timer = std::make_shared<boost::asio::steady_timer>(subscribers_[i].strand);
      subscribers_[i].consumer_arn = std::move(subscriber_arns[i]);
      Subscribe(subscribers_[i]);
    }
    if (subscribers_.empty()) {
      StartProducer();
    } else {
      // The producer starts when every subscription is up (or after 30 s, regardless).
      producer_timer_->expires_after(std::chrono::seconds(30));
      producer_timer_->async_wait([this](const boost::system::error_code& ec) {
        if (!ec) StartProducerOnStrand();
      });
    }
    CpuUsage cpu0 = CpuUsage::Now();
    RunIoContext(ioc, ctx_.options.threads);
    CpuUsage cpu1 = CpuUsage::Now();
    result.wall_s = std::chrono::duration<double>(producer_end_ - start_).count();
    result.cpu.user_s = cpu1.user_s - cpu0.user_s;
    result.cpu.sys_s = cpu1.sys_s - cpu0.sys_s;
    result.produced = sent_;
    result.records = sent_;
    result.payload_bytes = sent_ * size_;
    result.requests = put_requests_;
    result.latency_us = put_latency_us_;
    result.http_errors = put_errors_;
    result.first_error = put_first_error_;
    bool all_finished = true;
    auto add = [&](Tally& t, uint64_t errors, const std::string& first_error, bool finished) {
      result.e2e_us.Merge(t.e2e_us);
      t.missing += sent_ > t.next_index ? sent_ - t.next_index : 0;
      result.missing += t.missing;
      result.duplicates += t.duplicates;
      result.transport_errors += errors;
      if (result.first_error.empty()) result.first_error = first_error;
      all_finished = all_finished && finished;
    };
    for (Consumer& c : consumers_) {
      add(c.tally, c.errors, c.first_error, c.finished);
      c.conn->Close();
      c.conn.reset();
      c.timer.reset();
    }
    for (Subscriber& s : subscribers_) {
      add(s.tally, s.errors, s.first_error, s.finished);
      s.call.reset();
      s.timer.reset();
    }
    producer_->Close();
    producer_.reset();
    producer_timer_.reset();
    result.target = total_;
    result.verified = all_finished && sent_ > 0 && result.missing == 0 &&
                      result.duplicates == 0 && result.errors() == 0;
  }

 private:
  void AppendRecordData(uint64_t index, int64_t now_us, std::string& out) {
    char raw[16];
    std::memcpy(raw, &index, 8);
    std::memcpy(raw + 8, &now_us, 8);
    std::string data(raw, 16);
    data.append(padding_, 0, size_ - 16);
    base64::EncodeAppend(data, out);
  }

  // From anywhere: starts the producer (once) on its strand.
  void StartProducer() {
    boost::asio::post(producer_strand_, [this] { StartProducerOnStrand(); });
  }

  void StartProducerOnStrand() {
    if (producer_started_) return;
    producer_started_ = true;
    producer_timer_->cancel();  // the 30 s start-up limit
    start_ = Clock::now();
    ProducerStep();
  }

  void ProducerStep() {
    // Stops at the target count or, when the server cannot keep up, at the end of --duration
    // (the shortfall is reported; it is not a delivery failure).
    // One second of slack: at the exact rate the last records fall due right at the end.
    bool out_of_time = ctx_.options.count <= 0 &&
                       Clock::now() - start_ >= std::chrono::duration<double>(ctx_.options.duration_s + 1);
    if (g_stop_requested.load() || sent_ >= total_ || out_of_time) {
      producer_end_ = Clock::now();
      producer_done_.store(true);
      OnProducerDone();
      return;
    }
    double elapsed = std::chrono::duration<double>(Clock::now() - start_).count();
    uint64_t due = std::min<uint64_t>(total_, uint64_t(elapsed * ctx_.options.rate) + 1);
    if (due <= sent_) {
      auto at = start_ + std::chrono::duration_cast<Clock::duration>(
                             std::chrono::duration<double>(double(sent_) / ctx_.options.rate));
      producer_timer_->expires_at(at);
      producer_timer_->async_wait([this](const boost::system::error_code&) { ProducerStep(); });
      return;
    }
    uint64_t n = std::min<uint64_t>(due - sent_, 500);
    int64_t now_us = NowUs();
    put_body_.clear();
    put_body_ += "{\"StreamName\":";
    AppendJsonString(stream_, put_body_);
    if (n == 1) {
      put_body_ += ",\"PartitionKey\":\"fanout\",\"Data\":\"";
      AppendRecordData(sent_, now_us, put_body_);
      put_body_ += "\"}";
    } else {
      put_body_ += ",\"Records\":[";
      for (uint64_t i = 0; i < n; ++i) {
        if (i) put_body_ += ',';
        put_body_ += "{\"PartitionKey\":\"fanout\",\"Data\":\"";
        AppendRecordData(sent_ + i, now_us, put_body_);
        put_body_ += "\"}";
      }
      put_body_ += "]}";
    }
    put_head_ = ctx_.builder->Head(n == 1 ? "PutRecord" : "PutRecords", put_body_);
    auto sent_at = Clock::now();
    producer_->Exchange(put_head_, put_body_, [this, n, sent_at](const LoadResponse& r) {
      ++put_requests_;
      ctx_.live.requests.fetch_add(1, std::memory_order_relaxed);
      bool ok = r.transport_ok && r.status == 200;
      if (ok && n > 1) {
        // Any failed entry would leave a gap; resend the whole batch (duplicates are counted).
        std::string_view b = r.body;
        size_t k = b.find("\"FailedRecordCount\"");
        if (k != std::string_view::npos) {
          size_t d = b.find_first_of("0123456789", k);
          ok = d != std::string_view::npos && b[d] == '0';
        }
      }
      if (r.transport_ok)
        put_latency_us_.Record(
            std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - sent_at).count());
      if (!ok) {
        ++put_errors_;
        ctx_.live.errors.fetch_add(1, std::memory_order_relaxed);
        if (put_first_error_.empty())
          put_first_error_ = r.transport_ok ? fmt::format("HTTP {}: {}", r.status, r.body.substr(0, 300))
                                            : r.error;
        if (put_errors_ > 100) {  // give up; the shortfall shows as missing records
          total_ = sent_;
        }
        producer_timer_->expires_after(std::chrono::milliseconds(10));
        producer_timer_->async_wait([this](const boost::system::error_code&) { ProducerStep(); });
        return;
      }
      sent_ += n;
      ctx_.live.records.fetch_add(n, std::memory_order_relaxed);
      ProducerStep();
    });
  }

  void Poll(Consumer& c) {
    c.body.clear();
    c.body += "{\"ShardIterator\":";
    AppendJsonString(c.iterator, c.body);
    c.body += fmt::format(",\"Limit\":{}}}", ctx_.options.limit);
    c.head = ctx_.builder->Head("GetRecords", c.body, wait_header_);
    c.sent = Clock::now();
    c.conn->Exchange(c.head, c.body, [this, &c](const LoadResponse& r) { OnRecords(c, r); });
  }

  void PauseThenPoll(Consumer& c, std::chrono::milliseconds pause) {
    c.timer->expires_after(pause);
    c.timer->async_wait([this, &c](const boost::system::error_code&) { Poll(c); });
  }

  void OnRecords(Consumer& c, const LoadResponse& r) {
    int64_t now_us = NowUs();
    ++c.requests;
    if (!r.transport_ok || r.status != 200) {
      ++c.errors;
      if (c.first_error.empty())
        c.first_error = r.transport_ok ? fmt::format("GetRecords HTTP {}: {}", r.status, r.body.substr(0, 300))
                                       : r.error;
      if (c.errors > 100) return;
      return PauseThenPoll(c, std::chrono::milliseconds(100));
    }
    c.json_copy.assign(r.body);  // simdjson needs padding; the copy is small at fan-out rates
    simdjson::dom::element doc;
    if (c.parser.parse(c.json_copy).get(doc) != simdjson::SUCCESS) {
      ++c.errors;
      if (c.first_error.empty()) c.first_error = "GetRecords: unparsable response";
      return PauseThenPoll(c, std::chrono::milliseconds(100));
    }
    size_t n = 0;
    simdjson::dom::array records;
    if (doc["Records"].get_array().get(records) == simdjson::SUCCESS) {
      for (simdjson::dom::element rec : records) {
        std::string_view data_b64;
        if (rec["Data"].get_string().get(data_b64) != simdjson::SUCCESS) continue;
        c.decoded.clear();
        base64::DecodeAppend(data_b64, c.decoded);
        if (c.tally.Record(c.decoded, now_us)) ++n;
      }
    }
    std::string_view next;
    if (doc["NextShardIterator"].get_string().get(next) != simdjson::SUCCESS) {
      c.finished = true;  // closed shard: nothing more will come
      return;
    }
    c.iterator.assign(next);
    bool producer_done = producer_done_.load();
    if (producer_done && c.tally.next_index >= sent_) {
      c.finished = true;
      return;
    }
    if (n > 0) return Poll(c);
    if (producer_done && Clock::now() - producer_end_ > std::chrono::seconds(10)) return;  // give up
    if (g_stop_requested.load() && !producer_done) return;
    if (ctx_.options.wait_ms > 0) {
      // Long polling: the server already waited; pause only for what is left of the pause
      // (all of it when the server ignores x-runnel-wait-ms).
      auto left = std::chrono::milliseconds(ctx_.options.poll_pause_ms) - (Clock::now() - c.sent);
      if (left <= Clock::duration::zero()) return Poll(c);
      return PauseThenPoll(c, std::chrono::duration_cast<std::chrono::milliseconds>(left));
    }
    PauseThenPoll(c, std::chrono::milliseconds(ctx_.options.poll_pause_ms));
  }

  // --- push subscribers ---

  void Subscribe(Subscriber& s) {
    StartingPosition pos{IteratorType::kTrimHorizon, "", 0};
    if (!s.continuation.empty()) pos = {IteratorType::kAfterSequenceNumber, s.continuation, 0};
    std::string body = SubscribeToShardBody(s.consumer_arn, shard_id_, pos);
    s.request = ctx_.builder->Head("SubscribeToShard", body) + body;
    s.call = std::make_shared<EventStreamCall>(s.strand, ctx_.tcp_endpoint, std::chrono::milliseconds(0));
    EventStreamCall::Handlers h;
    h.on_rejected = [this, &s](int status, const std::string& body) {
      SubscriberFailed(s, fmt::format("SubscribeToShard HTTP {}: {}", status, body.substr(0, 300)));
    };
    h.on_message = [this, &s](EventMessage& m) { OnPushMessage(s, m); };
    h.on_end = [this, &s](const std::string& error) {
      if (s.finished) return;
      if (error.empty()) return Subscribe(s);  // the subscription's time is up: renew it
      SubscriberFailed(s, "SubscribeToShard: " + error);
    };
    s.call->Start(s.request, std::move(h));
  }

  void SubscriberFailed(Subscriber& s, const std::string& what) {
    ++s.errors;
    ctx_.live.errors.fetch_add(1, std::memory_order_relaxed);
    if (s.first_error.empty()) s.first_error = what;
    if (s.errors > 100 || s.finished) return;
    s.timer->expires_after(std::chrono::milliseconds(200));
    s.timer->async_wait([this, &s](const boost::system::error_code& ec) {
      if (!ec && !s.finished) Subscribe(s);
    });
  }

  void OnPushMessage(Subscriber& s, EventMessage& m) {
    int64_t now_us = NowUs();
    std::string_view type = m.Header(":message-type");
    if (type != "event") {
      s.call->Cancel();
      return SubscriberFailed(s, fmt::format("{} {}{}: {}", type, m.Header(":exception-type"),
                                             m.Header(":error-code"), m.payload.substr(0, 300)));
    }
    if (m.Header(":event-type") != "SubscribeToShardEvent") return;  // initial-response
    simdjson::dom::element doc;
    if (s.parser.parse(m.payload).get(doc) != simdjson::SUCCESS) {
      s.call->Cancel();
      return SubscriberFailed(s, "SubscribeToShard: unparsable event");
    }
    simdjson::dom::array records;
    if (doc["Records"].get_array().get(records) == simdjson::SUCCESS) {
      for (simdjson::dom::element rec : records) {
        std::string_view data_b64;
        if (rec["Data"].get_string().get(data_b64) != simdjson::SUCCESS) continue;
        s.decoded.clear();
        base64::DecodeAppend(data_b64, s.decoded);
        s.tally.Record(s.decoded, now_us);
      }
    }
    std::string_view cont;
    if (doc["ContinuationSequenceNumber"].get_string().get(cont) == simdjson::SUCCESS) {
      s.continuation.assign(cont);
    } else {
      s.finished = true;  // shard end: nothing more will come
      s.call->Cancel();
      return;
    }
    if (!s.ready) {
      s.ready = true;
      if (ready_.fetch_add(1) + 1 == subscribers_.size()) StartProducer();
    }
    CheckSubscriberDone(s);
  }

  // On the subscriber's strand.
  void CheckSubscriberDone(Subscriber& s) {
    if (s.finished || !producer_done_.load()) return;
    if (s.tally.next_index < sent_.load() && !giving_up_.load()) return;
    s.finished = true;  // (when giving up, the shortfall is counted as missing)
    s.timer->cancel();
    s.call->Cancel();
  }

  void OnProducerDone() {
    for (Subscriber& s : subscribers_) {
      boost::asio::post(s.strand, [this, &s] { CheckSubscriberDone(s); });
    }
    if (subscribers_.empty()) return;
    // Subscribers that still miss records 10 s later give up (the shortfall shows as missing).
    producer_timer_->expires_after(std::chrono::seconds(10));
    producer_timer_->async_wait([this](const boost::system::error_code& ec) {
      if (ec) return;
      giving_up_.store(true);
      for (Subscriber& s : subscribers_) {
        boost::asio::post(s.strand, [this, &s] { CheckSubscriberDone(s); });
      }
    });
  }

  BenchContext& ctx_;
  std::string stream_;
  uint64_t total_;
  int size_;
  std::string padding_;
  std::string wait_header_;  // "x-runnel-wait-ms: N\r\n" with --wait-ms
  Clock::time_point start_, producer_end_;
  std::shared_ptr<BenchConnection> producer_;
  std::shared_ptr<boost::asio::steady_timer> producer_timer_;
  std::string put_body_, put_head_;
  // Producer state: touched only by the producer chain, read by consumers after
  // producer_done_ is set (release/acquire through the atomic).
  std::atomic<uint64_t> sent_{0};
  std::atomic<bool> producer_done_{false};
  uint64_t put_requests_ = 0, put_errors_ = 0;
  Histogram put_latency_us_;
  std::string put_first_error_;
  std::vector<Consumer> consumers_;
  boost::asio::io_context* ioc_ = nullptr;
  std::string shard_id_;
  std::vector<Subscriber> subscribers_;
  std::atomic<size_t> ready_{0};
  boost::asio::any_io_executor producer_strand_;
  bool producer_started_ = false;  // on producer_strand_
  std::atomic<bool> giving_up_{false};
};

}  // namespace

namespace {

// Registers consumers bench-sub-0 .. bench-sub-<n-1> on the stream and waits until they are
// ACTIVE (AWS allows 5 CREATING at a time: registered in waves of at most 5).
std::string RegisterSubscribers(BenchContext& ctx, const std::string& stream, int n,
                                std::vector<std::string>* arns) {
  auto summary = ctx.control->DescribeStreamSummary(stream);
  if (!summary.ok()) return fmt::format("DescribeStreamSummary: {}: {}", summary.error().type, summary.error().message);
  for (int i = 0; i < n; i += 5) {
    std::vector<std::string> names;
    for (int j = i; j < std::min(n, i + 5); ++j) names.push_back(fmt::format("bench-sub-{}", j));
    for (const std::string& name : names) {
      auto r = ctx.control->RegisterStreamConsumer(summary->stream_arn, name);
      if (!r.ok() && r.error().type != "ResourceInUseException")
        return fmt::format("RegisterStreamConsumer {} ({} of {}): {}: {}", name, arns->size() + 1, n,
                           r.error().type, r.error().message);
    }
    for (const std::string& name : names) {
      bool registered = false;
      auto c = EnsureStreamConsumer(*ctx.control, summary->stream_arn, name, std::chrono::seconds(60), &registered);
      if (!c.ok()) return fmt::format("consumer {}: {}: {}", name, c.error().type, c.error().message);
      arns->push_back(c->arn);
    }
  }
  return "";
}

// Waits (at most 10 s) until the deregistered bench-sub-* consumers are gone (DELETING ones
// still block DeleteStream).
void WaitForSubscribersGone(BenchContext& ctx, const std::string& stream, int n) {
  auto summary = ctx.control->DescribeStreamSummary(stream);
  if (!summary.ok()) return;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (int i = 0; i < n && std::chrono::steady_clock::now() < deadline;) {
    auto c = ctx.control->DescribeStreamConsumer(summary->stream_arn, fmt::format("bench-sub-{}", i));
    if (!c.ok()) {
      ++i;  // gone (or unknown): next
      continue;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

}  // namespace

std::string RunFanoutScenario(BenchContext& ctx, BenchResult& result,
                              const std::vector<std::string>& shard_ids) {
  const BenchOptions& o = ctx.options;
  result.fanout = true;
  result.rate = o.rate;
  result.consumers = o.consumers;
  result.push = o.push;
  result.wait_ms = o.push ? 0 : o.wait_ms;
  if (shard_ids.size() != 1) return "fanout needs a 1-shard stream (--shards 1)";
  std::vector<std::string> iterators, subscriber_arns;
  if (o.push) {
    std::string failure = RegisterSubscribers(ctx, result.stream, o.consumers, &subscriber_arns);
    if (!failure.empty()) return failure;
  } else {
    for (int i = 0; i < o.consumers; ++i) {
      auto it = ctx.control->GetShardIterator(result.stream, shard_ids[0], StartingPosition{});
      if (!it.ok()) return fmt::format("GetShardIterator: {}: {}", it.error().type, it.error().message);
      iterators.push_back(std::move(*it));
    }
  }
  uint64_t total = o.count > 0 ? uint64_t(o.count) : uint64_t(o.rate * o.duration_s);
  ProgressLine progress(ctx, result.scenario, o.progress);
  Fanout fanout(ctx, result.stream, total, result.record_size);
  std::vector<std::string> arns = subscriber_arns;
  fanout.Run(std::move(iterators), std::move(subscriber_arns), shard_ids[0], result);
  // Deregistered so that the stream can be deleted (DeleteStream refuses while consumers exist).
  for (const std::string& arn : arns) {
    auto d = ctx.control->DeregisterStreamConsumer(arn);
    if (!d.ok()) std::fprintf(stderr, "warning: DeregisterStreamConsumer %s: %s\n", arn.c_str(), d.error().message.c_str());
  }
  if (!arns.empty()) WaitForSubscribersGone(ctx, result.stream, o.consumers);
  if (result.verified && result.produced < total)
    return fmt::format("the producer fell behind: {} of {} records in {:.1f} s (delivery of those was OK)",
                       result.produced, total, result.wall_s);
  if (!result.verified)
    return fmt::format("delivery check failed: {} produced of {}, {} missing, {} duplicate/out of order",
                       result.produced, total, result.missing, result.duplicates);
  return "";
}

}  // namespace runnel::cli::bench
