# The em-websocket README echo server: greets with the path it was reached at
# and answers each message to its sender only.
require 'em-websocket'
port = Integer(ARGV[0])
EM.run do
  EM::WebSocket.run(host: '127.0.0.1', port: port) do |ws|
    ws.onopen { |handshake| ws.send "Hello Client, you connected to #{handshake.path}" }
    ws.onmessage { |msg| ws.send "Pong: #{msg}" }
  end
  puts "listening on #{port}"
  $stdout.flush
end
