// sigv4_tool: one JSON request per stdin line in, one JSON verdict per stdout line out, so that an
// outside implementation (botocore_oracle.py) can check the auth library in bulk.
//
// Input fields: id, op ("verify" | "sign" | "presign"), method, target, headers ([[name, value]]),
// body_b64, plus for verify: secret, now (X-Amz-Date form), normalize; for sign/presign:
// access_key, secret, token, region, service, time (X-Amz-Date form), normalize, sign_body,
// omit_session_token, expires.
// Output fields: id, ok, failure, message, signature, canonical_request, string_to_sign,
// authorization, target.
#include <boost/json.hpp>
#include <iostream>
#include <string>

#include "auth/sigv4.h"
#include "common/crypto.h"

namespace {

namespace json = boost::json;
namespace auth = fanout::auth;
namespace crypto = fanout::crypto;

const char* failure_name(auth::AuthFailure failure) {
  switch (failure) {
    case auth::AuthFailure::missing:
      return "missing";
    case auth::AuthFailure::incomplete:
      return "incomplete";
    case auth::AuthFailure::unsupported_algorithm:
      return "unsupported_algorithm";
    case auth::AuthFailure::unknown_access_key:
      return "unknown_access_key";
    case auth::AuthFailure::signature_mismatch:
      return "signature_mismatch";
    case auth::AuthFailure::time_skewed:
      return "time_skewed";
    case auth::AuthFailure::expired:
      return "expired";
    case auth::AuthFailure::content_sha256_mismatch:
      return "content_sha256_mismatch";
  }
  return "unknown";
}

std::string str(const json::object& o, const char* key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

bool flag(const json::object& o, const char* key, bool fallback) {
  const auto* v = o.if_contains(key);
  return v && v->is_bool() ? v->as_bool() : fallback;
}

std::int64_t time_field(const json::object& o, const char* key) {
  const auto t = auth::parse_amz_date(str(o, key));
  if (!t) throw std::runtime_error(std::string("bad ") + key);
  return *t;
}

json::object handle(const json::object& in) {
  auth::HttpRequest request;
  request.method = str(in, "method");
  request.target = str(in, "target");
  for (const auto& h : in.at("headers").as_array()) {
    request.headers.emplace_back(std::string(h.as_array().at(0).as_string()),
                                 std::string(h.as_array().at(1).as_string()));
  }
  const auto body = crypto::base64_decode(str(in, "body_b64"));
  if (!body) throw std::runtime_error("body_b64 is not base64");
  request.body = *body;

  json::object out;
  out["id"] = in.at("id");
  const std::string op = str(in, "op");
  const bool normalize = flag(in, "normalize", true);
  if (op == "verify") {
    const auth::ParseResult parsed = auth::parse_auth(request);
    if (parsed.error) {
      out["ok"] = false;
      out["failure"] = failure_name(parsed.error->failure);
      out["message"] = parsed.error->message;
      return out;
    }
    auth::VerifyOptions options;
    options.now_seconds = time_field(in, "now");
    options.normalize_path = normalize;
    const auto error = auth::verify_request(request, *parsed.auth, str(in, "secret"), options);
    out["ok"] = !error.has_value();
    if (error) {
      out["failure"] = failure_name(error->failure);
      out["message"] = error->message;
    }
    const auth::SigningResult expected =
        auth::recompute_signature(request, *parsed.auth, str(in, "secret"), normalize);
    out["canonical_request"] = expected.canonical_request;
    out["string_to_sign"] = expected.string_to_sign;
    out["signature"] = expected.signature;
    return out;
  }
  if (op != "sign" && op != "presign") throw std::runtime_error("unknown op " + op);
  const auth::Credentials creds{str(in, "access_key"), str(in, "secret"), str(in, "token")};
  auth::SigningOptions options;
  options.region = str(in, "region");
  options.service = str(in, "service");
  options.time_seconds = time_field(in, "time");
  options.normalize_path = normalize;
  options.sign_body = flag(in, "sign_body", false);
  options.omit_session_token = flag(in, "omit_session_token", false);
  if (const auto* e = in.if_contains("expires")) options.expires_seconds = e->to_number<std::int64_t>();
  const auth::SigningResult result = op == "sign" ? auth::sign_request(request, creds, options)
                                                  : auth::presign_request(request, creds, options);
  out["ok"] = true;
  out["signature"] = result.signature;
  out["canonical_request"] = result.canonical_request;
  out["string_to_sign"] = result.string_to_sign;
  out["authorization"] = result.authorization;
  out["target"] = request.target;
  return out;
}

}  // namespace

int main() {
  std::ios::sync_with_stdio(false);
  std::string line;
  int status = 0;
  while (std::getline(std::cin, line)) {
    if (line.empty()) continue;
    json::object out;
    try {
      out = handle(json::parse(line).as_object());
    } catch (const std::exception& e) {
      out["ok"] = false;
      out["failure"] = "tool_error";
      out["message"] = e.what();
      status = 1;
    }
    std::cout << json::serialize(out) << '\n';
  }
  std::cout.flush();
  return status;
}
