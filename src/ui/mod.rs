pub struct App;
