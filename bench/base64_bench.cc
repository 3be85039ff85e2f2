// base64 encode/decode of one 1 KiB record (the Data blob of PutRecords/GetRecords).
#include <benchmark/benchmark.h>

#include "bench_util.h"
#include "common/base64.h"

namespace runnel::bench {
namespace {

void BM_Base64Encode1KiB(benchmark::State& state) {
  std::string raw = RandomBytes(1024);
  std::string out;
  for (auto _ : state) {
    out.clear();
    base64::EncodeAppend(raw, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(state.iterations() * raw.size());
}
BENCHMARK(BM_Base64Encode1KiB);

void BM_Base64Decode1KiB(benchmark::State& state) {
  std::string encoded;
  base64::EncodeAppend(RandomBytes(1024), encoded);
  std::string out;
  for (auto _ : state) {
    out.clear();
    auto st = base64::DecodeAppend(encoded, out);
    benchmark::DoNotOptimize(st);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(state.iterations() * 1024);
}
BENCHMARK(BM_Base64Decode1KiB);

}  // namespace
}  // namespace runnel::bench
