//! Networking: the client port listener, connections and four-letter words.
pub mod four_letter;
