#include "server/response_head.h"

#include <gtest/gtest.h>

#include <cstring>
#include <regex>
#include <string>

namespace runnel::server {
namespace {

bool Contains(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

TEST(ResponseHeadTest, CarriesRequiredHeaders) {
  ResponseHead head;
  head.status = 200;
  head.content_type = "application/x-amz-json-1.1";
  head.content_length = 17;
  std::string out;
  AppendResponseHead(head, out);
  EXPECT_EQ(out.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << out;
  EXPECT_TRUE(Contains(out, "\r\nContent-Length: 17\r\n")) << out;
  EXPECT_TRUE(Contains(out, "\r\nContent-Type: application/x-amz-json-1.1\r\n")) << out;
  EXPECT_TRUE(std::regex_search(out, std::regex("\r\nx-amzn-RequestId: [0-9a-f-]{36}\r\n")));
  EXPECT_TRUE(std::regex_search(out, std::regex("\r\nx-amz-id-2: [A-Za-z0-9+/]{96}\r\n")));
  EXPECT_TRUE(Contains(out, "\r\nDate: "));
  EXPECT_FALSE(Contains(out, "x-amzn-ErrorType"));
  EXPECT_FALSE(Contains(out, "Connection:"));
  EXPECT_FALSE(Contains(out, "Access-Control"));
  EXPECT_EQ(out.substr(out.size() - 4), "\r\n\r\n");
}

TEST(ResponseHeadTest, ErrorTypeConnectionAndCors) {
  ResponseHead head;
  head.status = 400;
  head.error_type = "ResourceNotFoundException";
  head.connection = ConnectionHeader::kClose;
  head.cors = true;
  std::string out = "garbage-kept:";  // appends, never clears
  AppendResponseHead(head, out);
  EXPECT_EQ(out.rfind("garbage-kept:HTTP/1.1 400 Bad Request\r\n", 0), 0u) << out;
  EXPECT_TRUE(Contains(out, "\r\nx-amzn-ErrorType: ResourceNotFoundException\r\n"));
  EXPECT_TRUE(Contains(out, "\r\nConnection: close\r\n"));
  EXPECT_TRUE(Contains(out, "\r\nAccess-Control-Allow-Origin: *\r\n"));
  EXPECT_TRUE(Contains(out, "\r\nAccess-Control-Expose-Headers: x-amzn-RequestId,x-amzn-ErrorType,"
                            "x-amz-request-id,x-amz-id-2,x-amzn-ErrorMessage,Date\r\n"));
}

// AppendResponseHead writes exactly the status line and the headers ForEachResponseHeader
// lists, as "name: value\r\n" lines in the same order (ids are random, so only their sizes
// are compared; Date may tick between the two calls).
TEST(ResponseHeadTest, AppendedHeadIsTheStatusLineAndTheListedHeaders) {
  struct Case {
    int status;
    std::string_view line;
    std::string_view error_type;
    bool cors;
  };
  for (const Case& c : {Case{200, "HTTP/1.1 200 OK", "", false},
                        Case{400, "HTTP/1.1 400 Bad Request", "ValidationException", true},
                        Case{500, "HTTP/1.1 500 Internal Server Error", "InternalFailure", false},
                        Case{413, "HTTP/1.1 413 Payload Too Large", "", false}}) {
    ResponseHead head;
    head.status = c.status;
    head.content_type = "application/x-amz-json-1.1";
    head.content_length = 12345;
    head.error_type = c.error_type;
    head.cors = c.cors;
    std::string out = "x";
    AppendResponseHead(head, out);
    std::string expected = "x" + std::string(c.line) + "\r\n";
    ForEachResponseHeader(head, [&](std::string_view name, std::string_view value) {
      expected.append(name).append(": ").append(value).append("\r\n");
    });
    expected += "\r\n";
    ASSERT_EQ(out.size(), expected.size()) << out << "\n---\n" << expected;
    auto mask = [](std::string s) {
      for (const char* name : {"x-amzn-RequestId: ", "x-amz-id-2: ", "Date: "}) {
        size_t at = s.find(name);
        if (at == std::string::npos) continue;
        at += std::strlen(name);
        for (size_t end = s.find("\r\n", at); at < end; ++at) s[at] = '#';
      }
      return s;
    };
    EXPECT_EQ(mask(out), mask(expected));
  }
}

TEST(ResponseHeadTest, KeepAliveForHttp10AndUnknownStatus) {
  ResponseHead head;
  head.status = 555;
  head.connection = ConnectionHeader::kKeepAlive;
  std::string out;
  AppendResponseHead(head, out);
  EXPECT_EQ(out.rfind("HTTP/1.1 555 Unknown\r\n", 0), 0u) << out;
  EXPECT_TRUE(Contains(out, "\r\nConnection: keep-alive\r\n"));
}

TEST(ResponseHeadTest, PreflightEchoesRequestAndOmitsExtendedId) {
  std::string out;
  AppendPreflightHead("content-type,x-amz-target", "POST", ConnectionHeader::kNone, out);
  EXPECT_EQ(out.rfind("HTTP/1.1 200 OK\r\n", 0), 0u);
  EXPECT_TRUE(Contains(out, "\r\nAccess-Control-Allow-Origin: *\r\n"));
  EXPECT_TRUE(Contains(out, "\r\nAccess-Control-Allow-Headers: content-type,x-amz-target\r\n"));
  EXPECT_TRUE(Contains(out, "\r\nAccess-Control-Allow-Methods: POST\r\n"));
  EXPECT_TRUE(Contains(out, "\r\nAccess-Control-Max-Age: 172800\r\n"));
  EXPECT_TRUE(Contains(out, "\r\nContent-Length: 0\r\n"));
  EXPECT_TRUE(Contains(out, "\r\nx-amzn-RequestId: "));
  EXPECT_FALSE(Contains(out, "x-amz-id-2"));
  EXPECT_FALSE(Contains(out, "Expose-Headers"));
}

TEST(ResponseHeadTest, HttpDateIsRfc1123) {
  const std::string date(HttpDateNow());
  EXPECT_TRUE(std::regex_match(
      date, std::regex("(Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-9]{2} "
                       "(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [0-9]{4} "
                       "[0-9]{2}:[0-9]{2}:[0-9]{2} GMT")))
      << date;
}

}  // namespace
}  // namespace runnel::server
