// JSON request parsing: simdjson DOM parse of a 500 x 1 KiB PutRecords body, then the
// declarative validation the PutRecords action runs (types, lengths, base64 check).
#include <benchmark/benchmark.h>
#include <simdjson.h>

#include "api/shapes.h"
#include "api/validate.h"
#include "bench_util.h"

namespace runnel::bench {
namespace {

constexpr api::FieldSpec kPutRecordsFields[] = {api::kRecords, api::kStreamName, api::kStreamArn,
                                                api::kStreamId};

void BM_ParsePutRecords(benchmark::State& state) {
  std::string body = PutRecordsBody(500, 1024);
  simdjson::padded_string padded(body);
  simdjson::dom::parser parser;
  for (auto _ : state) {
    simdjson::dom::element doc;
    if (parser.parse(padded).get(doc) != simdjson::SUCCESS) state.SkipWithError("parse failed");
    benchmark::DoNotOptimize(doc);
  }
  state.SetBytesProcessed(state.iterations() * body.size());
  state.SetItemsProcessed(state.iterations() * 500);
}
BENCHMARK(BM_ParsePutRecords);

void BM_ParseAndValidatePutRecords(benchmark::State& state) {
  std::string body = PutRecordsBody(500, 1024);
  simdjson::padded_string padded(body);
  simdjson::dom::parser parser;
  for (auto _ : state) {
    simdjson::dom::element doc;
    if (parser.parse(padded).get(doc) != simdjson::SUCCESS) state.SkipWithError("parse failed");
    auto err = api::Validate(doc, kPutRecordsFields);
    if (err) state.SkipWithError("validation failed");
    benchmark::DoNotOptimize(err);
  }
  state.SetBytesProcessed(state.iterations() * body.size());
  state.SetItemsProcessed(state.iterations() * 500);
}
BENCHMARK(BM_ParseAndValidatePutRecords);

void BM_ValidateOnlyPutRecords(benchmark::State& state) {
  std::string body = PutRecordsBody(500, 1024);
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(body);
  for (auto _ : state) {
    auto err = api::Validate(doc, kPutRecordsFields);
    benchmark::DoNotOptimize(err);
  }
  state.SetItemsProcessed(state.iterations() * 500);
}
BENCHMARK(BM_ValidateOnlyPutRecords);

}  // namespace
}  // namespace runnel::bench
