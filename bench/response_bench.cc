// Response serialization with JsonWriter: a 500-entry PutRecords response and a GetRecords
// response of 10000 x 1 KiB records (base64 written straight into the output).
#include <benchmark/benchmark.h>

#include "bench_util.h"
#include "common/json_writer.h"

namespace runnel::bench {
namespace {

void BM_PutRecordsResponse500(benchmark::State& state) {
  std::string out;
  const std::string seq = "49590338271490256608559692538361571095921575989136588898";
  for (auto _ : state) {
    out.clear();
    JsonWriter w(out);
    w.BeginObject();
    w.Member("FailedRecordCount", int64_t{0});
    w.Key("Records").BeginArray();
    for (int i = 0; i < 500; ++i) {
      w.BeginObject();
      w.Member("SequenceNumber", seq);
      w.Member("ShardId", "shardId-000000000000");
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * 500);
  state.SetBytesProcessed(state.iterations() * out.size());
}
BENCHMARK(BM_PutRecordsResponse500);

void GetRecordsResponse(benchmark::State& state, int records, size_t size) {
  std::string payload = RandomBytes(size);
  const std::string seq = "49590338271490256608559692538361571095921575989136588898";
  std::string out;
  for (auto _ : state) {
    out.clear();
    JsonWriter w(out);
    w.BeginObject();
    w.Key("Records").BeginArray();
    for (int i = 0; i < records; ++i) {
      w.BeginObject();
      w.Member("SequenceNumber", seq);
      w.Key("ApproximateArrivalTimestamp").TimestampMs(1700000000123 + i);
      w.Key("Data").Base64(payload);
      w.Member("PartitionKey", "partition-key-0001");
      w.EndObject();
    }
    w.EndArray();
    w.Member("NextShardIterator", "AAAAAAAAAAGjZXJ0aWZpY2F0ZS1pdGVyYXRvci10b2tlbi1mb3ItYmVuY2htYXJrcw==");
    w.Member("MillisBehindLatest", int64_t{0});
    w.EndObject();
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * records);
  state.SetBytesProcessed(state.iterations() * out.size());
}

void BM_GetRecordsResponse10000x1KiB(benchmark::State& state) { GetRecordsResponse(state, 10000, 1024); }
BENCHMARK(BM_GetRecordsResponse10000x1KiB);

}  // namespace
}  // namespace runnel::bench
