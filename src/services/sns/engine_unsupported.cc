// SMS, mobile push and platform applications. fanoutd delivers neither SMS nor push
// notifications: settings that are only stored (SMS attributes) are stored and returned, queries
// answer truthfully (nothing opted out, no platform applications), and anything that would have
// to reach a phone or a push service answers with an AWS-style error, never a fake success.
#include <algorithm>
#include <boost/json.hpp>
#include <cctype>

#include "services/sns/engine_internal.h"
#include "services/sns/input.h"
#include "services/sns/sns_error.h"

namespace fanout::services::sns {

namespace json = boost::json;

namespace {

bool valid_phone_number(std::string_view number) {
  if (number.starts_with('+')) number.remove_prefix(1);
  return !number.empty() && number.size() <= 15 &&
         std::all_of(number.begin(), number.end(), [](char c) { return c >= '0' && c <= '9'; });
}

void check_sms_attribute(const std::string& name, const std::string& value) {
  auto bad = [&] { return errors::invalid_parameter(name); };
  if (name == "DefaultSMSType") {
    if (value != "Promotional" && value != "Transactional") throw bad();
  } else if (name == "MonthlySpendLimit") {
    if (value.empty() ||
        !std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; }))
      throw bad();
  } else if (name == "DeliveryStatusSuccessSamplingRate") {
    if (value.empty() || value.size() > 3 ||
        !std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
        std::stoi(value) > 100) {
      throw bad();
    }
  } else if (name == "DefaultSenderID") {
    if (value.empty() || value.size() > 11 || !std::all_of(value.begin(), value.end(), [](char c) {
          return std::isalnum(static_cast<unsigned char>(c)) || c == '-';
        })) {
      throw bad();
    }
  } else if (name != "DeliveryStatusIAMRole" && name != "UsageReportS3Bucket") {
    throw errors::invalid_parameter("Attributes Reason: Unknown attribute " + name);
  }
}

}  // namespace

void SnsEngine::set_sms_attributes(const Context& context, const Input& in, Completion& done) {
  const auto given = input::string_map(in, "attributes");
  for (const auto& [name, value] : given) check_sms_attribute(name, value);
  json::object record;
  {
    std::lock_guard lock(sms_mutex_);
    auto& settings = sms_attributes_[context.account_id];
    for (const auto& [name, value] : given) settings[name] = value;
    for (const auto& [name, value] : settings) record[name] = value;
  }
  store::Batch batch;
  batch.put(kStateCf, sms_store_key(context.account_id), json::serialize(record));
  commit(std::move(batch),
         [done = std::move(done)](const store::Status& status) mutable { answer(done, status); });
}

void SnsEngine::get_sms_attributes(const Context& context, const Input& in, Completion& done) {
  const auto wanted = input::string_list(in, "attributes");
  json::object attributes;
  {
    std::lock_guard lock(sms_mutex_);
    if (auto it = sms_attributes_.find(context.account_id); it != sms_attributes_.end()) {
      for (const auto& [name, value] : it->second) {
        if (wanted.empty() || std::find(wanted.begin(), wanted.end(), name) != wanted.end())
          attributes[name] = value;
      }
    }
  }
  done(json::object{{"attributes", std::move(attributes)}});
}

void SnsEngine::check_if_phone_number_is_opted_out(const Context&, const Input& in, Completion& done) {
  const auto number = input::require_string(in, "phoneNumber");
  if (!valid_phone_number(number))
    throw errors::invalid_parameter("PhoneNumber Reason: input incorrectly formatted");
  done(json::object{{"isOptedOut", false}});  // nothing is ever sent, so nobody has opted out
}

void SnsEngine::list_phone_numbers_opted_out(const Context&, const Input&, Completion& done) {
  done(json::object{{"phoneNumbers", json::array{}}});
}

void SnsEngine::opt_in_phone_number(const Context&, const Input& in, Completion& done) {
  const auto number = input::require_string(in, "phoneNumber");
  if (!valid_phone_number(number))
    throw errors::invalid_parameter("PhoneNumber Reason: input incorrectly formatted");
  done(json::object{});  // the number is not opted out: opting it in changes nothing
}

void SnsEngine::get_sms_sandbox_account_status(const Context&, const Input&, Completion& done) {
  // The account can send to verified numbers only, and none can be verified here.
  done(json::object{{"IsInSandbox", true}});
}

void SnsEngine::list_sms_sandbox_phone_numbers(const Context&, const Input&, Completion& done) {
  done(json::object{{"PhoneNumbers", json::array{}}});
}

void SnsEngine::create_sms_sandbox_phone_number(const Context&, const Input&, Completion&) {
  throw errors::invalid_parameter(
      "PhoneNumber Reason: fanoutd does not send SMS messages (no verification code can be sent)");
}

void SnsEngine::delete_sms_sandbox_phone_number(const Context&, const Input&, Completion&) {
  throw errors::resource_not_found("The phone number is not in the SMS sandbox");
}

void SnsEngine::verify_sms_sandbox_phone_number(const Context&, const Input&, Completion&) {
  throw errors::resource_not_found("The phone number is not in the SMS sandbox");
}

void SnsEngine::list_origination_numbers(const Context&, const Input&, Completion& done) {
  done(json::object{{"PhoneNumbers", json::array{}}});
}

void SnsEngine::create_platform_application(const Context&, const Input&, Completion&) {
  throw errors::invalid_parameter("Platform Reason: fanoutd does not deliver mobile push notifications");
}

void SnsEngine::list_platform_applications(const Context&, const Input&, Completion& done) {
  done(json::object{{"PlatformApplications", json::array{}}});
}

void SnsEngine::platform_application_not_found(const Context&, const Input&, Completion&) {
  throw errors::not_found("PlatformApplication does not exist");
}

void SnsEngine::delete_platform_application(const Context&, const Input&, Completion& done) {
  done(json::object{});  // idempotent on AWS; there are none to delete
}

void SnsEngine::endpoint_not_found(const Context&, const Input&, Completion&) {
  throw errors::not_found("Endpoint does not exist");
}

void SnsEngine::delete_endpoint(const Context&, const Input&, Completion& done) {
  done(json::object{});  // idempotent on AWS; there are none to delete
}

}  // namespace fanout::services::sns
