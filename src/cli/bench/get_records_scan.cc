#include "cli/bench/get_records_scan.h"

#include <cstring>

namespace runnel::cli::bench {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// The position of the quote that closes the string whose contents start at `pos`, or npos.
// A quote preceded by an odd number of backslashes is part of the string.
size_t StringEnd(std::string_view s, size_t pos) {
  while (pos < s.size()) {
    const void* q = std::memchr(s.data() + pos, '"', s.size() - pos);
    if (q == nullptr) return std::string_view::npos;
    size_t at = static_cast<const char*>(q) - s.data();
    size_t slashes = 0;
    while (at - slashes > pos && s[at - slashes - 1] == '\\') ++slashes;
    if (slashes % 2 == 0) return at;
    pos = at + 1;
  }
  return std::string_view::npos;
}

// Where the value of the member `quoted_key` starts (after the ':' and spaces), or npos. Looks
// in the last 4 KiB first (Runnel and AWS write NextShardIterator and MillisBehindLatest after
// the records), then from the start; an occurrence not followed by ':' is a value, not a key.
size_t MemberValue(std::string_view body, std::string_view quoted_key) {
  auto value_at = [&](size_t k) -> size_t {
    size_t v = k + quoted_key.size();
    while (v < body.size() && IsSpace(body[v])) ++v;
    if (v >= body.size() || body[v] != ':') return std::string_view::npos;
    ++v;
    while (v < body.size() && IsSpace(body[v])) ++v;
    return v < body.size() ? v : std::string_view::npos;
  };
  constexpr size_t kTail = 4096;
  const size_t tail = body.size() > kTail ? body.size() - kTail : 0;
  for (size_t k = body.rfind(quoted_key); k != std::string_view::npos && k >= tail;
       k = k == 0 ? std::string_view::npos : body.rfind(quoted_key, k - 1)) {
    if (size_t v = value_at(k); v != std::string_view::npos) return v;
  }
  for (size_t k = body.find(quoted_key); k != std::string_view::npos && k < tail;
       k = body.find(quoted_key, k + 1)) {
    if (size_t v = value_at(k); v != std::string_view::npos) return v;
  }
  return std::string_view::npos;
}

}  // namespace

GetRecordsScan ScanGetRecords(std::string_view body) {
  GetRecordsScan r;
  auto fail = [&](const char* what) {
    r.error = what;
    return r;
  };
  size_t first = 0, last = body.size();
  while (first < last && IsSpace(body[first])) ++first;
  while (last > first && IsSpace(body[last - 1])) --last;
  if (first == last) return fail("empty body");
  if (body[first] != '{' || body[last - 1] != '}') return fail("the body is not a JSON object");
  // "Records" comes first in Runnel's and AWS's answers.
  size_t records = std::string_view::npos;
  for (size_t k = body.find("\"Records\""); k != std::string_view::npos;
       k = body.find("\"Records\"", k + 1)) {
    size_t v = k + 9;
    while (v < last && IsSpace(body[v])) ++v;
    if (v < last && body[v] == ':') {
      records = v;
      break;
    }
  }
  if (records == std::string_view::npos) return fail("no \"Records\" member");
  size_t v = records + 1;
  while (v < last && IsSpace(body[v])) ++v;
  if (v >= last || body[v] != '[') return fail("\"Records\" is not an array");
  // One "SequenceNumber" key per record. Base64 data holds no quotes, a string holding the
  // name with quotes has them escaped (\"), and a value that is just the name is not
  // followed by ':', so only keys count.
  //
  // Records are found by their opening '{' (one memchr over the record, base64 included,
  // instead of one per quote): Runnel and AWS write the SequenceNumber key first, so the key
  // is checked right after the brace. Any other '{' (a record with another member order, as
  // kinesalite writes it, or a brace inside a partition key) falls back to searching for the
  // next key from there. Either way the count is of distinct keys in order, the search goes on
  // after the key counted, and as a record has one key and no nested objects, no key is
  // skipped: a brace inside a string only makes the next record's key be found by the search.
  constexpr std::string_view kSeq = "\"SequenceNumber\"";
  auto is_key = [&](size_t k) {
    if (last - k < kSeq.size() || std::memcmp(body.data() + k, kSeq.data(), kSeq.size()) != 0)
      return false;
    size_t c = k + kSeq.size();
    while (c < last && IsSpace(body[c])) ++c;
    return c < last && body[c] == ':';
  };
  size_t pos = v + 1;
  while (pos < last) {
    const void* brace = std::memchr(body.data() + pos, '{', last - pos);
    if (brace == nullptr) break;
    size_t k = static_cast<const char*>(brace) - body.data() + 1;
    while (k < last && IsSpace(body[k])) ++k;
    if (k >= last || body[k] != '"' || !is_key(k)) {
      k = body.find(kSeq, k);
      while (k != std::string_view::npos && !is_key(k)) k = body.find(kSeq, k + kSeq.size());
      if (k == std::string_view::npos) break;
    }
    ++r.records;
    pos = k + kSeq.size();
  }
  if (size_t it = MemberValue(body, "\"NextShardIterator\""); it != std::string_view::npos &&
                                                               body[it] == '"') {
    size_t close = StringEnd(body, it + 1);
    if (close == std::string_view::npos) return fail("unterminated NextShardIterator");
    r.has_next_iterator = true;
    r.next_iterator = body.substr(it + 1, close - it - 1);
  }
  if (size_t ms = MemberValue(body, "\"MillisBehindLatest\""); ms != std::string_view::npos) {
    int64_t value = 0;
    size_t d = ms;
    while (d < last && body[d] >= '0' && body[d] <= '9') value = value * 10 + (body[d++] - '0');
    if (d == ms) return fail("\"MillisBehindLatest\" is not a non-negative integer");
    r.has_millis_behind = true;
    r.millis_behind_latest = value;
  }
  return r;
}

void UnescapeJsonString(std::string_view raw, std::string* out) {
  out->clear();
  size_t i = 0;
  while (i < raw.size()) {
    size_t bs = raw.find('\\', i);
    if (bs == std::string_view::npos || bs + 1 >= raw.size()) {
      out->append(raw.substr(i));
      return;
    }
    out->append(raw.substr(i, bs - i));
    char e = raw[bs + 1];
    i = bs + 2;
    switch (e) {
      case '"': out->push_back('"'); break;
      case '\\': out->push_back('\\'); break;
      case '/': out->push_back('/'); break;
      case 'b': out->push_back('\b'); break;
      case 'f': out->push_back('\f'); break;
      case 'n': out->push_back('\n'); break;
      case 'r': out->push_back('\r'); break;
      case 't': out->push_back('\t'); break;
      case 'u': {
        unsigned v = 0;
        bool ok = bs + 6 <= raw.size();
        for (size_t k = bs + 2; ok && k < bs + 6; ++k) {
          char h = raw[k];
          int d = h >= '0' && h <= '9' ? h - '0' : h >= 'a' && h <= 'f' ? h - 'a' + 10
                : h >= 'A' && h <= 'F' ? h - 'A' + 10 : -1;
          ok = d >= 0;
          v = v * 16 + static_cast<unsigned>(d);
        }
        if (ok && v < 0x80) {
          out->push_back(static_cast<char>(v));
          i = bs + 6;
        } else {
          out->append(raw.substr(bs, 2));
        }
        break;
      }
      default: out->append(raw.substr(bs, 2)); break;
    }
  }
}

}  // namespace runnel::cli::bench
