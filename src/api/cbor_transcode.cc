#include "api/cbor_transcode.h"

#include <simdjson.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>

#include <fmt/format.h>

#include "api/api_error.h"
#include "api/cbor.h"
#include "common/base64.h"

namespace runnel::api {
namespace {

using cbor::Head;
using cbor::Major;
using cbor::Reader;

constexpr std::string_view kJsonContentType = "application/x-amz-json-1.1";

// Every blob and timestamp member of the Kinesis model (outputs and inputs).
constexpr std::array<std::string_view, 1> kBlobMembers = {"Data"};
constexpr std::array<std::string_view, 7> kTimestampMembers = {
    "ApproximateArrivalTimestamp", "StreamCreationTimestamp", "ConsumerCreationTimestamp",
    "StartedAt", "EndedAt", "EarliestAllowedEndAt", "Timestamp"};

// ---- CBOR -> JSON ---------------------------------------------------------------------------

class ToJson {
 public:
  ToJson(std::string_view in, std::string& out) : reader_(in), out_(out) {}

  bool Run() {
    if (!Item(0)) return false;
    if (!reader_.AtEnd()) return Fail("trailing bytes after the top-level item");
    return true;
  }
  const std::string& error() const { return error_; }

 private:
  bool Fail(std::string_view why) {
    if (error_.empty()) error_ = fmt::format("{} (at byte {})", why, reader_.Position());
    return false;
  }

  bool Item(int depth) {
    if (depth > kCborMaxDepth) return Fail("nesting too deep");
    Head h;
    if (!reader_.ReadHead(&h)) return Fail("truncated or malformed item head");
    return ItemWithHead(h, depth);
  }

  bool ItemWithHead(const Head& h, int depth) {
    switch (h.major) {
      case Major::kUnsigned:
        AppendUnsigned(h.arg);
        return true;
      case Major::kNegative:
        // -1 - arg; arg may be up to 2^64-1, so print the magnitude arg + 1 as 128-bit.
        out_.push_back('-');
        AppendUnsigned128(static_cast<unsigned __int128>(h.arg) + 1);
        return true;
      case Major::kBytes: {
        std::string bytes;
        if (!StringPayload(h, Major::kBytes, &bytes)) return false;
        out_.push_back('"');
        base64::EncodeAppend(bytes, out_);
        out_.push_back('"');
        return true;
      }
      case Major::kText: {
        std::string text;
        if (!StringPayload(h, Major::kText, &text)) return false;
        AppendJsonString(text);
        return true;
      }
      case Major::kArray:
        return Array(h, depth);
      case Major::kMap:
        return Map(h, depth);
      case Major::kTag:
        if (h.arg == cbor::kTagEpochTime) return Timestamp(depth);
        return Item(depth + 1);  // other tags: the content as if untagged
      case Major::kSimple:
        return Simple(h);
    }
    return Fail("unknown major type");
  }

  // Definite or indefinite (chunks of the same major type, each definite) string payload.
  bool StringPayload(const Head& h, Major major, std::string* out) {
    std::string_view chunk;
    if (!h.indefinite) {
      if (!reader_.ReadPayload(h.arg, &chunk)) return Fail("string longer than the input");
      out->assign(chunk);
      return true;
    }
    for (;;) {
      Head c;
      if (!reader_.ReadHead(&c)) return Fail("truncated indefinite-length string");
      if (c.is_break) return true;
      if (c.major != major || c.indefinite) return Fail("bad chunk in indefinite-length string");
      if (!reader_.ReadPayload(c.arg, &chunk)) return Fail("string longer than the input");
      out->append(chunk);
    }
  }

  bool Array(const Head& h, int depth) {
    if (depth + 1 > kCborMaxDepth) return Fail("nesting too deep");
    out_.push_back('[');
    if (h.indefinite) {
      for (bool first = true;; first = false) {
        Head e;
        if (!reader_.ReadHead(&e)) return Fail("truncated indefinite-length array");
        if (e.is_break) break;
        if (!first) out_.push_back(',');
        if (!ItemWithHead(e, depth + 1)) return false;
      }
    } else {
      // Each element takes at least one byte: a larger count cannot be honest.
      if (h.arg > reader_.Remaining()) return Fail("array count larger than the input");
      for (uint64_t i = 0; i < h.arg; ++i) {
        if (i > 0) out_.push_back(',');
        if (!Item(depth + 1)) return false;
      }
    }
    out_.push_back(']');
    return true;
  }

