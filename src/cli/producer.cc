#include "cli/producer.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <deque>
#include <set>
#include <thread>

#include "cli/cli_common.h"

namespace runnel::cli {
namespace {

constexpr int kMaxBatch = 500;
// PutRecords caps a request at 5 MiB of data plus keys; stay below it.
constexpr size_t kMaxBatchBytes = 4u << 20;

}  // namespace

Producer::Producer(KinesisClient& client, ProduceOptions options)
    : client_(client), options_(std::move(options)), key_spec_(options_.partition_key) {
  options_.batch = std::clamp(options_.batch, 1, kMaxBatch);
}

KinesisResult<ProduceStats> Producer::Run(const std::vector<std::string>& records) {
  start_ms_ = WallMs();
  stats_ = ProduceStats{};
  auto r = options_.batch == 1 ? RunSingle(records) : RunBatched(records);
  stats_.seconds = static_cast<double>(WallMs() - start_ms_) / 1000.0;
  if (options_.progress) ShowProgress(records.size(), /*final_line=*/true);
  if (!r.ok()) return MakeUnexpected(r.error());
  return stats_;
}

void Producer::Pace(int64_t sent) {
  if (options_.rate <= 0) return;
  int64_t due_ms = start_ms_ + static_cast<int64_t>(static_cast<double>(sent) * 1000.0 / options_.rate);
  int64_t wait = due_ms - WallMs();
  if (wait > 0) SleepUnlessStopped(std::chrono::milliseconds(wait));
}

void Producer::Backoff(int round) {
  int64_t delay = std::min<int64_t>(int64_t{50} << std::min(round, 10), 2000);
  SleepUnlessStopped(std::chrono::milliseconds(delay));
}

void Producer::ShowProgress(size_t total, bool final_line) {
  int64_t now = WallMs();
  if (!final_line && now - last_progress_ms_ < 200) return;
  last_progress_ms_ = now;
  double secs = std::max(0.001, static_cast<double>(now - start_ms_) / 1000.0);
  std::fprintf(stderr, "\rsent %lld/%zu records, %.0f records/s", static_cast<long long>(stats_.records),
               total, static_cast<double>(stats_.records) / secs);
  if (final_line) std::fputc('\n', stderr);
  std::fflush(stderr);
}

KinesisResult<void> Producer::RunSingle(const std::vector<std::string>& records) {
  for (size_t i = 0; i < records.size(); ++i) {
    if (g_stop_requested.load()) {
      return MakeUnexpected(ServiceError{"Interrupted", "stopped after " + std::to_string(i) + " records", 0});
    }
    Pace(static_cast<int64_t>(i));
    std::string key = key_spec_.KeyFor(records[i]);
    if (stats_.first_sent_ms == 0) stats_.first_sent_ms = WallMs();
    for (int round = 0;; ++round) {
      auto r = client_.PutRecord(options_.stream, key, records[i]);
      if (r.ok()) break;
      if (!IsRetryable(r.error()) || round + 1 >= options_.max_rounds) return MakeUnexpected(r.error());
      ++stats_.retried;
      Backoff(round);
    }
    ++stats_.calls;
    ++stats_.records;
    stats_.last_acked_ms = WallMs();
    if (options_.progress) ShowProgress(records.size(), /*final_line=*/false);
  }
  return {};
}

KinesisResult<void> Producer::RunBatched(const std::vector<std::string>& records) {
  std::deque<Entry> retry;  // entries to re-send first, in order
  size_t next = 0;          // next input record never sent
  int failed_rounds = 0;
  std::vector<bool> acked(records.size(), false);
  while (next < records.size() || !retry.empty()) {
    if (g_stop_requested.load()) {
      return MakeUnexpected(ServiceError{"Interrupted", "stopped after " + std::to_string(stats_.records) + " records", 0});
    }
    // Build the batch: pending retries first, then new records.
    std::vector<Entry> batch;
    size_t bytes = 0;
    auto fits = [&](const Entry& e) {
      size_t size = records[e.index].size() + e.key.size();
      return batch.empty() || (batch.size() < static_cast<size_t>(options_.batch) && bytes + size <= kMaxBatchBytes);
    };
    while (!retry.empty() && fits(retry.front())) {
      bytes += records[retry.front().index].size() + retry.front().key.size();
      batch.push_back(std::move(retry.front()));
      retry.pop_front();
    }
    while (next < records.size()) {
      Entry e{next, key_spec_.KeyFor(records[next])};
      if (!fits(e)) break;
      bytes += records[e.index].size() + e.key.size();
      batch.push_back(std::move(e));
      ++next;
    }
    Pace(stats_.records + static_cast<int64_t>(batch.size()));

    std::vector<PutRecordsEntry> request;
    request.reserve(batch.size());
    for (const Entry& e : batch) request.push_back({e.key, records[e.index]});
    if (stats_.first_sent_ms == 0) stats_.first_sent_ms = WallMs();
    auto r = client_.PutRecords(options_.stream, request);
    if (!r.ok()) {
      if (!IsRetryable(r.error()) || ++failed_rounds >= options_.max_rounds) return MakeUnexpected(r.error());
      stats_.retried += static_cast<int64_t>(batch.size());
      for (auto it = batch.rbegin(); it != batch.rend(); ++it) retry.push_front(std::move(*it));
      Backoff(failed_rounds);
      continue;
    }
    ++stats_.calls;
    stats_.last_acked_ms = WallMs();

    // Partial failures: re-send each failed entry and every later entry of its key.
    std::set<std::string> failed_keys;
    std::vector<Entry> resend;
    for (size_t i = 0; i < batch.size(); ++i) {
      const PutRecordsEntryResult& res = r->records[i];
      bool key_failed = failed_keys.count(batch[i].key) > 0;
      if (!res.ok() || key_failed) {
        failed_keys.insert(batch[i].key);
        if (res.ok()) ++stats_.resent_acked;
        if (res.ok() && !acked[batch[i].index]) {
          acked[batch[i].index] = true;
          ++stats_.records;
        }
        resend.push_back(std::move(batch[i]));
        continue;
      }
      if (!acked[batch[i].index]) {
        acked[batch[i].index] = true;
        ++stats_.records;
      }
    }
    if (!resend.empty()) {
      stats_.retried += static_cast<int64_t>(resend.size());
      for (auto it = resend.rbegin(); it != resend.rend(); ++it) retry.push_front(std::move(*it));
      if (++failed_rounds >= options_.max_rounds) {
        const PutRecordsEntryResult* first = nullptr;
        for (const auto& res : r->records) {
          if (!res.ok()) { first = &res; break; }
        }
        return MakeUnexpected(ServiceError{first ? first->error_code : "InternalFailure",
                                           first ? first->error_message : "records kept failing", 200});
      }
      Backoff(failed_rounds);
    } else {
      failed_rounds = 0;
    }
    if (options_.progress) ShowProgress(records.size(), /*final_line=*/false);
  }
  return {};
}

}  // namespace runnel::cli
