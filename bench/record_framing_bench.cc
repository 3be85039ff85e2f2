// Record framing: BatchBuilder framing 500 x 1 KiB records into one batch (headers + CRC32C
// computed by Finish), and raw CRC32C throughput over the same bytes.
#include <benchmark/benchmark.h>

#include "bench_util.h"
#include "common/crc32c.h"
#include "storage/record_batch.h"

namespace runnel::bench {
namespace {

void BM_BatchBuild500x1KiB(benchmark::State& state) {
  std::string payload = RandomBytes(1024);
  storage::BatchBuilder batch;
  uint64_t base = 0;
  for (auto _ : state) {
    batch.Clear();
    for (int i = 0; i < 500; ++i) batch.Add(1700000000000 + i, payload);
    std::string_view framed = batch.Finish(base);
    base += 500;
    benchmark::DoNotOptimize(framed.data());
  }
  state.SetItemsProcessed(state.iterations() * 500);
  state.SetBytesProcessed(state.iterations() * 500 * 1024);
}
BENCHMARK(BM_BatchBuild500x1KiB);

void BM_Crc32c500KiB(benchmark::State& state) {
  std::string data = RandomBytes(500 * 1024);
  for (auto _ : state) benchmark::DoNotOptimize(crc32c::Value(data));
  state.SetBytesProcessed(state.iterations() * data.size());
}
BENCHMARK(BM_Crc32c500KiB);

}  // namespace
}  // namespace runnel::bench
