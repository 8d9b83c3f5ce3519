//! Networking: the client port listener, connections and four-letter words.
pub mod connection;
pub mod four_letter;
pub mod listener;
