# Action Cable on its own (no Rails app): Debian's ruby-actioncable under
# puma, the async adapter, one ChatChannel that broadcasts what `speak` gets.
# Run: puma -b tcp://127.0.0.1:PORT config.ru; clients connect to /cable.
require "logger"
require "action_cable"

module ApplicationCable
  class Connection < ActionCable::Connection::Base; end
end

class ChatChannel < ActionCable::Channel::Base
  def subscribed
    stream_from "chat"
  end

  def speak(data)
    ActionCable.server.broadcast("chat", data.except("action"))
  end
end

ActionCable.server.config.cable = { "adapter" => "async" }
ActionCable.server.config.connection_class = -> { ApplicationCable::Connection }
ActionCable.server.config.disable_request_forgery_protection = true
ActionCable.server.config.logger = Logger.new($stdout)
# One worker runs a client's commands in order (Rails' default is 4); the
# async adapter still broadcasts on several threads, so a burst of lines can
# reach other clients out of order (the test checks each arrives once).
ActionCable.server.config.worker_pool_size = 1

map("/cable") { run ActionCable.server }
