// The blocking MLLP client against real loopback peers: connect failure, connect timeout, reply
// timeout, a reply cut short, and noticing a peer that went away.
#include "reference/mllp/client.hpp"

#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <future>
#include <thread>

#include "reference/mllp/server.hpp"
#include "tests/cpp/mllp/test_support.hpp"

namespace radloop::mllp {
namespace {

using namespace std::chrono_literals;
using testing::connect_to;
using testing::eventually;
using testing::start_echo_server;

// A port nothing listens on: a server's, after it stopped.
TEST(MllpClient, ReportsConnectFailureToAClosedPort) {
  auto client = Client::connect(testing::client_config(testing::closed_port()));
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.error().code, Errc::connect_failed);
}

TEST(MllpClient, GivesUpConnectingAfterTheConnectTimeout) {
  // A listener whose accept queue is full drops new SYNs, so the connect gets no answer at all.
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor full(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  full.listen(0);
  const auto port = full.local_endpoint().port();
  std::vector<std::unique_ptr<Client>> queued;
  std::optional<Error> refused;
  for (int i = 0; i < 8 && !refused; ++i) {  // the kernel queues one or two before it is full
    auto config = testing::client_config(port);
    config.connect_timeout = 300ms;
    auto client = Client::connect(config);
    if (client) {
      queued.push_back(std::move(client).value());
    } else {
      refused = client.error();
    }
  }
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->code, Errc::connect_failed);
  EXPECT_NE(refused->detail.find("connect timeout"), std::string::npos) << refused->message();
}

TEST(MllpClient, TimesOutWhenNoReplyComesAndSaysTheOutcomeIsUnknown) {
  std::promise<void> release;
  auto released = release.get_future().share();
  auto server = Server::start({}, [released](const InboundMessage&) {
                  released.wait_for(testing::kPatience);
                  return std::string("too late");
                }).value();
  auto client = connect_to(*server, 200ms);
  auto reply = client->exchange("x");
  release.set_value();
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.error().code, Errc::reply_timeout);
  EXPECT_TRUE(client->peer_has_closed());  // a connection in an unknown state is not reused
}

TEST(MllpClient, ReportsAReplyCutShortAsAClosedConnection) {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor acceptor(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  auto peer = std::async(std::launch::async, [&] {
    auto socket = acceptor.accept();
    std::array<char, 64> request{};
    socket.read_some(boost::asio::buffer(request));
    boost::asio::write(socket, boost::asio::buffer(std::string("\x0bhalf a rep")));
  });  // the socket closes here, inside the frame
  auto client = Client::connect(testing::client_config(acceptor.local_endpoint().port())).value();
  auto reply = client->exchange("x");
  peer.get();
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(reply.error().code, Errc::connection_closed);
  EXPECT_NE(reply.error().detail.find("inside a reply frame"), std::string::npos) << reply.error().message();
}

TEST(MllpClient, NoticesThatThePeerClosedWithoutSendingAnything) {
  ServerConfig config;
  config.idle_timeout = 100ms;
  auto server = start_echo_server(config);
  auto client = connect_to(*server);
  EXPECT_FALSE(client->peer_has_closed());
  EXPECT_TRUE(eventually([&] { return client->peer_has_closed(); }));
}

TEST(MllpClient, RefusesAHostThatIsNotAnAddress) {
  auto config = testing::client_config(1);
  config.host = "not an address";
  auto client = Client::connect(config);
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.error().code, Errc::invalid_config);
}

TEST(MllpClient, RefusesToPairAWaitingUnaskedReplyWithANewMessage) {
  auto server = Server::start({}, [](const InboundMessage& m) {
                  return "ACK:" + m.payload +
                         "\x1c\r\x0b"
                         "ACK:" +
                         m.payload + " again";
                }).value();
  auto client = testing::connect_to(*server);
  EXPECT_EQ(client->exchange("1").value(), "ACK:1");
  EXPECT_TRUE(testing::eventually([&] { return client->has_unread_input(); }));
  auto next = client->exchange("2");
  ASSERT_FALSE(next.ok());
  EXPECT_EQ(next.error().code, Errc::connection_closed);
  EXPECT_EQ(client->receive().value(), "ACK:1 again") << "the waiting reply is still there to read";
}

}  // namespace
}  // namespace radloop::mllp
