// A small streaming XML writer for AWS responses (query and rest-xml protocols).
#pragma once

#include <string>
#include <string_view>

namespace fanout::protocol {

// Escapes text for element content and attribute values. Characters XML 1.0 cannot carry
// raw (CR, and controls SQS allows in bodies such as TAB) are written as character references,
// as AWS does, so clients read back exactly what was sent.
void append_xml_escaped(std::string& out, std::string_view text);

class XmlWriter {
 public:
  XmlWriter() : out_("<?xml version=\"1.0\"?>") {}
  void open(std::string_view name, std::string_view xmlns = {});
  void close(std::string_view name);
  void element(std::string_view name, std::string_view text);
  void empty(std::string_view name);
  std::string& str() { return out_; }

 private:
  std::string out_;
};

}  // namespace fanout::protocol
