// PutRecords (kinesis-api-actions.md §3): up to 500 entries, answered once all are durable.
#include <fmt/format.h>

#include "api/action.h"
#include "api/actions/actions.h"
#include "api/shapes.h"
#include "common/base64.h"
#include "common/json_writer.h"

namespace runnel::api {
namespace {

constexpr FieldSpec kFields[] = {kRecords, kStreamName, kStreamArn, kStreamId};

// Decoded data of all entries of one request, reused per thread (no per-record allocation).
struct Scratch {
  std::string data;
  std::vector<size_t> data_offsets;
  std::vector<stream::PutEntry> entries;
};
thread_local Scratch t_scratch;

void Handle(ActionContext& ctx) {
  auto name = ctx.StreamName();
  if (!name) return;
  auto records = *ctx.Array("Records");
  Scratch& sc = t_scratch;
  sc.data.clear();
  sc.data_offsets.clear();
  sc.entries.clear();
  for (simdjson::dom::element rec : records) {
    simdjson::dom::object o = rec.get_object();
    std::string_view data_b64 = o["Data"].get_string();
    sc.data_offsets.push_back(sc.data.size());
    base64::DecodeAppend(data_b64, sc.data);
    stream::PutEntry e;
    e.partition_key = o["PartitionKey"].get_string();
    simdjson::dom::element ehk;
    if (o["ExplicitHashKey"].get(ehk) == simdjson::SUCCESS && !ehk.is_null()) {
      std::string_view s = ehk.get_string();
      e.explicit_hash_key = stream::ParseHashKey(s);
      if (!e.explicit_hash_key) {
        stream::StreamError err;
        err.code = stream::StreamErrc::kExplicitHashKeyInvalid;
        err.value = std::string(s);
        return ctx.Fail(err);
      }
    }
    sc.entries.push_back(e);
  }
  // Data views are fixed up only now: `sc.data` may have been reallocated while growing.
  sc.data_offsets.push_back(sc.data.size());
  for (size_t i = 0; i < sc.entries.size(); ++i) {
    sc.entries[i].data = std::string_view(sc.data).substr(
        sc.data_offsets[i], sc.data_offsets[i + 1] - sc.data_offsets[i]);
  }

  ctx.registry.PutRecords(
      ctx.account, *name, sc.entries, std::nullopt,
      [respond = std::move(ctx.respond)](stream::StreamResult<stream::PutOutcome> r) {
        if (!r) return SendError(respond, ToApiError(r.error()));
        std::string out;
        out.reserve(64 + r->entries.size() * 110);
        JsonWriter w(out);
        w.BeginObject();
        w.Member("FailedRecordCount", int64_t{0});
        w.Key("Records").BeginArray();
        for (const auto& e : r->entries) {
          w.BeginObject();
          w.Member("SequenceNumber", e.sequence_number());
          w.Member("ShardId", stream::ShardIdOf(e.shard_index));
          w.EndObject();
        }
        w.EndArray();
        if (r->encrypted) w.Member("EncryptionType", "KMS");
        w.EndObject();
        ApiResponse resp;
        resp.body = std::move(out);
        respond(std::move(resp));
      });
}

}  // namespace

const ActionDef kPutRecordsAction{"PutRecords", kFields, Handle};

}  // namespace runnel::api
