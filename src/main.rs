fn main() {
    roomcast::start();
}
