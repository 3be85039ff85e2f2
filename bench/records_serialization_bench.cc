// GetRecords response serialization as the server does it: api::WriteRecords over
// stream::OutRecord views (10000 x 1 KiB, the get-records scenario), the fast path (keys that
// need no escaping) and the general path (every key needs escaping).
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "api/records_json.h"
#include "bench_util.h"
#include "common/json_writer.h"
#include "stream/sequence_number.h"

namespace runnel::bench {
namespace {

struct Records {
  std::vector<std::string> keys;
  std::string data;
  std::vector<stream::OutRecord> out;
};

Records MakeRecords(int count, size_t size, bool escaped_keys) {
  Records r;
  r.data = RandomBytes(size);
  r.keys.reserve(count);
  for (int i = 0; i < count; ++i) {
    r.keys.push_back((escaped_keys ? "key\t" : "key-") + std::to_string(i % 1000));
  }
  for (int i = 0; i < count; ++i) {
    stream::OutRecord rec;
    stream::SequenceFields f{1700000000, 0, uint64_t(i) + 1, 1700000000};
    rec.sequence.sequence_length =
        static_cast<uint8_t>(stream::EncodeSequenceNumberTo(f, rec.sequence.sequence));
    rec.arrival_ms = 1700000000123 + i;
    rec.partition_key = r.keys[i];
    rec.data = r.data;
    r.out.push_back(rec);
  }
  return r;
}

void GetRecordsBody(benchmark::State& state, bool escaped_keys) {
  Records r = MakeRecords(10000, 1024, escaped_keys);
  size_t bytes = 0;
  for (auto _ : state) {
    std::string out;  // a fresh body per response, as the server frees each one after writing
    out.reserve(api::EstimateRecordsJson(r.out));
    JsonWriter w(out);
    w.BeginObject();
    api::WriteRecords(w, r.out);
    w.Member("NextShardIterator", "AAAAAAAAAAGjZXJ0aWZpY2F0ZS1pdGVyYXRvci10b2tlbi1mb3ItYmVuY2htYXJrcw==");
    w.Member("MillisBehindLatest", int64_t{0});
    w.EndObject();
    bytes = out.size();
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * int64_t(r.out.size()));
  state.SetBytesProcessed(state.iterations() * int64_t(bytes));
}

void BM_WriteRecords10000x1KiB(benchmark::State& state) { GetRecordsBody(state, false); }
BENCHMARK(BM_WriteRecords10000x1KiB)->Unit(benchmark::kMillisecond);

void BM_WriteRecords10000x1KiBEscapedKeys(benchmark::State& state) { GetRecordsBody(state, true); }
BENCHMARK(BM_WriteRecords10000x1KiBEscapedKeys)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace runnel::bench
