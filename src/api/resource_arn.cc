#include "api/resource_arn.h"

#include <fmt/format.h>

namespace runnel::api {
namespace {

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '_' || c == '.' || c == '-';
}

bool IsName(std::string_view s) {
  if (s.empty() || s.size() > 128) return false;
  for (char c : s) {
    if (!IsNameChar(c)) return false;
  }
  return true;
}

}  // namespace

std::optional<ArnParts> SplitArn(std::string_view a) {
  std::string_view parts[5];
  size_t start = 0;
  for (int i = 0; i < 5; ++i) {
    size_t colon = a.find(':', start);
    if (colon == std::string_view::npos) return std::nullopt;
    parts[i] = a.substr(start, colon - start);
    start = colon + 1;
  }
  if (parts[0] != "arn" || parts[2] != "kinesis") return std::nullopt;
  return ArnParts{parts[3], parts[4], a.substr(start)};
}

std::optional<ResourceRef> ParseResourceArn(std::string_view arn) {
  auto parts = SplitArn(arn);
  if (!parts) return std::nullopt;
  std::string_view r = parts->resource;
  if (r.substr(0, 7) != "stream/") return std::nullopt;
  r.remove_prefix(7);
  ResourceRef ref;
  ref.arn = std::string(arn);
  ref.region = std::string(parts->region);
  ref.account = std::string(parts->account);
  size_t slash = r.find('/');
  if (slash == std::string_view::npos) {
    if (!IsName(r)) return std::nullopt;
    ref.stream = std::string(r);
    return ref;
  }
  // {stream}/consumer/{name}:{creation epoch seconds}
  std::string_view stream = r.substr(0, slash);
  std::string_view rest = r.substr(slash + 1);
  if (!IsName(stream) || rest.substr(0, 9) != "consumer/") return std::nullopt;
  rest.remove_prefix(9);
  size_t colon = rest.rfind(':');
  if (colon == std::string_view::npos || colon + 1 == rest.size()) return std::nullopt;
  std::string_view name = rest.substr(0, colon);
  for (char c : rest.substr(colon + 1)) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  if (!IsName(name)) return std::nullopt;
  ref.kind = ResourceRef::Kind::kConsumer;
  ref.stream = std::string(stream);
  ref.consumer = std::string(name);
  return ref;
}

std::optional<ResourceRef> ResolveResourceArn(ActionContext& ctx) {
  std::string_view arn = ctx.String("ResourceARN").value_or("");
  auto ref = ParseResourceArn(arn);
  if (!ref) {
    ctx.Fail(InvalidArgument(fmt::format("Invalid ResourceARN {}", arn)));
    return std::nullopt;
  }
  if (ref->region != ctx.options.region || ref->account != ctx.account) {
    // Another region or account: not visible to this caller.
    stream::StreamError e;
    e.account = ref->account;
    if (ref->kind == ResourceRef::Kind::kConsumer) {
      e.code = stream::StreamErrc::kConsumerNotFound;
      e.value = ref->arn;
    } else {
      e.code = stream::StreamErrc::kStreamNotFound;
      e.stream = ref->stream;
    }
    ctx.Fail(e);
    return std::nullopt;
  }
  return ref;
}

stream::StreamResult<stream::ConsumerMeta*> FindConsumer(stream::StreamMeta& m,
                                                         const ResourceRef& ref) {
  const std::string stream_arn = m.Arn();
  for (auto& c : m.consumers) {
    if (c.status != stream::ConsumerStatus::kDeleting && c.Arn(stream_arn) == ref.arn) return &c;
  }
  stream::StreamError e;
  e.code = stream::StreamErrc::kConsumerNotFound;
  e.value = ref.arn;
  e.account = m.account;
  return MakeUnexpected(std::move(e));
}

}  // namespace runnel::api
