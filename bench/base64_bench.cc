// base64 encode/decode of one record's Data blob (PutRecords/GetRecords), at 100 B, 1 KiB
// and 64 KiB, with run-time dispatch (AVX2 where available) and with the scalar code forced.
#include <benchmark/benchmark.h>

#include "bench_util.h"
#include "common/base64.h"

namespace runnel::bench {
namespace {

// state.range(0): raw size in bytes; state.range(1): 1 forces the scalar code.
struct ScalarScope {
  explicit ScalarScope(bool scalar) { base64::ForceScalarForTesting(scalar); }
  ~ScalarScope() { base64::ForceScalarForTesting(false); }
};

void BM_Base64Encode(benchmark::State& state) {
  ScalarScope scope(state.range(1) != 0);
  std::string raw = RandomBytes(static_cast<size_t>(state.range(0)));
  std::string out(base64::EncodedSize(raw.size()), '\0');
  for (auto _ : state) {
    base64::EncodeTo(raw, out.data());
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * raw.size());
}

void BM_Base64EncodeAppend(benchmark::State& state) {
  ScalarScope scope(state.range(1) != 0);
  std::string raw = RandomBytes(static_cast<size_t>(state.range(0)));
  std::string out;
  for (auto _ : state) {
    out.clear();
    base64::EncodeAppend(raw, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(state.iterations() * raw.size());
}

// DecodeTo into a caller buffer (the put path's way: no resize, no zero fill).
void BM_Base64Decode(benchmark::State& state) {
  ScalarScope scope(state.range(1) != 0);
  std::string encoded;
  base64::EncodeAppend(RandomBytes(static_cast<size_t>(state.range(0))), encoded);
  std::string out(base64::MaxDecodedSize(encoded.size()), '\0');
  for (auto _ : state) {
    auto r = base64::DecodeTo(encoded, out.data());
    benchmark::DoNotOptimize(r);
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * state.range(0));
}

void BM_Base64DecodeAppend(benchmark::State& state) {
  ScalarScope scope(state.range(1) != 0);
  std::string encoded;
  base64::EncodeAppend(RandomBytes(static_cast<size_t>(state.range(0))), encoded);
  std::string out;
  for (auto _ : state) {
    out.clear();
    auto st = base64::DecodeAppend(encoded, out);
    benchmark::DoNotOptimize(st);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(state.iterations() * state.range(0));
}

void Sizes(benchmark::internal::Benchmark* b) {
  for (int64_t scalar : {0, 1})
    for (int64_t n : {100, 1024, 65536}) b->Args({n, scalar});
  b->ArgNames({"bytes", "scalar"});
}
BENCHMARK(BM_Base64Encode)->Apply(Sizes);
BENCHMARK(BM_Base64EncodeAppend)->Apply(Sizes);
BENCHMARK(BM_Base64Decode)->Apply(Sizes);
BENCHMARK(BM_Base64DecodeAppend)->Apply(Sizes);

}  // namespace
}  // namespace runnel::bench