  bool Map(const Head& h, int depth) {
    if (depth + 1 > kCborMaxDepth) return Fail("nesting too deep");
    out_.push_back('{');
    if (h.indefinite) {
      for (bool first = true;; first = false) {
        Head k;
        if (!reader_.ReadHead(&k)) return Fail("truncated indefinite-length map");
        if (k.is_break) break;
        if (!first) out_.push_back(',');
        if (!Key(k) || !Item(depth + 1)) return false;
      }
    } else {
      if (h.arg > reader_.Remaining() / 2) return Fail("map count larger than the input");
      for (uint64_t i = 0; i < h.arg; ++i) {
        if (i > 0) out_.push_back(',');
        Head k;
        if (!reader_.ReadHead(&k)) return Fail("truncated map");
        if (!Key(k) || !Item(depth + 1)) return false;
      }
    }
    out_.push_back('}');
    return true;
  }

  bool Key(const Head& k) {
    if (k.major != Major::kText) return Fail("map key is not a text string");
    std::string key;
    if (!StringPayload(k, Major::kText, &key)) return false;
    AppendJsonString(key);
    out_.push_back(':');
    return true;
  }

  // Tag 1: epoch milliseconds (AWS), integer or float -> JSON seconds.
  bool Timestamp(int depth) {
    if (depth + 1 > kCborMaxDepth) return Fail("nesting too deep");
    Head v;
    if (!reader_.ReadHead(&v)) return Fail("truncated timestamp");
    if (v.major == Major::kUnsigned || v.major == Major::kNegative) {
      if (v.arg > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        return Fail("timestamp out of range");
      }
      if (v.major == Major::kNegative) out_.push_back('-');
      // Magnitude of the ms value: arg, or arg + 1 for negatives.
      uint64_t mag = v.major == Major::kNegative ? v.arg + 1 : v.arg;
      AppendUnsigned(mag / 1000);
      out_.append(fmt::format(".{:03d}", static_cast<int>(mag % 1000)));
      return true;
    }
    double ms;
    if (!FloatValue(v, &ms)) return Fail("tag 1 must hold a number of milliseconds");
    AppendDouble(ms / 1000.0);
    return true;
  }

  bool FloatValue(const Head& h, double* out) {
    if (h.major != Major::kSimple) return false;
    switch (h.info) {
      case 25:
        *out = cbor::HalfToDouble(static_cast<uint16_t>(h.arg));
        break;
      case 26:
        *out = std::bit_cast<float>(static_cast<uint32_t>(h.arg));
        break;
      case 27:
        *out = std::bit_cast<double>(h.arg);
        break;
      default:
        return false;
    }
    return std::isfinite(*out);
  }

  bool Simple(const Head& h) {
    if (h.is_break) return Fail("unexpected break");
    if (h.info >= 25 && h.info <= 27) {
      double d;
      if (!FloatValue(h, &d)) return Fail("NaN or infinite float");
      AppendDouble(d);
      return true;
    }
    switch (h.arg) {
      case 20:
        out_.append("false");
        return true;
      case 21:
        out_.append("true");
        return true;
      case 22:  // null
      case 23:  // undefined
        out_.append("null");
        return true;
      default:
        return Fail("unsupported simple value");
    }
  }

  void AppendUnsigned(uint64_t v) {
    char buf[24];
    auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
    out_.append(buf, end);
  }

  void AppendUnsigned128(unsigned __int128 v) {
    char buf[48];
    char* p = buf + sizeof(buf);
    do {
      *--p = static_cast<char>('0' + static_cast<int>(v % 10));
      v /= 10;
    } while (v != 0);
    out_.append(p, buf + sizeof(buf));
  }

  void AppendDouble(double d) {
    // Shortest round-trip form; valid JSON for finite values ("1.5", "1e+300", "3").
    out_.append(fmt::format("{}", d));
  }

  void AppendJsonString(std::string_view s) {
    static constexpr char kHex[] = "0123456789abcdef";
    out_.push_back('"');
    for (char c : s) {
      const auto u = static_cast<unsigned char>(c);
      if (c == '"' || c == '\\') {
        out_.push_back('\\');
        out_.push_back(c);
      } else if (u < 0x20) {
        out_.append("\\u00");
        out_.push_back(kHex[u >> 4]);
        out_.push_back(kHex[u & 0xf]);
      } else {
        out_.push_back(c);
      }
    }
    out_.push_back('"');
  }

