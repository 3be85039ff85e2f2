// Index lookup: Log::Read of 1 record / 100 records at random offsets of a pre-filled
// 200,000 x 1 KiB log (several segments, sparse offset index + scan within the segment).
#include <benchmark/benchmark.h>

#include <random>

#include "bench_util.h"
#include "storage/log.h"

namespace runnel::bench {
namespace {

constexpr uint64_t kRecords = 200000;

struct FilledLog {
  TempDir dir;
  std::unique_ptr<storage::Log> log;
  FilledLog() {
    storage::RecoveryReport report;
    storage::LogOptions options;
    options.segment_bytes = 64ull << 20;
    auto opened = storage::Log::Open(dir.path() / "log", options, &report);
    if (!opened.ok()) std::abort();
    log = std::move(*opened);
    std::string payload = RandomBytes(1024);
    storage::BatchBuilder batch;
    for (uint64_t i = 0; i < kRecords; i += 500) {
      batch.Clear();
      for (int j = 0; j < 500; ++j) batch.Add(1700000000000 + int64_t(i + j), payload);
      if (!log->Append(batch).ok()) std::abort();
    }
    if (!log->Sync().ok()) std::abort();
  }
};

FilledLog& Shared() {
  static FilledLog* log = new FilledLog();  // built once, kept for every benchmark
  return *log;
}

void ReadAtRandom(benchmark::State& state, size_t max_records) {
  storage::Log& log = *Shared().log;
  std::mt19937_64 rng(1);
  storage::ReadBuffer buffer;
  std::vector<storage::RecordView> out;
  storage::ReadOptions options;
  options.max_records = max_records;
  for (auto _ : state) {
    storage::Offset from(rng() % (kRecords - max_records));
    auto r = log.Read(from, options, buffer, out);
    if (!r.ok() || out.empty()) state.SkipWithError("read failed");
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * max_records);
}

void BM_LogReadRandom1(benchmark::State& state) { ReadAtRandom(state, 1); }
BENCHMARK(BM_LogReadRandom1);
void BM_LogReadRandom100(benchmark::State& state) { ReadAtRandom(state, 100); }
BENCHMARK(BM_LogReadRandom100);
void BM_LogRead10000Sequential(benchmark::State& state) {
  storage::Log& log = *Shared().log;
  storage::ReadBuffer buffer;
  std::vector<storage::RecordView> out;
  storage::ReadOptions options;
  options.max_records = 10000;
  uint64_t from = 0;
  for (auto _ : state) {
    auto r = log.Read(storage::Offset(from), options, buffer, out);
    if (!r.ok()) state.SkipWithError("read failed");
    from = r->value() >= kRecords ? 0 : r->value();
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * 10000);
}
BENCHMARK(BM_LogRead10000Sequential);

void BM_FindByTimestamp(benchmark::State& state) {
  storage::Log& log = *Shared().log;
  std::mt19937_64 rng(2);
  for (auto _ : state) {
    auto r = log.FindByTimestamp(1700000000000 + int64_t(rng() % kRecords));
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_FindByTimestamp);

}  // namespace
}  // namespace runnel::bench
