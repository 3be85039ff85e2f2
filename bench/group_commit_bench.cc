// The group-commit path: Log::Append of a batch, then Committer(kAlways)::WhenDurable and
// wait for the fsync callback. Arg = concurrent appenders (threads) sharing one log and one
// committer; with more appenders, one fsync covers several batches. The temp dir decides the
// fsync cost: set RUNNEL_BENCH_DIR to a directory on the disk under test (not tmpfs).
#include <benchmark/benchmark.h>

#include <future>
#include <mutex>

#include "bench_util.h"
#include "storage/committer.h"
#include "storage/log.h"

namespace runnel::bench {
namespace {

struct Shared {
  TempDir dir;
  std::shared_ptr<storage::Log> log;
  std::unique_ptr<storage::Committer> committer;
};
std::mutex g_mu;
Shared* g_shared = nullptr;

void BM_AppendAndCommitAlways(benchmark::State& state) {
  const int records = static_cast<int>(state.range(0));
  if (state.thread_index() == 0) {
    std::lock_guard lock(g_mu);
    g_shared = new Shared();
    storage::RecoveryReport report;
    auto opened = storage::Log::Open(g_shared->dir.path() / "log", storage::LogOptions{}, &report);
    if (!opened.ok()) std::abort();
    g_shared->log = std::shared_ptr<storage::Log>(std::move(*opened));
    g_shared->committer = std::make_unique<storage::Committer>(storage::SyncMode::kAlways,
                                                               std::chrono::milliseconds(0));
  }
  std::string payload = RandomBytes(1024);
  storage::BatchBuilder batch;
  for (auto _ : state) {
    batch.Clear();
    for (int i = 0; i < records; ++i) batch.Add(1700000000000, payload);
    auto first = g_shared->log->Append(batch);
    if (!first.ok()) {
      state.SkipWithError("append failed");
      break;
    }
    std::promise<void> durable;
    g_shared->committer->WhenDurable(g_shared->log, *first + records,
                                     [&durable](storage::StorageResult<void>) { durable.set_value(); });
    durable.get_future().wait();
  }
  state.SetItemsProcessed(state.iterations() * records);
  state.SetBytesProcessed(state.iterations() * records * 1024);
  if (state.thread_index() == 0) {
    state.counters["fsyncs"] = static_cast<double>(g_shared->committer->fsync_count());
    g_shared->committer.reset();
    g_shared->log.reset();
    delete g_shared;
    g_shared = nullptr;
  }
}
// Setup and teardown run on thread 0 outside the timing loop; the loop's start and end are
// barriers for all threads, so g_shared is touched by the others only while it is alive.
BENCHMARK(BM_AppendAndCommitAlways)->Arg(1)->Arg(500)->UseRealTime()->Threads(1);
BENCHMARK(BM_AppendAndCommitAlways)->Arg(1)->Arg(500)->UseRealTime()->Threads(8);

}  // namespace
}  // namespace runnel::bench
