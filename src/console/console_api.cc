#include "console/console_api.h"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <cstdlib>
#include <exception>

#include "services/cloudformation/cloudformation_engine.h"
#include "services/cloudformation/service_caller.h"
#include "services/firehose/firehose_engine.h"
#include "services/s3/s3_engine.h"
#include "services/service_set.h"
#include "services/sns/sns_engine.h"
#include "services/sqs/sqs_engine.h"

namespace fanout::console {

namespace json = boost::json;
using protocol::ServiceError;

namespace {

// Carries an engine's error out of a nested gathering step to handle().
struct ApiFailure {
  ServiceError error;
};

[[noreturn]] void fail(ServiceError error) { throw ApiFailure{std::move(error)}; }

ServiceError not_found(const std::string& what) {
  return ServiceError::make("NotFound", "No console resource " + what, 404);
}

std::string string_at(const json::object& object, std::string_view key) {
  const auto* value = object.if_contains(key);
  return value && value->is_string() ? std::string(value->as_string()) : std::string();
}

const std::string& required(const ApiRequest& request, const std::string& key) {
  auto it = request.query.find(key);
  if (it == request.query.end() || it->second.empty()) {
    fail(ServiceError::make("MissingParameter", "The query parameter " + key + " is required."));
  }
  return it->second;
}

std::string body_string(const ApiRequest& request, std::string_view key) {
  const auto* value = request.body.if_contains(key);
  if (!value || !value->is_string()) {
    fail(ServiceError::make("MissingParameter", "The body member " + std::string(key) + " is required."));
  }
  return std::string(value->as_string());
}

// "arn:aws:sqs:us-east-1:000000000000:name" → "name".
std::string last_arn_part(const std::string& arn) {
  auto colon = arn.rfind(':');
  return colon == std::string::npos ? arn : arn.substr(colon + 1);
}

// A JSON-text attribute (FilterPolicy, RedrivePolicy) as a value, or the text when it is not JSON.
json::value parsed_or_text(const std::string& text) {
  if (text.empty()) return nullptr;
  boost::system::error_code ec;
  auto value = json::parse(text, ec);
  return ec ? json::value(json::string(text)) : value;
}

}  // namespace

json::object ConsoleApi::call(const protocol::RequestContext& context, const std::string& service,
                              const std::string& operation, json::object input) {
  auto& set = services_;
  services::cloudformation::ServiceCaller caller(
      [&set](const std::string& name) -> protocol::ServiceEngine* {
        if (name == "sqs") return &set.sqs();
        if (name == "sns") return &set.sns();
        if (name == "firehose") return &set.firehose();
        if (name == "cloudformation") return &set.cloudformation();
        return nullptr;
      },
      nullptr, context);
  auto result = caller.call(service, operation, std::move(input));
  if (auto* error = std::get_if<ServiceError>(&result)) fail(*error);
  return std::get<json::object>(std::move(result));
}

std::string ConsoleApi::queue_url(const protocol::RequestContext& context, const std::string& name) const {
  return context.scheme + "://" + context.host + "/" + context.account_id + "/" + name;
}

json::array ConsoleApi::queues(const protocol::RequestContext& context) {
  json::array out;
  std::string token;
  do {
    json::object input{{"MaxResults", 1000}};
    if (!token.empty()) input["NextToken"] = token;
    auto listed = call(context, "sqs", "ListQueues", std::move(input));
    token = string_at(listed, "NextToken");
    const auto* urls = listed.if_contains("QueueUrls");
    if (!urls) break;
    for (const auto& url : urls->as_array()) {
      const std::string url_text(url.as_string());
      json::object attributes;
      try {
        auto got = call(context, "sqs", "GetQueueAttributes",
                        {{"QueueUrl", url_text}, {"AttributeNames", json::array{"All"}}});
        if (auto* a = got.if_contains("Attributes")) attributes = a->as_object();
      } catch (const ApiFailure&) {
        continue;  // deleted between the list and the look
      }
      const std::string name = last_arn_part(string_at(attributes, "QueueArn"));
      json::object queue{{"name", name}, {"url", url_text}, {"attributes", attributes}};
      if (auto redrive = string_at(attributes, "RedrivePolicy"); !redrive.empty()) {
        queue["redrivePolicy"] = parsed_or_text(redrive);
      }
      if (auto activity = services_.sqs().queue_activity(context.account_id, name)) {
        queue["activity"] = {{"sent", activity->sent},
                             {"received", activity->received},
                             {"deleted", activity->deleted},
                             {"oldestSentMs", activity->oldest_sent_ms}};
      }
      out.push_back(std::move(queue));
    }
  } while (!token.empty());
  return out;
}

json::object ConsoleApi::queue(const protocol::RequestContext& context, const std::string& name) {
  const auto url = queue_url(context, name);
  auto attributes =
      call(context, "sqs", "GetQueueAttributes", {{"QueueUrl", url}, {"AttributeNames", json::array{"All"}}});
  json::object out{{"name", name}, {"url", url}};
  const json::object a =
      attributes.contains("Attributes") ? attributes["Attributes"].as_object() : json::object{};
  out["attributes"] = a;
  if (auto redrive = string_at(a, "RedrivePolicy"); !redrive.empty())
    out["redrivePolicy"] = parsed_or_text(redrive);
  auto tags = call(context, "sqs", "ListQueueTags", {{"QueueUrl", url}});
  out["tags"] = tags.contains("Tags") ? tags["Tags"] : json::object{};
  auto sources = call(context, "sqs", "ListDeadLetterSourceQueues", {{"QueueUrl", url}});
  out["deadLetterSourceQueues"] = sources.contains("queueUrls") ? sources["queueUrls"] : json::array{};
  out["moveTasks"] = json::array{};
  if (!out["deadLetterSourceQueues"].as_array().empty()) {  // move tasks start only from dead-letter queues
    auto tasks = call(context, "sqs", "ListMessageMoveTasks", {{"SourceArn", string_at(a, "QueueArn")}});
    if (tasks.contains("Results")) out["moveTasks"] = tasks["Results"];
  }
  if (auto activity = services_.sqs().queue_activity(context.account_id, name)) {
    out["activity"] = {{"sent", activity->sent},
                       {"received", activity->received},
                       {"deleted", activity->deleted},
                       {"oldestSentMs", activity->oldest_sent_ms}};
  }
  return out;
}

json::array ConsoleApi::topics(const protocol::RequestContext& context) {
  json::array out;
  std::string token;
  do {
    json::object input;
    if (!token.empty()) input["NextToken"] = token;
    auto listed = call(context, "sns", "ListTopics", std::move(input));
    token = string_at(listed, "NextToken");
    const auto* topics = listed.if_contains("Topics");
    if (!topics) break;
    for (const auto& entry : topics->as_array()) {
      const std::string arn = string_at(entry.as_object(), "TopicArn");
      json::object topic{{"arn", arn}, {"name", last_arn_part(arn)}};
      try {
        topic["attributes"] = call(context, "sns", "GetTopicAttributes", {{"TopicArn", arn}})["Attributes"];
        json::array subscriptions;
        std::string sub_token;
        do {
          json::object sub_input{{"TopicArn", arn}};
          if (!sub_token.empty()) sub_input["NextToken"] = sub_token;
          auto subs = call(context, "sns", "ListSubscriptionsByTopic", std::move(sub_input));
          sub_token = string_at(subs, "NextToken");
          if (!subs.contains("Subscriptions")) break;
          for (const auto& s : subs["Subscriptions"].as_array()) {
            json::object sub = s.as_object();
            const auto sub_arn = string_at(sub, "SubscriptionArn");
            if (sub_arn.starts_with("arn:")) {
              auto got = call(context, "sns", "GetSubscriptionAttributes", {{"SubscriptionArn", sub_arn}});
              json::object attributes =
                  got.contains("Attributes") ? got["Attributes"].as_object() : json::object{};
              sub["RawMessageDelivery"] = string_at(attributes, "RawMessageDelivery") == "true";
              sub["FilterPolicy"] = parsed_or_text(string_at(attributes, "FilterPolicy"));
              sub["FilterPolicyScope"] = string_at(attributes, "FilterPolicyScope");
              sub["RedrivePolicy"] = parsed_or_text(string_at(attributes, "RedrivePolicy"));
              if (auto activity = services_.sns().subscription_activity(sub_arn)) {
                sub["activity"] = {{"delivered", activity->delivered}, {"failed", activity->failed}};
              }
            }
            subscriptions.push_back(std::move(sub));
          }
        } while (!sub_token.empty());
        topic["subscriptions"] = std::move(subscriptions);
      } catch (const ApiFailure&) {
        continue;  // deleted meanwhile
      }
      out.push_back(std::move(topic));
    }
  } while (!token.empty());
  return out;
}

json::array ConsoleApi::streams(const protocol::RequestContext& context) {
  json::array out;
  std::string after;
  for (;;) {
    json::object input{{"Limit", 10000}};
    if (!after.empty()) input["ExclusiveStartDeliveryStreamName"] = after;
    auto listed = call(context, "firehose", "ListDeliveryStreams", std::move(input));
    const auto& names = listed["DeliveryStreamNames"].as_array();
    for (const auto& n : names) {
      const std::string name(n.as_string());
      after = name;
      json::object stream{{"name", name}};
      try {
        stream["description"] = call(context, "firehose", "DescribeDeliveryStream",
                                     {{"DeliveryStreamName", name}})["DeliveryStreamDescription"];
      } catch (const ApiFailure&) {
        continue;
      }
      if (auto activity = services_.firehose().stream_activity(context.account_id, name)) {
        stream["activity"] = {{"bufferedBytes", activity->buffered_bytes},
                              {"bufferedRecords", activity->buffered_records},
                              {"oldestRecordMs", activity->oldest_record_ms},
                              {"objectsWaiting", activity->objects_waiting},
                              {"objectsDelivered", activity->objects_delivered},
                              {"deliveryFailures", activity->delivery_failures},
                              {"lastFailure", activity->last_failure}};
      }
      out.push_back(std::move(stream));
    }
    const auto* more = listed.if_contains("HasMoreDeliveryStreams");
    if (names.empty() || !more || !more->is_bool() || !more->as_bool()) break;
  }
  return out;
}

json::array ConsoleApi::buckets(const protocol::RequestContext& context) {
  json::array out;
  for (const auto& bucket : services_.s3().list_buckets(context.account_id)) {
    out.push_back({{"name", bucket.name}, {"createdMs", bucket.created_ms}, {"region", bucket.region}});
  }
  return out;
}

json::array ConsoleApi::stacks(const protocol::RequestContext& context) {
  json::array out;
  auto described = call(context, "cloudformation", "DescribeStacks", {});
  if (!described.contains("Stacks")) return out;
  for (const auto& s : described["Stacks"].as_array()) {
    json::object stack = s.as_object();
    const auto name = string_at(stack, "StackName");
    try {
      auto resources = call(context, "cloudformation", "ListStackResources", {{"StackName", name}});
      stack["Resources"] =
          resources.contains("StackResourceSummaries") ? resources["StackResourceSummaries"] : json::array{};
      auto events = call(context, "cloudformation", "DescribeStackEvents", {{"StackName", name}});
      stack["Events"] = events.contains("StackEvents") ? events["StackEvents"] : json::array{};
    } catch (const ApiFailure&) {
      continue;
    }
    out.push_back(std::move(stack));
  }
  return out;
}

json::value ConsoleApi::objects(const ApiRequest& request, const std::string& bucket) {
  services::s3::ListQuery query;
  if (auto it = request.query.find("prefix"); it != request.query.end()) query.prefix = it->second;
  if (auto it = request.query.find("after"); it != request.query.end()) query.start_after = it->second;
  query.delimiter = "/";
  query.max_keys = 1000;
  auto listed = services_.s3().list_objects(request.context.account_id, bucket, query);
  if (auto* error = std::get_if<ServiceError>(&listed)) fail(*error);
  const auto& result = std::get<services::s3::ListResult>(listed);
  json::array prefixes, objects;
  for (const auto& p : result.common_prefixes) prefixes.push_back(json::string(p));
  for (const auto& o : result.objects) {
    objects.push_back(
        {{"key", o.key},
         {"size", o.size},
         {"etag", o.etag},
         {"lastModifiedMs", o.last_modified_ms},
         {"storageClass", o.attributes.storage_class.empty() ? "STANDARD" : o.attributes.storage_class}});
  }
  return json::object{{"bucket", bucket},
                      {"prefix", query.prefix},
                      {"prefixes", std::move(prefixes)},
                      {"objects", std::move(objects)},
                      {"truncated", result.truncated},
                      {"next", result.next_marker}};
}

ApiResult ConsoleApi::object(const ApiRequest& request, const std::string& bucket, bool download) {
  const auto& key = required(request, "key");
  const auto& account = request.context.account_id;
  auto head = services_.s3().head_object(account, bucket, key);
  if (auto* error = std::get_if<ServiceError>(&head)) return *error;
  const auto& meta = std::get<services::s3::ObjectMeta>(head);
  const auto& a = meta.attributes;
  const std::string content_type = a.content_type.empty() ? "binary/octet-stream" : a.content_type;
  if (download) {
    return ObjectDownload{services_.s3().object_file(account, bucket, meta), meta.size, content_type,
                          a.content_encoding, meta.etag};
  }
  json::object metadata;
  for (const auto& [name, value] : a.user_metadata) metadata[name] = value;
  json::object checksums;
  for (const auto& [name, value] : meta.checksums) checksums[name] = value;
  json::object tags;
  for (const auto& [name, value] : a.tags) tags[name] = value;
  return json::value(json::object{{"bucket", bucket},
                                  {"key", meta.key},
                                  {"size", meta.size},
                                  {"etag", meta.etag},
                                  {"lastModifiedMs", meta.last_modified_ms},
                                  {"contentType", content_type},
                                  {"contentEncoding", a.content_encoding},
                                  {"cacheControl", a.cache_control},
                                  {"storageClass", a.storage_class.empty() ? "STANDARD" : a.storage_class},
                                  {"metadata", std::move(metadata)},
                                  {"checksums", std::move(checksums)},
                                  {"tags", std::move(tags)},
                                  {"partsCount", meta.parts_count}});
}

ApiResult ConsoleApi::handle(const ApiRequest& request) {
  const auto& p = request.path;
  const auto& context = request.context;
  const bool get = request.method == "GET";
  const bool post = request.method == "POST";
  try {
    if (p.size() == 1 && get) {
      if (p[0] == "overview") {
        return json::value(json::object{{"account", context.account_id},
                                        {"queues", queues(context)},
                                        {"topics", topics(context)},
                                        {"streams", streams(context)},
                                        {"buckets", buckets(context)}});
      }
      if (p[0] == "queues") return json::value(queues(context));
      if (p[0] == "topics") return json::value(topics(context));
      if (p[0] == "streams") return json::value(streams(context));
      if (p[0] == "buckets") return json::value(buckets(context));
      if (p[0] == "stacks") return json::value(stacks(context));
    }
    if (p.size() >= 2 && p[0] == "queues") {
      const std::string& name = p[1];
      if (p.size() == 2 && get) return json::value(queue(context, name));
      if (p.size() == 3 && p[2] == "messages" && get) {
        services::sqs::SqsEngine::PeekOptions options;
        if (auto it = request.query.find("max"); it != request.query.end()) {
          options.max_messages =
              std::clamp<std::size_t>(std::strtoull(it->second.c_str(), nullptr, 10), 1, 1000);
        }
        options.include_inflight =
            request.query.contains("inflight") && request.query.at("inflight") == "true";
        options.include_delayed = request.query.contains("delayed") && request.query.at("delayed") == "true";
        auto messages = services_.sqs().peek_messages(context.account_id, name, options);
        if (!messages) {
          return ServiceError::make("QueueDoesNotExist", "The specified queue does not exist.");
        }
        return json::value(json::object{{"Messages", std::move(*messages)}});
      }
      if (p.size() == 3 && p[2] == "messages" && post) {
        json::object input{{"QueueUrl", queue_url(context, name)},
                           {"MessageBody", body_string(request, "body")}};
        for (const char* key : {"MessageGroupId", "MessageDeduplicationId"}) {
          if (auto v = string_at(request.body, key); !v.empty()) input[key] = v;
        }
        return json::value(call(context, "sqs", "SendMessage", std::move(input)));
      }
      if (p.size() == 3 && p[2] == "purge" && post) {
        return json::value(call(context, "sqs", "PurgeQueue", {{"QueueUrl", queue_url(context, name)}}));
      }
      if (p.size() == 3 && p[2] == "redrive" && post) {
        auto attributes =
            call(context, "sqs", "GetQueueAttributes",
                 {{"QueueUrl", queue_url(context, name)}, {"AttributeNames", json::array{"QueueArn"}}});
        json::object input{{"SourceArn", string_at(attributes["Attributes"].as_object(), "QueueArn")}};
        if (auto v = string_at(request.body, "DestinationArn"); !v.empty()) input["DestinationArn"] = v;
        return json::value(call(context, "sqs", "StartMessageMoveTask", std::move(input)));
      }
    }
    if (p.size() == 2 && p[0] == "topics" && p[1] == "publish" && post) {
      json::object input{{"TopicArn", body_string(request, "TopicArn")},
                         {"Message", body_string(request, "Message")}};
      if (auto v = string_at(request.body, "Subject"); !v.empty()) input["Subject"] = v;
      for (const char* key : {"MessageGroupId", "MessageDeduplicationId"}) {
        if (auto v = string_at(request.body, key); !v.empty()) input[key] = v;
      }
      return json::value(call(context, "sns", "Publish", std::move(input)));
    }
    if (p.size() == 3 && p[0] == "buckets" && get) {
      if (p[2] == "objects") return objects(request, p[1]);
      if (p[2] == "object") return object(request, p[1], false);
      if (p[2] == "download") return object(request, p[1], true);
    }
  } catch (const ApiFailure& failure) {
    return failure.error;
  } catch (const std::exception& error) {
    return ServiceError::make("InternalError", error.what(), 500);
  }
  return not_found(request.method + " /_fanout/api/" + (p.empty() ? std::string() : p[0]));
}

}  // namespace fanout::console