  Reader reader_;
  std::string& out_;
  std::string error_;
};

// ---- JSON -> CBOR ---------------------------------------------------------------------------

enum class MemberKind { kPlain, kBlob, kTimestamp };

void Encode(simdjson::dom::element v, MemberKind kind, cbor::Writer& w) {
  using simdjson::dom::element_type;
  switch (v.type()) {
    case element_type::OBJECT: {
      simdjson::dom::object o = v.get_object().value_unsafe();
      w.BeginMap(o.size());
      for (auto field : o) {
        w.Text(field.key);
        MemberKind k = IsBlobMember(field.key)        ? MemberKind::kBlob
                       : IsTimestampMember(field.key) ? MemberKind::kTimestamp
                                                      : MemberKind::kPlain;
        Encode(field.value, k, w);
      }
      return;
    }
    case element_type::ARRAY: {
      simdjson::dom::array a = v.get_array().value_unsafe();
      w.BeginArray(a.size());
      for (auto e : a) Encode(e, MemberKind::kPlain, w);
      return;
    }
    case element_type::STRING: {
      std::string_view s = v.get_string().value_unsafe();
      if (kind == MemberKind::kBlob) {
        std::string bytes;
        if (base64::DecodeAppend(s, bytes).error == base64::DecodeError::kNone) {
          return w.Bytes(bytes);
        }
      }
      return w.Text(s);
    }
    case element_type::INT64: {
      int64_t i = v.get_int64().value_unsafe();
      if (kind == MemberKind::kTimestamp && i > INT64_MIN / 1000 && i < INT64_MAX / 1000) {
        return w.TimestampMs(i * 1000);
      }
      return w.Int(i);
    }
    case element_type::UINT64:
      return w.Unsigned(v.get_uint64().value_unsafe());
    case element_type::DOUBLE: {
      double d = v.get_double().value_unsafe();
      if (kind == MemberKind::kTimestamp && std::abs(d) < 9e15) {
        return w.TimestampMs(std::llround(d * 1000.0));
      }
      return w.Double(d);
    }
    case element_type::BOOL:
      return w.Bool(v.get_bool().value_unsafe());
    case element_type::NULL_VALUE:
      return w.Null();
  }
}

struct ResponseScratch {
  simdjson::dom::parser parser;
};
thread_local ResponseScratch t_response;

std::string CborError(const ApiError& e) {
  std::string out;
  cbor::Writer w(out);
  w.BeginMap(e.message.empty() ? 1 : 2);
  w.Text("__type");
  w.Text(e.type);
  if (!e.message.empty()) {
    w.Text(e.capital_message_key ? "Message" : "message");
    w.Text(e.message);
  }
  return out;
}

}  // namespace

bool IsBlobMember(std::string_view name) {
  return std::find(kBlobMembers.begin(), kBlobMembers.end(), name) != kBlobMembers.end();
}

bool IsTimestampMember(std::string_view name) {
  return std::find(kTimestampMembers.begin(), kTimestampMembers.end(), name) !=
         kTimestampMembers.end();
}

bool CborToJson(std::string_view cbor, std::string& json, std::string* error) {
  ToJson t(cbor, json);
  bool ok = t.Run();
  if (!ok && error) *error = t.error();
  return ok;
}

bool JsonToCbor(std::string_view json, std::string& cbor) {
  simdjson::padded_string padded(json);
  simdjson::dom::element doc;
  if (t_response.parser.parse(padded).get(doc) != simdjson::SUCCESS) return false;
  cbor::Writer w(cbor);
  Encode(doc, MemberKind::kPlain, w);
  return true;
}

Respond CborResponder(Respond inner) {
  return [inner = std::move(inner)](ApiResponse r) {
    if (r.stream_body || r.content_type != kJsonContentType) return inner(std::move(r));
    std::string out;
    if (r.body.empty()) {
      out.push_back('\xa0');  // {} : void operations
    } else if (!JsonToCbor(r.body, out)) {
      spdlog::error("cannot transcode a JSON response to CBOR ({} bytes)", r.body.size());
      ApiError e = InternalFailure();
      r.status = e.status;
      r.error_type = e.type;
      out = CborError(e);
    }
    r.body = std::move(out);
    r.content_type = std::string(kCborContentType);
    inner(std::move(r));
  };
}

}  // namespace runnel::api
