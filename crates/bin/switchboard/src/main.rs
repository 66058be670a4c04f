//! Switchboard contact center
fn main() {}
