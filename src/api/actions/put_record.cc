// PutRecord (kinesis-api-actions.md §3). Answers once the record is durable.
#include <fmt/format.h>

#include "api/action.h"
#include "api/actions/actions.h"
#include "api/shapes.h"
#include "common/base64.h"

namespace runnel::api {
namespace {

// Data is decoded by validation itself, in the pass that checks its base64 (as PutRecords).
constexpr FieldSpec KeepDecoded(FieldSpec f) {
  f.keep_decoded = true;
  return f;
}
constexpr FieldSpec kFields[] = {kStreamName,
                                 KeepDecoded(Required(kData)),
                                 Required(kPartitionKey),
                                 kExplicitHashKey,
                                 kSequenceNumberForOrdering,
                                 kStreamArn,
                                 kStreamId};

thread_local std::string t_data;

// The members Handle reads, looked up in one pass (FindStrings).
enum MemberIndex { kName, kArn, kKey, kData, kHashKey, kOrdering, kMemberCount };
constexpr std::string_view kMemberNames[kMemberCount] = {
    "StreamName", "StreamARN", "PartitionKey", "Data", "ExplicitHashKey",
    "SequenceNumberForOrdering"};

void Handle(ActionContext& ctx) {
  std::optional<std::string_view> m[kMemberCount];
  FindStrings(ctx.body, kMemberNames, m);
  auto name = ctx.StreamName(m[kName], m[kArn]);
  if (!name) return;
  stream::PutEntry entry;
  entry.partition_key = *m[kKey];
  const DecodedBlobs& blobs = ThreadDecodedBlobs();
  if (blobs.size() == 1 && blobs.source(0) == m[kData]->data()) {
    entry.data = blobs.bytes(0);
  } else {  // not expected: validation keeps it; decoding here keeps Handle() correct anyway
    t_data.clear();
    base64::DecodeAppend(*m[kData], t_data);  // validated already
    entry.data = t_data;
  }
  if (auto ehk = m[kHashKey]) {
    entry.explicit_hash_key = stream::ParseHashKey(*ehk);
    if (!entry.explicit_hash_key) {
      stream::StreamError e;
      e.code = stream::StreamErrc::kExplicitHashKeyInvalid;
      e.value = std::string(*ehk);
      return ctx.Fail(e);
    }
  }
  auto ordering = m[kOrdering];
  ctx.registry.PutRecords(
      ctx.account, *name, {&entry, 1}, ordering,
      [respond = std::move(ctx.respond)](stream::StreamResult<stream::PutOutcome> r) {
        if (!r) return SendError(respond, ToApiError(r.error()));
        const auto& e = r->entries[0];
        // What JsonWriter would write, appended directly: a shard id and a sequence number
        // are letters, digits and '-', so there is nothing to escape.
        ShardIdBuffer shard_id;
        std::string out;
        out.reserve(160);
        out.append(R"({"ShardId":")").append(ShardIdText(e.shard_index, shard_id));
        out.append(R"(","SequenceNumber":")").append(e.sequence_number()).push_back('"');
        if (r->encrypted) out.append(R"(,"EncryptionType":"KMS")");
        out.push_back('}');
        ApiResponse resp;
        resp.body = std::move(out);
        respond(std::move(resp));
      });
}

}  // namespace

const ActionDef kPutRecordAction{"PutRecord", kFields, Handle};

}  // namespace runnel::api
