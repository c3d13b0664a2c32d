#include "event_generator.h"

#include <algorithm>
#include <cctype>

#include "common/fast_uuid.h"

namespace fanout::apps {
namespace {

struct CatalogueItem {
  const char* sku;
  const char* description;
  std::int64_t price_cents;
};

constexpr const char* kFirstNames[] = {"Ana",     "Bruno",    "Camila",   "Diego",   "Eduarda",
                                       "Felipe",  "Gabriela", "Henrique", "Isabela", "João",
                                       "Larissa", "Marcos",   "Natália",  "Otávio",  "Patrícia",
                                       "Rafael",  "Sofia",    "Thiago",   "Vitória", "William"};
constexpr const char* kLastNames[] = {"Silva",    "Santos",  "Oliveira",  "Souza",    "Rodrigues",
                                      "Ferreira", "Alves",   "Pereira",   "Lima",     "Gomes",
                                      "Costa",    "Ribeiro", "Martins",   "Carvalho", "Almeida",
                                      "Lopes",    "Soares",  "Fernandes", "Vieira",   "Barbosa"};
constexpr const char* kEmailDomains[] = {"gmail.com", "hotmail.com", "outlook.com", "yahoo.com.br",
                                         "uol.com.br"};
constexpr const char* kStreets[] = {
    "Rua das Flores",           "Avenida Paulista", "Rua XV de Novembro",
    "Avenida Brasil",           "Rua Augusta",      "Rua da Consolação",
    "Avenida Atlântica",        "Rua Oscar Freire", "Avenida Sete de Setembro",
    "Rua Voluntários da Pátria"};
struct City {
  const char* name;
  const char* state;
  const char* cep_prefix;
};
constexpr City kCities[] = {{"São Paulo", "SP", "01"},      {"Rio de Janeiro", "RJ", "20"},
                            {"Belo Horizonte", "MG", "30"}, {"Curitiba", "PR", "80"},
                            {"Porto Alegre", "RS", "90"},   {"Salvador", "BA", "40"},
                            {"Recife", "PE", "50"},         {"Fortaleza", "CE", "60"},
                            {"Florianópolis", "SC", "88"},  {"Brasília", "DF", "70"}};
constexpr CatalogueItem kCatalogue[] = {{"ELEC-PHONE-128", "Smartphone 128 GB", 189900},
                                        {"ELEC-EARBUDS", "Bluetooth earbuds", 24990},
                                        {"ELEC-CHARGER-65W", "USB-C charger 65 W", 12990},
                                        {"HOME-COFFEE-MAKER", "Coffee maker", 32990},
                                        {"HOME-TOWEL-SET", "Bath towel set", 8990},
                                        {"BOOK-CLEAN-CODE", "Clean Code (book)", 9490},
                                        {"BOOK-DDIA", "Designing Data-Intensive Applications", 21990},
                                        {"SPORT-RUN-SHOE", "Running shoes", 39990},
                                        {"SPORT-YOGA-MAT", "Yoga mat", 11990},
                                        {"TOY-BLOCKS-500", "Building blocks (500 pcs)", 14990},
                                        {"FOOD-COFFEE-1KG", "Coffee beans 1 kg", 6990},
                                        {"BEAUTY-SUNSCREEN", "Sunscreen SPF 50", 5490}};
constexpr const char* kMethods[] = {"credit_card", "credit_card", "credit_card", "debit_card",
                                    "pix",         "pix",         "boleto"};

std::string ascii_lower(std::string text) {
  // E-mail local parts from names: strip the accents of the names above.
  static const std::pair<const char*, char> kAccents[] = {{"ã", 'a'}, {"á", 'a'}, {"â", 'a'}, {"é", 'e'},
                                                          {"ê", 'e'}, {"í", 'i'}, {"ó", 'o'}, {"ô", 'o'},
                                                          {"õ", 'o'}, {"ú", 'u'}, {"ç", 'c'}};
  for (const auto& [accented, plain] : kAccents) {
    for (auto pos = text.find(accented); pos != std::string::npos; pos = text.find(accented, pos)) {
      text.replace(pos, std::char_traits<char>::length(accented), 1, plain);
    }
  }
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

}  // namespace

EventGenerator::EventGenerator(std::uint64_t seed) : random_(seed) {}

std::string EventGenerator::uuid() {
  std::uniform_int_distribution<std::uint64_t> bits;
  const std::uint64_t high = bits(random_);
  return crypto::format_uuid(high, bits(random_), 4);
}

std::string EventGenerator::time_ordered_uuid() {
  std::uniform_int_distribution<std::uint64_t> bits;
  const auto ms = static_cast<std::uint64_t>(now_ms());
  const std::uint64_t high = (ms << 16) | (bits(random_) & 0xffff);
  return crypto::format_uuid(high, bits(random_), 7);
}

std::string EventGenerator::cpf() {
  int digits[11];
  for (int i = 0; i < 9; ++i) digits[i] = between(0, 9);
  for (int check = 9; check < 11; ++check) {
    int sum = 0;
    for (int i = 0; i < check; ++i) sum += digits[i] * (check + 1 - i);
    const int rest = (sum * 10) % 11;
    digits[check] = rest == 10 ? 0 : rest;
  }
  std::string text;
  for (int i = 0; i < 11; ++i) {
    if (i == 3 || i == 6) text += '.';
    if (i == 9) text += '-';
    text += static_cast<char>('0' + digits[i]);
  }
  return text;
}

ConsumerCreatedEvent EventGenerator::next() {
  ConsumerCreatedEvent event;
  event.event_id = time_ordered_uuid();

  auto& consumer = event.consumer;
  const std::string first = pick(kFirstNames);
  const std::string last = pick(kLastNames);
  consumer.id = uuid();
  consumer.name = first + " " + last;
  consumer.email = ascii_lower(first) + "." + ascii_lower(last) + std::to_string(between(1, 9999)) + "@" +
                   pick(kEmailDomains);
  consumer.document_number = cpf();
  const City& city = pick(kCities);
  const std::string cep = std::string(city.cep_prefix) + std::to_string(between(100, 999)) + "-" +
                          std::to_string(between(100, 999));
  consumer.address = {std::string(pick(kStreets)) + ", " + std::to_string(between(1, 3999)), city.name,
                      city.state, cep, "BR"};
  consumer.created_at = format_timestamp_ms(now_ms());

  auto& order = event.order;
  order.id = uuid();
  order.consumer_id = consumer.id;
  order.currency = "BRL";
  const int lines = between(1, 4);
  for (int i = 0; i < lines; ++i) {
    const CatalogueItem& item = pick(kCatalogue);
    order.items.push_back({item.sku, item.description, between(1, 3), item.price_cents});
    order.total_cents += order.items.back().unit_price_cents * order.items.back().quantity;
  }

  auto& payment = event.payment;
  payment.id = uuid();
  payment.order_id = order.id;
  payment.method = pick(kMethods);
  payment.amount_cents = order.total_cents;
  payment.currency = order.currency;
  const int roll = between(1, 100);
  // Boleto settles days later; cards mostly clear at once.
  payment.status = payment.method == "boleto" ? "pending"
                   : roll <= 90               ? "approved"
                   : roll <= 96               ? "pending"
                                              : "declined";
  return event;
}

}  // namespace fanout::apps
