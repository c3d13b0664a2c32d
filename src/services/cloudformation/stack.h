// A stack as CloudFormation keeps it: status, template, parameters, resources, outputs, events
// and change sets, with its durable (JSON) form.
#pragma once

#include <boost/json/object.hpp>
#include <map>
#include <string>
#include <vector>

#include "services/cloudformation/parameters.h"

namespace fanout::services::cloudformation {

struct StackResource {
  std::string logical_id;
  std::string type;
  std::string physical_id;
  std::string status;
  std::string reason;
  double updated = 0;              // epoch seconds
  boost::json::object properties;  // as resolved when created or last updated
  boost::json::value ref;
  boost::json::object attributes;
  std::string deletion_policy = "Delete";
};

struct ChangeSet {
  std::string id;
  std::string name;
  std::string type;  // CREATE | UPDATE
  std::string status = "CREATE_PENDING";
  std::string execution_status = "UNAVAILABLE";
  std::string reason;
  std::string description;
  double created = 0;
  std::string template_body;
  ParameterValues parameters;
  std::vector<std::string> capabilities;
  boost::json::array tags;
  boost::json::array changes;
};

struct Stack {
  std::string id;
  std::string name;
  std::string status;
  std::string reason;
  std::string description;
  std::string template_body;
  ParameterValues parameters;
  std::vector<std::string> no_echo;  // parameter names shown as ****
  std::vector<std::string> capabilities;
  std::vector<std::string> notification_arns;
  boost::json::array tags;
  double created = 0, updated = 0, deleted = 0;
  bool disable_rollback = false;
  std::string on_failure = "ROLLBACK";
  boost::json::array outputs;        // [{OutputKey, OutputValue, Description, ExportName}]
  std::vector<std::string> imports;  // export names this stack imports
  std::map<std::string, StackResource> resources;
  std::vector<std::string> order;                // creation order of `resources`
  std::map<std::string, ChangeSet> change_sets;  // by name
  std::vector<boost::json::object> events;       // oldest first
  std::uint64_t next_event = 0;

  bool is_deleted() const { return status == "DELETE_COMPLETE"; }
  boost::json::object to_json() const;  // durable form (without events)
  static Stack from_json(const boost::json::object& object);
};

}  // namespace fanout::services::cloudformation
